#!/bin/bash
# run-qemu.sh - boot Spindle in QEMU for a person at a terminal.
#   run-qemu.sh uefi KERNEL IMAGE SMP MEM [qemu args...]   make run: OVMF
#   run-qemu.sh pvh KERNEL SMP MEM CMDLINE [qemu args...]  make run-pvh
#   run-qemu.sh debug KERNEL SMP MEM CMDLINE [qemu args...] PVH, stopped for gdb
#                  on a per-user port (GDB_PORT=n to choose; see debug_port)
# The accelerator, -cpu model, firmware and exit device come from
# tools/qemu.sh (KVM only where a probe boot proved it works; one line says
# which and why). The serial console is this terminal (Ctrl-A X quits QEMU).
# The kernel's exit status comes back through isa-debug-exit: KEXIT_PASS
# means success, KEXIT_FAIL a failure; this script turns those into 0 and 1.
set -u
cd "$(dirname "$0")/.." || exit 1
. tools/qemu.sh
mode=$1; shift
TIMEOUT=${RUN_TIMEOUT:-900}
common=(-nographic -no-reboot -serial mon:stdio "${QEMU_EXIT_ARGS[@]}")

# debug: the gdb stub's port. GDB_PORT=n, else one per user, so that
# several people on one machine each get their own:
#     1234 + (uid % 9000) * 7      (root: 1234, uid 1000: 8234, uid 1001: 8241, ...)
# (Each user owns 7 ports: the first for make debug, the rest for the gdb
# tests, tests/gdb_tests.sh.) It is written to $BUILD/gdb-port (or
# GDB_PORT_FILE), where build/gdbinit reads it (tools/gdb/spindle.py,
# spindle_connect), and said with the gdb command to run.
debug_port() {
	local uid file=${GDB_PORT_FILE:-$BUILD/gdb-port}
	uid=$(id -u)
	port=${GDB_PORT:-$((1234 + (uid % 9000) * 7))}
	case $port in
	''|*[!0-9]*) echo "run: GDB_PORT=$port is not a port number" >&2; return 1 ;;
	esac
	if [ "$port" -lt 1024 ] || [ "$port" -gt 65535 ]; then
		echo "run: gdb port $port is out of range (1024..65535; GDB_PORT=n)" >&2; return 1
	fi
	if timeout 2 bash -c ": </dev/tcp/127.0.0.1/$port" 2>/dev/null; then
		echo "run: port $port is already in use (another make debug? GDB_PORT=n picks another)" >&2
		return 1
	fi
	mkdir -p "$(dirname "$file")" && echo "$port" >"$file" || return 1
	local how="per-user port 1234 + (uid $uid % 9000) * 7"
	[ -n "${GDB_PORT:-}" ] && how="GDB_PORT"
	echo "run: QEMU is stopped, waiting for gdb on 127.0.0.1:$port ($how; written to $file)"
	echo "run: in another terminal:  ${GDB_PORT_FILE:+GDB_PORT_FILE=$file }gdb -x $(realpath -m "$BUILD/gdbinit")"
}

case $mode in
uefi)
	kernel=$1 img=$2 smp=$3 mem=$4; shift 4
	qemu_ovmf_check || exit 1
	qemu_accel_choose "$kernel" "$img"
	qemu_accel_say
	qemu_uefi_args "$BUILD/run-vars.fd" "$img" disk
	echo "run: UEFI boot of $img with OVMF, -smp $smp -m $mem (Ctrl-A X quits)"
	timeout --foreground "$TIMEOUT" "$QEMU" "${QEMU_ACCEL_ARGS[@]}" -smp "$smp" -m "$mem" \
		"${common[@]}" -net none "${QEMU_UEFI_ARGS[@]}" "$@"
	;;
pvh|debug)
	kernel=$1 smp=$2 mem=$3 cmdline=$4; shift 4
	qemu_cmdline_check run "$cmdline" || exit 2
	extra=()
	qemu_accel_choose "$kernel"
	qemu_accel_say
	if [ "$mode" = debug ]; then
		debug_port || exit 2
		extra=(-gdb "tcp:127.0.0.1:$port" -S)
		TIMEOUT=0
	fi
	echo "run: PVH boot of $kernel, -smp $smp -m $mem, cmdline \"$cmdline\""
	timeout --foreground "$TIMEOUT" "$QEMU" "${QEMU_ACCEL_ARGS[@]}" -smp "$smp" -m "$mem" \
		"${common[@]}" -kernel "$kernel" -append "$cmdline" "${extra[@]}" "$@"
	;;
*)
	echo "usage: run-qemu.sh uefi|pvh|debug ..." >&2; exit 2 ;;
esac
rc=$?
case $rc in
"$KEXIT_PASS"|0) exit 0 ;;
"$KEXIT_FAIL") echo "run: the kernel reported a failure (exit status $KEXIT_FAIL)" >&2; exit 1 ;;
124) echo "run: QEMU still running after ${TIMEOUT}s; stopped it (RUN_TIMEOUT=seconds to change)" >&2; exit 1 ;;
*) echo "run: QEMU exited with status $rc" >&2; exit "$rc" ;;
esac
