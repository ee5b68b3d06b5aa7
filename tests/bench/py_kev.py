#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What a span of keke.py costs: `with kev(...)` next to an empty `with`.

usage: tests/bench/py_kev.py [--build DIR] [-n N] [--reps R]

Runs N iterations of each loop R times in a fresh interpreter per way
of running, and prints the median nanoseconds of CPU time (of the
process, all its threads) per iteration above an empty loop's:

  empty with     `with` of a context manager whose methods do nothing
  kev off        kev("step") with no TraceOutput and no libkeke.so
  standalone     the same inside TraceOutput(file=...), to a file in
                 $TMPDIR: the loop, and the writer thread's formatting and
                 writing of its events until the file is closed
  under keke     libkeke.so preloaded (its trace dir in $TMPDIR): the
                 records go into keke's record file

and the same with one argument (kev("step", i=i)). The interpreter is
the one running this script.
"""
import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
MODES = ("off", "standalone", "keke")
# CPU time of the process, all its threads (the standalone writer's too):
# less disturbed than wall time by what else the machine runs.
CLOCK = time.process_time


class Empty:
    """A context manager that does nothing."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def loops(keke, n, session):
    """Seconds for n iterations of each loop, by name; each kev loop
    runs inside session(), which is timed with it."""
    kev = keke.kev
    empty = Empty()
    r = range(n)
    out = {}
    t = CLOCK()
    for _ in r:
        pass
    out["loop"] = CLOCK() - t
    t = CLOCK()
    for _ in r:
        with empty:
            pass
    out["empty with"] = CLOCK() - t
    t = CLOCK()
    with session():
        for _ in r:
            with kev("step"):
                pass
    out["kev"] = CLOCK() - t
    t = CLOCK()
    with session():
        for i in r:
            with kev("step", i=i):
                pass
    out["kev, 1 arg"] = CLOCK() - t
    return out


def child(mode, n, out_dir):
    """One way of running, in this process: prints {loop: seconds}."""
    sys.path.insert(0, os.path.join(TOP, "preload"))
    import keke
    path = os.path.join(out_dir, "py_kev.json")

    def session():
        # Standalone, a TraceOutput whose closing (the writer finishing
        # its work) is part of the loop's cost.
        if mode != "standalone":
            return contextlib.nullcontext()
        return keke.TraceOutput(file=open(path, "w"))
    print(json.dumps(loops(keke, n, session)))


def run_mode(args, mode, lib):
    """Runs one way R times; returns {loop: [ns per iteration]}."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("KEKE_") and k != "LD_PRELOAD"}
    per = {}
    for _ in range(args.reps):
        work = tempfile.mkdtemp(prefix="keke-pykev-")
        try:
            if mode == "keke":
                env.update(LD_PRELOAD=lib, KEKE_DIR=work, KEKE_QUIET="1")
            p = subprocess.run([sys.executable, __file__, "--child", mode,
                                "-n", str(args.n), "--dir", work], env=env,
                               capture_output=True, text=True, check=True)
        finally:
            shutil.rmtree(work)
        res = json.loads(p.stdout)
        for k, secs in res.items():
            per.setdefault(k, []).append(
                (secs - res["loop"]) / args.n * 1e9)
    return per


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(TOP, "build"),
                    help="the build dir holding preload/libkeke.so")
    ap.add_argument("-n", type=int, default=200000,
                    help="iterations of each loop (default 200000)")
    ap.add_argument("--reps", type=int, default=5,
                    help="runs of each way (default 5)")
    ap.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.n, args.dir)
        return 0
    lib = os.path.join(os.path.abspath(args.build), "preload", "libkeke.so")
    if not os.path.exists(lib):
        print("py_kev: no %s (build it first)" % lib, file=sys.stderr)
        return 1
    print("keke.py: CPU ns per iteration above an empty loop, median of "
          "%d runs of %d; %s %s" % (args.reps, args.n, sys.executable,
                                    sys.version.split()[0]))
    print("%-12s %10s %8s %12s" % ("way", "empty with", "kev", "kev, 1 arg"))
    for mode in MODES:
        per = run_mode(args, mode, lib)
        print("%-12s %10.0f %8.0f %12.0f" % (
            {"off": "kev off", "keke": "under keke"}.get(mode, mode),
            statistics.median(per["empty with"]),
            statistics.median(per["kev"]),
            statistics.median(per["kev, 1 arg"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
