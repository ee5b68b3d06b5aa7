#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes a synthetic keke.db with N slices, to measure `keke report` on
big traces.

usage: make_big_db.py [--slices N] [--processes P] OUT.db

The database has the tables, columns and indexes of keke's SQLite sink
that the report reads (the report's tests check that the sink still has
them): P processes (one thread each) spread over one hour, named like the
programs of a build (make, cc, cc1, as, ld, sh, python3, curl), each with
its process slice; the other N - P slices are calls on the processes'
main threads: read, write, open, close, stat, fstat, lseek, connect,
send, recv, poll, nanosleep, fork, wait and dlopen, with durations from
100 ns to about 1.6 ms and the args the hooks record (fd, path, count,
result, addr, errno and error on 2% of them); file_access is empty and
the kernel's I/O counters are unknown. Rows are generated inside
SQLite: ten million slices (a 2 GB file) take about five minutes.

The trace starts at 2026-11-23 09:00:00 UTC (realtime_offset_ns) and
CLOCK_MONOTONIC 1000 s; every value is a fixed function of the ids, so
two runs write the same database.
"""
import argparse
import os
import sqlite3
import sys

SCHEMA = """
CREATE TABLE process(upid INTEGER PRIMARY KEY, pid INT, name TEXT,
 cmdline TEXT, start_ts INT, end_ts INT, parent_upid INT,
 exit_code INT, signal INT, exe TEXT, cwd TEXT, killed INT,
 untraced INT, dropped INT, io_ts INT, io_rchar INT, io_wchar INT,
 io_syscr INT, io_syscw INT, io_read_bytes INT, io_write_bytes INT,
 io_cancelled_write_bytes INT, traced_rchar INT, traced_wchar INT);
CREATE TABLE thread(utid INTEGER PRIMARY KEY, tid INT, name TEXT,
 upid INT, start_ts INT, end_ts INT, is_main_thread INT);
CREATE TABLE thread_track(id INTEGER PRIMARY KEY, utid INT);
CREATE TABLE slice(id INTEGER PRIMARY KEY, ts INT, dur INT,
 track_id INT, category TEXT, name TEXT, depth INT, parent_id INT,
 arg_set_id INT);
CREATE TABLE args(arg_set_id INT, flat_key TEXT, key TEXT,
 int_value INT, string_value TEXT, real_value REAL,
 value_type TEXT);
CREATE TABLE flow(id INTEGER PRIMARY KEY, slice_out INT,
 slice_in INT);
CREATE TABLE metadata(name TEXT PRIMARY KEY, int_value INT,
 str_value TEXT);
CREATE TABLE process_counter_track(id INTEGER PRIMARY KEY,
 name TEXT, upid INT);
CREATE TABLE counter(id INTEGER PRIMARY KEY, ts INT, track_id INT,
 value REAL);
CREATE TABLE file_access(upid INT, path TEXT, kind TEXT, read_bytes INT,
 write_bytes INT, reads INT, writes INT, opened INT, opened_write INT,
 created INT, truncated INT, deleted INT, probed INT, probed_missing INT,
 renamed_to TEXT, renamed_from TEXT, calls INT, dur_ns INT,
 first_ts_ns INT, last_ts_ns INT);
"""

INDEXES = """
INSERT INTO thread_track(id, utid) SELECT utid, utid FROM thread;
CREATE INDEX slice_ts ON slice(ts);
CREATE INDEX slice_name ON slice(name);
CREATE INDEX slice_track_id ON slice(track_id);
CREATE INDEX args_arg_set_id ON args(arg_set_id);
CREATE INDEX thread_upid ON thread(upid);
CREATE INDEX process_pid ON process(pid);
CREATE INDEX counter_track_id ON counter(track_id);
CREATE INDEX file_access_upid ON file_access(upid);
CREATE INDEX file_access_path ON file_access(path);
"""

T0 = 1000 * 10**9                      # CLOCK_MONOTONIC of the start
SPAN = 3600 * 10**9                    # one hour
WALL0 = 1795424400 * 10**9             # 2026-11-23 09:00:00 UTC

# (name, exe, percent of the processes); make is process 1 only.
PROGRAMS = [
    ("cc", "/usr/bin/cc", 30), ("cc1", "/usr/lib/gcc/cc1", 25),
    ("as", "/usr/bin/as", 20), ("sh", "/bin/sh", 12),
    ("ld", "/usr/bin/ld", 5), ("python3", "/usr/bin/python3", 5),
    ("curl", "/usr/bin/curl", 3),
]

# (name, category, percent of the calls)
CALLS = [
    ("read", "file", 34), ("write", "file", 15), ("open", "file", 8),
    ("close", "file", 7), ("stat", "file", 7), ("fstat", "file", 4),
    ("lseek", "file", 3), ("connect", "net", 4), ("send", "net", 5),
    ("recv", "net", 5), ("poll", "net", 3), ("nanosleep", "sync", 1),
    ("fork", "process", 1), ("wait", "process", 1), ("dlopen", "dl", 2),
]


def case_by_percent(expr, table, pick):
    """A CASE over @expr (0..99) choosing pick(row) by cumulative percent."""
    out, acc = ["CASE"], 0
    for row in table:
        acc += row[-1]
        out.append(f" WHEN {expr} < {acc} THEN {pick(row)}")
    out.append(f" ELSE {pick(table[-1])} END")
    return "".join(out)


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--slices", type=int, default=10_000_000)
    ap.add_argument("--processes", type=int, default=0,
                    help="default: one per 2000 slices, at least 10")
    ap.add_argument("out")
    a = ap.parse_args()
    nproc = a.processes or max(10, a.slices // 2000)
    if a.slices < nproc:
        sys.exit("make_big_db.py: --slices must be at least --processes")
    ncalls = a.slices - nproc
    per = max(1, ncalls // nproc)          # calls per process (the last
                                           # process takes the remainder)
    tmp = a.out + ".tmp"
    if os.path.exists(tmp):
        os.unlink(tmp)
    db = sqlite3.connect(tmp)
    db.executescript("PRAGMA page_size=65536; PRAGMA journal_mode=OFF;"
                     "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;")
    db.executescript(SCHEMA)
    db.execute("BEGIN")

    # h(x, k): a fixed pseudo-random number in [0, 2^32) from x and a
    # salt k: multiply, xor-shift, multiply, xor-shift (SQLite has no xor:
    # a ^ b = (a | b) - (a & b)).
    def h(x, k):
        def xorshift(e):
            return f"(({e}) | (({e}) >> 16)) - (({e}) & (({e}) >> 16))"
        a = f"((({x}) * 2654435761 + {k} * 1013904223) & 4294967295)"
        b = xorshift(a)
        c = f"((({b}) * 73244475) & 4294967295)"
        return f"({xorshift(c)})"

    pname = case_by_percent(f"{h('p', 1)} % 100", PROGRAMS,
                            lambda r: quote(r[0]))
    pexe = case_by_percent(f"{h('p', 1)} % 100", PROGRAMS,
                           lambda r: quote(r[1]))
    # Process p starts at T0 + (p-1) * SPAN / nproc and runs 50 ms to ~30 s.
    db.execute(f"""
        WITH RECURSIVE c(p) AS (SELECT 1 UNION ALL SELECT p + 1 FROM c
                                WHERE p < {nproc})
        INSERT INTO process(upid, pid, name, cmdline, start_ts, end_ts,
                            parent_upid, exit_code, signal, exe, cwd,
                            killed, untraced, dropped)
        SELECT p, 1000 + p,
               CASE WHEN p = 1 THEN 'make' ELSE {pname} END,
               CASE WHEN p = 1 THEN 'make -j8' ELSE {pname} || ' arg' || p END,
               CASE WHEN p = 1 THEN {T0}
                    ELSE {T0} + (p - 1) * {SPAN // nproc} END,
               CASE WHEN p = 1 THEN {T0 + SPAN}
                    ELSE min({T0 + SPAN}, {T0} + (p - 1) * {SPAN // nproc}
                         + 50000000 + {h('p', 2)} % 1000000 * 30000) END,
               CASE WHEN p = 1 THEN NULL
                    ELSE 1 + {h('p', 3)} % min(p - 1, 50) END,
               CASE WHEN {h('p', 4)} % 97 = 0 THEN NULL
                    WHEN {h('p', 4)} % 31 = 0 THEN 1 ELSE 0 END,
               CASE WHEN {h('p', 4)} % 97 = 0 THEN 9 ELSE NULL END,
               CASE WHEN p = 1 THEN '/usr/bin/make' ELSE {pexe} END,
               '/src', {h('p', 4)} % 97 = 0, 0, 0
        FROM c""")
    db.execute("""INSERT INTO thread SELECT upid, pid, name, upid, start_ts,
                  end_ts, 1 FROM process""")
    db.execute("""INSERT INTO slice SELECT upid, start_ts, end_ts - start_ts,
                  upid, 'process', name, 0, NULL, upid FROM process""")
    db.execute("""INSERT INTO args SELECT upid, k, k, NULL, v, NULL, 'string'
                  FROM (SELECT upid, 'cmdline' AS k, cmdline AS v FROM process
                        UNION ALL SELECT upid, 'exe', exe FROM process)
                  ORDER BY upid""")

    # Call x (0-based) belongs to process 1 + x / per, at an even step of
    # its life; dur = 100 ns << (0..13) plus as much again at most.
    cname = case_by_percent(f"{h('x', 5)} % 100", CALLS,
                            lambda r: quote(r[0]))
    ccat = case_by_percent(f"{h('x', 5)} % 100", CALLS,
                           lambda r: quote(r[1]))
    scale = f"(100 << ({h('x', 6)} % 14))"
    db.execute(f"""
        WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c
                                WHERE x < {ncalls - 1})
        INSERT INTO slice
        SELECT {nproc} + 1 + x, p.start_ts + (x - (p.upid - 1) * {per})
                   * ((p.end_ts - p.start_ts) / ({per} + 1)),
               {scale} + {h('x', 7)} % {scale},
               p.upid, {ccat}, {cname}, 1, p.upid, {nproc} + 1 + x
        FROM c JOIN process p ON p.upid = min({nproc}, 1 + x / {per})""")

    # The args, in slice order as the sink writes them. Key k of slice s.
    fails = f"{h('s.id', 8)} % 50 = 0"
    rows = [
        # (key, int expression or None, string expression or None, where)
        ("fd", f"3 + {h('s.id', 9)} % 20", None,
         "s.category IN ('file', 'net') AND s.name NOT IN ('open', 'stat')"),
        ("path", None,
         f"'/src/dir' || ({h('s.id', 10)} % 40) || '/f' || "
         f"({h('s.id', 11)} % 50) || '.c'",
         "s.name IN ('open', 'stat')"),
        ("addr", None, f"'10.0.0.' || ({h('s.id', 12)} % 30) || ':443'",
         "s.name = 'connect'"),
        ("count", f"1 << ({h('s.id', 13)} % 17)", None,
         "s.name IN ('read', 'write', 'send', 'recv')"),
        ("result", f"CASE WHEN {fails} THEN -1 "
         f"WHEN s.name IN ('read', 'write', 'send', 'recv') THEN "
         f"(1 << ({h('s.id', 13)} % 17)) - {h('s.id', 14)} % 2 "
         f"WHEN s.name = 'open' THEN 3 + {h('s.id', 9)} % 20 ELSE 0 END",
         None, "s.depth = 1"),
        ("errno", "11", None, f"s.depth = 1 AND {fails}"),
        ("error", None, "'EAGAIN'", f"s.depth = 1 AND {fails}"),
    ]
    db.execute("CREATE TEMP TABLE k(i INTEGER PRIMARY KEY, key TEXT)")
    db.executemany("INSERT INTO k VALUES(?, ?)",
                   [(i, r[0]) for i, r in enumerate(rows)])
    ival = "CASE k.i " + " ".join(
        f"WHEN {i} THEN {r[1] or 'NULL'}" for i, r in enumerate(rows)) + " END"
    sval = "CASE k.i " + " ".join(
        f"WHEN {i} THEN {r[2] or 'NULL'}" for i, r in enumerate(rows)) + " END"
    where = "CASE k.i " + " ".join(
        f"WHEN {i} THEN ({r[3]})" for i, r in enumerate(rows)) + " END"
    db.execute(f"""
        INSERT INTO args
        SELECT s.id, k.key, k.key, {ival}, {sval}, NULL,
               CASE WHEN {sval} IS NULL THEN 'int' ELSE 'string' END
        FROM slice s CROSS JOIN k
        WHERE s.id > {nproc} AND {where}""")

    meta = [("trace_id", None, "0123456789abcdef0123456789abcdef"),
            ("host", None, "bench"),
            ("realtime_offset_ns", WALL0 - T0, None),
            ("trace_start_ns", T0, None), ("format_version", 1, None)]
    db.executemany("INSERT INTO metadata VALUES(?, ?, ?)", meta)
    db.executescript(INDEXES)
    db.commit()
    db.close()
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
