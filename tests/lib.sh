# tests/lib.sh - helpers for the test scripts: running QEMU with a timeout
# (how QEMU runs is decided by tools/qemu.sh),
# keeping every serial log under build/tests/, and recording results.
# Sourced by tests/run_all.sh; every function is safe to call from any test.

BUILD=${BUILD:-build}
LOGDIR=$BUILD/tests
. tools/qemu.sh
PVH_TIMEOUT=${PVH_TIMEOUT:-120}   # seconds without output (run_pvh)
UEFI_TIMEOUT=${UEFI_TIMEOUT:-180}
mkdir -p "$LOGDIR"

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=""
SKIPPED_NAMES=""

# A test that cannot run on this machine: counted apart, never as passed.
skip() { SKIPPED=$((SKIPPED + 1)); SKIPPED_NAMES="$SKIPPED_NAMES $1"; echo "SKIP: $1 -- $2"; }
pass() { PASSED=$((PASSED + 1)); echo "PASS: $1"; }
fail() {
	FAILED=$((FAILED + 1)); FAILED_NAMES="$FAILED_NAMES $1"
	echo "FAIL: $1${2:+ -- $2}"
}

# The accelerators of this run, decided once by tools/qemu.sh (a probe boot
# under KVM where /dev/kvm exists): PVH_ACCEL for -kernel boots, UEFI_ACCEL
# for OVMF boots. Each says its one line when the run starts.
accel_init() {
	qemu_accel_choose "$BUILD/kernel.elf"
	PVH_ACCEL=("${QEMU_ACCEL_ARGS[@]}") PVH_ACCEL_NAME=$QEMU_ACCEL
	qemu_accel_say
	if [ -f "$BUILD/spindle.img" ]; then
		qemu_accel_choose "$BUILD/kernel.elf" "$BUILD/spindle.img"
		UEFI_ACCEL=("${QEMU_ACCEL_ARGS[@]}")
		[ "$QEMU_ACCEL" = "$PVH_ACCEL_NAME" ] || echo "accel (UEFI boots): $QEMU_ACCEL_WHY"
	fi
}

# run_pvh LOG STALL SMP CMDLINE [extra qemu args...]
# Boots build/kernel.elf (or KERNEL_ELF) through PVH; the serial log goes to LOG. Returns
# QEMU's exit status (KEXIT_PASS, KEXIT_FAIL, or 124 when it was stopped).
# STALL is a progress timeout, not a deadline: the boot is stopped when its
# log has not grown for STALL seconds, or after 10 * STALL in all, so a
# suite that runs slowly on a loaded host still finishes while a hung one
# is stopped as soon as it falls silent (watch_progress). Extra arguments
# come last, so a test's own -cpu or -machine wins.
run_pvh() {
	local log=$1 tmo=$2 smp=$3 cmdline=$4
	shift 4
	qemu_cmdline_check run_pvh "$cmdline" 2>"$log" || return 2
	"$QEMU" "${PVH_ACCEL[@]}" -smp "$smp" -m "${PVH_MEM:-512M}" \
		-nographic -no-reboot -serial mon:stdio -display none "${QEMU_EXIT_ARGS[@]}" \
		-kernel "${KERNEL_ELF:-$BUILD/kernel.elf}" -append "$cmdline" "$@" </dev/null >"$log" 2>&1 &
	watch_progress $! "$log" "$tmo"
}

# watch_progress PID LOG STALL: wait for PID, stopping it (status 124, and a
# last line in LOG saying why) when LOG stays the same size for STALL
# seconds or PID runs longer than 10 * STALL seconds. Looks once a second.
watch_progress() {
	local pid=$1 log=$2 stall=$3 size=-1 now quiet=0 t=0 why=
	while kill -0 "$pid" 2>/dev/null; do
		now=$(stat -c %s "$log" 2>/dev/null || echo 0)
		if [ "$now" = "$size" ]; then quiet=$((quiet + 1)); else size=$now quiet=0; fi
		if [ "$quiet" -ge "$stall" ]; then
			why="no output for $stall s"
		elif [ "$t" -ge $((stall * 10)) ]; then
			why="still running after $((stall * 10)) s"
		fi
		if [ -n "$why" ]; then
			kill -TERM "$pid" 2>/dev/null
			sleep 2
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			printf '\ntests/lib.sh: QEMU stopped: %s\n' "$why" >>"$log"
			return 124
		fi
		sleep 1
		t=$((t + 1))
	done
	wait "$pid"
}

# run_uefi LOG TIMEOUT SMP IMAGE disk|usb [extra qemu args...]
# Boots IMAGE with OVMF. A UEFI boot that never reaches the kernel (a loader
# error) does not exit by itself: tests/boot.sh's run_uefi_until watches for
# its line with a timeout instead.
run_uefi() {
	local log=$1 tmo=$2 smp=$3 img=$4 how=$5 pidfile
	shift 5
	pidfile=$LOGDIR/$(basename "$log" .log).pid
	qemu_uefi_args "$LOGDIR/$(basename "$log" .log).vars.fd" "$img" "$how"
	timeout --foreground -k 5 "$tmo" "$QEMU" "${UEFI_ACCEL[@]}" -smp "$smp" -m 512M \
		-nographic -no-reboot -serial mon:stdio -display none -net none \
		"${QEMU_UEFI_ARGS[@]}" "${QEMU_EXIT_ARGS[@]}" -pidfile "$pidfile" "$@" \
		</dev/null >"$log" 2>&1
}

# lines_of PATTERN FILE: the lines of FILE matching PATTERN, without CRs, for
# a `while read` loop fed by a here-string (no /dev/fd needed, unlike <(...)).
lines_of() { tr -d '\r' <"$2" | grep -a -E "$1"; }

# every_cpu_online LOG N: the log shows M0..M(N-1) online and the summary.
every_cpu_online() {
	local log=$1 n=$2 i=0
	while [ "$i" -lt "$n" ]; do
		grep -aq "^M$i online: apic" "$log" || { echo "M$i never came online"; return 1; }
		i=$((i + 1))
	done
	grep -aq "^smp: $n of $n Ms online" "$log" || { echo "no 'smp: $n of $n Ms online' line"; return 1; }
	return 0
}

# Print the tail of a log after a failure, for CI readers.
show_tail() { echo "---- last lines of $1 ----"; tail -n "${2:-15}" "$1" | tr -d '\r'; echo "----"; }
