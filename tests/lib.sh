# tests/lib.sh - helpers for the test scripts: running QEMU with a timeout,
# keeping every serial log under build/tests/, and recording results.
# Sourced by tests/run_all.sh; every function is safe to call from any test.

BUILD=${BUILD:-build}
LOGDIR=$BUILD/tests
QEMU=${QEMU:-qemu-system-x86_64}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
PVH_TIMEOUT=${PVH_TIMEOUT:-120}
UEFI_TIMEOUT=${UEFI_TIMEOUT:-180}
mkdir -p "$LOGDIR"

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=""

# A test that cannot run on this machine: counted apart, never as passed.
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP: $1 -- $2"; }
pass() { PASSED=$((PASSED + 1)); echo "PASS: $1"; }
fail() {
	FAILED=$((FAILED + 1)); FAILED_NAMES="$FAILED_NAMES $1"
	echo "FAIL: $1${2:+ -- $2}"
}

# Accelerator flags: KVM when /dev/kvm can be opened, with TCG as QEMU's
# own fallback if KVM then refuses; plain TCG otherwise.
kvm_usable() { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }
accel_flags() {
	if kvm_usable; then echo "-accel kvm -accel tcg"; else echo "-accel tcg"; fi
}

# run_pvh LOG TIMEOUT SMP CMDLINE [extra qemu args...]
# Boots build/kernel.elf through PVH; the serial log goes to LOG. Returns
# QEMU's exit status (33 = kernel success, 35 = kernel failure, 124 = timeout).
run_pvh() {
	log=$1 tmo=$2 smp=$3 cmdline=$4
	shift 4
	# shellcheck disable=SC2046
	timeout --foreground -k 5 "$tmo" $QEMU $(accel_flags) -cpu max -smp "$smp" -m "${PVH_MEM:-512M}" \
		-nographic -no-reboot -serial mon:stdio -display none \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$BUILD/kernel.elf" -append "$cmdline" "$@" </dev/null >"$log" 2>&1
}

# run_uefi LOG TIMEOUT SMP IMAGE disk|usb [extra qemu args...]
# Boots IMAGE with OVMF under TCG (OVMF under KVM fails on nested hosts).
# A UEFI boot that never reaches the kernel (a loader error) does not exit
# by itself: use wait_for_line with a timeout instead.
run_uefi() {
	log=$1 tmo=$2 smp=$3 img=$4 how=$5
	shift 5
	vars=$LOGDIR/$(basename "$log" .log).vars.fd
	pidfile=$LOGDIR/$(basename "$log" .log).pid
	cp "$OVMF_VARS" "$vars"
	if [ "$how" = usb ]; then
		drive="-device qemu-xhci -drive if=none,id=stick,format=raw,file=$img -device usb-storage,drive=stick"
	else
		drive="-drive format=raw,file=$img"
	fi
	# shellcheck disable=SC2086
	timeout --foreground -k 5 "$tmo" $QEMU -accel tcg -cpu max -smp "$smp" -m 512M \
		-nographic -no-reboot -serial mon:stdio -display none -net none \
		-drive if=pflash,format=raw,readonly=on,file="$OVMF_CODE" \
		-drive if=pflash,format=raw,file="$vars" $drive \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -pidfile "$pidfile" "$@" \
		</dev/null >"$log" 2>&1
}

# every_cpu_online LOG N: the log shows M0..M(N-1) online and the summary.
every_cpu_online() {
	log=$1 n=$2 i=0
	while [ "$i" -lt "$n" ]; do
		grep -aq "^M$i online: apic" "$log" || { echo "M$i never came online"; return 1; }
		i=$((i + 1))
	done
	grep -aq "^smp: $n of $n Ms online" "$log" || { echo "no 'smp: $n of $n Ms online' line"; return 1; }
	return 0
}

# Print the tail of a log after a failure, for CI readers.
show_tail() { echo "---- last lines of $1 ----"; tail -n "${2:-15}" "$1" | tr -d '\r'; echo "----"; }
