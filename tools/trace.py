#!/usr/bin/env python3
"""tools/trace.py - read a Spindle scheduler trace and show or check it.

The kernel writes its trace to the second serial port as text, one record
a line ('\\n' line ends; a '\\r' is taken as a line end too):

    SPINDLE-TRACE 1 tsc_hz=2600000000 cpus=2 procs=2 buf_kib=256
    E <cpu> <tsc> <event> key=value key=value ...
    L <cpu> <lost>        the ring of that CPU wrapped: its <lost> oldest
                          events were lost
    N g <gid> <name>      goroutine gid's entry function
    N t <tid> <name>      kernel thread tid's name
    END events=<n> lost=<n>

Lines before the header (serial noise, boot messages) and lines of no known
shape are ignored; reading stops at END (or at a second header). A file
with no header is an error (exit status 2). Each CPU has its own ring and
the rings are dumped one after another, so the E lines are sorted here by
tsc (stable: ties keep the file's order). Times are in microseconds from
the first event: (tsc - first_tsc) * 1e6 / tsc_hz.

The events (p: a P's index, g: a goroutine id, tid: a kernel thread id):
    go.create p g parent    go.start p g          go.park p g reason
    go.ready p g by to      go.yield p g          go.preempt p g
    go.exit p g             go.panic p g          go.steal p victim n
    go.kenter p g           go.kleave p g         m.handoff p g
    p.idle p                m.halt p              m.wake p by
    timer.fire p g          kt.create tid cpu     kt.in tid / kt.out tid
    kt.block tid            kt.wake tid by
A goroutine runs on a P from its go.start to the next go.park, go.yield,
go.preempt, go.exit, go.panic, m.handoff or go.kenter of it on that P (or
to the next go.start on that P, or to the end of the trace); a go.kleave
on a P that is running nothing lets it run on there again. A P is idle
from p.idle (or m.halt) to its next go.start, halted from m.halt to m.wake.
A kernel thread is on its CPU from kt.in to kt.out.

Subcommands:
    json TRACE OUT.json     Chrome Trace Event JSON (opens in Perfetto and
                            chrome://tracing): a track per P with the
                            goroutines' runs, idle and halted time, steals,
                            wakeups and ready->start arrows; a track per
                            CPU with the kernel threads (when there are any)
    svg TRACE OUT.svg [--png OUT.png]
                            the same timeline as a picture: a row per P
                            (and CPU), a colour per goroutine, idle time
                            hatched, symbols for steals and wakeups, arrows
                            from go.ready to go.start, a legend (and a PNG
                            through rsvg-convert, when it is installed)
    text TRACE [--width N]  the timeline in the terminal: a row per P (and
                            per CPU), a column per time bucket, a character
                            per goroutine, '.' for idle or nothing
    events TRACE            the event sequence, in time order, without
                            times, CPUs and the events that depend on
                            wall-clock timing: m.halt, m.wake, p.idle, the
                            kernel-thread switches kt.in and kt.out, every
                            go.preempt with the go.ready that requeues the
                            goroutine, and the go.start after a go.preempt
                            on the same P when it resumes the same goroutine
                            (the events of different CPUs interleave by
                            time, so two runs on several Ps compare equal
                            only when that interleaving is deterministic)
    diff A B                compare the event sequences of two traces
                            (exit 1 and the first difference if they differ)
    tracediff REF MINE      the goroutine events of a lab's reference trace
                            against yours, the first divergence in words
    check TRACE             consistency checks, a line per problem (exit 1
                            if any): no P runs two goroutines at once, nor a
                            goroutine two Ps; a goroutine starts only when
                            something made it runnable since its last start
                            (go.create, go.ready, timer.fire, or its own
                            go.yield, go.preempt, go.kleave) unless those
                            events may be among a CPU's lost ones; none
                            starts after its go.exit or go.panic; END agrees
                            with the file. Notes say which goroutines are
                            still running, runnable or parked at the end.
Exit status 2: bad usage, or a file that cannot be read or has no header.
"""

import json
import math
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

USAGE = """\
usage: tools/trace.py json TRACE.txt OUT.json
       tools/trace.py svg TRACE.txt OUT.svg [--png OUT.png]
       tools/trace.py text TRACE.txt [--width N]
       tools/trace.py events TRACE.txt
       tools/trace.py diff A.txt B.txt
       tools/trace.py tracediff REF.txt MINE.txt
       tools/trace.py check TRACE.txt
(tools/trace.py --help: the trace format and what each subcommand does)"""

HEADER = "SPINDLE-TRACE"
VERSION = "1"
RUN_ENDS = ("go.park", "go.yield", "go.preempt", "go.exit", "go.panic",
            "m.handoff", "go.kenter")
TIMING_EVENTS = ("m.halt", "m.wake", "p.idle", "kt.in", "kt.out")


class TraceError(Exception):
    """A problem that stops the tool: one line on stderr, exit status 2."""


class UsageError(Exception):
    """Bad command line: the usage text on stderr, exit status 2."""


# --- reading a trace ---------------------------------------------------------

@dataclass
class Event:
    """One E line: where it was in the file, its CPU, TSC and arguments."""
    seq: int
    cpu: int
    tsc: int
    name: str
    args: dict      # key -> int (decimal values) or str (words)
    text: str       # the key=value part as written

    def ints(self, *keys):
        """The integer values of keys, or None when one is missing."""
        vals = tuple(self.args.get(k) for k in keys)
        return None if any(not isinstance(v, int) for v in vals) else vals


@dataclass
class Trace:
    """A whole trace file: header, time-sorted events, losses and names."""
    path: str
    header: dict = field(default_factory=dict)
    events: list = field(default_factory=list)
    lost: dict = field(default_factory=dict)        # cpu -> events lost
    gnames: dict = field(default_factory=dict)      # gid -> name
    tnames: dict = field(default_factory=dict)      # tid -> name
    end: dict = None                                # the END line's fields
    cpu_first: dict = field(default_factory=dict)   # cpu -> first tsc kept
    tsc_hz: int = 0
    first_tsc: int = 0
    last_tsc: int = 0
    procs: int = 0
    cpus: int = 0

    def us(self, tsc):
        """Microseconds from the first event."""
        return (tsc - self.first_tsc) * 1e6 / self.tsc_hz

    @property
    def duration_us(self):
        return self.us(self.last_tsc)

    @property
    def total_lost(self):
        return sum(self.lost.values())

    def gname(self, gid):
        name = self.gnames.get(gid)
        return f"G{gid} {name}" if name else f"G{gid}"

    def tname(self, tid):
        return self.tnames.get(tid) or f"T{tid}"

    def has_kthreads(self):
        return any(ev.name.startswith("kt.") for ev in self.events)


def is_uint(s):
    return s.isascii() and s.isdigit()


def parse_fields(tokens):
    """key=value tokens -> dict (decimal values as ints); others skipped."""
    out = {}
    for tok in tokens:
        key, sep, val = tok.partition("=")
        if sep and key:
            out[key] = int(val) if is_uint(val) else val
    return out


def parse_event(f, seq):
    """The fields of an E line -> Event, or None if it is malformed."""
    if len(f) < 4 or not is_uint(f[1]) or not is_uint(f[2]):
        return None
    return Event(seq, int(f[1]), int(f[2]), f[3], parse_fields(f[4:]),
                 " ".join(t for t in f[4:] if "=" in t))


def parse_line(trace, line, seq):
    """Adds one line after the header to trace; False at END."""
    f = line.split()
    if not f:
        return True
    if f[0] == "E":
        ev = parse_event(f, seq)
        if ev:
            trace.events.append(ev)
    elif f[0] == "L" and len(f) == 3 and is_uint(f[1]) and is_uint(f[2]):
        trace.lost[int(f[1])] = trace.lost.get(int(f[1]), 0) + int(f[2])
    elif f[0] == "N" and len(f) >= 4 and f[1] in "gt" and is_uint(f[2]):
        names = trace.gnames if f[1] == "g" else trace.tnames
        name = line.split(None, 3)[3].strip()
        if name != "?":                 # the kernel's "no symbol"
            names[int(f[2])] = name
    elif f[0] == "END":
        trace.end = parse_fields(f[1:])
        return False
    return True


def read_lines(path):
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise TraceError(f"trace: {path}: cannot read: {e.strerror}") from None
    text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def find_header(path, lines):
    """The index of the header line and its fields."""
    for i, line in enumerate(lines):
        f = line.split()
        if f and f[0] == HEADER:
            if len(f) < 2 or f[1] != VERSION:
                raise TraceError(f"trace: {path}: trace format version "
                                 f"{f[1] if len(f) > 1 else '?'}, this tool "
                                 f"reads version {VERSION}")
            return i, parse_fields(f[2:])
    raise TraceError(f"trace: {path}: no '{HEADER} {VERSION}' header line: "
                     f"not a Spindle trace")


def read_trace(path):
    """Reads and parses a trace file; raises TraceError."""
    lines = read_lines(path)
    start, header = find_header(path, lines)
    trace = Trace(path, header)
    for seq, line in enumerate(lines[start + 1:]):
        if line.split()[:1] == [HEADER]:
            warn(f"trace: {path}: a second trace starts at line "
                 f"{start + seq + 2}; reading the first one only")
            break
        if not parse_line(trace, line, seq):
            break
    settle(trace)
    return trace


def settle(trace):
    """Sorts the events and works out the clock, P and CPU counts."""
    trace.events.sort(key=lambda ev: ev.tsc)     # stable: ties keep order
    for ev in trace.events:
        trace.cpu_first.setdefault(ev.cpu, ev.tsc)
    if trace.events:
        trace.first_tsc = trace.events[0].tsc
        trace.last_tsc = trace.events[-1].tsc
    hz = trace.header.get("tsc_hz")
    if not isinstance(hz, int) or hz <= 0:
        warn(f"trace: {trace.path}: no tsc_hz in the header; taking 1 GHz")
        hz = 10**9
    trace.tsc_hz = hz
    seen_p = [ev.args["p"] for ev in trace.events
              if isinstance(ev.args.get("p"), int)]
    seen_cpu = [ev.cpu for ev in trace.events] + list(trace.lost)
    trace.procs = max([count_field(trace, "procs")] + [p + 1 for p in seen_p])
    trace.cpus = max([count_field(trace, "cpus")] + [c + 1 for c in seen_cpu])


def count_field(trace, key):
    val = trace.header.get(key)
    return val if isinstance(val, int) else 0


def warn(msg):
    print(msg, file=sys.stderr)


# --- the timeline: what ran where, when -------------------------------------

@dataclass
class Slice:
    """A stretch of time on a track (a P, or a CPU for kernel threads)."""
    kind: str           # "run", "idle", "halt", "kthread"
    track: int
    start: int          # tsc
    who: int = None     # gid (run) or tid (kthread)
    end: int = None
    end_reason: str = ""
    park_reason: str = ""
    start_known: bool = True


@dataclass
class Mark:
    """An instant on a P's track: a steal, a wakeup, a preemption..."""
    kind: str
    track: int
    tsc: int
    label: str
    args: dict


@dataclass
class Flow:
    """A go.ready and the go.start of that goroutine which follows it."""
    fid: int
    g: int
    ready: Event
    start: Event


@dataclass
class GState:
    """What is known of a goroutine at some point of the trace."""
    state: str = "runnable"     # running, runnable, parked, in a kernel call, exited, panicked
    reason: str = ""
    runnable: bool = True       # made runnable since its last go.start
    last_tsc: int = None
    ran: int = 0                # tsc ticks of running
    started: bool = False       # it has had a go.start


@dataclass
class Timeline:
    runs: list = field(default_factory=list)
    idles: list = field(default_factory=list)
    halts: list = field(default_factory=list)
    kslices: list = field(default_factory=list)
    marks: list = field(default_factory=list)
    flows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    gs: dict = field(default_factory=dict)          # gid -> GState


class Builder:
    """One pass over the sorted events, keeping what each P is doing."""

    def __init__(self, trace):
        self.trace = trace
        self.tl = Timeline()
        self.running = {}       # p -> the open run Slice
        self.idle = {}          # p -> the open idle Slice
        self.halt = {}          # p -> the open halt Slice
        self.kin = {}           # cpu -> the open kernel thread Slice
        self.ready = {}         # gid -> its last go.ready not yet started
        self.known = set()      # the Ps whose state an event has shown

    def build(self):
        for ev in self.trace.events:
            handler = HANDLERS.get(ev.name)
            if handler:
                handler(self, ev)
            if ev.name in STATE_EVENTS and isinstance(ev.args.get("p"), int):
                self.known.add(ev.args["p"])
        self.close_all()
        return self.tl

    # helpers

    def problem(self, ev, msg):
        self.tl.problems.append(f"{fmt_us(self.trace.us(ev.tsc))}: {msg}")

    def g(self, gid):
        return self.tl.gs.setdefault(gid, GState(runnable=False))

    def close(self, table, key, tsc, reason=""):
        s = table.pop(key, None)
        if s:
            s.end, s.end_reason = tsc, reason
            if s.kind == "run":
                self.g(s.who).ran += tsc - s.start
        return s

    def open_run(self, p, gid, tsc, start_known=True):
        self.close(self.halt, p, tsc, "go.start")
        self.close(self.idle, p, tsc, "go.start")
        s = Slice("run", p, tsc, gid, start_known=start_known)
        self.running[p] = s
        self.tl.runs.append(s)
        st = self.g(gid)
        st.state, st.runnable, st.started = "running", False, True

    def running_on(self, gid):
        return next((p for p, s in self.running.items() if s.who == gid), None)

    def start_problems(self, ev, p, gid):
        cur = self.running.get(p)
        if cur:
            self.problem(ev, f"P{p} starts {self.trace.gname(gid)} while "
                         f"{self.trace.gname(cur.who)} is running on it "
                         f"(no event ended its run)")
            self.close(self.running, p, ev.tsc, "go.start")
        q = self.running_on(gid)
        if q is not None:
            self.problem(ev, f"{self.trace.gname(gid)} starts on P{p} while "
                         f"it is running on P{q}")
            self.close(self.running, q, ev.tsc, f"go.start on P{p}")
        st = self.tl.gs.get(gid)
        if st and st.state in ("exited", "panicked"):
            # a goroutine id is used again by the next test's go_main: its
            # go.create may be among a CPU's lost events
            if not self.maybe_lost(st):
                self.problem(ev, f"{self.trace.gname(gid)} starts on P{p} after "
                             f"it {st.state}")
        elif not (st and st.runnable) and not self.maybe_lost(st):
            self.problem(ev, f"{self.trace.gname(gid)} starts on P{p} with no "
                         f"go.create or go.ready of it before")

    def maybe_lost(self, st):
        """Could the events that made g runnable be among the lost ones?
        A CPU's lost events are all older than the first one it kept."""
        since = st.last_tsc if st else None
        return any(n > 0 and (since is None or self.trace.cpu_first.get(c, 0) > since)
                   for c, n in self.trace.lost.items())

    def close_all(self):
        end = self.trace.last_tsc
        for table in (self.running, self.halt, self.idle, self.kin):
            for key in list(table):
                self.close(table, key, end, "end of trace")
        # a P that went idle with the last event: nothing to show
        self.tl.idles = [s for s in self.tl.idles if s.end > s.start]
        self.tl.halts = [s for s in self.tl.halts if s.end > s.start]


# Events of a goroutine need g=; p= is left out by the kernel when the
# event happened outside any P (a go.ready from an interrupt, a go.kleave
# after the P was handed off), so only go.start and the P events need it.

def on_create(b, ev):
    if ev.ints("g"):
        b.tl.gs[ev.args["g"]] = GState(last_tsc=ev.tsc)


def on_start(b, ev):
    vals = ev.ints("p", "g")
    if not vals:
        return
    p, gid = vals
    cur = b.running.get(p)
    if cur and cur.who == gid:          # already running (after a go.kleave)
        b.ready.pop(gid, None)
        return
    b.start_problems(ev, p, gid)
    ready = b.ready.pop(gid, None)
    if ready:
        b.tl.flows.append(Flow(len(b.tl.flows) + 1, gid, ready, ev))
    b.open_run(p, gid, ev.tsc)
    b.g(gid).last_tsc = ev.tsc


def on_run_end(b, ev):
    if not ev.ints("g"):
        return
    gid, p = ev.args["g"], ev.args.get("p")
    if not isinstance(p, int):          # no P named: wherever g runs
        p = b.running_on(gid)
    cur = b.running.get(p)
    if cur and cur.who == gid:
        b.close(b.running, p, ev.tsc, ev.name)
        cur.park_reason = str(ev.args.get("reason", ""))
    elif p is not None and p not in b.known and b.running_on(gid) is None:
        # the first event of this P: g was running before the trace began
        b.open_run(p, gid, b.trace.cpu_first.get(ev.cpu, ev.tsc), False)
        on_run_end(b, ev)
        return
    note_run_end(b, ev, p, gid)


def note_run_end(b, ev, p, gid):
    """The goroutine's state after the event that ended its run."""
    st = b.g(gid)
    st.last_tsc = ev.tsc
    if ev.name == "go.park":
        st.state, st.reason = "parked", str(ev.args.get("reason", "?"))
    elif ev.name in ("go.yield", "go.preempt"):
        st.state, st.runnable = "runnable", True
    elif ev.name in ("go.exit", "go.panic"):
        st.state = "exited" if ev.name == "go.exit" else "panicked"
    else:
        st.state = "in a kernel call"
    labels = {"go.preempt": "preempt", "go.panic": "panic", "m.handoff": "handoff"}
    if ev.name in labels and p is not None:
        b.tl.marks.append(Mark(labels[ev.name], p, ev.tsc,
                               f"{labels[ev.name]} {b.trace.gname(gid)}", ev.args))


def on_kleave(b, ev):
    if not ev.ints("g"):
        return
    gid, p = ev.args["g"], ev.args.get("p")
    st = b.g(gid)
    st.last_tsc, st.runnable = ev.tsc, True
    st.state = "runnable"
    if isinstance(p, int) and p not in b.running and b.running_on(gid) is None:
        b.open_run(p, gid, ev.tsc)      # back from the call, still on its P


def on_ready(b, ev):
    if not ev.ints("g"):
        return
    if ev.ints("p"):                    # an arrow needs the readier's P
        b.ready[ev.args["g"]] = ev
    st = b.g(ev.args["g"])
    st.runnable, st.last_tsc = True, ev.tsc
    if st.state != "running":
        st.state = "runnable"


def on_idle(b, ev):
    vals = ev.ints("p")
    if not vals:
        return
    p = vals[0]
    cur = b.running.get(p)
    if cur:
        b.problem(ev, f"P{p} goes idle while {b.trace.gname(cur.who)} is "
                  f"running on it")
        b.close(b.running, p, ev.tsc, ev.name)
    if p not in b.idle:
        b.idle[p] = Slice("idle", p, ev.tsc)
        b.tl.idles.append(b.idle[p])


def on_halt(b, ev):
    on_idle(b, ev)
    p = ev.args["p"] if ev.ints("p") else None
    if p is not None and p not in b.halt:
        b.halt[p] = Slice("halt", p, ev.tsc)
        b.tl.halts.append(b.halt[p])


def on_wake(b, ev):
    if ev.ints("p"):
        p = ev.args["p"]
        b.close(b.halt, p, ev.tsc, ev.name)
        b.tl.marks.append(Mark("wake", p, ev.tsc,
                               f"wake ({ev.args.get('by', '?')})", ev.args))


def on_steal(b, ev):
    vals = ev.ints("p", "victim")
    if vals:
        n = ev.args.get("n", "?")
        b.tl.marks.append(Mark("steal", vals[0], ev.tsc,
                               f"steal from P{vals[1]} ({n})", ev.args))


def on_timer(b, ev):
    gid, fn = ev.args.get("g"), ev.args.get("fn")
    label = "timer fires" + (f" ({fn})" if fn else "")
    if isinstance(gid, int) and gid > 0:        # g=0: no goroutine named
        st = b.g(gid)
        st.runnable, st.last_tsc = True, ev.tsc
        label += f", wakes {b.trace.gname(gid)}"
    if ev.ints("p"):
        b.tl.marks.append(Mark("timer", ev.args["p"], ev.tsc, label, ev.args))


def on_kt_in(b, ev):
    vals = ev.ints("tid")
    if vals:
        b.close(b.kin, ev.cpu, ev.tsc, f"kt.in of T{vals[0]}")
        b.kin[ev.cpu] = Slice("kthread", ev.cpu, ev.tsc, vals[0])
        b.tl.kslices.append(b.kin[ev.cpu])


def on_kt_out(b, ev):
    cur = b.kin.get(ev.cpu)
    if cur and ev.ints("tid") == (cur.who,):
        b.close(b.kin, ev.cpu, ev.tsc, ev.name)


HANDLERS = {
    "go.create": on_create, "go.start": on_start, "go.ready": on_ready,
    "go.kleave": on_kleave, "go.steal": on_steal, "p.idle": on_idle,
    "m.halt": on_halt, "m.wake": on_wake, "timer.fire": on_timer,
    "kt.in": on_kt_in, "kt.out": on_kt_out,
}
HANDLERS.update({name: on_run_end for name in RUN_ENDS})
# the events after which what a P is doing (running g, idle) is known
STATE_EVENTS = RUN_ENDS + ("go.start", "go.kleave", "p.idle", "m.halt")


def timeline(trace):
    return Builder(trace).build()


# --- formatting helpers ------------------------------------------------------

def fmt_us(us):
    """A duration for people: µs, ms or s."""
    if abs(us) < 1000:
        return f"{us:.1f} µs"
    if abs(us) < 1e6:
        return f"{us / 1e3:.2f} ms"
    return f"{us / 1e6:.3f} s"


def plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def title(trace):
    return (f"{plural(trace.cpus, 'CPU')}, {plural(trace.procs, 'P')}, "
            f"{fmt_us(trace.duration_us)}, {plural(len(trace.events), 'event')}, "
            f"{trace.total_lost} lost")


def run_totals(trace, slices):
    """who -> running time in µs, most first."""
    tot = {}
    for s in slices:
        tot[s.who] = tot.get(s.who, 0) + (s.end - s.start) * 1e6 / trace.tsc_hz
    return dict(sorted(tot.items(), key=lambda kv: (-kv[1], kv[0])))


# --- json: Chrome Trace Event format -----------------------------------------

PID_PS, PID_CPUS = 1, 2


def meta(pid, tid, name, args):
    ev = {"ph": "M", "pid": pid, "name": name, "args": args}
    if tid is not None:
        ev["tid"] = tid
    return ev


def chrome_tracks(trace):
    """Names and order of the processes (Ps, CPUs) and threads (tracks)."""
    out = [meta(PID_PS, None, "process_name", {"name": "Ps (goroutines)"}),
           meta(PID_PS, None, "process_sort_index", {"sort_index": 1})]
    for p in range(trace.procs):
        out.append(meta(PID_PS, p, "thread_name", {"name": f"P{p}"}))
        out.append(meta(PID_PS, p, "thread_sort_index", {"sort_index": p}))
    if trace.has_kthreads():
        out.append(meta(PID_CPUS, None, "process_name",
                        {"name": "CPUs (kernel threads)"}))
        out.append(meta(PID_CPUS, None, "process_sort_index", {"sort_index": 2}))
        for c in range(trace.cpus):
            out.append(meta(PID_CPUS, c, "thread_name", {"name": f"CPU{c}"}))
            out.append(meta(PID_CPUS, c, "thread_sort_index", {"sort_index": c}))
    return out


def us3(x):
    return round(x, 3)


def x_event(trace, pid, s, name, cat, args):
    ts = trace.us(s.start)
    return {"ph": "X", "pid": pid, "tid": s.track, "ts": us3(ts),
            "dur": us3(trace.us(s.end) - ts), "name": name, "cat": cat,
            "args": args}


def run_args(s):
    args = {"g": s.who, "end": s.end_reason}
    if s.park_reason:
        args["reason"] = s.park_reason
    if not s.start_known:
        args["start"] = "before the trace (not seen)"
    return args


def chrome_slices(trace, tl):
    out = [x_event(trace, PID_PS, s, trace.gname(s.who), "goroutine", run_args(s))
           for s in tl.runs]
    for s in tl.idles:
        out.append(x_event(trace, PID_PS, s, "idle", "idle", {}) | {"cname": "grey"})
    for s in tl.halts:
        out.append(x_event(trace, PID_PS, s, "halted", "idle", {"end": s.end_reason})
                   | {"cname": "white"})
    for s in tl.kslices:
        out.append(x_event(trace, PID_CPUS, s, trace.tname(s.who), "kthread",
                           {"tid": s.who, "end": s.end_reason}))
    return out


def chrome_instants(trace, tl):
    return [{"ph": "i", "s": "t", "pid": PID_PS, "tid": m.track,
             "ts": us3(trace.us(m.tsc)), "name": m.label, "cat": m.kind,
             "args": m.args} for m in tl.marks]


def chrome_flows(trace, tl):
    out = []
    for fl in tl.flows:
        common = {"id": fl.fid, "pid": PID_PS, "cat": "ready", "name": "ready"}
        out.append(common | {"ph": "s", "tid": fl.ready.args["p"],
                             "ts": us3(trace.us(fl.ready.tsc)),
                             "args": {"g": fl.g, "by": fl.ready.args.get("by"),
                                      "to": fl.ready.args.get("to")}})
        out.append(common | {"ph": "f", "bp": "e", "tid": fl.start.args["p"],
                             "ts": us3(trace.us(fl.start.tsc))})
    return out


def other_data(trace):
    data = {"source": os.path.basename(trace.path), "format_version": VERSION}
    data.update({k: v for k, v in trace.header.items()})
    data["events"] = len(trace.events)
    data["lost"] = trace.total_lost
    for cpu in sorted(trace.lost):
        data[f"lost_cpu{cpu}"] = trace.lost[cpu]
    if trace.end is not None:
        data.update({f"end_{k}": v for k, v in trace.end.items()})
    return data


def chrome_json(trace):
    tl = timeline(trace)
    body = chrome_slices(trace, tl) + chrome_instants(trace, tl) + chrome_flows(trace, tl)
    body.sort(key=lambda e: e["ts"])                 # stable
    return {"traceEvents": chrome_tracks(trace) + body,
            "displayTimeUnit": "ns", "otherData": other_data(trace)}


def cmd_json(args, opts):
    trace = read_trace(args[0])
    doc = chrome_json(trace)
    write_file(args[1], json_text(doc))
    print(f"trace: wrote {args[1]} ({len(doc['traceEvents'])} trace events; "
          f"open it in https://ui.perfetto.dev or chrome://tracing)")
    return 0


def json_text(doc):
    """The document with one trace event a line: readable, and diffable."""
    events = ",\n".join(json.dumps(e) for e in doc["traceEvents"])
    rest = {k: v for k, v in doc.items() if k != "traceEvents"}
    return ('{"traceEvents": [\n' + events + "\n],\n"
            + json.dumps(rest)[1:] + "\n")


def write_file(path, text):
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as e:
        raise TraceError(f"trace: {path}: cannot write: {e.strerror}") from None


# --- svg: a picture of the timeline ------------------------------------------

# Tableau 10 and its light companions (grey left out: it means idle here).
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
           "#b07aa1", "#ff9da7", "#9c755f", "#a0cbe8", "#ffbe7d", "#8cd17d",
           "#86bcb6", "#f1ce63", "#d4a6c8", "#d37295"]
KPALETTE = ["#8c6d31", "#843c39", "#7b4173", "#637939", "#5254a3", "#bd9e39"]
SVG_W, LEFT, RIGHT = 1200, 84, 24
ROW, BAND = 26, 12              # bar height, marker band above each bar
PITCH = ROW + BAND + 6


def g_colour(gid):
    return PALETTE[gid % len(PALETTE)]


def t_colour(tid):
    return KPALETTE[tid % len(KPALETTE)]


def ink(colour):
    """Black or white text, whichever reads better on colour."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#fff"


def nice_step(span, ticks=8):
    raw = span / ticks
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)


class Svg:
    """Collects SVG elements; x() maps µs to pixels."""

    def __init__(self, trace):
        self.trace = trace
        self.span = max(trace.duration_us, 1e-3)
        self.plot_w = SVG_W - LEFT - RIGHT
        self.parts = []

    def x(self, us):
        return LEFT + us / self.span * self.plot_w

    def add(self, s):
        self.parts.append(s)

    def text(self, x, y, s, **attrs):
        extra = "".join(f' {k.rstrip("_").replace("_", "-")}="{v}"'
                        for k, v in attrs.items())
        self.add(f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(s)}</text>')

    def rect(self, x, y, w, h, fill, tip=None, cls=None, extra=""):
        c = f' class="{cls}"' if cls else ""
        body = f"<title>{escape(tip)}</title>" if tip else ""
        self.add(f'<rect{c} x="{x:.2f}" y="{y:.1f}" width="{max(w, 0.8):.2f}" '
                 f'height="{h}" fill="{fill}"{extra}>{body}</rect>')

    def slice_rect(self, s, y, fill, cls, tip, label=None, h=ROW):
        x0 = self.x(self.trace.us(s.start))
        w = self.x(self.trace.us(s.end)) - x0
        if w < 2:                       # a crisp pixel, not a blurred sliver
            x0, w = math.floor(x0), 1
        edge = cls in ("run", "kthread") and w >= 6     # a thin gap between runs
        self.rect(x0, y, w, h, fill, tip, cls,
                  ' stroke="#fff" stroke-width="0.6"' if edge else "")
        room = int((w - 6) / 6.3)        # characters of 11 px DejaVu Sans
        if label and room >= 3:
            shown = label if len(label) <= room else label[:room - 1] + "…"
            self.text(x0 + 3, y + h / 2 + 4, shown, font_size="11",
                      fill=ink(fill) if fill.startswith("#") else "#333")


SVG_DEFS = """<defs>
<pattern id="idle" width="7" height="7" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<rect width="7" height="7" fill="#f3f3f3"/><line x1="0" y1="0" x2="0" y2="7" stroke="#d0d0d0" stroke-width="2.5"/></pattern>
<pattern id="halt" width="7" height="7" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<rect width="7" height="7" fill="#e4e4e4"/><line x1="0" y1="0" x2="0" y2="7" stroke="#b4b4b4" stroke-width="3.5"/></pattern>
<marker id="arrow" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="5" markerHeight="5" orient="auto">
<path d="M0,0 L6,3 L0,6 z" fill="#555"/></marker>
</defs>"""


def svg_marker(svg, kind, x, y, tip):
    """A small symbol centred on (x, y) in the band above a row."""
    t = f"<title>{escape(tip)}</title>"
    shapes = {
        "steal": f'<path d="M{x - 5:.1f},{y - 4:.1f} h10 l-5,8 z" fill="#d62728">{t}</path>',
        "wake": f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#1f5fa8">{t}</circle>',
        "handoff": f'<path d="M{x:.1f},{y - 5:.1f} l5,5 l-5,5 l-5,-5 z" fill="#7b3fa0">{t}</path>',
        "preempt": f'<path d="M{x:.1f},{y - 5:.1f} v12" stroke="#333" stroke-width="1.3">{t}</path>',
        "timer": f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="none" stroke="#e07000" stroke-width="2">{t}</circle>',
        "panic": f'<path d="M{x - 4:.1f},{y - 4:.1f} l8,8 m0,-8 l-8,8" stroke="#d00" stroke-width="2.5">{t}</path>',
    }
    svg.add(shapes.get(kind, shapes["wake"]))


def svg_layout(trace, top):
    """The y of each P row and CPU row, the CPU heading's y, the bottom."""
    prow = {p: top + BAND + p * PITCH for p in range(trace.procs)}
    bottom, crow, heading = top + trace.procs * PITCH, {}, None
    if trace.has_kthreads():
        heading = bottom + 12
        crow = {c: bottom + 10 + BAND + c * PITCH for c in range(trace.cpus)}
        bottom += 10 + trace.cpus * PITCH
    return prow, crow, heading, bottom


def svg_row_label(svg, y, label, slices):
    """A row's background, its name and how busy it was."""
    svg.rect(LEFT, y, svg.plot_w, ROW, "#fbfbfb", extra=' stroke="#e2e2e2"')
    svg.text(LEFT - 10, y + 12, label, text_anchor="end", font_weight="bold",
             font_size="13")
    busy = sum(s.end - s.start for s in slices) * 1e6 / svg.trace.tsc_hz
    svg.text(LEFT - 10, y + 24, f"{100 * busy / svg.span:.0f}% busy",
             text_anchor="end", font_size="9", fill="#666")


def svg_p_rows(svg, tl, ys):
    """Each P's row: idle hatching, goroutine runs, markers above."""
    trace = svg.trace
    for s in tl.idles:
        svg.slice_rect(s, ys[s.track], "url(#idle)", "idle", "idle")
    for s in tl.halts:
        svg.slice_rect(s, ys[s.track] + ROW / 2, "url(#halt)", "halt", "halted",
                       h=ROW / 2)
    for s in tl.runs:
        svg.slice_rect(s, ys[s.track], g_colour(s.who), "run",
                       run_tip(trace, s), trace.gname(s.who))
    drawn = set()
    for m in tl.marks:
        x = svg.x(trace.us(m.tsc))
        spot = (m.kind, m.track, int(x / 4))     # one symbol per 4 pixels is enough
        if spot not in drawn:
            drawn.add(spot)
            svg_marker(svg, m.kind, x, ys[m.track] - BAND / 2 - 1,
                       f"{m.label} at {fmt_us(trace.us(m.tsc))}")


MAX_ARROWS = 300        # more would hide the runs
LEGEND_MAX = 12         # goroutines named in the legend


def svg_flows(svg, tl, ys):
    """Thin arrows below the bars from each go.ready to the go.start it
    led to (who woke whom), when there are few enough to follow."""
    if len(tl.flows) > MAX_ARROWS:
        return
    trace = svg.trace
    for fl in tl.flows:
        x1, x2 = (svg.x(trace.us(ev.tsc)) for ev in (fl.ready, fl.start))
        y1, y2 = ys[fl.ready.args["p"]] + ROW, ys[fl.start.args["p"]] + ROW
        dip = 7 if y1 == y2 else 0
        svg.add(f'<path class="ready" d="M{x1:.1f},{y1 - 2:.1f} C{x1:.1f},{y1 + dip:.1f} '
                f'{x2:.1f},{y2 + dip:.1f} {x2:.1f},{y2 + 1:.1f}" fill="none" '
                f'stroke="#555" stroke-width="0.9" marker-end="url(#arrow)">'
                f'<title>{escape(ready_tip(trace, fl))}</title></path>')


def ready_tip(trace, fl):
    by = fl.ready.args.get("by")
    who = "the kernel (timer, interrupt)" if by == 0 else f"G{by}"
    return f"{trace.gname(fl.g)} made ready by {who} ({fl.ready.args.get('to')})"


def run_tip(trace, s):
    a, b = trace.us(s.start), trace.us(s.end)
    why = s.end_reason + (f" ({s.park_reason})" if s.park_reason else "")
    return (f"{trace.gname(s.who)} on P{s.track}: {a:.1f} – {b:.1f} µs "
            f"({fmt_us(b - a)}), ended by {why}")


def svg_cpu_rows(svg, tl, ys):
    """Each CPU's row: the kernel threads switched in on it."""
    trace = svg.trace
    for s in tl.kslices:
        tip = (f"{trace.tname(s.who)} (T{s.who}) on CPU{s.track}: "
               f"{fmt_us(trace.us(s.end) - trace.us(s.start))}")
        svg.slice_rect(s, ys[s.track], t_colour(s.who), "kthread", tip,
                       trace.tname(s.who))


def svg_axis(svg, top, bottom):
    """Vertical grid lines over the rows and a labelled time axis below."""
    step = nice_step(svg.span)
    in_ms = svg.span >= 2000
    ticks = int(svg.span / step * 1.0001) + 1
    for i in range(ticks):
        t, x = i * step, svg.x(i * step)
        svg.add(f'<path d="M{x:.1f},{top} V{bottom}" stroke="#e4e4e4"/>')
        svg.add(f'<path d="M{x:.1f},{bottom} v6" stroke="#444"/>')
        label = f"{t / 1000:.4g} ms" if in_ms else f"{t:.4g} µs"
        svg.text(x, bottom + 20, label, text_anchor="middle", font_size="11",
                 fill="#333")
    svg.add(f'<path d="M{LEFT},{bottom} H{LEFT + svg.plot_w}" stroke="#444"/>')


def svg_legend(svg, tl, top):
    """The goroutines with the most running time, then the symbols."""
    trace = svg.trace
    tot = run_totals(trace, tl.runs)
    busy = sum(tot.values()) or 1
    shown = list(tot.items())[:LEGEND_MAX]
    what = (f"the {len(shown)} of {len(tot)} goroutines with the most running time"
            if len(tot) > len(shown) else "goroutines, by running time")
    svg.text(LEFT, top, what, font_size="12", fill="#555")
    top += 10
    cols, col_w = 3, svg.plot_w / 3
    for i, (gid, us) in enumerate(shown):
        x, y = LEFT + (i % cols) * col_w, top + (i // cols) * 20
        svg.rect(x, y, 14, 14, g_colour(gid))
        svg.text(x + 20, y + 11, f"{trace.gname(gid)}  {fmt_us(us)} "
                 f"({100 * us / busy:.0f}% of running)", font_size="12")
    top += (len(shown) + cols - 1) // cols * 20
    if tl.kslices:
        top = svg_thread_legend(svg, tl, top + 4)
    return svg_symbol_legend(svg, top + 8)


def svg_thread_legend(svg, tl, y):
    """One line: the kernel threads with the most time on a CPU."""
    trace = svg.trace
    svg.text(LEFT, y + 11, "kernel threads:", font_size="12", fill="#555")
    x = LEFT + 100
    for tid, us in list(run_totals(trace, tl.kslices).items())[:6]:
        label = f"T{tid} {trace.tname(tid)}  {fmt_us(us)}"
        svg.rect(x, y, 14, 14, t_colour(tid))
        svg.text(x + 20, y + 11, label, font_size="12")
        x += 40 + 7 * len(label)
    return y + 20


def svg_symbol_legend(svg, y):
    x = LEFT
    for fill, name in (("idle", "idle"), ("halt", "halted")):
        svg.rect(x, y, 26, 14, f"url(#{fill})", extra=' stroke="#bbb"')
        svg.text(x + 32, y + 11, name, font_size="12")
        x += 90
    for kind, name in (("steal", "steal"), ("wake", "M wakes"),
                       ("timer", "timer fires"), ("preempt", "preempt"),
                       ("handoff", "P handed off"), ("panic", "panic")):
        svg_marker(svg, kind, x + 6, y + 7, name)
        svg.text(x + 16, y + 11, name, font_size="12")
        x += 32 + 7 * len(name)
    svg.add(f'<path d="M{x:.1f},{y + 3} C{x:.1f},{y + 13} {x + 22:.1f},{y + 13} {x + 22:.1f},{y + 4}" '
            'fill="none" stroke="#555" stroke-width="0.9" marker-end="url(#arrow)"/>')
    svg.text(x + 30, y + 11, "go.ready → go.start", font_size="12")
    return y + 24


def svg_heading(svg, trace):
    svg.text(LEFT, 24, f"Spindle trace — {title(trace)}", font_size="16",
             font_weight="bold")
    rows = "Ps (goroutines)" + (", CPUs (kernel threads)" if trace.has_kthreads() else "")
    svg.text(LEFT, 42, f"{os.path.basename(trace.path)} · TSC {trace.tsc_hz / 1e9:.2f} GHz"
             f" · rows: {rows} · hover a slice for its details", font_size="12",
             fill="#555")


def svg_document(trace):
    tl = timeline(trace)
    svg = Svg(trace)
    svg_heading(svg, trace)
    top = 56
    prow, crow, heading, bottom = svg_layout(trace, top)
    for p, y in prow.items():
        svg_row_label(svg, y, f"P{p}", [s for s in tl.runs if s.track == p])
    for c, y in crow.items():
        svg_row_label(svg, y, f"CPU{c}", [s for s in tl.kslices if s.track == c])
    if heading:
        svg.text(8, heading, "kernel threads", font_size="12", fill="#555")
    svg_axis(svg, top, bottom)
    svg_p_rows(svg, tl, prow)
    svg_cpu_rows(svg, tl, crow)
    svg_flows(svg, tl, prow)
    height = svg_legend(svg, tl, bottom + 46) + 6
    return "\n".join(
        ['<?xml version="1.0" encoding="UTF-8"?>',
         f'<svg xmlns="http://www.w3.org/2000/svg" width="{SVG_W}" height="{height:.0f}" '
         f'viewBox="0 0 {SVG_W} {height:.0f}" font-family="DejaVu Sans, Verdana, sans-serif">',
         SVG_DEFS, f'<rect width="{SVG_W}" height="{height:.0f}" fill="#fff"/>']
        + svg.parts + ["</svg>", ""])


def cmd_svg(args, opts):
    trace = read_trace(args[0])
    write_file(args[1], svg_document(trace))
    print(f"trace: wrote {args[1]}")
    if "--png" in opts:
        return make_png(args[1], opts["--png"])
    return 0


def make_png(svg_path, png_path):
    tool = shutil.which("rsvg-convert")
    if not tool:
        print("trace: rsvg-convert not found (Debian package librsvg2-bin): no PNG")
        return 0
    r = subprocess.run([tool, "-b", "white", "-o", png_path, svg_path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        warn(f"trace: rsvg-convert failed on {svg_path}: {r.stderr.strip()}")
        return 1
    print(f"trace: wrote {png_path}")
    return 0


# --- text: the timeline in a terminal ----------------------------------------

CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
OTHER = "+"


def assign_chars(trace, tl):
    """(kind, id) -> character: the busiest 62 goroutines and kernel
    threads get a letter or digit, in gid (then tid) order; the rest '+'."""
    busy = [(("g", k), v) for k, v in run_totals(trace, tl.runs).items()]
    busy += [(("t", k), v) for k, v in run_totals(trace, tl.kslices).items()]
    busy.sort(key=lambda kv: -kv[1])
    keep = sorted(k for k, _ in busy[:len(CHARS)])
    chars = {k: CHARS[i] for i, k in enumerate(keep)}
    return chars, dict(busy)


def text_row(trace, slices, kind, chars, width):
    """One row: per bucket, the character of whoever ran most in it."""
    span = max(trace.last_tsc - trace.first_tsc, 1)
    bucket = [dict() for _ in range(width)]
    for s in slices:
        a, b = s.start - trace.first_tsc, s.end - trace.first_tsc
        first, last = a * width // span, min(b * width // span, width - 1)
        for i in range(min(first, width - 1), last + 1):
            lo, hi = i * span / width, (i + 1) * span / width
            got = min(b, hi) - max(a, lo)
            if got > 0 or a == b:
                bucket[i][s.who] = bucket[i].get(s.who, 0) + max(got, 0)
    out = []
    for ran in bucket:
        if not ran:
            out.append(".")
            continue
        who = max(ran, key=lambda k: (ran[k], -k))
        out.append(chars.get((kind, who), OTHER))
    return "".join(out)


def text_legend(trace, chars, totals):
    lines = []
    for (kind, who), ch in sorted(chars.items(), key=lambda kv: CHARS.index(kv[1])):
        name = trace.gname(who) if kind == "g" else f"T{who} {trace.tname(who)}"
        lines.append(f"{ch} = {name} ({fmt_us(totals[(kind, who)])})")
    others = [k for k in totals if k not in chars]
    if others:
        lines.append(f"{OTHER} = {len(others)} others "
                     f"({fmt_us(sum(totals[k] for k in others))})")
    lines.append(". = idle or nothing")
    return lines


def text_timeline(trace, width):
    tl = timeline(trace)
    chars, totals = assign_chars(trace, tl)
    lines = [f"Spindle trace {os.path.basename(trace.path)}: {title(trace)}; "
             f"one column = {fmt_us(trace.duration_us / width)}"]
    end = fmt_us(trace.duration_us)
    lines.append(f"{'':6} |0{end:>{width - 1}}|")
    for p in range(trace.procs):
        row = text_row(trace, [s for s in tl.runs if s.track == p], "g", chars, width)
        lines.append(f"{'P' + str(p):6} |{row}|")
    if trace.has_kthreads():
        for c in range(trace.cpus):
            row = text_row(trace, [s for s in tl.kslices if s.track == c], "t",
                           chars, width)
            lines.append(f"{'CPU' + str(c):6} |{row}|")
    return lines + text_legend(trace, chars, totals)


def cmd_text(args, opts):
    width = opts.get("--width", 100)
    print("\n".join(text_timeline(read_trace(args[0]), width)))
    return 0


# --- events and diff: the sequence without timing ----------------------------

def normalised(trace):
    """The event lines to compare two runs by: no tsc, no cpu, no events
    that depend on wall-clock timing (idle, halt, wake, kernel-thread
    switches), no preemption with its requeue and resume."""
    out, preempted = [], {}       # p -> g preempted there
    requeued = set()              # gs preempted, whose go.ready is to come
    for ev in trace.events:
        if ev.name in TIMING_EVENTS:
            continue
        p, g = ev.args.get("p"), ev.args.get("g")
        if ev.name == "go.preempt":
            preempted[p] = g
            requeued.add(g)
            continue
        if ev.name == "go.ready" and g in requeued and ev.args.get("by") == 0:
            requeued.discard(g)   # the preempted g put back on its queue
            continue
        if ev.name == "go.start" and p in preempted:
            if preempted.pop(p) == g:
                continue
        out.append(f"{ev.name} {ev.text}".rstrip())
    return out


def cmd_events(args, opts):
    lines = normalised(read_trace(args[0]))
    if lines:
        print("\n".join(lines))
    return 0


def context(name, seq, at):
    """A few lines around position at (0-based) of seq, '>' marking it."""
    lines = [f"{name}:"]
    for i in range(max(0, at - 3), min(len(seq), at + 3)):
        lines.append(f"{'>' if i == at else ' '} {i + 1:6}  {seq[i]}")
    if at >= len(seq):
        lines.append(f"> {at + 1:6}  (end of the sequence: {len(seq)} events)")
    return lines


def cmd_diff(args, opts):
    a, b = (normalised(read_trace(path)) for path in args)
    if a == b:
        print(f"trace: same event sequence ({len(a)} events)")
        return 0
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    print(f"trace: the event sequences differ at event {at + 1} "
          f"({args[0]}: {len(a)} events, {args[1]}: {len(b)} events)")
    print("\n".join(context(args[0], a, at) + context(args[1], b, at)))
    return 1


# --- tracediff: a lab's schedule against its reference, in words ------------

def goroutine_events(trace):
    """The normalised goroutine events (go.*) of a trace, parsed again."""
    out = []
    for line in normalised(trace):
        name, _, rest = line.partition(" ")
        if name.startswith("go."):
            kv = dict(x.split("=", 1) for x in rest.split() if "=" in x)
            out.append((name, kv))
    return out


def who(trace, g):
    name = trace.gnames.get(int(g)) if str(g).isdigit() else None
    return f"G{g} ({name})" if name else f"G{g}"


WORDS = {
    "go.create": lambda t, a: f"{who(t, a.get('parent', '0'))} creates {who(t, a.get('g'))}",
    "go.start": lambda t, a: f"{who(t, a.get('g'))} starts running on P{a.get('p', '?')}",
    "go.park": lambda t, a: f"{who(t, a.get('g'))} parks ({a.get('reason', '?')})",
    "go.ready": lambda t, a: f"{who(t, a.get('g'))} is made ready by {who(t, a.get('by', '0'))} "
                             f"(to {a.get('to', '?')})",
    "go.yield": lambda t, a: f"{who(t, a.get('g'))} yields",
    "go.exit": lambda t, a: f"{who(t, a.get('g'))} exits",
    "go.panic": lambda t, a: f"{who(t, a.get('g'))} panics",
    "go.steal": lambda t, a: f"P{a.get('p')} steals {a.get('n')} from P{a.get('victim')}",
}


def in_words(trace, ev):
    if ev is None:
        return "nothing more happens (the trace ends)"
    name, a = ev
    f = WORDS.get(name)
    return f(trace, a) if f else name + " " + " ".join(f"{k}={v}" for k, v in a.items())


def cmd_tracediff(args, opts):
    ref_t, mine_t = read_trace(args[0]), read_trace(args[1])
    ref, mine = goroutine_events(ref_t), goroutine_events(mine_t)
    if ref == mine:
        print(f"tracediff: your schedule is the reference's ({len(ref)} goroutine events)")
        return 0
    at = next((i for i, (x, y) in enumerate(zip(ref, mine)) if x != y), min(len(ref), len(mine)))
    print(f"tracediff: the schedules part at goroutine event {at + 1}:")
    if at > 0:
        print(f"  both: ... {in_words(ref_t, ref[at - 1])}")
    print(f"  then the reference: {in_words(ref_t, ref[at] if at < len(ref) else None)}")
    print(f"  but yours:          {in_words(mine_t, mine[at] if at < len(mine) else None)}")
    return 1


# --- check: is the trace consistent? -----------------------------------------

def end_problems(trace):
    """Does the trace end as its END line says?"""
    if trace.end is None:
        return ["no END line: the dump was cut short"]
    out = []
    said, lost = trace.end.get("events"), trace.end.get("lost")
    if isinstance(said, int) and said != len(trace.events):
        out.append(f"END says {said} events, the file has {len(trace.events)}")
    if isinstance(lost, int) and lost != trace.total_lost:
        out.append(f"END says {lost} events lost, the L lines say {trace.total_lost}")
    return out


def end_states(trace, tl):
    """Notes on the goroutines that ran and did not exit."""
    notes = []
    for gid, st in sorted(tl.gs.items()):
        if not st.started or st.state in ("exited", "panicked"):
            continue
        why = f" ({st.reason})" if st.state == "parked" else ""
        notes.append(f"trace: note: {trace.gname(gid)} is {st.state}{why} "
                     f"at the end of the trace")
    return notes


def goroutine_ids(trace):
    return {ev.args["g"] for ev in trace.events
            if ev.name.startswith(("go.", "m.")) and isinstance(ev.args.get("g"), int)
            and ev.args["g"] > 0}


def cmd_check(args, opts):
    trace = read_trace(args[0])
    tl = timeline(trace)
    problems = tl.problems + end_problems(trace)
    for msg in problems:
        print(f"{trace.path}: {msg}")
    notes = end_states(trace, tl)
    if notes:
        print("\n".join(notes))
    print(f"trace: {len(trace.events)} events, {len(goroutine_ids(trace))} goroutines, "
          f"{trace.procs} Ps, lost {trace.total_lost}")
    if problems:
        print(f"trace: {len(problems)} problem{'s' if len(problems) > 1 else ''}")
    return 1 if problems else 0


# --- command line ------------------------------------------------------------

# name -> (function, positional arguments, options and their types)
COMMANDS = {
    "json": (cmd_json, 2, {}),
    "svg": (cmd_svg, 2, {"--png": str}),
    "text": (cmd_text, 1, {"--width": int}),
    "events": (cmd_events, 1, {}),
    "diff": (cmd_diff, 2, {}),
    "tracediff": (cmd_tracediff, 2, {}),
    "check": (cmd_check, 1, {}),
}


def parse_args(argv):
    """argv -> (function, positionals, options); raises UsageError."""
    if not argv or argv[0] not in COMMANDS:
        raise UsageError(f"unknown subcommand '{argv[0]}'" if argv else "")
    func, npos, known = COMMANDS[argv[0]]
    pos, opts, rest = [], {}, list(argv[1:])
    while rest:
        arg = rest.pop(0)
        name, eq, val = arg.partition("=")
        if name in known:
            if not eq:
                if not rest:
                    raise UsageError(f"{name} needs a value")
                val = rest.pop(0)
            opts[name] = option_value(name, known[name], val)
        elif arg.startswith("--") and len(arg) > 2:
            raise UsageError(f"unknown option {arg}")
        else:
            pos.append(arg)
    if len(pos) != npos:
        raise UsageError(f"{argv[0]} takes {npos} file name{'s' if npos > 1 else ''}")
    return func, pos, opts


def option_value(name, kind, val):
    if kind is int:
        if not is_uint(val) or not 10 <= int(val) <= 1000:
            raise UsageError(f"{name} takes a number from 10 to 1000")
        return int(val)
    return val


def main(argv):
    sys.stdout.reconfigure(errors="replace")
    if argv[:1] in (["-h"], ["--help"], ["help"]):
        print(__doc__.strip())
        return 0
    try:
        func, pos, opts = parse_args(argv)
        return func(pos, opts)
    except UsageError as e:
        if str(e):
            warn(f"trace: {e}")
        warn(USAGE)
        return 2
    except TraceError as e:
        warn(str(e))
        return 2
    except BrokenPipeError:             # tools/trace.py text ... | head
        sys.stdout = open(os.devnull, "w")
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
