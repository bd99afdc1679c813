# tests/trace.sh - the event trace and schedfuzz (docs/trace.md): the host
# tool on hand-made traces (tests/trace_tools.sh), then boots with trace=
# whose COM2 output goes to a file of its own, read back with
# tools/trace.py and with Python's json module. Logs and traces stay in
# build/tests/trace-*.
. tests/trace_tools.sh

TRACE_TESTS_SEL=""   # chan_* and sync_* tests (trace_chan_sync_tests)

# trace_boot NAME SMP CMDLINE: one boot; serial log $LOGDIR/trace-NAME.log,
# the trace (COM2) $LOGDIR/trace-NAME.txt. Returns QEMU's status.
trace_boot() {
	rm -f "$LOGDIR/trace-$1.txt"
	run_pvh "$LOGDIR/trace-$1.log" "$PVH_TIMEOUT" "$2" "$3" -serial file:"$LOGDIR/trace-$1.txt"
}

trace_chan_sync_tests() {
	grep -ho 'KTEST([a-z_0-9]*)' sched/tests/chan_tests.c sched/tests/sync_tests.c |
		sed 's/KTEST(\(.*\))/\1/' | paste -sd, -
}

# Two goroutines ping-ponging on a channel at -smp 1: after the echo
# goroutine starts, every park of one is followed by a start of the other,
# each start (but the first) is preceded by a ready of it by the other,
# park reasons are channel waits, and both exit.
test_trace_pingpong_order() {
	local name=trace:pingpong-at-smp1-has-the-expected-event-order out
	trace_boot pingpong 1 "trace=1 test=chan_unbuffered_pingpong"
	out=$(python3 - "$LOGDIR/trace-pingpong.txt" <<'EOF' 2>&1
import sys
ev, names = [], {}
for line in open(sys.argv[1], errors="replace"):
    f = line.split()
    if len(f) >= 4 and f[0] == "E":
        kv = dict(x.split("=", 1) for x in f[4:] if "=" in x)
        ev.append((int(f[2]), len(ev), f[3], kv))
    elif len(f) >= 4 and f[:2] == ["N", "g"]:
        names[f[3]] = f[2]
ev.sort()
a, b = names.get("pp_main"), names.get("pp_echo")
assert a and b, "no go.create of pp_main and pp_echo: %s" % names
mine = [(e, kv) for _, _, e, kv in ev if e.startswith("go.") and kv.get("g") in (a, b)]
first = next(i for i, (e, kv) in enumerate(mine) if e == "go.start" and kv["g"] == b)
other = {a: b, b: a}
trips = 0
ready_since = {a: True, b: True}
for i in range(first, len(mine)):
    e, kv = mine[i]
    g = kv["g"]
    if e == "go.ready":
        assert kv.get("by") == other[g], "ready of G%s by G%s, not by the other" % (g, kv.get("by"))
        ready_since[g] = True
    elif e == "go.park":
        assert kv.get("reason", "").startswith("chan-"), "park reason %s" % kv.get("reason")
        nxt = next(((e2, kv2) for e2, kv2 in mine[i + 1:] if e2 == "go.start"), None)
        if nxt:
            assert nxt[1]["g"] == other[g], "G%s parked, then G%s started, not G%s" % (g, nxt[1]["g"], other[g])
            trips += 1
        ready_since[g] = False
    elif e == "go.start":
        assert ready_since[g], "G%s started with no go.ready since its park" % g
exits = {kv["g"] for e, kv in mine if e == "go.exit"}
assert exits == {a, b}, "exits: %s" % exits
assert trips >= 100, "only %d handovers" % trips
print("ok %d handovers" % trips)
EOF
	)
	case $out in
	"ok "*) pass "$name" ;;
	*) fail "$name" "$(echo "$out" | tail -n 1)"; show_tail "$LOGDIR/trace-pingpong.log" ;;
	esac
}

# A storm and forced stealing at -smp 4: the trace passes tools/trace.py
# check (every G that started ends or is accounted for, no P runs two at
# once), and its JSON, read by a JSON parser, has exactly one named track
# per P, runs on more than one of them (sched_work_stealing makes every P
# run some), and every flow arrow's start has its end.
test_trace_storm_json() {
	local name=trace:storm-at-smp4-checks-and-its-json-has-one-track-per-P out
	trace_boot storm 4 "trace=1 test=chan_storm,sched_work_stealing"
	if ! out=$(python3 tools/trace.py check "$LOGDIR/trace-storm.txt" 2>&1); then
		fail "$name" "trace.py check: $(echo "$out" | head -n 3 | tr '\n' ' ')"; return
	fi
	if ! python3 tools/trace.py json "$LOGDIR/trace-storm.txt" "$LOGDIR/trace-storm.json" >/dev/null 2>&1; then
		fail "$name" "trace.py json failed"; return
	fi
	out=$(python3 - "$LOGDIR/trace-storm.json" <<'EOF' 2>&1
import json, sys, collections
doc = json.load(open(sys.argv[1]))
evs = doc["traceEvents"]
tracks = collections.Counter(e["args"]["name"] for e in evs
                             if e.get("ph") == "M" and e.get("name") == "thread_name" and e.get("pid") == 1)
assert sorted(tracks) == ["P0", "P1", "P2", "P3"] and set(tracks.values()) == {1}, tracks
busy = {e["tid"] for e in evs if e.get("ph") == "X" and e.get("pid") == 1 and e["name"].startswith("G")}
assert len(busy) >= 2, "goroutines ran on P tracks %s only" % busy
s = collections.Counter(e["id"] for e in evs if e.get("ph") == "s")
f = collections.Counter(e["id"] for e in evs if e.get("ph") == "f")
assert s and s == f, "flow starts %d, ends %d" % (len(s), len(f))
print("ok")
EOF
	)
	[ "$out" = ok ] && pass "$name" || fail "$name" "$(echo "$out" | tail -n 1)"
}

# Forced stealing at -smp 4 (sched_work_stealing) shows as go.steal events
# from another P's queue.
test_trace_steals() {
	local name=trace:work-stealing-at-smp4-shows-steal-events n
	trace_boot steal 4 "trace=1 test=sched_work_stealing"
	n=$(awk '$1 == "E" && $4 == "go.steal" {
		for (i = 5; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		if (f["victim"] != f["p"] && f["n"] >= 1) c++ } END { print c + 0 }' "$LOGDIR/trace-steal.txt" 2>/dev/null)
	if [ "${n:-0}" -ge 1 ] && grep -aq '^KTEST PASS sched_work_stealing' "$LOGDIR/trace-steal.log"; then
		pass "$name"
	else
		fail "$name" "${n:-0} steal events"
	fi
}

# Without trace= nothing at all goes to COM2; with a small ring that
# wraps, the chan and sync tests still pass, and the dump says how many
# events each CPU lost (END's total is the sum of the L lines).
test_trace_off_and_wrap() {
	local name=trace:off-writes-nothing-and-a-wrapped-ring-counts-its-losses sel=$TRACE_TESTS_SEL sum total
	trace_boot off 2 "test=chan_unbuffered_pingpong"
	if [ -s "$LOGDIR/trace-off.txt" ] || ! grep -aq '^KTEST DONE' "$LOGDIR/trace-off.log"; then
		fail "$name" "trace off: COM2 got $(wc -c <"$LOGDIR/trace-off.txt") bytes"; return
	fi
	trace_boot wrap 2 "trace=4 test=$sel"
	sum=$(awk '$1 == "L" { s += $3 } END { print s + 0 }' "$LOGDIR/trace-wrap.txt")
	total=$(sed -n 's/^END events=[0-9]* lost=\([0-9]*\).*/\1/p' "$LOGDIR/trace-wrap.txt" | tr -d '\r')
	if grep -aq '^KTEST DONE .* passed' "$LOGDIR/trace-wrap.log" && ! grep -aq '^KTEST FAIL' "$LOGDIR/trace-wrap.log" &&
		[ "$sum" -gt 0 ] && [ "$sum" = "$total" ]; then
		pass "$name"
	else
		fail "$name" "lost: L lines $sum, END ${total:-missing}"
		show_tail "$LOGDIR/trace-wrap.log"
	fi
}

# A panic (a page fault in a goroutine) still writes the whole trace, with
# the faulting goroutine's start in it.
test_trace_after_panic() {
	local name=trace:written-after-a-panic
	trace_boot panic 2 "trace=1 test=fault_in_goroutine"
	local rc=$?
	if [ $rc = "$KEXIT_FAIL" ] && grep -q '^END events=' "$LOGDIR/trace-panic.txt" &&
		grep -q '^N g [0-9]* fault_main' "$LOGDIR/trace-panic.txt" && grep -q ' go.start ' "$LOGDIR/trace-panic.txt"; then
		pass "$name"
	else
		fail "$name" "QEMU exit $rc; trace: $(tail -n 1 "$LOGDIR/trace-panic.txt" 2>/dev/null)"
	fi
}

# schedfuzz at -smp 1: the same seed twice gives the same sequence of
# goroutine events; another seed gives another.
test_schedfuzz_repeatable() {
	local same=schedfuzz:same-seed-same-goroutine-events-at-smp1
	local differ=schedfuzz:two-seeds-give-different-schedules-at-smp1 r
	for r in 7a 7b 8; do
		trace_boot "fuzz$r" 1 "trace=1 schedfuzz=${r%[ab]} test=chan_unbuffered_pingpong,sync_mutex_contention"
		python3 tools/trace.py events "$LOGDIR/trace-fuzz$r.txt" 2>&1 | grep '^go\.' >"$LOGDIR/trace-fuzz$r.events"
	done
	if ! grep -aq '^sched: schedfuzz=7:' "$LOGDIR/trace-fuzz7a.log"; then
		fail "$same" "the boot did not print its seed"
	elif [ "$(wc -l <"$LOGDIR/trace-fuzz7a.events")" -lt 100 ]; then
		fail "$same" "only $(wc -l <"$LOGDIR/trace-fuzz7a.events") goroutine events"
	elif cmp -s "$LOGDIR/trace-fuzz7a.events" "$LOGDIR/trace-fuzz7b.events"; then
		pass "$same"
	else
		fail "$same" "$(diff "$LOGDIR/trace-fuzz7a.events" "$LOGDIR/trace-fuzz7b.events" | head -n 3 | tr '\n' ' ')"
	fi
	if cmp -s "$LOGDIR/trace-fuzz7a.events" "$LOGDIR/trace-fuzz8.events"; then
		fail "$differ" "seeds 7 and 8 gave the same event sequence"
	else
		pass "$differ"
	fi
}

# make fuzz over the channel and sync tests, 50 seeds at -smp 4: nothing
# fails (a seed that ever does is kept as a test of its own).
test_fuzz_chan_sync() {
	local name=schedfuzz:chan-and-sync-tests-pass-50-seeds-at-smp4 out
	out=$(BUILD=$BUILD T=$TRACE_TESTS_SEL N=50 SMP=4 tools/fuzz.sh 2>&1)
	if [ $? = 0 ] && echo "$out" | grep -q '^fuzz: 0 of 50 seeds failed$'; then
		pass "$name"
	else
		fail "$name" "$(echo "$out" | grep -E 'FAILED|of 50' | head -n 4 | tr '\n' ' ')"
	fi
}

run_trace_tests() {
	trace_tool_tests
	if ! command -v python3 >/dev/null 2>&1; then
		fail "trace:python3" "python3 not found (Debian package python3; make deps installs it)"
		return
	fi
	TRACE_TESTS_SEL=$(trace_chan_sync_tests)
	test_trace_pingpong_order
	test_trace_storm_json
	test_trace_steals
	test_trace_off_and_wrap
	test_trace_after_panic
	test_schedfuzz_repeatable
	test_fuzz_chan_sync
}
