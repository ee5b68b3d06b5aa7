#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compares the bytes read and written per file path that keke recorded
(keke.db's file_access table) with what strace counted for the same
workload (strace -ff -y -o PREFIX), for the paths under the given roots.

Usage: strace_bytes.py PREFIX KEKE_DB ROOT...

A path's bytes must agree within 1 %, and every path either side saw
moving bytes must be on the other side too. Names that differ from run to
run (mkstemp's and the compiler's temporary files: six random characters)
are compared by their pattern. Prints each path and exits 1 on any
difference.
"""
import glob
import re
import sqlite3
import sys

READS = {"read", "pread64", "readv", "preadv", "preadv2"}
WRITES = {"write", "pwrite64", "writev", "pwritev", "pwritev2"}
FD_PATH = re.compile(r"\b\d+<((?:[^>\\]|\\.)*)>")
RANDOM = re.compile(r"(cc|keke-|tmp)[A-Za-z0-9_]{6}(\.\w+)?$")


def pattern(path):
    return RANDOM.sub(lambda m: m.group(1) + "XXXXXX" + (m.group(2) or ""),
                      path)


def unescape(path):
    return re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)),
                  path)


def strace_counts(prefix):
    """{path: [read, written]} from strace's per-process logs."""
    counts = {}

    def add(path, i, n):
        counts.setdefault(pattern(unescape(path)), [0, 0])[i] += n

    for log in glob.glob(prefix + ".*"):
        with open(log, errors="replace") as f:
            for line in f:
                m = re.match(r"(\w+)\((.*)\) += (\d+)", line)
                if not m or int(m.group(3)) <= 0:
                    continue
                call, args, n = m.group(1), m.group(2), int(m.group(3))
                paths = FD_PATH.findall(args)
                if not paths:
                    continue
                if call in READS:
                    add(paths[0], 0, n)
                elif call in WRITES:
                    add(paths[0], 1, n)
                elif call in ("copy_file_range", "splice") and \
                        len(paths) >= 2:
                    add(paths[0], 0, n)
                    add(paths[1], 1, n)
                elif call in ("sendfile", "sendfile64") and \
                        len(paths) >= 2:
                    add(paths[1], 0, n)
                    add(paths[0], 1, n)
    return counts


def keke_counts(db):
    counts = {}
    con = sqlite3.connect(db)
    for path, r, w in con.execute(
            "SELECT path, sum(read_bytes), sum(write_bytes) "
            "FROM file_access GROUP BY path"):
        c = counts.setdefault(pattern(path), [0, 0])
        c[0] += r or 0
        c[1] += w or 0
    return counts


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    prefix, db, roots = sys.argv[1], sys.argv[2], sys.argv[3:]
    seen = strace_counts(prefix)
    kept = keke_counts(db)
    bad = 0
    for path in sorted(set(seen) | set(kept)):
        if not any(path.startswith(r.rstrip("/") + "/") for r in roots):
            continue
        s = seen.get(path, [0, 0])
        k = kept.get(path, [0, 0])
        if s == [0, 0] and k == [0, 0]:
            continue
        ok = all(abs(k[i] - s[i]) <= s[i] // 100 for i in (0, 1))
        bad += not ok
        print("%s %s: strace read %d written %d, keke read %d written %d"
              % ("ok  " if ok else "DIFF", path, s[0], s[1], k[0], k[1]))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
