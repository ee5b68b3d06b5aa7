# SPDX-License-Identifier: MIT
"""Every kind of annotation keke.py makes: a ktrace'd function with a
kev span around a file open, a generator and an async generator traced
for their whole lifetime, two coroutines that end in the order they
began (so that the second is cut), a named thread, counters, an instant
and a garbage collection.

usage: spans.py TRACE.json|-   (-: no TraceOutput)
Prints what it computed; the same with and without tracing.
"""
import asyncio
import gc
import threading
import time

import traced_main
from keke import kcount, kev, kmark, ktrace


@ktrace("path", "path.upper()")
def load(path):
    with kev("read config", path=path, attempt=1):
        with open(path, "rb") as f:
            return len(f.read())


@ktrace()
def numbers(n):
    for i in range(n):
        yield i


@ktrace()
async def pause(seconds):
    await asyncio.sleep(seconds)
    return seconds


@ktrace(shortname=True)
async def ticks(n):
    for i in range(n):
        await asyncio.sleep(0.01)
        yield i


async def run_async():
    # The first pause ends while the second, begun inside it, runs on.
    slept = await asyncio.gather(pause(0.03), pause(0.1))
    got = [i async for i in ticks(3)]
    return slept, got


def worker():
    with kev("in worker"):
        kcount("jobs", 3)


class Cycle:
    def __init__(self):
        self.me = self


def main():
    print(load(__file__))
    total = 0
    for i in numbers(3):
        with kev("consume", i=i):
            time.sleep(0.01)
            total += i
    print(total)
    print(asyncio.run(run_async()))
    t = threading.Thread(target=worker, name="loader-1")
    t.start()
    t.join()
    kcount("queue", 7)
    kcount("memory", rss=100, heap=50)
    kmark("checkpoint")
    gc.disable()   # so that the explicit collection finds the cycles
    for _ in range(100):
        Cycle()
    print(gc.collect() >= 100)
    gc.enable()


if __name__ == "__main__":
    traced_main.run(main)
