# tests/gdb_tests.sh - make debug's gdb session and the goroutine commands
# of tools/gdb/spindle.py on a live kernel. Sourced by the test runner
# (tests/lib.sh loaded, accel_init done); defines gdb_tests.
#
# tools/run-qemu.sh debug boots build/kernel.elf (-smp 2,
# test=chan_unbuffered_pingpong) stopped for gdb, on a free port of this
# user's block (the port make debug takes, plus 1..6) given as GDB_PORT
# and written to a port file under $LOGDIR (GDB_PORT_FILE, so a `make debug`
# of the same checkout keeps its own build/gdb-port). gdb runs in batch
# mode with build/gdbinit, which reads that file, connects and stops at
# boot_main; there the commands must say the runtime is not running. Then
# a breakpoint on goready for goroutine 1 (pp_main), the third time it is
# woken: it is parked on a channel while pp_echo, which wakes it, runs.
# Each command's output is cut out of the session log between "==== name"
# markers and checked. Logs: $LOGDIR/gdb-qemu.log, $LOGDIR/gdb-session.log.
GDB_TEST_NAMES="gdb:make-debug-adds-T-as-test-and-the-port
gdb:session-connects-and-stops-at-a-parked-goroutine
gdb:commands-say-when-the-runtime-is-not-running
gdb:info-goroutines-lists-parked-goroutines
gdb:goroutine-bt-walks-a-parked-goroutines-saved-frame
gdb:goroutine-bt-of-the-running-goroutine-shows-its-cpu
gdb:info-runq-shows-local-and-global-queues
gdb:info-ms-lists-the-two-ms
gdb:help-shows-each-commands-docstring
gdb:no-python-traceback"

gdb_tests() {
	local why n
	gdb_test_make_debug_rule
	why=$(gdb_tests_missing)
	if [ -n "$why" ]; then
		for n in $GDB_TEST_NAMES; do
			[ "$n" = gdb:make-debug-adds-T-as-test-and-the-port ] || fail "$n" "$why"
		done
		return
	fi
	local qlog=$LOGDIR/gdb-qemu.log glog=$LOGDIR/gdb-session.log
	gdb_session "$qlog" "$glog"
	gdb_check_session "$qlog" "$glog"
}

# Why the gdb tests cannot run (empty: they can). gdb is a Debian package
# the project needs: missing, that is a failure, not a skip.
gdb_tests_missing() {
	if ! command -v gdb >/dev/null 2>&1; then
		echo "gdb is not installed (Debian package gdb: apt-get install gdb)"
	elif ! timeout 20 gdb -batch -nx -ex 'python print("py-ok")' 2>/dev/null | grep -q py-ok; then
		echo "this gdb has no Python ($(gdb --version 2>/dev/null | head -n 1)); tools/gdb/spindle.py needs it"
	elif [ ! -f "$BUILD/kernel.elf" ]; then
		echo "$BUILD/kernel.elf was not built (make)"
	elif ! timeout 60 make -s BUILD="$BUILD" "$BUILD/gdbinit" >"$LOGDIR/gdb-make.log" 2>&1; then
		echo "make $BUILD/gdbinit failed: $(tail -n 1 "$LOGDIR/gdb-make.log")"
	fi
}

# make debug T=name: the kernel command line gets test=name (after
# CMDLINE), and GDB_PORT reaches tools/run-qemu.sh. (make -n: nothing runs.)
gdb_test_make_debug_rule() {
	local name=gdb:make-debug-adds-T-as-test-and-the-port line
	line=$(timeout 60 make -n BUILD="$BUILD" debug T=some_test CMDLINE=hz=250 GDB_PORT=4321 2>&1 |
		sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta' | grep 'run-qemu.sh debug')
	if [[ $line == *'GDB_PORT="4321"'* && $line == *'"hz=250 test=some_test"'* ]]; then
		pass "$name"
	else
		fail "$name" "make -n debug T=some_test CMDLINE=hz=250 GDB_PORT=4321 ran: ${line:-no run-qemu.sh debug line}"
	fi
}

# A port of this user's block (1234 + (uid % 9000) * 7, plus 1..6) that
# nothing listens on, or nothing.
gdb_free_port() {
	local base=$((1234 + ($(id -u) % 9000) * 7)) i
	for i in 1 2 3 4 5 6; do
		if ! timeout 2 bash -c ": </dev/tcp/127.0.0.1/$((base + i))" 2>/dev/null; then
			echo $((base + i))
			return 0
		fi
	done
	return 1
}

# gdb_session QEMU_LOG GDB_LOG: boot stopped for gdb, run the session.
gdb_session() {
	local qlog=$1 glog=$2 port qpid
	: >"$glog"
	if ! port=$(gdb_free_port); then
		echo "tests/gdb_tests.sh: every port of this user's block is in use" >"$qlog"
		return
	fi
	rm -f "$LOGDIR/gdb-port"
	local kernel=$BUILD/kernel.elf
	GDB_PORT=$port GDB_PORT_FILE=$LOGDIR/gdb-port BUILD=$BUILD \
		timeout -k 5 240 tools/run-qemu.sh debug "$kernel" 2 512M \
		"test=chan_unbuffered_pingpong" -display none </dev/null >"$qlog" 2>&1 &
	qpid=$!
	# run-qemu.sh writes the port file just before it starts QEMU (gdb
	# itself retries the connection while QEMU comes up: set tcp auto-retry)
	local t=0
	while [ ! -s "$LOGDIR/gdb-port" ] && [ $t -lt 100 ] && kill -0 "$qpid" 2>/dev/null; do
		sleep 0.2
		t=$((t + 1))
	done
	# shellcheck disable=SC2016 # $bpnum is gdb's
	env -u GDB_PORT GDB_PORT_FILE="$LOGDIR/gdb-port" timeout -k 5 180 \
		gdb -batch -nx -x "$BUILD/gdbinit" \
		-ex 'echo ==== before-runtime\n' -ex 'info goroutines' -ex 'info ms' \
		-ex 'break goready if gp->goid == 1' -ex 'ignore $bpnum 2' -ex 'continue' \
		-ex 'echo ==== info-goroutines\n' -ex 'info goroutines' \
		-ex 'echo ==== goroutine-1-bt\n' -ex 'goroutine 1 bt' \
		-ex 'echo ==== goroutine-2-bt\n' -ex 'goroutine 2 bt' \
		-ex 'echo ==== info-runq-0\n' -ex 'info runq 0' \
		-ex 'echo ==== info-ms\n' -ex 'info ms' \
		-ex 'echo ==== help\n' -ex 'help info goroutines' -ex 'help goroutine' \
		-ex 'help info runq' -ex 'help info ms' \
		-ex 'echo ==== end\n' -ex 'kill' </dev/null >"$glog" 2>&1
	echo "tests/gdb_tests.sh: gdb exit status $?" >>"$glog"
	# gdb's kill ends QEMU; if gdb never got that far, stop it here
	if kill -0 "$qpid" 2>/dev/null; then
		kill -TERM "$qpid" 2>/dev/null
		sleep 2
		kill -KILL "$qpid" 2>/dev/null
	fi
	wait "$qpid" 2>/dev/null
}

# gdb_section LOG NAME: the lines of LOG after "==== NAME" up to the next
# marker, CRs removed.
gdb_section() {
	tr -d '\r' <"$1" | awk -v want="==== $2" '/^==== / { on = ($0 == want); next } on'
}

# gdb_expect NAME LOG SECTION WHY REGEX...: pass NAME if every extended
# REGEX matches a line of SECTION, else fail with WHY and the section.
gdb_expect() {
	local name=$1 log=$2 sec=$3 why=$4 text re
	shift 4
	text=$(gdb_section "$log" "$sec")
	for re in "$@"; do
		if ! grep -qE -- "$re" <<<"$text"; then
			fail "$name" "$why (no line matching /$re/ in the output of $sec, $log):"
			echo "${text:-(no output)}" | head -n 30
			return
		fi
	done
	pass "$name"
}

gdb_check_session() {
	local qlog=$1 glog=$2 n
	if grep -q "connecting to QEMU's gdb stub on 127.0.0.1:" "$glog" &&
	   grep -q 'hit Breakpoint 1, boot_main' "$glog" &&
	   grep -qE 'hit Breakpoint 2, goready \(gp=' "$glog"; then
		pass gdb:session-connects-and-stops-at-a-parked-goroutine
	else
		fail gdb:session-connects-and-stops-at-a-parked-goroutine \
			"gdb did not connect, stop at boot_main and then at goready of goroutine 1 ($glog, $qlog)"
		show_tail "$glog" 20
		show_tail "$qlog" 8
		for n in $GDB_TEST_NAMES; do
			case $n in gdb:make-debug*|gdb:session*) ;; *) fail "$n" "no gdb session to check" ;; esac
		done
		return
	fi
	# at boot_main: both commands, one line each, no table
	local said
	said=$(gdb_section "$glog" before-runtime)
	if [ "$(grep -c '^the goroutine runtime is not running: no M is in use' <<<"$said")" = 2 ] &&
	   ! grep -qE '^ +(Id|M) ' <<<"$said"; then
		pass gdb:commands-say-when-the-runtime-is-not-running
	else
		fail gdb:commands-say-when-the-runtime-is-not-running \
			"at boot_main, info goroutines and info ms must each say that no M is in use:"
		echo "${said:-(no output)}" | head -n 10
	fi
	# goroutine 1 (pp_main) parked on a channel, goroutine 2 (pp_echo) running
	gdb_expect gdb:info-goroutines-lists-parked-goroutines "$glog" info-goroutines \
		"goroutine 1 must be waiting on a channel with entry pp_main, goroutine 2 running pp_echo" \
		'^ +1 +waiting +chan (send|receive) +- +pp_main\(0x0\)$' \
		'^\* +2 +running +M[01] P[01] +pp_echo\(0x0\)$' \
		'^2 goroutines'
	gdb_expect gdb:goroutine-bt-walks-a-parked-goroutines-saved-frame "$glog" goroutine-1-bt \
		"goroutine 1's backtrace must start in the channel code and reach pp_main" \
		'^goroutine 1 \[waiting, chan (send|receive)\]: created as pp_main\(0x0\)$' \
		'switched out \(resumes at mcall_resume\)' \
		'^#0 +0x[0-9a-f]+ in (gopark|park_m|mcall|chan_send|chan_recv)\b.* at sched/(chan|proc)\.c:[0-9]+$' \
		'^#[1-9] +0x[0-9a-f]+ in pp_main at sched/tests/chan_tests\.c:[0-9]+$' \
		'in gstart_trampoline'
	gdb_expect gdb:goroutine-bt-of-the-running-goroutine-shows-its-cpu "$glog" goroutine-2-bt \
		"goroutine 2 runs: its CPU's frames must be shown, goready first" \
		'^goroutine 2 \[running\]: created as pp_echo\(0x0\)$' \
		'^  running on M[01], CPU [01] \(gdb thread [12]\)' \
		'^  #0 +goready \(gp=' 'in pp_echo '
	local slots
	slots=$(sed -n 's/^#define RUNQ_SIZE[[:space:]]*\([0-9]*\).*/\1/p' sched/sched.h)
	gdb_expect gdb:info-runq-shows-local-and-global-queues "$glog" info-runq-0 \
		"info runq 0 must show P0's ring of RUNQ_SIZE ($slots) slots, its runnext and the global queue" \
		"^P0 \(M[01]\): local run queue [0-9]+ of ${slots:-RUNQ_SIZE?} slots \(runqhead [0-9]+, runqtail [0-9]+\)$" \
		'^  runnext: ' \
		'^global run queue \(sched\.runq\): [0-9]+ goroutines? \(sched\.runqsize = [0-9]+\)$'
	gdb_expect gdb:info-ms-lists-the-two-ms "$glog" info-ms \
		"-smp 2: info ms must list M0 and M1 in use, one running goroutine 2" \
		'^ +M0 +[01] +P[01] +(yes|no) +(yes|no) +yes ' \
		'^ +M1 +[01] +P[01] +(yes|no) +(yes|no) +yes ' \
		'goroutine 2 \(pp_echo\) +CPU [01] \(gdb thread [12]\)$' \
		'^2 Ms in use \(sched\.nms = 2, sched\.nprocs = 2\)'
	gdb_expect gdb:help-shows-each-commands-docstring "$glog" help \
		"help must print each command's docstring" \
		'^List the goroutines of the running Spindle runtime' \
		'^Show the backtrace of goroutine N' \
		'^Show run queues of the running Spindle runtime' \
		'^List the Ms \(machines'
	if grep -qE 'Traceback|Python Exception|internal error' "$glog"; then
		fail gdb:no-python-traceback "a command failed in Python ($glog):"
		grep -E -A3 'Traceback|Python Exception|internal error' "$glog" | head -n 20
	else
		pass gdb:no-python-traceback
	fi
}
