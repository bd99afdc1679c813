#!/bin/bash
# stress.sh - boot the same in-kernel test N times and count the boots that
# failed: for races that show once in many boots. `make stress` runs it:
#   make stress T=sched_preempt_windows N=200 SMP=4 CMDLINE="hz=1000"
# T: one test or a,b,c (test=); N: boots (default 50); SMP: CPUs (4);
# CMDLINE: more kernel words; J: boots at once (default: the host's CPUs).
# Each boot has a timeout (STRESS_TIMEOUT, 180 s) and its serial log in
# build/stress/; the logs of passing boots are removed. Prints one line per
# failed boot with the command that repeats it, then "stress: K of N boots
# failed"; exit status 0 only when none failed.
set -u
cd "$(dirname "$0")/.." || exit 1
. tools/qemu.sh
t=${T:?usage: make stress T=test[,test] [N=boots] [SMP=cpus] [CMDLINE=...] [J=parallel]}
n=${N:-50} smp=${SMP:-4} extra=${CMDLINE:-} jobs=${J:-$(nproc)}
tmo=${STRESS_TIMEOUT:-180}
qemu_cmdline_check stress "test=$t $extra" || exit 2
dir=$BUILD/stress
rm -rf "$dir"; mkdir -p "$dir"
qemu_accel_choose "$BUILD/kernel.elf"
qemu_accel_say
echo "stress: $n boots of test=$t $extra at -smp $smp, $jobs at a time (logs: $dir/)"

one() { # i
	local log=$dir/boot-$1.log rc
	timeout --foreground -k 5 "$tmo" "$QEMU" "${QEMU_ACCEL_ARGS[@]}" -smp "$smp" -m 512M \
		-nographic -no-reboot -serial mon:stdio -display none "${QEMU_EXIT_ARGS[@]}" \
		-kernel "$BUILD/kernel.elf" -append "test=$t $extra" </dev/null >"$log" 2>&1
	rc=$?
	if [ $rc = "$KEXIT_PASS" ] && grep -aq '^KTEST DONE' "$log"; then
		rm -f "$log"
	else
		why=$(tr -d '\r' <"$log" | grep -a -m1 -E '^(KTEST FAIL|PANIC|panic:)' | cut -c1-120)
		echo "stress: boot $1 FAILED (QEMU exit $rc${why:+: $why}); log $log"
	fi
}

running=0
for i in $(seq 1 "$n"); do
	one "$i" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait
failed=$(ls "$dir"/boot-*.log 2>/dev/null | wc -l)
[ "$failed" = 0 ] || echo "stress: repeat one: make run-pvh SMP=$smp CMDLINE=\"test=$t $extra\""
echo "stress: $failed of $n boots failed"
[ "$failed" = 0 ]
