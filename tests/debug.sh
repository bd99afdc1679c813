# tests/debug.sh - the in-kernel suite once more, on the kernel built with
# DEBUG=1 (make debug-kernel: build/debug/kernel.elf), at -smp 4: every
# lock acquire checked against kernel/lockrank.c, every "lock held" comment
# asserted, the schedulers' preconditions checked on entry; and a lock
# order inversion made on purpose, which must panic. Test names get
# "/debug"; logs are in build/tests/debug/.
run_debug_tests() {
	local root=$LOGDIR
	if [ ! -f "$BUILD/debug/kernel.elf" ]; then
		fail "debug:kernel" "$BUILD/debug/kernel.elf was not built (make test builds it)"
		return
	fi
	LOGDIR=$root/debug
	mkdir -p "$LOGDIR"
	KERNEL_ELF=$BUILD/debug/kernel.elf KTEST_SMPS=4 KTEST_TAG=/debug run_kernel_tests
	test_debug_lock_order
	LOGDIR=$root
}

# Two locks taken against the order: the debug kernel panics at once and
# names both, with their ranks (kernel/tests/fault_tests.c).
test_debug_lock_order() {
	local name=debug:lock-order-inversion-panics log=$LOGDIR/debug-lock-order.log rc
	KERNEL_ELF=$BUILD/debug/kernel.elf run_pvh "$log" "$PVH_TIMEOUT" 2 "test=fault_lock_order"
	rc=$?
	if [ $rc -eq "$KEXIT_FAIL" ] &&
	   grep -aq "lock order: taking test (rank 10) while holding test-time (rank 11)" "$log"; then
		pass "$name"
	else
		fail "$name" "QEMU exit $rc; expected a panic naming both locks"
		show_tail "$log"
	fi
}
