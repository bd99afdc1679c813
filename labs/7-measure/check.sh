#!/bin/bash
# check.sh RELATION - lab 7's grading: boot the kernel once with the
# benchmarks the lab measures (cached for the other relations of the same
# make grade, under a lock), then check one relation between its results.
# Never an absolute time: the substrate (TCG, KVM, a laptop) decides those.
#   g_switch_vs_bare_switch     spindle-g switch_ns is 1 to 50 times the bare
#                               switch_raw_ns of the same boot
#   g_bytes_near_computed_size  spindle-g bytes_per_task within 10% of
#                               gunit_size (the G and its stack, computed)
#   thread_switch_above_g_switch  spindle-thread switch_ns > spindle-g switch_ns
#   thread_bytes_at_least_1mib  spindle-thread bytes_per_task >= 1 MiB (its stack)
#   process_switch_loads_cr3    two processes: about one CR3 load per switch;
#                               one process: none; and the first costs more
# Prints the numbers it compared; any "LAB 7 TODO" line of the boot too.
set -u
cd "$(dirname "$0")/../.." || exit 2
rel=${1:?usage: check.sh RELATION}
BUILD=${BUILD:-build}
dir=$BUILD/grade/lab7
mkdir -p "$dir"
log=$dir/bench.log
(
	flock 9
	if [ ! -s "$log.done" ]; then
		. tools/qemu.sh
		qemu_accel_choose "$BUILD/kernel.elf" >/dev/null 2>&1
		timeout --foreground -k 5 600 "$QEMU" "${QEMU_ACCEL_ARGS[@]}" -smp 2 -m 512M -nographic \
			-no-reboot -display none -serial mon:stdio "${QEMU_EXIT_ARGS[@]}" \
			-kernel "$BUILD/kernel.elf" -append "console=serial gomaxprocs=1 bench=bytes_per_task,switch,switch_raw,thread_bytes_per_task,thread_switch,thread_process_switch" \
			</dev/null 2>&1 | tr -d '\r' >"$log"
		echo done >"$log.done"
	fi
) 9>"$dir/lock"
grep -a '^LAB 7 TODO' "$log" | sort -u
val() { awk -v s="$1" -v m="$2" '$1 == "BENCH" && $2 == s && $3 == m { print $4; exit }' "$log"; }
info() { awk -v s="$1" -v k="$2" '$1 == "BENCHINFO" && $2 == s && $3 == k { print $4; exit }' "$log"; }
check() { # awk-condition description values...
	local cond=$1 what=$2
	shift 2
	echo "check.sh: $what: $*"
	for v in "$@"; do
		[ -n "${v#*=}" ] || { echo "check.sh: FAIL: no result for ${v%%=*} (see $log)"; exit 1; }
	done
	if awk "BEGIN { $(printf '%s; ' "$@") exit !($cond) }"; then
		echo "check.sh: PASS"
	else
		echo "check.sh: FAIL"
		exit 1
	fi
}
case $rel in
g_switch_vs_bare_switch)
	check "sw >= raw && sw <= 50 * raw" "goroutine switch between 1 and 50 bare switches" \
		"sw=$(val spindle-g switch_ns)" "raw=$(val spindle-g switch_raw_ns)" ;;
g_bytes_near_computed_size)
	check "b >= 0.9 * u && b <= 1.1 * u" "bytes per parked goroutine within 10% of gunit_size" \
		"b=$(val spindle-g bytes_per_task)" "u=$(info spindle-g gunit_size)" ;;
thread_switch_above_g_switch)
	check "t > g" "a kernel-thread switch costs more than a goroutine switch" \
		"t=$(val spindle-thread switch_ns)" "g=$(val spindle-g switch_ns)" ;;
thread_bytes_at_least_1mib)
	check "b >= 1048576" "a blocked kernel thread takes at least its 1 MiB stack" \
		"b=$(val spindle-thread bytes_per_task)" ;;
process_switch_loads_cr3)
	check "two >= 0.9 && two <= 1.1 && one == 0 && ps > ts" \
		"CR3 loads per switch with two processes about 1, with one 0; the first switch costs more" \
		"two=$(info spindle-thread process_switch_cr3_loads_per_switch)" \
		"one=$(info spindle-thread switch_cr3_loads_per_switch)" \
		"ps=$(val spindle-thread process_switch_ns)" "ts=$(val spindle-thread switch_ns)" ;;
*) echo "check.sh: no relation $rel"; exit 2 ;;
esac
