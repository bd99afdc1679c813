# tests/host.sh - run every host unit test program (built by tests/tests.mk
# from tests/host/test_*.c under ASan and UBSan). Each prints one line per
# case; a program that crashes or exits non-zero without saying which case
# failed counts as one more failure.
run_host_tests() {
	for bin in "$BUILD"/tests/host/test_*; do
		case $bin in *.log|*.d) continue ;; esac
		[ -x "$bin" ] || continue
		name=$(basename "$bin")
		log=$LOGDIR/host-$name.log
		"$bin" >"$log" 2>&1
		rc=$?
		while IFS= read -r line; do
			case $line in
			"PASS: "*) t=${line#PASS: }; pass "host:${t#tests/host/}" ;;
			"FAIL: "*) t=${line#FAIL: }; fail "host:${t#tests/host/}" "see $log" ;;
			esac
		done < <(grep -a -E '^(PASS|FAIL): ' "$log")
		if [ $rc -ne 0 ] && ! grep -aq '^FAIL: ' "$log"; then
			fail "host:$name" "exit status $rc without a failed case (crash or sanitizer report)"
			show_tail "$log"
		fi
	done
}
