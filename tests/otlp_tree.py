#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compares the spans of an OTLP/JSON file (one request per line) with
the keke.db they were exported from.

usage: otlp_tree.py tree SPANS.jsonl KEKE.db   the process spans' tree is
                                               the database's process tree
       otlp_tree.py show SPANS.jsonl           one line per span, indented
                                               under its parent
       otlp_tree.py joined SPANS.jsonl NAME EXE  the span NAME (another
                                               program's) hangs under the
                                               process span of EXE

tree checks: one trace, whose id is the database's; one span per process
image (a depth-0 slice of category process), with the image's pid in its
resource; each process span's parent is a process span of the parent
process (parent_upid), and only processes without a parent are roots.
Prints "tree: N process spans, M roots, depth D" or each difference, and
exits 1 when there are any.
"""
import json
import sqlite3
import sys


def read_spans(path):
    """{span id: span}, each with 'res', its resource's attributes."""
    spans = {}
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            for rs in json.loads(line).get('resourceSpans', []):
                res = {a['key']: next(iter(a['value'].values()))
                       for a in rs['resource'].get('attributes', [])}
                for ss in rs.get('scopeSpans', []):
                    for s in ss.get('spans', []):
                        s['res'] = res
                        spans[s['spanId']] = s
    return spans


def attr(span, key):
    for a in span.get('attributes', []):
        if a['key'] == key:
            return next(iter(a['value'].values()))
    return None


def tree(spans, db_path):
    db = sqlite3.connect(db_path)
    problems = []
    trace_id = db.execute("SELECT str_value FROM metadata WHERE "
                          "name = 'trace_id'").fetchone()[0]
    traces = {s['traceId'] for s in spans.values()}
    if traces != {trace_id}:
        problems.append(f'traces {sorted(traces)}, not {trace_id}')
    images = db.execute(
        "SELECT p.pid, pp.pid FROM slice s JOIN thread_track tt ON "
        "tt.id = s.track_id JOIN thread t USING (utid) JOIN process p "
        "USING (upid) LEFT JOIN process pp ON pp.upid = p.parent_upid "
        "WHERE s.depth = 0 AND s.category = 'process'").fetchall()
    parent_pid = {pid: ppid for pid, ppid in images}
    procs = {k: s for k, s in spans.items()
             if attr(s, 'keke.calls_left_out') is not None}
    if len(procs) != len(images):
        problems.append(f'{len(procs)} process spans, but the database '
                        f'has {len(images)} process images')
    roots, depth = 0, {}
    for s in procs.values():
        pid = int(s['res']['process.pid'])
        want = parent_pid.get(pid, 'missing')
        parent = procs.get(s.get('parentSpanId', ''))
        got = int(parent['res']['process.pid']) if parent else None
        if want == 'missing':
            problems.append(f'span {s["name"]}: pid {pid} is no process '
                            'of the database')
        elif got != want:
            problems.append(f'span {s["name"]} (pid {pid}): parent pid '
                            f'{got}, the database says {want}')
        roots += parent is None
    for k in procs:
        d, at = 0, procs[k]
        while at.get('parentSpanId') in procs and d < 1000:
            at, d = procs[at['parentSpanId']], d + 1
        depth[k] = d
    for p in problems:
        print(p)
    if not problems:
        print(f'tree: {len(procs)} process spans, {roots} roots, depth '
              f'{max(depth.values(), default=0)}')
    return 1 if problems else 0


def show(spans):
    kids = {}
    for s in spans.values():
        kids.setdefault(s.get('parentSpanId'), []).append(s)

    def walk(parent, d):
        for s in sorted(kids.get(parent, []),
                        key=lambda s: int(s['startTimeUnixNano'])):
            print('  ' * d + f'{s["name"]} pid {s["res"]["process.pid"]} '
                  f'span {s["spanId"]}')
            walk(s['spanId'], d + 1)

    for s in spans.values():
        if s.get('parentSpanId') not in spans:
            print(f'{s["name"]} pid {s["res"]["process.pid"]} span '
                  f'{s["spanId"]} parent {s.get("parentSpanId")} flags '
                  f'{s.get("flags")}')
            walk(s['spanId'], 1)
    return 0


def joined(spans, name, exe):
    mine = [s for s in spans.values() if s['name'] == name]
    if len(mine) != 1:
        print(f'{len(mine)} spans named {name!r}, not one')
        return 1
    s = mine[0]
    parent = spans.get(s.get('parentSpanId', ''))
    if not parent:
        print(f'{name!r}: parent {s.get("parentSpanId")} is no span sent')
        return 1
    got = parent['res'].get('process.executable.name')
    if (got != exe or attr(parent, 'keke.calls_left_out') is None or
            parent['traceId'] != s['traceId']):
        print(f'{name!r} hangs under {parent["name"]!r} of {got!r} in '
              f'trace {parent["traceId"]}, not a process span of {exe!r} '
              f'in trace {s["traceId"]}')
        return 1
    print(f'joined: {name!r} under the process span {parent["spanId"]} of '
          f'{exe} (pid {parent["res"]["process.pid"]})')
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == 'tree':
        return tree(read_spans(sys.argv[2]), sys.argv[3])
    if len(sys.argv) == 5 and sys.argv[1] == 'joined':
        return joined(read_spans(sys.argv[2]), sys.argv[3], sys.argv[4])
    if len(sys.argv) == 3 and sys.argv[1] == 'show':
        return show(read_spans(sys.argv[2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
