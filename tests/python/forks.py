# SPDX-License-Identifier: MIT
"""Children made by os.fork and by multiprocessing's fork start method,
each doing its work in a span.

usage: forks.py TRACE.json|-   (-: no TraceOutput)
"""
import multiprocessing
import os
import sys

import traced_main
from keke import kev


def child_work(how):
    with kev("child work", how=how):
        with open(os.devnull, "w") as f:
            f.write("x")


def main():
    sys.stdout.flush()
    with kev("fork with os.fork"):
        pid = os.fork()
        if pid == 0:
            child_work("os.fork")
            sys.exit(0)
        _, status = os.waitpid(pid, 0)
    ctx = multiprocessing.get_context("fork")
    with kev("fork with multiprocessing"):
        p = ctx.Process(target=child_work, args=("multiprocessing",))
        p.start()
        p.join()
    print("children exited with", os.WEXITSTATUS(status), p.exitcode)


if __name__ == "__main__":
    traced_main.run(main)
