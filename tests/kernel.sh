# tests/kernel.sh - in-kernel tests (KTEST in the kernel, chosen with test=)
# booted through PVH at several -smp counts. Each KTEST PASS line counts as
# one passed test; a boot that fails, hangs or stops early fails the test it
# was in (or the boot itself).
KTEST_SMPS=${KTEST_SMPS:-"1 2 4"}

run_kernel_tests() {
	for smp in $KTEST_SMPS; do
		log=$LOGDIR/ktest-all-smp$smp.log
		run_pvh "$log" "$PVH_TIMEOUT" "$smp" "test=all"
		rc=$?
		while IFS= read -r line; do
			case $line in
			"KTEST PASS "*) t=${line#KTEST PASS }; pass "ktest:${t%% *}@smp$smp" ;;
			"KTEST FAIL "*) t=${line#KTEST FAIL }; fail "ktest:${t%%:*}@smp$smp" "${t#*: }" ;;
			esac
		done < <(grep -a -E '^KTEST (PASS|FAIL) ' "$log" | tr -d '\r')
		if [ $rc -eq 33 ] && grep -aq '^KTEST DONE' "$log"; then
			continue
		fi
		if ! grep -aq '^KTEST FAIL' "$log"; then
			last=$(grep -a '^KTEST START' "$log" | tail -n 1 | tr -d '\r')
			fail "ktest-boot@smp$smp" "QEMU exit $rc, never finished${last:+ (in ${last#KTEST START })}"
		fi
		show_tail "$log" 25
	done
}
