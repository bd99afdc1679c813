# tests/trace_tools.sh - tests of tools/trace.py, the host side of the
# scheduler trace, on the samples in tests/data/trace/: pingpong.txt (two
# goroutines ping-ponging on P0, a steal by P1, a kernel thread on CPU 1,
# the CPUs' rings dumped one after another so not in time order),
# wrapped.txt (a ring that lost events) and overlap.txt (broken: a P that
# starts a goroutine while running another). The JSON and SVG are read
# back with Python's own parsers, not grepped. Sourced by tests/trace.sh
# (after tests/lib.sh) which calls trace_tool_tests; outputs go to
# $LOGDIR/trace-tools/.

TT_TOOL=tools/trace.py
TT_DATA=tests/data/trace

# tt_run NAME ARGS...: tools/trace.py ARGS, its stdout in TT_OUT/NAME.out
# and its stderr in TT_OUT/NAME.err; returns its exit status.
tt_run() {
	local name=$1
	shift
	"$TT_TOOL" "$@" </dev/null >"$TT_OUT/$name.out" 2>"$TT_OUT/$name.err"
}

# tt_py NAME SCRIPT ARGS...: pass NAME when the Python SCRIPT, run with
# ARGS, exits 0; else fail with what it printed (sys.exit("why")).
tt_py() {
	local name=$1 script=$2 why
	shift 2
	if why=$(python3 -c "$script" "$@" 2>&1); then
		pass "$name"
	else
		fail "$name" "$(echo "$why" | tail -n 3)"
	fi
}

# tt_status NAME WANT GOT LOG: fail NAME (showing LOG) when the exit
# status GOT is not WANT; returns whether it was.
tt_status() {
	[ "$3" = "$2" ] && return 0
	fail "$1" "exit status $3, not $2: $(head -c 600 "$4")"
	return 1
}

# The Python helpers the JSON checks share: the trace's events by kind.
TT_PY_JSON='
import json, sys
doc = json.load(open(sys.argv[1]))
evs = doc["traceEvents"]
def named(ph, name=None, pid=None):
    return [e for e in evs if e["ph"] == ph and (name is None or e["name"] == name)
            and (pid is None or e["pid"] == pid)]
runs = [e for e in evs if e["ph"] == "X" and e.get("cat") == "goroutine"]
'

tt_json_tracks() {
	tt_py trace:tool-json-parses-one-track-per-P "$TT_PY_JSON"'
names = {e["tid"]: e["args"]["name"] for e in named("M", "thread_name", 1)}
if names != {0: "P0", 1: "P1"}:
    sys.exit(f"P tracks {names}, not P0 and P1")
sort = {e["tid"]: e["args"]["sort_index"] for e in named("M", "thread_sort_index", 1)}
if sort != {0: 0, 1: 1}:
    sys.exit(f"thread_sort_index {sort}")
procs = {e["pid"]: e["args"]["name"] for e in named("M", "process_name")}
if procs != {1: "Ps (goroutines)", 2: "CPUs (kernel threads)"}:
    sys.exit(f"processes {procs}")
if doc.get("displayTimeUnit") != "ns" or doc["otherData"].get("procs") != 2:
    sys.exit("no displayTimeUnit ns or otherData.procs")
one = json.load(open(sys.argv[2]))["traceEvents"]   # wrapped.txt: 1 P, no kt.* events
tracks = [e["tid"] for e in one if e["ph"] == "M" and e["name"] == "thread_name"]
if tracks != [0] or any(e["pid"] == 2 for e in one):
    sys.exit(f"wrapped.txt: tracks {tracks} (want just P0, and no CPU tracks)")
' "$TT_OUT/pingpong.json" "$TT_OUT/wrapped.json"
}

# The rings are dumped CPU after CPU: the slices must come out in time
# order, in microseconds from the first event (tsc_hz 2.6 GHz).
tt_json_times() {
	tt_py trace:tool-json-slices-sorted-by-tsc-in-us "$TT_PY_JSON"'
ts = [e["ts"] for e in evs if e["ph"] != "M"]
if ts != sorted(ts):
    sys.exit("trace events not in time order")
got = [(e["name"], e["tid"], e["ts"], e["dur"]) for e in runs[:3]]
want = [("G1 pingpong_main", 0, 1.0, 6.0), ("G2 chan_pingpong_a", 0, 8.0, 4.0),
        ("G3 chan_pingpong_b", 0, 13.0, 5.0)]
if got != want:
    sys.exit(f"first runs {got}, not {want}")
args = runs[0]["args"]
if args != {"g": 1, "end": "go.park", "reason": "waitgroup"}:
    sys.exit(f"G1 run args {args}")
' "$TT_OUT/pingpong.json"
}

# G2 and G3 take turns (on P0, then on P1 after the steal), and no P runs
# two goroutines at once.
tt_json_alternate() {
	tt_py trace:tool-json-pingpong-runs-alternate "$TT_PY_JSON"'
pp = sorted((e for e in runs if e["args"]["g"] in (2, 3)), key=lambda e: e["ts"])
gs = [e["args"]["g"] for e in pp]
if len(gs) < 6 or any(a == b for a, b in zip(gs, gs[1:])):
    sys.exit(f"G2/G3 runs in order: {gs} (want at least 6, alternating)")
if {e["tid"] for e in pp} != {0, 1}:
    sys.exit("the ping-pong did not run on both Ps (the steal)")
for p in (0, 1):
    mine = sorted((e["ts"], e["ts"] + e["dur"]) for e in runs if e["tid"] == p)
    if any(b[0] < a[1] - 1e-9 for a, b in zip(mine, mine[1:])):
        sys.exit(f"P{p} has overlapping runs: {mine}")
' "$TT_OUT/pingpong.json"
}

# Each go.ready is an arrow to the go.start of that goroutine: s and f
# with the same id, the f at the start of a run of the readied goroutine.
tt_json_flows() {
	local readies
	readies=$(grep -c ' go.ready ' "$TT_DATA/pingpong.txt")
	tt_py trace:tool-json-flows-pair-by-id "$TT_PY_JSON"'
s = {e["id"]: e for e in named("s")}
f = {e["id"]: e for e in named("f")}
if len(s) != int(sys.argv[2]) or s.keys() != f.keys():
    sys.exit(f"{len(s)} s and {len(f)} f flow events (ids {sorted(s)} / {sorted(f)}), want {sys.argv[2]} pairs")
if len(named("s")) != len(s) or len(named("f")) != len(f):
    sys.exit("a flow id is used twice")
starts = {(e["tid"], e["ts"], e["args"]["g"]) for e in runs}
for i, a in s.items():
    b = f[i]
    if b.get("bp") != "e" or a["cat"] != "ready" or b["cat"] != "ready" or b["ts"] < a["ts"]:
        sys.exit(f"flow {i}: {a} -> {b}")
    g = a["args"]["g"]
    if (b["tid"], b["ts"], g) not in starts:
        sys.exit(f"flow {i} does not end where G{g} starts running")
' "$TT_OUT/pingpong.json" "$readies"
}

tt_json_idle() {
	tt_py trace:tool-json-idle-slices "$TT_PY_JSON"'
idle = {(e["tid"], e["ts"], e["ts"] + e["dur"]) for e in named("X", "idle", 1)}
for want in ((1, 2.0, 36.0), (0, 39.0, 53.0)):   # P1 until the steal, P0 waiting for G1
    if want not in idle:
        sys.exit(f"no idle slice P{want[0]} {want[1]}..{want[2]} us: {sorted(idle)}")
if not named("X", "halted", 1):
    sys.exit("no halted slice")
' "$TT_OUT/pingpong.json"
}

tt_json_instants() {
	tt_py trace:tool-json-kernel-thread-and-steal "$TT_PY_JSON"'
kt = [(e["tid"], e["ts"], e["dur"]) for e in named("X", "serial-flush", 2)]
if kt != [(1, 20.0, 3.0)]:
    sys.exit(f"kernel thread slices {kt}, want serial-flush on CPU1 20..23 us")
cpus = sorted(e["args"]["name"] for e in named("M", "thread_name", 2))
if cpus != ["CPU0", "CPU1"]:
    sys.exit(f"CPU tracks {cpus}")
st = [(e["tid"], e["ts"], e.get("s")) for e in named("i", "steal from P0 (1)", 1)]
if st != [(1, 35.0, "t")]:
    sys.exit(f"steal instants {st}")
if not [e for e in named("i") if e["cat"] == "wake"]:
    sys.exit("no m.wake instant")
' "$TT_OUT/pingpong.json"
}

# wrapped.txt: a run that began before the kept events, kernel calls (one
# that kept its P and goes on running with no go.start, one whose P was
# handed off), a timer with no goroutine, a panic.
tt_json_wrapped() {
	tt_py trace:tool-json-lost-start-and-kernel-calls "$TT_PY_JSON"'
got = [(e["args"]["g"], e["ts"], e["dur"], e["args"]["end"]) for e in runs]
want = [(7, 0.0, 5.0, "go.park"), (8, 6.0, 3.0, "go.kenter"), (9, 11.0, 1.0, "go.kenter"),
        (9, 13.0, 3.0, "go.yield"), (8, 17.0, 3.0, "go.exit"), (9, 21.0, 3.0, "go.park"),
        (7, 31.0, 2.0, "go.panic")]
if got != want:
    sys.exit(f"runs {got}, want {want}")
if "start" not in runs[0]["args"] or "start" in runs[1]["args"]:
    sys.exit("the run begun before the trace is not marked so (or another is)")
cats = [(e["cat"], e["ts"]) for e in named("i")]
if cats != [("handoff", 10.0), ("timer", 30.0), ("panic", 33.0)]:
    sys.exit(f"instants {cats}")
' "$TT_OUT/wrapped.json"
}

tt_json_tests() {
	local rc rc2
	tt_run json json "$TT_DATA/pingpong.txt" "$TT_OUT/pingpong.json"
	rc=$?
	tt_run json-wrapped json "$TT_DATA/wrapped.txt" "$TT_OUT/wrapped.json"
	rc2=$?
	if [ $rc != 0 ] || [ $rc2 != 0 ]; then
		fail trace:tool-json-writes "exit status not 0: $(cat "$TT_OUT/json.err" "$TT_OUT/json-wrapped.err")"
		return
	fi
	tt_json_tracks
	tt_json_times
	tt_json_alternate
	tt_json_flows
	tt_json_idle
	tt_json_instants
	tt_json_wrapped
}

# No header: one line on stderr naming the file, exit status 2, no output.
tt_no_header() {
	local name=trace:tool-json-no-header-exit-2 f=$TT_OUT/noheader.txt rc
	sed 1d "$TT_DATA/pingpong.txt" >"$f"
	rm -f "$TT_OUT/noheader.json"
	tt_run noheader json "$f" "$TT_OUT/noheader.json"
	rc=$?
	tt_status "$name" 2 $rc "$TT_OUT/noheader.err" || return
	if [ "$(wc -l <"$TT_OUT/noheader.err")" != 1 ] || ! grep -qF "$f" "$TT_OUT/noheader.err"; then
		fail "$name" "stderr is not one line naming $f: $(cat "$TT_OUT/noheader.err")"
	elif [ -e "$TT_OUT/noheader.json" ]; then
		fail "$name" "it wrote $TT_OUT/noheader.json all the same"
	else
		pass "$name"
	fi
}

# Usage errors and unreadable files: exit status 2, never a traceback.
tt_bad_usage() {
	local name=trace:tool-bad-usage-exit-2 rc args
	for args in "" "frobnicate $TT_DATA/pingpong.txt" "json $TT_DATA/pingpong.txt" \
		"text $TT_DATA/pingpong.txt --width x" "check $TT_DATA/pingpong.txt --bogus"; do
		# shellcheck disable=SC2086 # the words of args are the arguments
		tt_run usage $args
		rc=$?
		tt_status "$name" 2 $rc "$TT_OUT/usage.err" || return
		grep -q '^usage: ' "$TT_OUT/usage.err" || { fail "$name" "'$args': no usage text on stderr"; return; }
	done
	tt_run unreadable check "$TT_OUT/no-such-trace.txt"
	rc=$?
	tt_status "$name" 2 $rc "$TT_OUT/unreadable.err" || return
	if [ "$(wc -l <"$TT_OUT/unreadable.err")" = 1 ] && grep -q 'no-such-trace.txt' "$TT_OUT/unreadable.err"; then
		pass "$name"
	else
		fail "$name" "an unreadable file: not one line naming it: $(cat "$TT_OUT/unreadable.err")"
	fi
}

# The SVG is well-formed XML with one rect per goroutine run (as many as
# the JSON's X slices), a stable colour per goroutine, idle marked.
tt_svg() {
	local name=trace:tool-svg-well-formed-rect-per-run
	tt_run svg svg "$TT_DATA/pingpong.txt" "$TT_OUT/pingpong.svg"
	tt_status "$name" 0 $? "$TT_OUT/svg.err" || return
	tt_py "$name" '
import json, sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
runs = [r for r in root.iter(ns + "rect") if r.get("class") == "run"]
slices = [e for e in json.load(open(sys.argv[2]))["traceEvents"]
          if e["ph"] == "X" and e.get("cat") == "goroutine"]
if len(runs) != len(slices):
    sys.exit(f"{len(runs)} run rects, {len(slices)} goroutine slices in the JSON")
fills = {}
for r in runs:
    g = r.find(ns + "title").text.split()[0]
    fills.setdefault(g, set()).add(r.get("fill"))
if sorted(fills) != ["G1", "G2", "G3"] or any(len(v) != 1 for v in fills.values()) \
        or len({min(v) for v in fills.values()}) != 3:
    sys.exit(f"colours per goroutine: {fills}")
if not [r for r in root.iter(ns + "rect") if r.get("class") == "idle"]:
    sys.exit("no idle rect")
text = " ".join("".join(t.itertext()) for t in root.iter(ns + "text"))
for want in ("2 CPUs, 2 Ps", "45 events", "0 lost", "CPU1", "G3 chan_pingpong_b", "µs"):
    if want not in text:
        sys.exit(f"no {want!r} in the texts")
' "$TT_OUT/pingpong.svg" "$TT_OUT/pingpong.json"
}

# --png without rsvg-convert on PATH: one line saying so, exit 0, the SVG
# written; with it (librsvg2-bin installed): a PNG.
tt_png() {
	local name=trace:tool-svg-png-without-rsvg-convert bin=$TT_OUT/bin rc
	mkdir -p "$bin"
	# the interpreter itself (a pyenv shim would need the PATH it lacks)
	ln -sf "$(python3 -c 'import sys; print(sys.executable)')" "$bin/python3"
	rm -f "$TT_OUT/norsvg.svg" "$TT_OUT/norsvg.png"
	PATH=$bin tt_run norsvg svg "$TT_DATA/pingpong.txt" "$TT_OUT/norsvg.svg" --png "$TT_OUT/norsvg.png"
	rc=$?
	if tt_status "$name" 0 $rc "$TT_OUT/norsvg.err"; then
		if ! grep -qx 'trace: rsvg-convert not found (Debian package librsvg2-bin): no PNG' "$TT_OUT/norsvg.out"; then
			fail "$name" "no 'rsvg-convert not found' line: $(cat "$TT_OUT/norsvg.out")"
		elif [ ! -s "$TT_OUT/norsvg.svg" ] || [ -e "$TT_OUT/norsvg.png" ]; then
			fail "$name" "the SVG is not written, or a PNG is"
		else
			pass "$name"
		fi
	fi
	name=trace:tool-svg-png-with-rsvg-convert
	if ! command -v rsvg-convert >/dev/null; then
		skip "$name" "no rsvg-convert (Debian package librsvg2-bin)"
		return
	fi
	rm -f "$TT_OUT/pingpong.png"
	tt_run png svg "$TT_DATA/pingpong.txt" "$TT_OUT/pingpong.svg" --png "$TT_OUT/pingpong.png"
	tt_status "$name" 0 $? "$TT_OUT/png.err" || return
	if [ "$(head -c 4 "$TT_OUT/pingpong.png" | od -An -c | tr -d ' ')" = '211PNG' ]; then
		pass "$name"
	else
		fail "$name" "$TT_OUT/pingpong.png is not a PNG"
	fi
}

# text: a row per P and per CPU, each --width columns; P1 idle until the
# steal, the ping-pong's letters on both Ps; the legend names them.
tt_text() {
	local name=trace:tool-text-one-row-per-P-and-CPU
	tt_run text text "$TT_DATA/pingpong.txt" --width 58
	tt_status "$name" 0 $? "$TT_OUT/text.err" || return
	tt_py "$name" '
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
rows = {m[1]: m[2] for m in (re.match(r"^(P\d+|CPU\d+) +\|(.*)\|$", l) for l in lines) if m}
if sorted(rows) != ["CPU0", "CPU1", "P0", "P1"]:
    sys.exit(f"rows {sorted(rows)}")
if any(len(r) != 58 for r in rows.values()):
    sys.exit(f"rows not 58 columns wide: {rows}")
legend = {m[2]: m[1] for m in (re.match(r"^(.) = (G\d+|T\d+) ", l) for l in lines) if m}
a, b, t = legend.get("G2"), legend.get("G3"), legend.get("T3")
if not (a and b and t) or "G1 pingpong_main (9.0 µs)" not in "".join(lines):
    sys.exit(f"legend {legend}")
p0, p1, c1 = rows["P0"], rows["P1"], rows["CPU1"]
if a not in p0 or b not in p0 or a not in p1[36:] or b not in p1[36:]:
    sys.exit(f"the ping-pong is not on both Ps: P0 {p0} P1 {p1}")
if set(p1[:36]) != {"."} or set(rows["CPU0"]) != {"."} or t in p1 or c1[20:23] != t * 3:
    sys.exit(f"P1 idle to 36 us, T3 on CPU1 at 20..23 us? P1 {p1} CPU1 {c1}")
' "$TT_OUT/text.out"
}

# events: no times, CPUs or timing-dependent events (idle, halt, wake,
# kernel-thread switches), in time order.
tt_events() {
	local name=trace:tool-events-drops-timing
	tt_run events events "$TT_DATA/pingpong.txt"
	tt_status "$name" 0 $? "$TT_OUT/events.err" || return
	tt_py "$name" '
import sys
ev = open(sys.argv[1]).read().splitlines()
src = [l.split() for l in open(sys.argv[2]) if l.startswith("E ")]
want = len([f for f in src if f[3] not in ("m.halt", "m.wake", "p.idle", "kt.in", "kt.out")])
if len(ev) != want:
    sys.exit(f"{len(ev)} events, want {want}")
if any(w.split()[0] in ("m.halt", "m.wake", "p.idle", "kt.in", "kt.out") or w.startswith("E ") for w in ev):
    sys.exit("a timing event, or a raw E line, is left")
if ev[:2] != ["go.create p=0 g=1 parent=0", "go.start p=0 g=1"] \
        or "go.steal p=1 victim=0 n=1" not in ev or ev[-1] != "go.exit p=0 g=1":
    sys.exit(f"not the normalised, time-sorted sequence: {ev[:3]} ... {ev[-1]}")
' "$TT_OUT/events.out" "$TT_DATA/pingpong.txt"
}

# tt_edit IN OUT SCRIPT: OUT is IN with the Python SCRIPT applied to its
# lines (a list L of lines without their ends).
tt_edit() {
	python3 -c '
import sys
L = open(sys.argv[1]).read().splitlines()
exec(sys.argv[3])
open(sys.argv[2], "w").write("\n".join(L) + "\n")
' "$1" "$2" "$3"
}

tt_diff() {
	local name=trace:tool-diff-same-file rc n
	tt_run diff-same diff "$TT_DATA/pingpong.txt" "$TT_DATA/pingpong.txt"
	rc=$?
	n=$(wc -l <"$TT_OUT/events.out")
	if tt_status "$name" 0 $rc "$TT_OUT/diff-same.out"; then
		if grep -qx "trace: same event sequence ($n events)" "$TT_OUT/diff-same.out"; then
			pass "$name"
		else
			fail "$name" "$(cat "$TT_OUT/diff-same.out")"
		fi
	fi

	# One park reason changed (the 10th event of the sequence): exit 1, and
	# the first difference shown with the line from each trace.
	name=trace:tool-diff-modified-copy-differs
	tt_edit "$TT_DATA/pingpong.txt" "$TT_OUT/modified.txt" \
		'L = [l.replace("g=3 reason=chan-recv", "g=3 reason=select", 1) if " 5000046800 " in l else l for l in L]'
	tt_run diff-mod diff "$TT_DATA/pingpong.txt" "$TT_OUT/modified.txt"
	rc=$?
	if tt_status "$name" 1 $rc "$TT_OUT/diff-mod.out"; then
		if grep -q 'differ at event 10 ' "$TT_OUT/diff-mod.out" &&
			grep -q '^> *10  go.park p=0 g=3 reason=chan-recv$' "$TT_OUT/diff-mod.out" &&
			grep -q '^> *10  go.park p=0 g=3 reason=select$' "$TT_OUT/diff-mod.out"; then
			pass "$name"
		else
			fail "$name" "the first difference is not shown at event 10: $(head -c 600 "$TT_OUT/diff-mod.out")"
		fi
	fi

	# Other times (every tsc moved), an M that halted and woke, and a
	# preemption (its requeue, a kernel-thread switch on the tick) after
	# which P0 resumed the same goroutine: the same run.
	name=trace:tool-diff-ignores-tsc-and-preempt
	tt_edit "$TT_DATA/pingpong.txt" "$TT_OUT/retimed.txt" '
def shift(l):
    f = l.split()
    return " ".join(f[:2] + [str(int(f[2]) + 987654321)] + f[3:]) if f[0] == "E" else l
L = [shift(l) for l in L]
L[1:1] = ["E 0 %d go.preempt p=0 g=2" % (5000023400 + 987654321),
          "E 0 %d go.ready p=0 g=2 by=0 to=local" % (5000023500 + 987654321),
          "E 0 %d kt.out tid=6" % (5000023600 + 987654321),
          "E 0 %d kt.in tid=6" % (5000023700 + 987654321),
          "E 0 %d go.start p=0 g=2" % (5000024700 + 987654321),
          "E 1 %d m.wake p=1 by=poll" % (5000013000 + 987654321),
          "E 1 %d m.halt p=1" % (5000014000 + 987654321)]'
	tt_run diff-retimed diff "$TT_DATA/pingpong.txt" "$TT_OUT/retimed.txt"
	rc=$?
	if tt_status "$name" 0 $rc "$TT_OUT/diff-retimed.out"; then
		# and the preemption is still drawn: the run of G2 is cut in two
		tt_run json-retimed json "$TT_OUT/retimed.txt" "$TT_OUT/retimed.json"
		tt_py "$name" "$TT_PY_JSON"'
g2 = [(e["ts"], e["dur"], e["args"]["end"]) for e in runs if e["args"]["g"] == 2][:2]
if g2 != [(8.0, 1.0, "go.preempt"), (9.5, 2.5, "go.park")]:
    sys.exit(f"G2 runs {g2}, want its preemption at 9 us")
' "$TT_OUT/retimed.json"
	fi
}

# Serial noise before the header, CR LF line ends (and a lone CR), lines
# of no known shape, malformed E lines, an event of a kind the tool does
# not know: ignored (the unknown event kept in the sequence), nothing breaks.
tt_noise() {
	local name=trace:tool-ignores-unknown-lines-and-cr sub
	tt_edit "$TT_DATA/pingpong.txt" "$TT_OUT/noisy.tmp" '
L[10:10] = ["E 0 notanumber go.start p=0 g=9", "E", "E 1", "X what is this", "N", "N g", "L 0",
            "  ", "go.start p=0 g=9", "E 1 5000000001 sched.mystery p=1 x=1"]
L[-1] = "END events=46 lost=0"
L[:0] = ["\x1b[0mspindle: dumping the trace", "SPINDLE-TRACE-ish nonsense"]'
	python3 -c '
import sys
t = open(sys.argv[1]).read().replace("\n", "\r\n", 40)   # and a lone CR:
open(sys.argv[2], "w", newline="").write(t.replace("go.start p=0 g=2\r\n", "go.start p=0 g=2\r", 1))' \
		"$TT_OUT/noisy.tmp" "$TT_OUT/noisy.txt"
	tt_run noisy-events events "$TT_OUT/noisy.txt" || { fail "$name" "events: $(cat "$TT_OUT/noisy-events.err")"; return; }
	if ! grep -v '^sched.mystery p=1 x=1$' "$TT_OUT/noisy-events.out" | cmp -s - "$TT_OUT/events.out" ||
		[ "$(sed -n 2p "$TT_OUT/noisy-events.out")" != "sched.mystery p=1 x=1" ]; then
		fail "$name" "the sequence of the noisy copy is not the sample's (plus sched.mystery second): see $TT_OUT/noisy-events.out"
		return
	fi
	for sub in "json $TT_OUT/noisy.txt $TT_OUT/noisy.json" "svg $TT_OUT/noisy.txt $TT_OUT/noisy.svg" \
		"text $TT_OUT/noisy.txt" "check $TT_OUT/noisy.txt"; do
		# shellcheck disable=SC2086 # the words of sub are the arguments
		tt_run noisy $sub || { fail "$name" "$sub: exit $?: $(tail -n 3 "$TT_OUT/noisy.err" "$TT_OUT/noisy.out")"; return; }
	done
	pass "$name"
}

tt_check() {
	local name=trace:tool-check-passes-on-samples rc
	tt_run check check "$TT_DATA/pingpong.txt"
	rc=$?
	if tt_status "$name" 0 $rc "$TT_OUT/check.out"; then
		tt_run check-wrapped check "$TT_DATA/wrapped.txt"
		rc=$?
		if ! grep -qx 'trace: 45 events, 3 goroutines, 2 Ps, lost 0' "$TT_OUT/check.out"; then
			fail "$name" "pingpong.txt: $(cat "$TT_OUT/check.out")"
		elif [ $rc != 0 ] || ! grep -qx 'trace: 20 events, 3 goroutines, 1 Ps, lost 40' "$TT_OUT/check-wrapped.out" ||
			! grep -q 'G9 main.locker is parked (mutex) at the end' "$TT_OUT/check-wrapped.out"; then
			fail "$name" "wrapped.txt (events lost: a missing go.create is no problem): exit $rc: $(cat "$TT_OUT/check-wrapped.out")"
		else
			pass "$name"
		fi
	fi

	name=trace:tool-check-fails-on-overlap
	tt_run check-overlap check "$TT_DATA/overlap.txt"
	rc=$?
	if tt_status "$name" 1 $rc "$TT_OUT/check-overlap.out"; then
		if ! grep -q 'P0 starts G2 main.second while G1 main.first is running on it' "$TT_OUT/check-overlap.out" ||
			! grep -qx 'trace: 6 events, 2 goroutines, 1 Ps, lost 0' "$TT_OUT/check-overlap.out"; then
			fail "$name" "$(cat "$TT_OUT/check-overlap.out")"
		elif ! tt_run json-overlap json "$TT_DATA/overlap.txt" "$TT_OUT/overlap.json"; then
			fail "$name" "json of it: $(cat "$TT_OUT/json-overlap.err")"
		else    # and the picture of it: G1's run ends where G2's starts
			tt_py "$name" "$TT_PY_JSON"'
got = [(e["name"], e["ts"], e["dur"], e["args"]["end"]) for e in runs]
want = [("G1 main.first", 2.0, 3.0, "go.start"), ("G2 main.second", 5.0, 3.0, "go.exit")]
if got != want:
    sys.exit(f"runs {got}, want {want}")
' "$TT_OUT/overlap.json"
		fi
	fi

	# The same sample without its L line: G8's go.start has nothing before it.
	name=trace:tool-check-fails-start-without-ready
	tt_edit "$TT_DATA/wrapped.txt" "$TT_OUT/unlost.txt" \
		'L = [l.replace("lost=40", "lost=0") for l in L if not l.startswith("L ")]'
	tt_run check-unlost check "$TT_OUT/unlost.txt"
	rc=$?
	if tt_status "$name" 1 $rc "$TT_OUT/check-unlost.out"; then
		if grep -q 'G8 main.syscaller starts on P0 with no go.create or go.ready' "$TT_OUT/check-unlost.out"; then
			pass "$name"
		else
			fail "$name" "$(cat "$TT_OUT/check-unlost.out")"
		fi
	fi
}

# Goroutine ids start again at 1 with each test's go_main: a start after an
# exit is a problem only when no lost event can be the new go.create.
tt_check_reused() {
	local name=trace:tool-check-reused-id-after-lost-events rc
	tt_run check-reused check "$TT_DATA/reused.txt"
	rc=$?
	tt_status "$name" 0 $rc "$TT_OUT/check-reused.out" || return
	tt_edit "$TT_DATA/reused.txt" "$TT_OUT/reused-unlost.txt" \
		'L = [l.replace("lost=30", "lost=0") for l in L if not l.startswith("L ")]'
	tt_run check-reused-unlost check "$TT_OUT/reused-unlost.txt"
	rc=$?
	if [ $rc != 1 ] || ! grep -q 'G2 main.worker starts on P0 after it exited' "$TT_OUT/check-reused-unlost.out"; then
		fail "$name" "without the L line: exit $rc, not 1 with 'G2 main.worker starts on P0 after it exited': $(cat "$TT_OUT/check-reused-unlost.out")"
	elif ! grep -qx 'trace: 9 events, 2 goroutines, 2 Ps, lost 30' "$TT_OUT/check-reused.out"; then
		fail "$name" "$(cat "$TT_OUT/check-reused.out")"
	else
		pass "$name"
	fi
}

trace_tool_tests() {
	TT_OUT=$LOGDIR/trace-tools
	mkdir -p "$TT_OUT"
	if [ ! -x "$TT_TOOL" ] || ! command -v python3 >/dev/null; then
		fail trace:tool-runs "no executable $TT_TOOL, or no python3"
		return
	fi
	tt_json_tests
	tt_no_header
	tt_bad_usage
	tt_svg
	tt_png
	tt_text
	tt_events
	tt_diff
	tt_noise
	tt_check
	tt_check_reused
}
