# tests/kernel.sh - in-kernel tests (KTEST in the kernel, chosen with test=)
# booted through PVH at several -smp counts. The kernel prints "KTEST PLAN n"
# first; each KTEST PASS line counts as one passed test. A boot that fails,
# hangs or stops early fails the test it was in (or the boot itself), and
# the tests of the plan that never reported are one more failure.
KTEST_SMPS=${KTEST_SMPS:-"1 2 4"}

run_kernel_tests() {
	local smp log rc line t plan seen last
	for smp in $KTEST_SMPS; do
		log=$LOGDIR/ktest-all-smp$smp.log
		run_pvh "$log" "$PVH_TIMEOUT" "$smp" "test=all"
		rc=$?
		seen=0
		while IFS= read -r line; do
			case $line in
			"KTEST PASS "*) t=${line#KTEST PASS }; pass "ktest:${t%% *}@smp$smp"; seen=$((seen + 1)) ;;
			"KTEST FAIL "*) t=${line#KTEST FAIL }; fail "ktest:${t%%:*}@smp$smp" "${t#*: }"; seen=$((seen + 1)) ;;
			esac
		done <<<"$(lines_of '^KTEST (PASS|FAIL) ' "$log")"
		plan=$(lines_of '^KTEST PLAN [0-9]+$' "$log" | head -n 1 | awk '{ print $3 }')
		if [ $rc -eq "$KEXIT_PASS" ] && grep -aq '^KTEST DONE' "$log" && [ "$seen" = "$plan" ]; then
			continue
		fi
		last=$(lines_of '^KTEST START' "$log" | tail -n 1)
		if [ -z "$plan" ]; then
			fail "ktest-boot@smp$smp" "QEMU exit $rc before the kernel printed its test plan"
		elif [ "$seen" -lt "$plan" ]; then
			fail "ktest-boot@smp$smp" "QEMU exit $rc; $((plan - seen)) of $plan tests never reported${last:+ (the last started: ${last#KTEST START })}"
		elif ! grep -aq '^KTEST FAIL' "$log"; then
			fail "ktest-boot@smp$smp" "QEMU exit $rc, never finished${last:+ (in ${last#KTEST START })}"
		fi
		show_tail "$log" 25
	done
}
