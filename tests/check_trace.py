#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Strictly checks a trace-event JSON file against the dialect that
Perfetto, chrome://tracing, Chrome DevTools and speedscope all load.

usage: check_trace.py [--expect-flows N] [--expect-slices N]
                      [--expect-processes N] FILE

Checks: strict UTF-8 and strict JSON (no NaN or Infinity, no lone
surrogate escapes); a top-level array with one event per line whose first
element is an event; every event has a known ph, a non-empty name, a
non-empty cat (optional on metadata), integer pid and tid > 0, ts and dur
that are plain numbers >= 0 with at most 3 decimals; metadata is only
process_name, thread_name, process_sort_index or thread_sort_index at ts 0;
X events nest strictly on each thread; B/E pair up in time order; every
flow "s" has exactly one "f" with the same id, cat and name, each at the
start of an X slice of the same cat on its own thread (Chrome DevTools
binds flow events to slices by ts, pid, tid and cat; --any-flow-cat waives
the cat).

Exits 0 printing "ok: N events, N slices, N flows, N processes", or 1
printing each problem (the first 20) with its line number.
"""
import argparse
import bisect
import json
import re
import sys

PHASES = {"X", "M", "s", "f", "i", "I", "C", "B", "E"}
METADATA = {"process_name", "thread_name", "process_sort_index",
            "thread_sort_index"}
PROCESS_METADATA = {"process_name", "process_sort_index"}
TIME_RE = re.compile(r"^(0|[1-9][0-9]*)(\.[0-9]{1,3})?$")
MAX_PROBLEMS = 20


class Raw:
    """A JSON number kept as the text it was written as."""

    def __init__(self, text):
        self.text = text

    def value(self):
        return float(self.text) if is_float_text(self.text) \
            else int(self.text)


def is_float_text(text):
    return any(c in text for c in ".eE")


def reject_constant(name):
    raise ValueError("%s is not JSON" % name)


DECODER = json.JSONDecoder(parse_float=Raw, parse_int=Raw,
                           parse_constant=reject_constant)


def has_surrogate(v):
    """Whether a parsed value holds a lone surrogate (an escaped
    \\ud800..\\udfff that does not pair up)."""
    if isinstance(v, str):
        return any(0xd800 <= ord(c) <= 0xdfff for c in v)
    if isinstance(v, dict):
        return any(has_surrogate(k) or has_surrogate(x)
                   for k, x in v.items())
    if isinstance(v, list):
        return any(has_surrogate(x) for x in v)
    return False


class Checker:
    def __init__(self, path):
        self.path = path
        self.problems = []
        self.events = []        # (line, event with Raw numbers)

    def problem(self, line, msg):
        self.problems.append((line, msg))

    def parse(self, data):
        try:
            text = data.decode("utf-8", errors="strict")
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            self.problem(line, "invalid UTF-8 at byte %d: %s"
                         % (e.start, e.reason))
            return
        newlines = [m.start() for m in re.finditer("\n", text)]
        n = len(text)

        def line_of(i):
            return bisect.bisect_left(newlines, i) + 1

        def skip(i):
            while i < n and text[i] in " \t\r\n":
                i += 1
            return i

        i = skip(0)
        if i >= n or text[i] != "[":
            self.problem(line_of(i), "top level is not an array")
            return
        i = skip(i + 1)
        if i < n and text[i] == "]":
            if skip(i + 1) != n:
                self.problem(line_of(i + 1), "text after the array")
            return
        prev_end_line = 0
        while True:
            line = line_of(i)
            if line == prev_end_line:
                self.problem(line, "event does not start a new line")
            try:
                ev, end = DECODER.raw_decode(text, i)
            except ValueError as e:
                self.problem(line, "bad JSON: %s" % e)
                return
            prev_end_line = line_of(end)
            if prev_end_line != line:
                self.problem(line, "event spans several lines")
            self.events.append((line, ev))
            i = skip(end)
            if i < n and text[i] == ",":
                i = skip(i + 1)
                continue
            if i < n and text[i] == "]":
                if skip(i + 1) != n:
                    self.problem(line_of(i + 1), "text after the array")
                return
            self.problem(line_of(i), "expected ',' or ']' after an event")
            return

    def time(self, line, ev, key, required):
        """The time @key of @ev in integer nanoseconds, or None."""
        v = ev.get(key)
        if v is None:
            if required:
                self.problem(line, "no %s" % key)
            return None
        if not isinstance(v, Raw):
            self.problem(line, "%s is not a number" % key)
            return None
        if not TIME_RE.match(v.text):
            self.problem(line, "%s %s is not a plain number >= 0 with at "
                         "most 3 decimals" % (key, v.text))
            return None
        whole, _, frac = v.text.partition(".")
        return int(whole) * 1000 + int((frac + "000")[:3])

    def ident(self, line, ev, key, required=True):
        v = ev.get(key)
        if v is None:
            if required:
                self.problem(line, "no %s" % key)
            return None
        if not isinstance(v, Raw) or is_float_text(v.text):
            self.problem(line, "%s is not an integer" % key)
            return None
        if int(v.text) <= 0:
            self.problem(line, "%s %s is not > 0" % (key, v.text))
            return None
        return int(v.text)

    def check_event(self, line, ev, state):
        if not isinstance(ev, dict):
            self.problem(line, "not an object")
            return
        if has_surrogate(ev):
            self.problem(line, "lone surrogate in a string")
        ph = ev.get("ph")
        if not isinstance(ph, str):
            self.problem(line, "not an event (no ph)")
            return
        if ph not in PHASES:
            self.problem(line, "unknown ph %r" % ph)
            return
        name = ev.get("name")
        if not isinstance(name, str) or not name:
            self.problem(line, "no non-empty string name")
            name = None
        cat = ev.get("cat")
        if ph != "M" or cat is not None:
            if not isinstance(cat, str) or not cat:
                self.problem(line, "no non-empty string cat")
                cat = None
        pid = self.ident(line, ev, "pid")
        tid_needed = not (ph == "M" and name in PROCESS_METADATA)
        tid = self.ident(line, ev, "tid", tid_needed)
        ts = self.time(line, ev, "ts", ph != "M")
        dur = self.time(line, ev, "dur", ph == "X")
        args = ev.get("args")
        if args is not None and not isinstance(args, dict):
            self.problem(line, "args is not an object")
            args = None
        if pid is not None:
            state["pids"].add(pid)
        thread = (pid, tid)

        if ph == "M":
            self.check_metadata(line, name, ts, args)
        elif ph == "X":
            state["slices"] += 1
            if None not in (pid, tid, ts, dur):
                state["x"].setdefault(thread, []).append(
                    (ts, dur, line, cat))
        elif ph in ("s", "f"):
            fid = ev.get("id")
            if isinstance(fid, Raw):
                fid = fid.text
            elif not isinstance(fid, str):
                self.problem(line, "flow event without an id")
                return
            if ph == "f" and ev.get("bp") != "e":
                self.problem(line, "\"f\" event without \"bp\":\"e\"")
            ends = state["s" if ph == "s" else "f"]
            if fid in ends:
                self.problem(line, "second %r event for flow id %s "
                             "(first on line %d)" % (ph, fid, ends[fid][0]))
                return
            ends[fid] = (line, cat, name, thread, ts)
        elif ph in ("B", "E"):
            self.check_begin_end(line, ph, thread, name, cat, ts, state)

    def check_metadata(self, line, name, ts, args):
        if name is None:
            return
        if name not in METADATA:
            self.problem(line, "metadata name %r is not one of %s"
                         % (name, ", ".join(sorted(METADATA))))
            return
        if ts is not None and ts != 0:
            self.problem(line, "metadata ts is not 0")
        if args is None:
            self.problem(line, "metadata without args")
            return
        if name.endswith("_name"):
            v = args.get("name")
            if not isinstance(v, str) or not v:
                self.problem(line, "%s without a non-empty args.name"
                             % name)
        else:
            v = args.get("sort_index")
            if not isinstance(v, Raw) or is_float_text(v.text):
                self.problem(line, "%s without an integer args.sort_index"
                             % name)

    def check_begin_end(self, line, ph, thread, name, cat, ts, state):
        last = state["be_ts"].get(thread)
        if ts is not None:
            if last is not None and ts < last:
                self.problem(line, "%s event earlier than the previous B/E "
                             "of its thread" % ph)
            state["be_ts"][thread] = ts
        stack = state["be"].setdefault(thread, [])
        if ph == "B":
            stack.append((line, name, cat))
            return
        if not stack:
            self.problem(line, "E without a B")
            return
        b_line, b_name, b_cat = stack.pop()
        if (name, cat) != (b_name, b_cat):
            self.problem(line, "E (%s, %s) does not repeat the name and cat "
                         "of its B on line %d (%s, %s)"
                         % (name, cat, b_line, b_name, b_cat))

    def check_nesting(self, state):
        for thread, slices in state["x"].items():
            slices.sort(key=lambda s: (s[0], -s[1], s[2]))
            stack = []
            for ts, dur, line, _ in slices:
                end = ts + dur
                while stack and stack[-1][1] <= ts:
                    stack.pop()
                if stack and end > stack[-1][1]:
                    p = stack[-1]
                    self.problem(line, "slice [%d, %d] ns overlaps slice "
                                 "[%d, %d] ns of line %d on pid %d tid %d "
                                 "without nesting in it"
                                 % (ts, end, p[0], p[1], p[2],
                                    thread[0], thread[1]))
                    continue
                stack.append((ts, end, line))

    def check_flows(self, state, any_cat):
        starts = {}     # thread -> ts -> cats of the X slices starting there
        for thread, slices in state["x"].items():
            at = starts.setdefault(thread, {})
            for ts, _, _, cat in slices:
                at.setdefault(ts, set()).add(cat)
        s_ends, f_ends = state["s"], state["f"]
        for fid, (line, cat, name, thread, ts) in s_ends.items():
            f = f_ends.get(fid)
            if f is None:
                self.problem(line, "flow id %s has no \"f\" event" % fid)
            elif (f[1], f[2]) != (cat, name):
                self.problem(f[0], "flow id %s: \"f\" (%s, %s) differs from "
                             "its \"s\" on line %d (%s, %s)"
                             % (fid, f[1], f[2], line, cat, name))
        for fid, (line, _, _, _, _) in f_ends.items():
            if fid not in s_ends:
                self.problem(line, "flow id %s has no \"s\" event" % fid)
        for ends in (s_ends, f_ends):
            for fid, (line, cat, _, thread, ts) in ends.items():
                if ts is None or None in thread:
                    continue
                cats = starts.get(thread, {}).get(ts)
                if cats is None:
                    self.problem(line, "flow id %s: no X slice starts at "
                                 "ts %d ns on pid %d tid %d"
                                 % (fid, ts, thread[0], thread[1]))
                elif not any_cat and cat not in cats:
                    self.problem(line, "flow id %s: cat %r is not the cat "
                                 "of the X slice it binds to (%s); Chrome "
                                 "DevTools binds flows by ts, pid, tid and "
                                 "cat" % (fid, cat, ", ".join(
                                     repr(c) for c in sorted(cats))))

    def run(self, data, any_flow_cat=False):
        self.parse(data)
        state = {"slices": 0, "pids": set(), "x": {}, "s": {}, "f": {},
                 "be": {}, "be_ts": {}}
        for line, ev in self.events:
            self.check_event(line, ev, state)
        self.check_nesting(state)
        self.check_flows(state, any_flow_cat)
        for thread, stack in state["be"].items():
            for line, _, _ in stack:
                self.problem(line, "B without an E")
        flows = sum(1 for fid in state["s"] if fid in state["f"])
        return {"events": len(self.events), "slices": state["slices"],
                "flows": flows, "processes": len(state["pids"])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("--expect-flows", type=int, default=0,
                    help="fail with fewer flows than this")
    ap.add_argument("--expect-slices", type=int, default=0,
                    help="fail with fewer slices than this")
    ap.add_argument("--expect-processes", type=int, default=0,
                    help="fail with fewer processes than this")
    ap.add_argument("--any-flow-cat", action="store_true",
                    help="let a flow's cat differ from the cat of the "
                    "slices it binds to (Perfetto accepts that, Chrome "
                    "DevTools then drops the flow)")
    a = ap.parse_args()
    try:
        with open(a.file, "rb") as f:
            data = f.read()
    except OSError as e:
        print("%s: %s" % (a.file, e.strerror), file=sys.stderr)
        return 1
    c = Checker(a.file)
    counts = c.run(data, a.any_flow_cat)
    for what in ("flows", "slices", "processes"):
        want = getattr(a, "expect_" + what)
        if counts[what] < want:
            c.problem(0, "%d %s, expected at least %d"
                      % (counts[what], what, want))
    if c.problems:
        c.problems.sort(key=lambda p: p[0])
        for line, msg in c.problems[:MAX_PROBLEMS]:
            print("%s:%d: %s" % (a.file, line, msg))
        if len(c.problems) > MAX_PROBLEMS:
            print("%s: ... and %d more problems"
                  % (a.file, len(c.problems) - MAX_PROBLEMS))
        return 1
    print("ok: %d events, %d slices, %d flows, %d processes"
          % (counts["events"], counts["slices"], counts["flows"],
             counts["processes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
