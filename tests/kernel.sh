# tests/kernel.sh - in-kernel tests (KTEST in the kernel, chosen with test=)
# booted through PVH at several -smp counts. The kernel prints "KTEST PLAN n"
# first; each KTEST PASS line counts as one passed test, each KTEST SKIP as a
# skip with its reason. A failing test ends its boot (kernel/ktest.c says
# why), so after a failure, a crash or a hang in test X the runner boots
# again with test=after:X: every test runs and is reported. Tests of the
# plan that never reported are one more failure.
KTEST_SMPS=${KTEST_SMPS:-"1 2 4"}
KTEST_EXTRA=${KTEST_EXTRA:-}   # more kernel words for every boot (tests/matrix.sh)
KTEST_TAG=${KTEST_TAG:-}       # added to test names, e.g. "/hz=10"

# ktest_boot LOG SMP SEL: one boot; counts into seen; sets last (the test
# the boot was in when it ended without KTEST DONE, else empty) and plan.
ktest_boot() {
	local log=$1 smp=$2 sel=$3 rc line t
	run_pvh "$log" "$PVH_TIMEOUT" "$smp" "test=$sel${KTEST_EXTRA:+ $KTEST_EXTRA}"
	rc=$?
	while IFS= read -r line; do
		case $line in
		"KTEST PASS "*) t=${line#KTEST PASS }; pass "ktest:${t%% *}@smp$smp$KTEST_TAG"; seen=$((seen + 1)) ;;
		"KTEST SKIP "*) t=${line#KTEST SKIP }; skip "ktest:${t%%:*}@smp$smp$KTEST_TAG" "${t#*: }"; seen=$((seen + 1)) ;;
		"KTEST FAIL "*) t=${line#KTEST FAIL }; fail "ktest:${t%%:*}@smp$smp$KTEST_TAG" "${t#*: }"; seen=$((seen + 1)) ;;
		esac
	done <<<"$(lines_of '^KTEST (PASS|SKIP|FAIL) ' "$log")"
	plan=$(lines_of '^KTEST PLAN [0-9]+$' "$log" | head -n 1 | awk '{ print $3 }')
	last=""
	if [ $rc -eq "$KEXIT_PASS" ] && grep -aq '^KTEST DONE' "$log"; then
		return 0
	fi
	last=$(lines_of '^KTEST START ' "$log" | tail -n 1 | awk '{ print $3 }')
	if [ -n "$last" ] && ! grep -aq "^KTEST FAIL $last:" "$log"; then
		fail "ktest:$last@smp$smp$KTEST_TAG" "QEMU exit $rc in this test (crash or hang, no KTEST FAIL line)"
		seen=$((seen + 1))
	fi
	show_tail "$log" 25
	return 1
}

run_kernel_tests() {
	local smp sel n total seen plan last
	for smp in $KTEST_SMPS; do
		sel=all n=0 total="" seen=0
		while :; do
			ktest_boot "$LOGDIR/ktest-all-smp$smp$([ $n = 0 ] || echo "-$n").log" "$smp" "$sel"
			local ended=$?
			[ -n "$total" ] || total=$plan
			[ $ended = 0 ] && break
			if [ -z "$total" ]; then
				fail "ktest-boot@smp$smp$KTEST_TAG" "QEMU ended before the kernel printed its test plan"
				break
			fi
			[ -n "$last" ] || break              # ended between tests: nothing to go on from
			sel="after:$last" n=$((n + 1))
		done
		if [ -n "$total" ] && [ "$seen" -lt "$total" ]; then
			fail "ktest-boot@smp$smp$KTEST_TAG" "$((total - seen)) of $total tests never reported"
		fi
	done
}
