# SPDX-License-Identifier: MIT
"""keke.py, the annotations for Python: standalone it writes trace-event
JSON that strict parsers and real viewers load, a file per forked child;
under keke its spans nest with the libc calls and processes inside them
in keke.db; either way the program behaves as it does untraced.

Runs the programs beside this file with the interpreter running it.
Environment (meson test sets it): KEKE_BIN, KEKE_PRELOAD, KEKE_TESTS_SRC.
"""
import glob
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.environ.get("KEKE_TESTS_SRC", os.path.dirname(HERE))
PRELOAD_SRC = os.path.join(TESTS, "..", "preload")
CHECK_TRACE = os.path.join(TESTS, "check_trace.py")
VIEWERS = os.path.join(TESTS, "..", "..", "shared", "viewers", "check")
KEKE_BIN = os.environ.get("KEKE_BIN")


def prog(name):
    return os.path.join(HERE, name + ".py")


def clean_env(**extra):
    """The environment of a traced program: keke.py importable, no
    preload or keke variable but those given."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("KEKE_") and k != "LD_PRELOAD"}
    env["PYTHONPATH"] = PRELOAD_SRC
    env.update(extra)
    return env


def run(argv, env=None, cwd=None):
    """Runs argv; returns its stdout, failing the test if it fails."""
    p = subprocess.run(argv, env=env or clean_env(), cwd=cwd,
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError("%s exited with %d:\n%s%s" % (
            argv, p.returncode, p.stdout, p.stderr))
    return p


def bare(name, *args):
    """What program name prints untraced."""
    return run([sys.executable, prog(name), "-"] + list(args)).stdout


def strict_events(path):
    """The events of a trace-event JSON file, checked as the dialect
    wants: strict JSON, an array with one event per line."""
    with open(path, encoding="utf-8") as f:
        text = f.read()

    def no_constant(name):
        raise ValueError("%s in %s" % (name, path))
    events = json.loads(text, parse_constant=no_constant)
    lines = text.splitlines()
    assert lines[0] == "[" and lines[-1] == "]", "not one array: " + path
    for line in lines[1:-1]:
        json.loads(line.rstrip(","))   # each line is one event
    assert events and isinstance(events[0], dict), "no first event"
    return events


def check_trace(path):
    p = subprocess.run([sys.executable, CHECK_TRACE, path],
                       capture_output=True, text=True)
    assert p.returncode == 0, "check_trace.py rejects %s:\n%s%s" % (
        path, p.stdout, p.stderr)


def named(events, name, ph="X"):
    return [e for e in events if e.get("name") == name and e["ph"] == ph]


def ns(us):
    """Microseconds with 3 decimals as exact nanoseconds."""
    return round(us * 1000)


def inside(inner, outer):
    return (ns(outer["ts"]) <= ns(inner["ts"]) and
            ns(inner["ts"]) + ns(inner["dur"]) <=
            ns(outer["ts"]) + ns(outer["dur"]))


class Standalone(unittest.TestCase):
    """TraceOutput(file=...) without libkeke.so in the process."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="keke-py-")
        self.out = os.path.join(self.dir, "t.json")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def trace(self, name, env=None):
        p = run([sys.executable, prog(name), self.out], env=env)
        self.assertEqual(p.stdout, bare(name), "tracing changed the output")
        self.assertEqual(p.stderr, "")
        return strict_events(self.out)

    def test_json_is_strict_and_nests(self):
        ev = self.trace("spans")
        check_trace(self.out)
        load, = named(ev, "__main__.load")
        self.assertEqual(load["args"]["path"], prog("spans"))
        self.assertEqual(load["args"]["path.upper()"], prog("spans").upper())
        config, = named(ev, "read config")
        self.assertEqual(config["args"], {"path": prog("spans"),
                                          "attempt": 1})
        self.assertTrue(inside(config, load))
        for e in ev:
            self.assertIsInstance(e["pid"], int)
            self.assertGreater(e["tid"], 0)
            self.assertTrue(e["name"] and e["cat"], e)
            for k in ("ts", "dur"):
                self.assertTrue(re.fullmatch(r"\d+(\.\d{1,3})?",
                                             json.dumps(e.get(k, 0))), e)

    def test_generators_and_coroutines_last_their_lifetime(self):
        ev = self.trace("spans")
        numbers, = named(ev, "__main__.numbers")
        consume = named(ev, "consume")
        self.assertEqual(len(consume), 3)
        self.assertTrue(all(inside(c, numbers) for c in consume))
        ticks, = named(ev, "ticks")
        self.assertGreaterEqual(ticks["dur"], 30000)
        # The 0.03 s pause ends while the 0.1 s one, begun inside it,
        # runs on: that one is cut there and continues as a second slice.
        pauses = sorted(named(ev, "__main__.pause"), key=lambda e: e["ts"])
        self.assertEqual(len(pauses), 3)
        self.assertTrue(inside(pauses[1], pauses[0]))
        self.assertGreaterEqual(pauses[0]["dur"], 30000)
        self.assertGreaterEqual(pauses[1]["dur"] + pauses[2]["dur"], 100000)

    def test_counters_instants_threads_and_gc(self):
        ev = self.trace("spans")
        self.assertEqual(named(ev, "queue", "C")[0]["args"], {"queue": 7})
        self.assertEqual(named(ev, "memory", "C")[0]["args"],
                         {"rss": 100, "heap": 50})
        self.assertEqual(len(named(ev, "checkpoint", "i")), 1)
        threads = {e["tid"]: e["args"]["name"]
                   for e in named(ev, "thread_name", "M")}
        worker, = named(ev, "in worker")
        self.assertEqual(threads[worker["tid"]], "loader-1")
        self.assertEqual(named(ev, "jobs", "C")[0]["tid"], worker["tid"])
        gc_tid, = [t for t, n in threads.items() if n == "GC"]
        collections = [e for e in ev if e.get("cat") == "gc"]
        self.assertTrue(collections)
        self.assertTrue(all(e["tid"] == gc_tid for e in collections))
        self.assertTrue(any(e["args"]["collected"] >= 100
                            for e in collections))

    def test_viewers_load_it(self):
        if not os.path.exists(VIEWERS):
            self.skipTest("no viewers to check with (%s)" % VIEWERS)
        if not shutil.which("node") or not shutil.which("npm"):
            self.skipTest("node and npm are needed to run the viewers")
        self.trace("spans")
        p = subprocess.run(["sh", VIEWERS, self.out], capture_output=True,
                           text=True, timeout=600)
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, "the viewers rejected it:\n" + out)
        self.assertNotIn("WARN", out)
        self.assertIn("name=loader-1", out)

    def test_forked_children_write_their_own_files(self):
        # From 3.12 os.fork warns of the writer thread (as documented).
        self.trace("forks", env=clean_env(
            PYTHONWARNINGS="ignore::DeprecationWarning"))
        check_trace(self.out)
        parent = strict_events(self.out)
        self.assertEqual(named(parent, "child work"), [])
        self.assertEqual(len(named(parent, "fork with os.fork")), 1)
        hows = set()
        children = glob.glob(os.path.join(self.dir, "t.*.json"))
        self.assertEqual(len(children), 2, children)
        if sys.version_info < (3, 9):
            # A multiprocessing child ends by os._exit with nothing to
            # complete its file before 3.9 (documented).
            children = [c for c in children if os.path.getsize(c)]
        for path in children:
            check_trace(path)
            pid = int(path.split(".")[-2])
            work, = named(strict_events(path), "child work")
            self.assertEqual(work["pid"], pid)
            hows.add(work["args"]["how"])
        self.assertEqual(hows, {"os.fork", "multiprocessing"}
                         if sys.version_info >= (3, 9) else {"os.fork"})

    def test_off_writes_nothing(self):
        code = ("import keke, threading\n"
                "with keke.TraceOutput(file=None):\n"
                "    with keke.kev('x', n=1):\n"
                "        keke.kcount('c', 1); keke.kmark('m')\n"
                "print(keke.get_tracer(), threading.active_count())\n")
        p = run([sys.executable, "-c", code], cwd=self.dir)
        self.assertEqual(p.stdout, "None 1\n")
        self.assertEqual(os.listdir(self.dir), [])

    def test_libkeke_absent_from_ld_preload(self):
        # LD_PRELOAD names another library: keke.py looks, finds no
        # keke__begin and writes its own trace.
        ev = self.trace("spans", env=clean_env(LD_PRELOAD="libm.so.6"))
        self.assertEqual(len(named(ev, "read config")), 1)


@unittest.skipUnless(KEKE_BIN, "KEKE_BIN is not set (run by meson test)")
class UnderKeke(unittest.TestCase):
    """The same programs under keke run: their annotations in keke.db."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="keke-py-")
        cls.dbs = {}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def keke_run(self, name, trace_arg="-"):
        """Runs program name under keke run once; returns its keke.db."""
        if name in self.dbs and trace_arg == "-":
            return self.dbs[name]
        db = os.path.join(self.dir, name + ".db")
        out = os.path.join(self.dir, name + ".json")
        p = run([KEKE_BIN, "run", "-q", "-o", out, "--db", db, "--",
                 sys.executable, prog(name), trace_arg],
                env=clean_env(KEKE_PRELOAD=os.environ["KEKE_PRELOAD"],
                              KEKE_QUIET="1"))
        self.assertEqual(p.stdout, bare(name), "keke changed the output")
        self.assertEqual(p.stderr, "")
        check_trace(out)
        self.dbs[name] = db
        return db

    def q(self, db, sql, *params):
        con = sqlite3.connect(db)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def children(self, db, parent):
        """Names of the slices whose parent is a slice named parent."""
        return [r[0] for r in self.q(
            db, "SELECT c.name FROM slice c JOIN slice p ON "
            "c.parent_id = p.id WHERE p.name = ? ORDER BY c.ts", parent)]

    def test_spans_nest_with_libc_calls(self):
        db = self.keke_run("spans")
        self.assertEqual(self.children(db, "__main__.load"), ["read config"])
        self.assertIn("open", self.children(db, "read config"))
        (path,), = self.q(db, "SELECT a.string_value FROM args a JOIN slice "
                          "s USING (arg_set_id) WHERE s.name = 'read config'"
                          " AND a.key = 'path'")
        self.assertEqual(path, prog("spans"))
        (n,), = self.q(db, "SELECT a.int_value FROM args a JOIN slice s "
                       "USING (arg_set_id) WHERE s.name = 'read config' AND "
                       "a.key = 'attempt'")
        self.assertEqual(n, 1)

    def test_generators_and_coroutines_last_their_lifetime(self):
        db = self.keke_run("spans")
        consume = self.children(db, "__main__.numbers")
        self.assertEqual(consume, ["consume"] * 3)
        # time.sleep's call (select before Python 3.11)
        self.assertTrue({"clock_nanosleep", "select"} &
                        set(self.children(db, "consume")))
        (ticks,), = self.q(db, "SELECT dur FROM slice WHERE name = 'ticks'")
        self.assertGreaterEqual(ticks, 30e6)
        pauses = self.q(db, "SELECT depth, dur FROM slice WHERE name = "
                        "'__main__.pause' ORDER BY ts")
        self.assertEqual([d for d, _ in pauses], [1, 2, 1])
        self.assertGreaterEqual(pauses[0][1], 30e6)
        self.assertGreaterEqual(pauses[1][1] + pauses[2][1], 100e6)

    def test_counters_instants_threads_and_gc(self):
        db = self.keke_run("spans")
        counters = dict(self.q(db, "SELECT t.name, c.value FROM counter c "
                               "JOIN process_counter_track t ON "
                               "t.id = c.track_id"))
        self.assertEqual(counters, {"queue": 7, "memory.rss": 100,
                                    "memory.heap": 50, "jobs": 3})
        self.assertEqual(self.q(db, "SELECT dur, category FROM slice WHERE "
                                "name = 'checkpoint'"), [(0, "mark")])
        self.assertEqual(self.q(db, "SELECT t.name FROM slice s JOIN "
                                "thread_track tt ON tt.id = s.track_id JOIN "
                                "thread t USING (utid) WHERE s.name = "
                                "'in worker'"), [("loader-1",)])
        collected = self.q(db, "SELECT a.int_value FROM args a JOIN slice s"
                           " USING (arg_set_id) WHERE s.category = 'gc' AND "
                           "a.key = 'collected'")
        self.assertTrue(any(n >= 100 for n, in collected), collected)

    def test_trace_output_writes_nothing_under_keke(self):
        self.keke_run("spans", os.path.join(self.dir, "own.json"))
        self.assertEqual(os.path.getsize(os.path.join(self.dir, "own.json")),
                         0)

    def test_forked_children_are_traced(self):
        db = self.keke_run("forks")
        self.assertIn("fork", self.children(db, "fork with os.fork"))
        self.assertIn("fork", self.children(db, "fork with multiprocessing"))
        work = self.q(db, "SELECT a.string_value, p.pid, pp.pid FROM slice s"
                      " JOIN args a USING (arg_set_id) JOIN thread_track tt "
                      "ON tt.id = s.track_id JOIN thread USING (utid) JOIN "
                      "process p USING (upid) JOIN process pp ON pp.upid = "
                      "p.parent_upid WHERE s.name = 'child work' ORDER BY "
                      "s.ts")
        self.assertEqual([w[0] for w in work], ["os.fork", "multiprocessing"])
        (root,), = self.q(db, "SELECT pid FROM process WHERE parent_upid "
                          "IS NULL")
        for _, pid, ppid in work:
            self.assertNotEqual(pid, root)
            self.assertEqual(ppid, root)

    def test_subprocess_children_are_traced(self):
        db = self.keke_run("spawns")
        # subprocess forks, or calls posix_spawn (from Python 3.13)
        self.assertTrue({"fork", "vfork", "spawn"} &
                        set(self.children(db, "run child")))
        rows = self.q(db, "SELECT p.pid, p.parent_upid FROM slice s JOIN "
                      "thread_track tt ON tt.id = s.track_id JOIN thread "
                      "USING (utid) JOIN process p USING (upid) WHERE "
                      "s.name = 'in child process'")
        (root, root_upid), = self.q(db, "SELECT pid, upid FROM process "
                                    "WHERE parent_upid IS NULL")
        self.assertEqual(len(rows), 1)
        self.assertNotEqual(rows[0][0], root)
        self.assertEqual(rows[0][1], root_upid)

    def test_program_fds_and_threads_untouched(self):
        # Everything keke.py does, then what the program can see of it.
        code = ("import os, threading\n"
                "fds = sorted(os.listdir('/proc/self/fd'))\n"
                "import keke\n"
                "@keke.ktrace('n')\n"
                "def f(n):\n"
                "    with keke.kev('x', n=n, big=2**70):\n"
                "        keke.kcount('c', n); keke.kmark('m')\n"
                "for i in range(1000): f(i)\n"
                "with keke.TraceOutput(file=None):\n"
                "    f(1)\n"
                "print(type(keke.get_tracer()).__name__,\n"
                "      sorted(os.listdir('/proc/self/fd')) == fds,\n"
                "      threading.active_count())\n")
        db = os.path.join(self.dir, "fds.db")
        p = run([KEKE_BIN, "run", "-q", "--no-json", "--db", db, "--",
                 sys.executable, "-c", code],
                env=clean_env(KEKE_PRELOAD=os.environ["KEKE_PRELOAD"],
                              KEKE_QUIET="1"))
        self.assertEqual(p.stdout, "_KekeSink True 1\n")
        self.assertEqual(p.stderr, "")
        self.assertEqual(self.q(db, "SELECT COUNT(*) FROM slice WHERE name "
                                "= 'x'"), [(1001,)])
        # An integer beyond 64 bits is recorded as its digits.
        self.assertEqual(self.q(db, "SELECT DISTINCT string_value FROM args "
                                "WHERE key = 'big'"), [(str(2**70),)])


if __name__ == "__main__":
    unittest.main()
