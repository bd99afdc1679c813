# tests/hostsched.sh - the goroutine runtime's own tests (sched/tests: chan,
# select, sync, timer, scheduler) on the host platform (arch/host), once
# under ThreadSanitizer and once under AddressSanitizer+UBSan, each test in
# its own process with a time limit. A sanitizer report, a crash or a
# missing PASS line fails the test; tests the host cannot run say why
# (KTEST SKIP) and are counted apart. Two bugs planted on purpose
# (arch/host/tests/planted_tests.c) must be reported, each by its sanitizer: the
# proof that the sanitizers see goroutine code at all.
# Logs: $LOGDIR/hostsched-VARIANT-NAME.log
HOSTSCHED_CMDLINE=${HOSTSCHED_CMDLINE:-"smp=4 gstack=65536 hz=1000"}
HOSTSCHED_TIMEOUT=${HOSTSCHED_TIMEOUT:-120}

hostsched_exec() {   # variant bin name log
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	ASAN_OPTIONS="detect_leaks=0 abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1" \
		timeout -k 5 "$HOSTSCHED_TIMEOUT" "$2" run "$3" "$HOSTSCHED_CMDLINE" >"$4" 2>&1
}

hostsched_one() {   # variant bin name
	local v=$1 bin=$2 t=$3 log=$LOGDIR/hostsched-$1-$3.log rc
	hostsched_exec "$v" "$bin" "$t" "$log"
	rc=$?
	if grep -aq "^KTEST SKIP $t: " "$log"; then
		skip "hostsched-$v:$t" "$(sed -n "s/^KTEST SKIP $t: //p" "$log" | head -n 1)"
	elif [ $rc -eq 0 ] && grep -aq "^KTEST PASS $t\$" "$log" && ! grep -aq "Sanitizer" "$log"; then
		pass "hostsched-$v:$t"
	else
		local why
		why=$(grep -a -m1 -E "^KTEST FAIL|^SUMMARY: |^panic: |Sanitizer" "$log")
		[ $rc -eq 124 ] && why="no result within ${HOSTSCHED_TIMEOUT} s (a hang)"
		fail "hostsched-$v:$t" "${why:-exit status $rc}; see $log"
		show_tail "$log"
	fi
}

# A planted bug: the run must fail with the sanitizer's report of it.
hostsched_planted() {   # variant bin name report
	local log=$LOGDIR/hostsched-$1-$3.log
	hostsched_exec "$1" "$2" "$3" "$log" 2>/dev/null   # not the shell's "Aborted"
	if [ $? -ne 0 ] && grep -aq "$4" "$log"; then
		pass "hostsched-$1:$3-is-reported"
	else
		fail "hostsched-$1:$3-is-reported" "no \"$4\" report: the sanitizer does not see goroutine code; see $log"
		show_tail "$log"
	fi
}

run_hostsched_tests() {
	local v bin t names
	for v in tsan asan; do
		bin=$BUILD/hostsched/$v/sched-tests
		if [ ! -x "$bin" ]; then
			fail "hostsched-$v" "$bin was not built (make test builds it)"
			continue
		fi
		names=$("$bin" list 2>&1) || { fail "hostsched-$v" "$bin list failed: $names"; continue; }
		for t in $names; do
			case $t in planted_*) continue ;; esac
			hostsched_one "$v" "$bin" "$t"
		done
		case $v in
		tsan) hostsched_planted "$v" "$bin" planted_race "WARNING: ThreadSanitizer: data race" ;;
		asan) hostsched_planted "$v" "$bin" planted_stack_overflow \
			"ERROR: AddressSanitizer: stack-buffer-overflow" ;;
		esac
	done
}
