# SPDX-License-Identifier: MIT
"""keke: spans, counters and instants for a Python program's trace.

One file, standard library only, CPython 3.8+: copy it into a project or
install it. It works in two ways.

Standalone, it writes a trace-event JSON file that Perfetto,
chrome://tracing, Chrome DevTools and speedscope load::

    import keke
    from keke import kev, ktrace, kcount, kmark

    @ktrace("path")                   # a span per call, path as an arg
    def load(path):
        with kev("parse", __name__, path=path):   # a span
            ...
        kcount("queue", 3)            # a counter
        kmark("checkpoint")           # an instant

    with open("trace.json", "w") as f, keke.TraceOutput(file=f):
        load("input.txt")

Under keke (``keke run -- python3 prog.py``, or libkeke.so in
LD_PRELOAD), every span, counter and instant goes into keke's own trace
through libkeke.so's annotation API, the one of keke.h: Python spans
nest with the libc calls and child processes made inside them, on their
thread, in keke.json, keke.db and keke report. Tracing is then on
whether or not a TraceOutput is open, and TraceOutput(file=f) writes
nothing to f: the trace is keke's.

Without either (no TraceOutput, or TraceOutput(file=None)), each call
costs a global lookup and a test.

What is traced:

- kev(name, cat="dur", min_us=0, **args): a span over a ``with`` block;
  args are recorded with it. Spans shorter than min_us are left out of
  a standalone trace (keke records each span as it begins, so there it
  keeps them all).
- ktrace(*arg_exprs, shortname=False, min_us=0): a decorator giving
  each call of a function a span named module.qualname (its bare name
  with shortname=True, or shortname itself when it is a string). Each
  of arg_exprs is a Python expression evaluated against the call's
  arguments ("path", "len(items)"), recorded as an arg. Coroutines and
  async generators are spanned from their first resumption to their
  end, generators from the first next() to their exhaustion or close.
- kcount(name, value=None, **values): a counter; value under name,
  each other series under name.key in keke (integers there).
- kmark(name, cat="mark", scope="t"): an instant ("g", "p" or "t").
- Garbage collections: slices "gc genN" with the objects collected, on
  a thread of their own named "GC" standalone, on the collecting thread
  (category gc) under keke.
- Thread names, from threading, when a thread first records something
  (under keke, of threads other than the main one, which keke names
  after the process).

Spans stay strictly nested on each thread, as viewers require: when a
span ends while spans opened after it on its thread are still open (a
coroutine or generator interleaved with others), those are cut at that
moment and continue as new slices of the same name. A span ended on
another thread than the one it began on (a generator handed to another
thread) is closed when its own thread next begins a span or closes one
around it, or when tracing ends (under keke, when its thread ends).

Processes. Under keke, libkeke.so follows forks, execs and spawns
itself, and a child that imports keke.py joins the trace. Standalone,
a child made by os.fork or multiprocessing's fork start method writes
its own file beside the parent's, named with its pid (trace.json ->
trace.4242.json), from the fork on; spans open at the fork are not
continued in the child (under keke neither). Its file is completed
when the child leaves the TraceOutput's ``with`` block, exits normally,
or ends a multiprocessing worker (Python 3.9+); a child that leaves by
os._exit loses what its writer had not yet written. A file object
without a name (io.StringIO) gives children no trace.

Standalone, events are queued and written by a background thread (at
most 0.2 s later), so the program's threads never format or write. On
Python 3.12+ that thread makes os.fork warn that the process has
threads.

keke.py looks for libkeke.so (keke__begin and its siblings among the
process's global symbols, through ctypes) once, at import, and only
when LD_PRELOAD is set, so that a program run without keke does not
pay for importing ctypes. Under keke it never writes on the program's
fds and starts no thread; what the program could see of it is the
modules it imports and its entry in gc.callbacks.
"""

import atexit
import collections
import functools
import gc
import math
import os
import sys
import threading
import time
import weakref

__all__ = ["TraceOutput", "kev", "ktrace", "kcount", "kmark", "get_tracer"]

KTRACE_CAT = "ktrace"    # category of ktrace's spans
GC_CAT = "gc"
GC_TID = 2147483646      # the standalone GC track: a tid no thread has
WRITE_EVERY_S = 0.2      # how often the writer thread writes queued events
WRITE_BATCH = 1024       # events formatted and written at a time
NAME_CACHE_MAX = 4096    # encoded names kept for libkeke.so's calls
LLONG_MAX = (1 << 63) - 1
# What calling a function makes, from its code's flags (inspect's CO_*,
# read here so that importing keke.py does not import inspect).
CO_GENERATOR, CO_COROUTINE, CO_ASYNC_GENERATOR = 0x20, 0x80, 0x200

_sink = None      # where events go: None (off), a _FileSink or _KekeSink
_tracer = None    # the open TraceOutput
_tls = threading.local()   # .state: the thread's _Thread for a sink


class TraceOutput:
    """Turns tracing on for the duration of a ``with`` block.

    file: a text file open for writing that receives the trace-event
    JSON, or None for no trace. pid: the pid written in the events
    (default os.getpid()). clock: a function returning nanoseconds
    (default time.monotonic_ns, keke's clock, so that traces of several
    processes share one time base). close_output_file: close file when
    the block ends.

    Under keke, tracing is on anyway and goes into keke's trace: file
    receives nothing (it is still closed when close_output_file says
    so).
    """

    def __init__(self, file, pid=None, clock=None, close_output_file=True):
        self.file = file
        self.pid = pid
        self.clock = clock or time.monotonic_ns
        self.close_output_file = close_output_file
        self._sink = None
        self._owner = None

    def __enter__(self):
        global _sink, _tracer
        if _tracer is not None:
            raise RuntimeError("keke: a TraceOutput is already open")
        self._owner = os.getpid()
        _tracer = self
        if self.file is not None and _sink is None:
            self._sink = _FileSink(self.file, self.pid or os.getpid(),
                                   self.clock)
            self._sink.start()
            _sink = self._sink
            gc.callbacks.append(_gc_callback)
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Ends tracing and completes the file (as leaving the block)."""
        global _sink, _tracer
        if _tracer is not self:
            return
        _tracer = None
        sink, self._sink = self._sink, None
        if sink is not None:
            _sink = None
            if _gc_callback in gc.callbacks:
                gc.callbacks.remove(_gc_callback)
            sink.close()
        # A forked child leaves its parent's file alone.
        if (self.close_output_file and self.file is not None and
                os.getpid() == self._owner):
            self.file.close()


def kev(name, cat="dur", min_us=0, **args):
    """A span over a ``with`` block, with args recorded on it."""
    sink = _sink
    if sink is None:
        return _OFF
    return _Span(sink, name, cat, min_us, args)


def ktrace(*arg_exprs, shortname=False, min_us=0):
    """Decorates a function, coroutine function, generator function or
    async generator function with a span per call (see the module's
    docstring); also usable bare, as @ktrace."""
    if len(arg_exprs) == 1 and callable(arg_exprs[0]):
        return ktrace()(arg_exprs[0])

    def decorate(func):
        name = _func_name(func, shortname)
        argf = _arg_evaluator(func, arg_exprs)
        flags = _code_flags(func)
        if flags & CO_ASYNC_GENERATOR:
            wrap = _wrap_async_generator
        elif flags & CO_COROUTINE:
            wrap = _wrap_coroutine
        elif flags & CO_GENERATOR:
            wrap = _wrap_generator
        else:
            wrap = _wrap_function
        return functools.wraps(func)(wrap(func, name, argf, min_us))
    return decorate


def kcount(name, value=None, **values):
    """A value of counter name (and of each series in values), now."""
    sink = _sink
    if sink is None:
        return
    name = _text(name)
    if value is not None:
        values[name] = value
    sink.counter(name, values)


def kmark(name, cat="mark", scope="t"):
    """An instant on the calling thread; scope "g", "p" or "t" says how
    far it reaches in a standalone trace."""
    sink = _sink
    if sink is not None:
        sink.instant(name, cat, scope if scope in ("g", "p") else "t")


def get_tracer():
    """What events go to now: the open TraceOutput (standalone), an
    object standing for keke (under keke, when no TraceOutput is open),
    or None when tracing is off."""
    if _sink is None:
        return None
    return _tracer or _sink


class _Off:
    """The span kev returns when tracing is off: does nothing."""

    __slots__ = ()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


_OFF = _Off()


class _Span:
    """A span from __enter__ to __exit__ (kev's and ktrace's); also an
    entry of its thread's stack of open spans."""

    __slots__ = ("sink", "name", "cat", "args", "min_ns", "start",
                 "thread", "orphan")

    def __init__(self, sink, name, cat, min_us, args):
        self.sink = sink
        self.name = name
        self.cat = cat
        self.args = args
        self.min_ns = min_us * 1000   # a standalone trace's threshold
        self.thread = None
        self.orphan = False

    def __enter__(self):
        self.sink.begin(self)
        return self

    def __exit__(self, *exc):
        self.sink.end(self)


class _Thread:
    """What a sink keeps per thread: its spans open now, innermost
    last, whether another thread ended some of them, and its tid."""

    __slots__ = ("sink", "stack", "orphans", "tid", "ident", "__weakref__")

    def __init__(self, sink):
        self.sink = sink
        self.stack = []
        self.orphans = False
        self.tid = threading.get_native_id()
        self.ident = threading.get_ident()


class _Sink:
    """Keeps each thread's spans strictly nested; a subclass records.

    Subclasses define _open(span, now) and _close(span, now), which
    start and end one slice of span (now is None on the fast path: read
    the clock), now() for the time, counter, instant and gc, and may
    extend _new_thread.
    """

    def __init__(self):
        self.gc_span = None   # the collection in progress

    def thread(self):
        """The calling thread's _Thread for this sink, made on first
        use."""
        st = getattr(_tls, "state", None)
        if st is None or st.sink is not self:
            st = self._new_thread()
            _tls.state = st
        return st

    def _new_thread(self):
        return _Thread(self)

    def begin(self, span):
        """Opens span on the calling thread, inside its open spans."""
        st = self.thread()
        if st.orphans:
            self._close_orphans(st)
        span.thread = st
        self._open(span, None)
        st.stack.append(span)

    def end(self, span):
        """Ends span, which the calling thread began, the innermost
        open span as a rule."""
        st = span.thread
        if st is None:
            return
        stack = st.stack
        if stack and stack[-1] is span and st.ident == threading.get_ident():
            stack.pop()
            self._close(span, None)
        else:
            self._end_out_of_order(span)

    def _end_out_of_order(self, span):
        """Ends span that is not its thread's innermost open one, or is
        ended by another thread. The spans opened above it are cut now
        and continue as new slices; one begun on another thread is
        marked, for its own thread to close when it next begins a span
        or closes one below it."""
        st = span.thread
        if st.ident != threading.get_ident():
            span.orphan = True
            st.orphans = True
            return
        stack = st.stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is span:
                break
        else:
            return   # not open: ended twice, or left open at a fork
        now = self.now()
        above = stack[i + 1:]
        del stack[i:]
        for s in reversed(above):
            self._close(s, now)
        self._close(span, now)
        for s in above:
            if not s.orphan:
                self._open(s, now)
                stack.append(s)

    def _close_orphans(self, st):
        """Closes the spans on top of st's stack that other threads
        ended; those below an open span wait until it is closed."""
        st.orphans = False
        stack = st.stack
        now = self.now()
        while stack and stack[-1].orphan:
            self._close(stack.pop(), now)
        st.orphans = any(s.orphan for s in stack)

    def gc(self, phase, info):
        """A collection starts or stops, on the calling thread: a slice
        "gc genN" around it, by default among the thread's spans."""
        if phase == "start":
            self.gc_span = _Span(self, "gc gen%d" % info["generation"],
                                 GC_CAT, 0, None)
            self.begin(self.gc_span)
        elif self.gc_span is not None:
            span, self.gc_span = self.gc_span, None
            self._gc_result(span, info)
            self.end(span)

    def _gc_result(self, span, info):
        """Records what collection span collected, before it ends."""

    def after_fork_child(self):
        """In a forked child: the sink to use there (self or another,
        or None). Spans open at the fork are dropped."""
        st = getattr(_tls, "state", None)
        if st is not None and st.sink is self:
            st.stack.clear()
            st.tid = threading.get_native_id()
            st.ident = threading.get_ident()
        self.gc_span = None
        return self

    def before_fork(self):
        """In the parent, just before a fork."""

    def after_fork_parent(self):
        """In the parent, just after a fork."""


class _KekeSink(_Sink):
    """Records through libkeke.so's annotation API (keke.h's keke__*),
    into keke's record file, on the calling thread."""

    NAMES = ("begin", "end", "arg_int", "arg_str", "instant", "counter",
             "thread_name")

    def __init__(self, ctypes, lib):
        super().__init__()
        text, ll = ctypes.c_char_p, ctypes.c_longlong
        types = {"begin": (text, text), "end": (), "arg_int": (text, ll),
                 "arg_str": (text, text), "instant": (text, text),
                 "counter": (text, ll), "thread_name": (text,)}
        for name in self.NAMES:
            fn = getattr(lib, "keke__" + name)
            fn.argtypes = types[name]
            fn.restype = None
            setattr(self, "_" + name, fn)
        self._names = {}

    def _b(self, s):
        """s as the bytes libkeke.so takes (cached: names repeat)."""
        if type(s) is not str:
            s = _text(s)
        b = self._names.get(s)
        if b is None:
            b = s.encode("utf-8", "backslashreplace")
            if len(self._names) < NAME_CACHE_MAX:
                self._names[s] = b
        return b

    def now(self):
        return 0   # libkeke.so reads its own clock

    def _new_thread(self):
        st = _Thread(self)
        name = _thread_name()
        if name is not None and threading.get_ident() != \
                threading.main_thread().ident:
            self._thread_name(self._b(name))
        return st

    def _open(self, span, now):
        names = self._names
        try:   # the usual case, without a call of _b each
            name, cat = names[span.name], names[span.cat]
        except (KeyError, TypeError):
            name, cat = self._b(span.name), self._b(span.cat)
        self._begin(name, cat)
        if span.args:
            self._put_args(span.args)

    def _put_args(self, args):
        """Adds args to the innermost open span."""
        for key, value in args.items():
            key = self._b(key)
            # (ctypes would wrap an integer beyond 64 bits around)
            if (type(value) is int or type(value) is bool) and \
                    -LLONG_MAX <= value <= LLONG_MAX:
                self._arg_int(key, value)
            else:
                self._arg_str(key, _text(value).encode("utf-8",
                                                       "backslashreplace"))

    def _close(self, span, now):
        self._end()

    def _gc_result(self, span, info):
        st = span.thread
        if st.stack and st.stack[-1] is span:
            self._put_args({"collected": info["collected"],
                            "uncollectable": info["uncollectable"]})

    def counter(self, name, values):
        for key, value in values.items():
            track = name if key == name else "%s.%s" % (name, key)
            try:
                n = max(-LLONG_MAX, min(LLONG_MAX, round(value)))
            except (TypeError, ValueError, OverflowError):
                continue
            self._counter(self._b(track), n)

    def instant(self, name, cat, scope):
        self._instant(self._b(name), self._b(cat))


class _FileSink(_Sink):
    """Writes trace-event JSON to a file: the program's threads queue
    events, a writer thread formats and writes them."""

    def __init__(self, file, pid, clock, own_file=False):
        super().__init__()
        self.file = file
        self.pid = pid
        self.clock = clock
        self.own_file = own_file      # a child's file: closed by us
        self.path = _path_of(file)    # where children's files go
        self.queue = collections.deque()
        self.lock = threading.Lock()  # held while writing
        self.wake = threading.Event()
        self.writer = None
        self.closed = False
        self.failed = None            # the error that stopped writing
        self.first = True             # no event written yet
        self.gc_named = False
        self.gc_start = None
        self.heads = {}               # see _head
        self.threads = weakref.WeakSet()   # the _Thread of each live thread
        self.threads_lock = threading.Lock()

    def start(self):
        """Queues the process's name and starts the writer thread."""
        argv0 = sys.argv[0] if sys.argv and sys.argv[0] else "python"
        self.queue.append(("M", self.pid, "process_name",
                           os.path.basename(argv0)))
        self.writer = threading.Thread(target=self._run, name="keke-writer",
                                       daemon=True)
        self.writer.start()

    def now(self):
        return self.clock()

    def _new_thread(self):
        st = _Thread(self)
        with self.threads_lock:
            self.threads.add(st)
        self.queue.append(("M", st.tid, "thread_name",
                           _thread_name() or "thread %d" % st.tid))
        return st

    def _open(self, span, now):
        span.start = self.clock() if now is None else now
        if span.args:
            _make_plain(span.args)

    def _close(self, span, now):
        if self.closed:
            return
        dur = (self.clock() if now is None else now) - span.start
        if dur >= span.min_ns:
            self.queue.append(("X", span.thread.tid, span.name, span.cat,
                               span.start, dur, span.args))

    def gc(self, phase, info):
        """Collections go on a track of their own: they may start and
        stop anywhere among the program's spans."""
        if phase == "start":
            self.gc_start = self.clock()
            return
        if not self.gc_named:
            self.gc_named = True
            self.queue.append(("M", GC_TID, "thread_name", "GC"))
        start, self.gc_start = self.gc_start, None
        if start is not None:
            self.queue.append(("X", GC_TID, "gc gen%d" % info["generation"],
                               GC_CAT, start, self.clock() - start,
                               {"collected": info["collected"],
                                "uncollectable": info["uncollectable"]}))

    def counter(self, name, values):
        nums = {}
        for key, value in values.items():
            if type(value) in (int, bool) or (type(value) is float and
                                              math.isfinite(value)):
                nums[key] = value
        if nums:
            self.queue.append(("C", self.thread().tid, name, self.clock(),
                               nums))

    def instant(self, name, cat, scope):
        self.queue.append(("i", self.thread().tid, name, cat, self.clock(),
                           scope))

    def _run(self):
        """The writer thread: writes what was queued, every
        WRITE_EVERY_S, until close."""
        while not self.closed:
            self.wake.wait(WRITE_EVERY_S)
            self.write_queued()

    def write_queued(self):
        """Formats and writes every queued event, a batch at a time (so
        that memory is reused, not grown); on an error, stops writing
        and keeps it in failed."""
        with self.lock:
            q = self.queue
            while q:
                lines = []
                while q and len(lines) < WRITE_BATCH:
                    try:
                        lines.append(self._line(q.popleft()))
                    except Exception:
                        pass   # a name that cannot be a key or text
                if lines and self.failed is None:
                    self._write(",\n".join(lines))
            if self.failed is None and not self.first:
                try:
                    self.file.flush()
                except Exception as e:
                    self.failed = e

    def _write(self, text):
        """Writes the lines in text, after "[" or a comma."""
        try:
            self.file.write(("[\n" if self.first else ",\n") + text)
            self.first = False
        except Exception as e:   # full disk, closed or binary file
            self.failed = e

    def _line(self, ev):
        """One queued event as a line of trace-event JSON."""
        ph = ev[0]
        if ph == "X":
            _, tid, name, cat, start, dur, args = ev
            return '%s%d.%03d,"dur":%d.%03d%s}' % (
                self._head("X", tid, name, cat), start // 1000,
                start % 1000, dur // 1000, dur % 1000, _jargs(args))
        if ph == "i":
            _, tid, name, cat, ts, scope = ev
            return '%s%s,"s":"%s"}' % (self._head("i", tid, name, cat),
                                       _us(ts), scope)
        if ph == "C":
            _, tid, name, ts, values = ev
            return "%s%s%s}" % (self._head("C", tid, name, "counter"),
                                _us(ts), _jargs(values))
        _, tid, what, name = ev
        return ('{"ph":"M","cat":"__metadata","name":"%s","pid":%d,'
                '"tid":%d,"ts":0,"args":{"name":%s}}' % (
                    what, self.pid, tid, _jstr(name, "python")))

    def _head(self, ph, tid, name, cat):
        """The start of an event's line up to its ts, cached: names,
        categories and threads repeat."""
        key = (ph, tid, name, cat)
        try:
            head = self.heads.get(key)
        except TypeError:   # a name that is no dict key: not cached
            key, head = None, None
        if head is None:
            head = '{"ph":"%s","cat":%s,"name":%s,"pid":%d,"tid":%d,"ts":' % (
                ph, _jstr(cat, "dur"), _jstr(name, "span"), self.pid, tid)
            if key is not None and len(self.heads) < NAME_CACHE_MAX:
                self.heads[key] = head
        return head

    def close(self):
        """Ends the spans still open (at this moment), writes what is
        queued and the closing bracket."""
        if self.closed:
            return
        now = self.clock()
        with self.threads_lock:
            threads = list(self.threads)
        for st in threads:
            for span in st.stack:
                self._close(span, now)
            st.stack.clear()
        self.closed = True
        self.wake.set()
        if self.writer is not None and self.writer.is_alive() and \
                self.writer is not threading.current_thread():
            self.writer.join()
        self.write_queued()
        try:
            if self.failed is None:
                self.file.write("\n]\n")
                self.file.flush()
            if self.own_file:
                self.file.close()
        except Exception as e:
            self.failed = self.failed or e
        if self.failed is not None:
            import warnings
            warnings.warn("keke: the trace could not be written: %s" %
                          self.failed, RuntimeWarning)

    def before_fork(self):
        """Waits for the writer to finish a write and empties the
        file's buffer, so that the child inherits no half-written
        line."""
        self.lock.acquire()
        try:
            self.file.flush()
        except Exception:
            pass   # the writer keeps the error for close to report

    def after_fork_parent(self):
        self.lock.release()

    def after_fork_child(self):
        """The child writes its own file, named after the parent's with
        its pid; the parent's file and queued events stay the
        parent's."""
        self.closed = True
        if self.path is None:
            return None
        root, ext = os.path.splitext(self.path)
        try:
            f = open("%s.%d%s" % (root, os.getpid(), ext), "w",
                     encoding="utf-8")
        except OSError:
            return None
        child = _FileSink(f, os.getpid(), self.clock, own_file=True)
        child.start()
        if hasattr(threading, "_register_atexit"):
            # A multiprocessing child ends with os._exit after
            # threading's shutdown: atexit would never run.
            threading._register_atexit(_at_exit)
        return child


def _thread_name():
    """The calling thread's name in threading, or None for a thread
    threading did not start. Neither current_thread(), which would
    register a dummy Thread for such a thread where the program sees
    it, nor enumerate(), whose lock a collection may start under."""
    t = getattr(threading, "_active", {}).get(threading.get_ident())
    return None if t is None else t.name


def _path_of(file):
    """The absolute path file was opened as, or None."""
    name = getattr(file, "name", None)
    if not isinstance(name, str) or not name or name.startswith("<"):
        return None
    return os.path.abspath(name)


def _us(ns):
    """Nanoseconds as microseconds with at most 3 decimals, exactly."""
    return "%d.%03d" % divmod(ns, 1000)


def _text(value):
    """value as text, whatever its __str__ does."""
    if type(value) is str:
        return value
    try:
        return str(value)
    except Exception:
        return "<%s>" % type(value).__name__


def _jstr(value, empty):
    """value as a JSON string, empty when it is empty; valid UTF-8 even
    from lone surrogates (file names read with surrogateescape)."""
    s = _text(value) or empty
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        s = s.encode("utf-8", "backslashreplace").decode("ascii")
    import json   # the writer's alone: not imported with keke.py
    return json.dumps(s)


def _make_plain(args):
    """Makes each value of args (a dict of the span's own) a JSON scalar
    or text, taken now rather than when the writer gets to it."""
    for key, value in args.items():
        if value is not None and type(value) not in (str, int, float, bool):
            args[key] = _text(value)


_json_keys = {}   # arg names as JSON strings (the writer's cache)


def _jargs(args):
    """args as ',"args":{...}', or "" when there are none."""
    if not args:
        return ""
    parts = []
    for key, value in args.items():
        t = type(value)
        if value is None or t is bool:
            v = "null" if value is None else ("true" if value else "false")
        elif t is int or (t is float and math.isfinite(value)):
            v = repr(value)
        else:
            v = _jstr(value, "")
        k = _json_keys.get(key)
        if k is None:
            k = _jstr(key, "arg")
            if len(_json_keys) < NAME_CACHE_MAX:
                _json_keys[key] = k
        parts.append("%s:%s" % (k, v))
    return ',"args":{%s}' % ",".join(parts)


def _code_flags(func):
    """The flags of func's code, through functools.partial and bound
    methods as inspect sees them; 0 for a callable without code."""
    while True:
        if isinstance(func, functools.partial):
            func = func.func
        elif hasattr(func, "__func__"):
            func = func.__func__
        else:
            break
    code = getattr(func, "__code__", None)
    return code.co_flags if code is not None else 0


def _func_name(func, shortname):
    """The span name of a ktrace'd function."""
    if isinstance(shortname, str):
        return shortname
    if shortname:
        return func.__name__
    return "%s.%s" % (func.__module__, func.__qualname__)


def _arg_evaluator(func, exprs):
    """A function of a call's (args, kwargs) giving {expr: value} for
    each of exprs evaluated against the call's arguments; None without
    exprs. An expression that fails gives "<ExceptionName>"."""
    if not exprs:
        return None
    import inspect   # slow to import: only when a ktrace has arg_exprs
    sig = inspect.signature(func)
    codes = [(e, compile(e, "<ktrace>", "eval")) for e in exprs]
    glob = getattr(func, "__globals__", {})

    def evaluate(args, kwargs):
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError:
            return None   # the call itself will say what is wrong
        bound.apply_defaults()
        local = dict(bound.arguments)
        out = {}
        for text, code in codes:
            try:
                out[text] = eval(code, glob, local)
            except Exception as e:
                out[text] = "<%s>" % type(e).__name__
        return out
    return evaluate


def _call_span(sink, name, argf, min_us, args, kwargs):
    """The span of one call of a ktrace'd function."""
    return _Span(sink, name, KTRACE_CAT, min_us,
                 argf(args, kwargs) if argf else None)


def _wrap_function(func, name, argf, min_us):
    def traced(*args, **kwargs):
        sink = _sink
        if sink is None:
            return func(*args, **kwargs)
        with _call_span(sink, name, argf, min_us, args, kwargs):
            return func(*args, **kwargs)
    return traced


def _wrap_generator(func, name, argf, min_us):
    def traced(*args, **kwargs):
        sink = _sink
        if sink is None:
            return (yield from func(*args, **kwargs))
        with _call_span(sink, name, argf, min_us, args, kwargs):
            return (yield from func(*args, **kwargs))
    return traced


def _wrap_coroutine(func, name, argf, min_us):
    async def traced(*args, **kwargs):
        sink = _sink
        if sink is None:
            return await func(*args, **kwargs)
        with _call_span(sink, name, argf, min_us, args, kwargs):
            return await func(*args, **kwargs)
    return traced


def _wrap_async_generator(func, name, argf, min_us):
    async def traced(*args, **kwargs):
        sink = _sink
        span = _call_span(sink, name, argf, min_us, args, kwargs) \
            if sink is not None else _OFF
        with span:
            agen = func(*args, **kwargs)
            sent, thrown = None, None
            while True:
                try:
                    if thrown is None:
                        item = await agen.asend(sent)
                    else:
                        item, thrown = await agen.athrow(thrown), None
                except StopAsyncIteration:
                    return
                try:
                    sent = yield item
                except GeneratorExit:
                    await agen.aclose()
                    raise
                except BaseException as e:
                    thrown = e
    return traced


def _gc_callback(phase, info):
    """gc.callbacks' entry: a collection starts or stops."""
    sink = _sink
    if sink is not None:
        try:
            sink.gc(phase, info)
        except Exception:
            pass   # never an "exception ignored" message


def _before_fork():
    sink = _sink
    if sink is not None:
        sink.before_fork()


def _after_fork_parent():
    sink = _sink
    if sink is not None:
        sink.after_fork_parent()


def _after_fork_child():
    global _sink
    sink = _sink
    if sink is None:
        return
    try:
        _sink = sink.after_fork_child()
    except Exception:
        _sink = None
    if _tracer is not None and _tracer._sink is sink:
        _tracer._sink = _sink


def _at_exit():
    """Completes the trace of a program that exits with it open."""
    if _tracer is not None:
        _tracer.close()


def _find_keke():
    """The _KekeSink when libkeke.so is in the process, else None."""
    if not os.environ.get("LD_PRELOAD"):
        return None
    try:
        import ctypes
        lib = ctypes.PyDLL(None)
        return _KekeSink(ctypes, lib)
    except (ImportError, OSError, AttributeError):
        return None


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_parent,
                    after_in_child=_after_fork_child)
atexit.register(_at_exit)
_sink = _find_keke()
if _sink is not None:
    gc.callbacks.append(_gc_callback)
