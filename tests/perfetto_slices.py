#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Reads a Perfetto protobuf trace the way a reader of the format would,
with a wire decoder of its own (no generated code), and tells what it shows.

usage: perfetto_slices.py count TRACE       counts as JSON on one line
       perfetto_slices.py compare TRACE JSON  the same slices, event for
                                              event, as the JSON trace

count prints {"slices", "instants", "flows", "counter_values",
"counter_tracks", "processes", "threads"}: slices and instants outside the
critical path's track, processes and threads as distinct (pid) and
(pid, tid) of the thread tracks declared.

compare takes every slice and instant of both traces as (pid, tid, ts in
ns, dur in ns, name, category, args) and prints the first differences;
exits 1 when there are any. The critical path's track is left out: the
JSON ends each of its slices a nanosecond early on purpose.
"""
import gzip
import json
import struct
import sys
from collections import Counter, defaultdict
from decimal import Decimal

CRITICAL_PATH_PID = 2147483646


def fields(buf):
    """(field number, wire type, value) of a message's bytes."""
    i, n = 0, len(buf)
    while i < n:
        key, i = varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(buf, i)
        elif wire == 1:
            v = struct.unpack_from('<Q', buf, i)[0]
            i += 8
        elif wire == 2:
            ln, i = varint(buf, i)
            v = bytes(buf[i:i + ln])
            i += ln
        elif wire == 5:
            v = struct.unpack_from('<I', buf, i)[0]
            i += 4
        else:
            raise ValueError('wire type %d' % wire)
        yield num, wire, v


def varint(buf, i):
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7f) << shift
        shift += 7
        if b < 0x80:
            return v, i


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def msg(buf):
    """A message as {field: [values]}."""
    d = defaultdict(list)
    for num, _, v in fields(buf):
        d[num].append(v)
    return d


class Seq:
    def __init__(self):
        self.names, self.cats, self.annos = {}, {}, {}
        self.clocks = {}
        self.clock = None
        self.track = None


def read(path):
    with open(path, 'rb') as f:
        data = f.read()
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    tracks = {}           # uuid -> (pid, tid or None, counter?)
    seqs = defaultdict(Seq)
    open_slices = defaultdict(list)
    out = {'slices': [], 'instants': [], 'counters': [], 'flows': Counter()}
    for num, _, packet in fields(data):
        if num != 1:
            continue
        p = msg(packet)
        sid = p[10][0] if 10 in p else 0
        seq = seqs[sid]
        if 13 in p and p[13][0] & 1:
            seqs[sid] = seq = Seq()
        if 59 in p:
            d = msg(p[59][0])
            seq.clock = d[58][0] if 58 in d else None
            if 11 in d:
                seq.track = msg(d[11][0])[11][0]
        if 6 in p:
            for c in msg(p[6][0])[1]:
                c = msg(c)
                if c[1][0] >= 64:
                    seq.clocks[c[1][0]] = c[2][0]
        if 12 in p:
            d = msg(p[12][0])
            for field, table in ((1, seq.cats), (2, seq.names),
                                 (3, seq.annos)):
                for e in d[field]:
                    e = msg(e)
                    table[e[1][0]] = e[2][0].decode()
        if 60 in p:
            d = msg(p[60][0])
            uuid = d[1][0]
            if 3 in d:
                tracks[uuid] = (msg(d[3][0])[1][0], None, False)
            elif 4 in d:
                t = msg(d[4][0])
                tracks[uuid] = (t[1][0], t[2][0], False)
            elif 8 in d:
                tracks[uuid] = (None, None, True)
        if 11 not in p:
            continue
        ts = p[8][0]
        clock = p[58][0] if 58 in p else seq.clock
        if clock is not None and clock >= 64:
            seq.clocks[clock] += ts
            ts = seq.clocks[clock]
        ev = msg(p[11][0])
        uuid = ev[11][0] if 11 in ev else seq.track
        kind = ev[9][0]
        name = seq.names[ev[10][0]] if 10 in ev else (
            ev[23][0].decode() if 23 in ev else None)
        cats = [seq.cats[c] for c in ev[3]]
        args = {}
        for a in ev[4]:
            a = msg(a)
            key = seq.annos[a[1][0]]
            if 6 in a:
                args[key] = a[6][0].decode()
            elif 4 in a:
                args[key] = signed(a[4][0])
        for f in ev[47] + ev[48]:
            out['flows'][f] += 1
        pid, tid, _ = tracks[uuid]
        if kind == 1:
            open_slices[uuid].append([pid, tid, ts, name, ','.join(cats),
                                      args])
        elif kind == 2:
            s = open_slices[uuid].pop()
            s[5].update(args)
            out['slices'].append((s[0], s[1], s[2], ts - s[2], s[3], s[4],
                                  s[5]))
        elif kind == 3:
            out['instants'].append((pid, tid, ts, 0, name, ','.join(cats),
                                    args))
        elif kind == 4:
            out['counters'].append((uuid, ts, signed(ev[30][0])))
    out['tracks'] = tracks
    return out


def count(path):
    t = read(path)
    slices = [s for s in t['slices'] if s[0] != CRITICAL_PATH_PID]
    used = {(p, tid) for p, tid, _ in t['tracks'].values()
            if tid is not None and p != CRITICAL_PATH_PID}
    print(json.dumps({
        'slices': len(slices),
        'instants': len(t['instants']),
        'flows': sum(1 for n in t['flows'].values() if n >= 2),
        'counter_values': len(t['counters']),
        'counter_tracks': len({c[0] for c in t['counters']}),
        'processes': len({p for p, _ in used}),
        'threads': len(used),
    }))
    return 0


def from_json(path):
    with open(path) as f:
        events = json.load(f, parse_float=Decimal)
    out = []
    for e in events:
        if e['ph'] not in ('X', 'i') or e['pid'] == CRITICAL_PATH_PID:
            continue
        ts = int(e['ts'] * 1000)
        dur = int(e.get('dur', 0) * 1000)
        out.append((e['pid'], e['tid'], ts, dur, e['name'], e['cat'],
                    e.get('args', {})))
    return out


def key(s):
    return (s[0], s[1], s[2], -s[3], s[4], s[5],
            json.dumps(s[6], sort_keys=True))


def compare(pf_path, json_path):
    t = read(pf_path)
    pf = sorted((s for s in t['slices'] + t['instants']
                 if s[0] != CRITICAL_PATH_PID), key=key)
    js = sorted(from_json(json_path), key=key)
    problems = []
    if len(pf) != len(js):
        problems.append('%d slices and instants in %s, %d in %s' % (
            len(pf), pf_path, len(js), json_path))
    for a, b in zip(pf, js):
        if a != b:
            problems.append('protobuf %r\n    json %r' % (a, b))
        if len(problems) >= 10:
            break
    for p in problems:
        print(p)
    if not problems:
        print('same: %d slices and instants' % len(pf))
    return 1 if problems else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == 'count':
        return count(sys.argv[2])
    if len(sys.argv) == 4 and sys.argv[1] == 'compare':
        return compare(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
