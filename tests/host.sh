# tests/host.sh - run every host unit test program (built by tests/tests.mk
# from tests/host/test_*.c under ASan and UBSan). Each prints "PLAN: n" and
# then one line per case. A program that is missing, crashes, exits non-zero
# without saying which case failed, or reports fewer cases than its plan
# counts as one more failure: no test vanishes without a word.
run_host_tests() {
	local src name bin log rc line t plan seen
	for src in tests/host/test_*.c; do
		name=$(basename "$src" .c)
		bin=$BUILD/tests/host/$name
		log=$LOGDIR/host-$name.log
		if [ ! -x "$bin" ]; then
			fail "host:$name" "$bin was not built (make test builds it)"
			continue
		fi
		"$bin" >"$log" 2>&1
		rc=$?
		seen=0
		while IFS= read -r line; do
			case $line in
			"PASS: "*) t=${line#PASS: }; pass "host:${t#tests/host/}"; seen=$((seen + 1)) ;;
			"FAIL: "*) t=${line#FAIL: }; fail "host:${t#tests/host/}" "see $log"; seen=$((seen + 1)) ;;
			esac
		done <<<"$(lines_of '^(PASS|FAIL): ' "$log")"
		plan=$(sed -n 's/^PLAN: \([0-9]*\)$/\1/p' "$log" | head -n 1)
		if [ -z "$plan" ] || [ "$seen" -ne "$plan" ]; then
			fail "host:$name" "reported $seen of ${plan:-an unknown number of} cases (exit status $rc)"
			show_tail "$log"
		elif [ $rc -ne 0 ] && ! grep -aq '^FAIL: ' "$log"; then
			fail "host:$name" "exit status $rc without a failed case (crash or sanitizer report)"
			show_tail "$log"
		fi
	done
}
