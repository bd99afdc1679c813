#!/bin/bash
# run-qemu.sh - boot Spindle in QEMU for a person at a terminal.
#   run-qemu.sh uefi IMAGE SMP MEM [qemu args...]   OVMF, TCG (OVMF under KVM
#                                                  fails on nested hosts)
#   run-qemu.sh pvh KERNEL SMP MEM CMDLINE [qemu args...]  KVM when usable
#   run-qemu.sh debug KERNEL SMP MEM CMDLINE        PVH, stopped for gdb
# The serial console is this terminal (Ctrl-A X quits QEMU). The kernel's
# exit status comes back through isa-debug-exit: 33 means success, 35 a
# failure; this script turns those into 0 and 1.
set -u
mode=$1; shift
TIMEOUT=${RUN_TIMEOUT:-900}
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
common=(-nographic -no-reboot -serial mon:stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04)

accel() {
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then echo "-accel kvm -accel tcg"
	else echo "-accel tcg"; fi
}

case $mode in
uefi)
	img=$1 smp=$2 mem=$3; shift 3
	[ -f "$OVMF_CODE" ] || { echo "run: $OVMF_CODE missing: apt-get install ovmf" >&2; exit 1; }
	mkdir -p build
	cp "$OVMF_VARS" build/run-vars.fd
	echo "run: UEFI boot of $img with OVMF under TCG, -smp $smp -m $mem (Ctrl-A X quits)"
	timeout --foreground "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp "$smp" -m "$mem" \
		"${common[@]}" -net none \
		-drive if=pflash,format=raw,readonly=on,file="$OVMF_CODE" \
		-drive if=pflash,format=raw,file=build/run-vars.fd \
		-drive format=raw,file="$img" "$@"
	;;
pvh|debug)
	kernel=$1 smp=$2 mem=$3 cmdline=$4; shift 4
	extra=()
	if [ "$mode" = debug ]; then
		extra=(-s -S)
		TIMEOUT=0
		echo "run: QEMU is stopped, waiting for gdb on :1234. In another terminal: gdb -x build/gdbinit"
	fi
	# shellcheck disable=SC2046
	echo "run: PVH boot of $kernel ($(accel | sed 's/-accel //g; s/ / then /')), -smp $smp -m $mem, cmdline \"$cmdline\""
	# shellcheck disable=SC2046
	timeout --foreground "$TIMEOUT" qemu-system-x86_64 $(accel) -cpu max -smp "$smp" -m "$mem" \
		"${common[@]}" -kernel "$kernel" -append "$cmdline" "${extra[@]}" "$@"
	;;
*)
	echo "usage: run-qemu.sh uefi|pvh|debug ..." >&2; exit 2 ;;
esac
rc=$?
case $rc in
33|0) exit 0 ;;
35) echo "run: the kernel reported a failure (exit status 35)" >&2; exit 1 ;;
124) echo "run: QEMU still running after ${TIMEOUT}s; stopped it (RUN_TIMEOUT=seconds to change)" >&2; exit 1 ;;
*) echo "run: QEMU exited with status $rc" >&2; exit "$rc" ;;
esac
