# tests/matrix.sh - the in-kernel tests again at the edges of what the
# kernel accepts, where each must pass or skip with a reason, never fail:
# the slowest timer (hz=10), the smallest goroutine stack (gstack=1536),
# little memory (128 MiB) and many CPUs (-smp 32 on however many host CPUs).
# Test names get the setting: ktest:NAME@smp2/hz=10. Logs:
# build/tests/matrix-SETTING/.
MATRIX_ROWS=${MATRIX_ROWS:-"hz=10|2|512M|hz=10
gstack=1536|2|512M|gstack=1536
128M|2|128M|
smp32|32|1G|"}

run_matrix_tests() {
	local name smp mem extra root=$LOGDIR
	while IFS='|' read -r name smp mem extra; do
		[ -n "$name" ] || continue
		LOGDIR=$root/matrix-$name
		mkdir -p "$LOGDIR"
		KTEST_SMPS=$smp PVH_MEM=$mem KTEST_EXTRA=$extra KTEST_TAG=/$name run_kernel_tests
	done <<<"$MATRIX_ROWS"
	LOGDIR=$root
}
