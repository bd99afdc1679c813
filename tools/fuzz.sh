#!/bin/bash
# fuzz.sh - boot an in-kernel test with N different schedfuzz seeds and
# print the seeds whose boot failed, each with the command that repeats it
# (docs/trace.md). `make fuzz` runs it:
#   make fuzz T=chan_storm N=200 SMP=4 CMDLINE="hz=1000"
# T: one test or a,b,c (test=); N: seeds (default 50); SEED: the first
# (default 1; seeds SEED..SEED+N-1); SMP: CPUs (4); CMDLINE: more kernel
# words; J: boots at once (default: the host's CPUs). Each boot has a
# timeout (FUZZ_TIMEOUT, 180 s) and its serial log in build/fuzz/; the logs
# of passing boots are removed. The last line is "fuzz: K of N seeds
# failed"; exit status 0 only when none failed.
set -u
cd "$(dirname "$0")/.." || exit 1
. tools/qemu.sh
t=${T:?usage: make fuzz T=test[,test] [N=seeds] [SEED=first] [SMP=cpus] [CMDLINE=...] [J=parallel]}
n=${N:-50} first=${SEED:-1} smp=${SMP:-4} extra=${CMDLINE:-} jobs=${J:-$(nproc)}
tmo=${FUZZ_TIMEOUT:-180}
case "$n$first" in *[!0-9]*) echo "fuzz: N and SEED are numbers (N=$n SEED=$first)" >&2; exit 2 ;; esac
[ "$first" -ge 1 ] || { echo "fuzz: SEED starts at 1 (0 is schedfuzz off)" >&2; exit 2; }
qemu_cmdline_check fuzz "test=$t schedfuzz=$((first + n - 1)) $extra" || exit 2
dir=$BUILD/fuzz
rm -rf "$dir"; mkdir -p "$dir"
qemu_accel_choose "$BUILD/kernel.elf"
qemu_accel_say
echo "fuzz: test=$t $extra at -smp $smp with seeds $first..$((first + n - 1)), $jobs boots at a time (logs: $dir/)"

one() { # seed
	local log=$dir/seed-$1.log rc why
	timeout --foreground -k 5 "$tmo" "$QEMU" "${QEMU_ACCEL_ARGS[@]}" -smp "$smp" -m 512M \
		-nographic -no-reboot -serial mon:stdio -display none "${QEMU_EXIT_ARGS[@]}" \
		-kernel "$BUILD/kernel.elf" -append "test=$t schedfuzz=$1 $extra" </dev/null >"$log" 2>&1
	rc=$?
	if [ $rc = "$KEXIT_PASS" ] && grep -aq '^KTEST DONE' "$log" && ! grep -aq '^KTEST FAIL' "$log"; then
		rm -f "$log"
		return
	fi
	why=$(tr -d '\r' <"$log" | grep -a -m1 -E '^(KTEST FAIL|PANIC|panic:|fatal error)' | cut -c1-120)
	[ $rc = 124 ] && why="timed out after $tmo s${why:+; $why}"
	echo "fuzz: seed $1 FAILED (QEMU exit $rc${why:+: $why}); log $log"
	echo "fuzz:   repeat: make run-pvh SMP=$smp CMDLINE=\"test=$t schedfuzz=$1 $extra\""
	echo "fuzz:   see it: make trace T=$t SMP=$smp CMDLINE=\"schedfuzz=$1 $extra\""
}

running=0
for seed in $(seq "$first" $((first + n - 1))); do
	one "$seed" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait
failed=$(ls "$dir"/seed-*.log 2>/dev/null | wc -l)
echo "fuzz: $failed of $n seeds failed"
[ "$failed" = 0 ]
