# tools/qemu.sh - the one place that decides how QEMU runs Spindle.
# Sourced (bash) by tools/run-qemu.sh (make run, run-pvh, debug), tests/lib.sh
# (make test), tools/bench.sh (make bench) and tools/screenshot.sh. Nothing
# else names the QEMU binary, the firmware, the exit device or -accel/-cpu.
#
# What it decides, and how to override it:
#   QEMU            the binary (QEMU=path; tools/qemu10.sh makes a QEMU 10
#                   wrapper under build/qemu10/)
#   OVMF_CODE, OVMF_VARS   the UEFI firmware (Debian's ovmf)
#   QEMU_EXIT_ARGS  the isa-debug-exit device: the kernel's exit status comes
#                   back as KEXIT_PASS (33) or KEXIT_FAIL (35)
#   the accelerator (qemu_accel_choose): KVM only when a short probe boot of
#                   this very kernel under KVM reached "all Ms online"; TCG
#                   otherwise, with one line saying why. SPINDLE_ACCEL=kvm|tcg
#                   forces it, SPINDLE_CPU=model forces the -cpu model.
#   x2APIC (qemu_x2apic_choose): the -cpu value that gives the guest x2APIC
#                   with the chosen accelerator, found by a probe boot.
#
# Probe results are cached under $BUILD/accel/, keyed by the kernel's
# checksum, the QEMU binary and version and the KVM device, so a `make test`
# pays for each probe once per kernel build.
#
# Test hooks: KVM_DEV (default /dev/kvm) names the KVM device to look at;
# tests/tools point it and QEMU at stand-ins that fail like a broken KVM.

BUILD=${BUILD:-build}
QEMU=${QEMU:-qemu-system-x86_64}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
KVM_DEV=${KVM_DEV:-/dev/kvm}
QEMU_EXIT_ARGS=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
KEXIT_PASS=33   # kernel_exit(0): (0x10 << 1) | 1
KEXIT_FAIL=35   # kernel_exit(!0): (0x11 << 1) | 1
PROBE_SECS=${PROBE_SECS:-12}
# -cpu models tried under KVM, in order: the host's own, the host's without
# IA32_ARCH_CAPABILITIES (some KVMs refuse to set that MSR), a named model.
KVM_CPU_CANDIDATES=${KVM_CPU_CANDIDATES:-"host host,-arch-capabilities Nehalem"}

# Set by qemu_accel_choose:
QEMU_ACCEL=        # kvm or tcg
QEMU_CPU=          # the -cpu model for that accelerator
QEMU_ACCEL_WHY=    # one line: why this accelerator
QEMU_ACCEL_ARGS=() # -accel X -cpu Y

qemu_version() { "$QEMU" --version 2>/dev/null | head -n 1; }

# The cache key of a probe: what it ran and on what.
qemu_probe_key() { # what file
	{
		echo "$1"
		sha1sum "$2" 2>/dev/null
		command -v "$QEMU"; qemu_version
		ls -lL "$KVM_DEV" 2>/dev/null
		echo "$KVM_CPU_CANDIDATES"
	} | sha1sum | cut -c1-16
}

# qemu_probe_boot LOG SECS PATTERN qemu-args...: start QEMU with its output in
# LOG and watch LOG until PATTERN shows (0), QEMU exits or reports a KVM
# internal error (1), or SECS pass (2). QEMU is stopped in every case.
qemu_probe_boot() {
	local log=$1 secs=$2 pattern=$3 pid r=2 end
	shift 3
	rm -f "$log"
	"$QEMU" "$@" -display none -nographic -no-reboot -serial stdio -monitor none \
		"${QEMU_EXIT_ARGS[@]}" </dev/null >"$log" 2>&1 &
	pid=$!
	end=$((SECONDS + secs))
	{ # (stderr: bash's own "Aborted" notice when a failing QEMU is reaped)
	while [ $SECONDS -lt $end ]; do
		# polling the log, not waiting for an event: QEMU has no way to say
		# "this line was printed" other than printing it
		if grep -aq -- "$pattern" "$log"; then r=0; break; fi
		if ! kill -0 "$pid" || grep -aq "KVM internal error" "$log"; then r=1; break; fi
		sleep 0.2
	done
	kill "$pid"; wait "$pid"
	} 2>/dev/null
	grep -aq -- "$pattern" "$log" 2>/dev/null && r=0
	return $r
}

# Why a probe boot failed, in a few words, from its log.
qemu_probe_failure() { # log status
	local log=$1
	if grep -aq "KVM internal error" "$log"; then
		echo "emulation failure: $(grep -a -m1 -o 'KVM internal error.*' "$log" | tr -d '\r' | cut -c1-60)"
	elif [ "$2" = 2 ]; then
		echo "no 'Ms online' line within ${PROBE_SECS} s"
	else
		local err
		err=$(grep -a -m1 -iE 'error|fail|abort|requires|could not|cannot' "$log" | tr -d '\r' |
			sed 's/^qemu-system-x86_64: //' | cut -c1-80)
		echo "QEMU stopped: ${err:-no message}"
	fi
}

# qemu_kvm_probe KERNEL: try each -cpu candidate under KVM; print
# "kvm CPU" on success, "tcg WHY" otherwise.
qemu_kvm_probe() {
	local kernel=$1 cpu st whys="" log=$BUILD/accel/probe-kvm.log
	for cpu in $KVM_CPU_CANDIDATES; do
		qemu_probe_boot "$log" "$PROBE_SECS" "smp: 2 of 2 Ms online" -accel kvm -cpu "$cpu" -smp 2 \
			-m 128M -kernel "$kernel" -append "showcase=no" -net none
		st=$?
		if [ $st = 0 ]; then echo "kvm $cpu"; return; fi
		whys="$whys${whys:+; }-cpu $cpu: $(qemu_probe_failure "$log" $st)"
	done
	echo "tcg $KVM_DEV is present but KVM could not run the kernel ($whys)"
}

# qemu_cached KEY COMMAND...: the output of COMMAND, computed once per KEY.
qemu_cached() {
	local key=$1 f
	shift
	mkdir -p "$BUILD/accel"
	f=$BUILD/accel/$key
	(
		flock 9
		if [ ! -s "$f" ]; then "$@" >"$f.tmp" && mv -f "$f.tmp" "$f"; fi
	) 9>"$BUILD/accel/.lock"
	cat "$f"
}

# qemu_uefi_kvm_probe IMAGE CPU: "kvm CPU" when OVMF under KVM boots IMAGE
# to "Ms online", else "tcg WHY".
qemu_uefi_kvm_probe() {
	local img=$1 cpu=$2 log=$BUILD/accel/probe-uefi.log st
	qemu_uefi_args "$BUILD/accel/probe-uefi.vars.fd" "$img" disk
	qemu_probe_boot "$log" $((PROBE_SECS * 2)) "Ms online" -accel kvm -cpu "$cpu" -smp 2 -m 256M \
		"${QEMU_UEFI_ARGS[@]}" -net none
	st=$?
	if [ $st = 0 ]; then echo "kvm $cpu"; return; fi
	echo "tcg KVM runs the kernel through PVH but OVMF under KVM did not boot the image ($(qemu_probe_failure "$log" $st))"
}

# qemu_accel_choose KERNEL [IMAGE]: set QEMU_ACCEL, QEMU_CPU, QEMU_ACCEL_WHY
# and QEMU_ACCEL_ARGS for PVH boots of KERNEL, or, with IMAGE, for UEFI
# boots of that disk image (KVM then needs a second probe, through OVMF).
# Quiet; qemu_accel_say prints the one line.
qemu_accel_choose() {
	local kernel=$1 img=${2:-} res
	case ${SPINDLE_ACCEL:-} in
	tcg) res="tcg SPINDLE_ACCEL=tcg" ;;
	kvm) res="kvm ${SPINDLE_CPU:-host}" ;;
	"")
		if [ ! -e "$KVM_DEV" ]; then
			res="tcg no $KVM_DEV on this machine"
		elif [ ! -r "$KVM_DEV" ] || [ ! -w "$KVM_DEV" ]; then
			res="tcg $KVM_DEV is not readable and writable by $(id -un) (join group kvm)"
		else
			res=$(qemu_cached "kvm-$(qemu_probe_key kvm "$kernel")" qemu_kvm_probe "$kernel")
			if [ -n "$img" ] && [ "${res%% *}" = kvm ]; then
				res=$(qemu_cached "uefi-$(qemu_probe_key "uefi $res" "$kernel")" \
					qemu_uefi_kvm_probe "$img" "${res#kvm }")
			fi
		fi ;;
	*)
		echo "accel: SPINDLE_ACCEL='$SPINDLE_ACCEL' is not kvm or tcg; deciding as if unset" >&2
		SPINDLE_ACCEL= qemu_accel_choose "$kernel" "$img"
		return ;;
	esac
	QEMU_ACCEL=${res%% *}
	if [ "$QEMU_ACCEL" = kvm ]; then
		QEMU_CPU=${SPINDLE_CPU:-${res#kvm }}
		if [ -n "${SPINDLE_ACCEL:-}" ]; then QEMU_ACCEL_WHY="KVM, forced by SPINDLE_ACCEL=kvm (-cpu $QEMU_CPU)"
		else QEMU_ACCEL_WHY="KVM (-cpu $QEMU_CPU): a probe boot of this kernel under KVM brought all Ms online"; fi
		[ -n "$img" ] && [ -z "${SPINDLE_ACCEL:-}" ] && QEMU_ACCEL_WHY="$QEMU_ACCEL_WHY, through OVMF too"
	else
		QEMU_CPU=${SPINDLE_CPU:-max}
		QEMU_ACCEL_WHY="${res#tcg }; using TCG"
	fi
	QEMU_ACCEL_ARGS=(-accel "$QEMU_ACCEL" -cpu "$QEMU_CPU")
}

qemu_accel_say() { echo "accel: $QEMU_ACCEL_WHY"; }

# qemu_x2apic_probe KERNEL: "yes CPU" when the guest runs in x2APIC mode
# with -cpu CPU under the chosen accelerator, else "no WHY".
qemu_x2apic_probe() {
	local kernel=$1 cpu="$QEMU_CPU,+x2apic" log=$BUILD/accel/probe-x2apic.log st
	qemu_probe_boot "$log" 60 "smp: 2 of 2 Ms online" -accel "$QEMU_ACCEL" -cpu "$cpu" -smp 2 \
		-m 128M -kernel "$kernel" -append "showcase=no" -net none
	st=$?
	if [ $st = 0 ] && grep -aq "lapic: x2APIC mode" "$log"; then
		echo "yes $cpu"
	elif [ $st = 0 ]; then
		echo "no $(qemu_version | sed 's/ (.*//; s/QEMU emulator version/QEMU/') under $QEMU_ACCEL does not give the guest x2APIC (-cpu $cpu boots in xAPIC mode)"
	else
		echo "no the x2APIC probe boot failed ($(qemu_probe_failure "$log" $st))"
	fi
}

# qemu_x2apic_choose KERNEL: set QEMU_X2APIC_CPU (empty when there is no
# x2APIC) and QEMU_X2APIC_WHY.
qemu_x2apic_choose() {
	local kernel=$1 res
	qemu_accel_choose "$kernel"
	res=$(qemu_cached "x2apic-$QEMU_ACCEL-$(qemu_probe_key "x2apic $QEMU_CPU" "$kernel")" \
		qemu_x2apic_probe "$kernel")
	QEMU_X2APIC_CPU=
	QEMU_X2APIC_WHY=${res#* }
	[ "${res%% *}" = yes ] && QEMU_X2APIC_CPU=${res#yes }
	[ -n "$QEMU_X2APIC_CPU" ]
}

# qemu_cmdline_check WHO CMDLINE: a PVH command line QEMU can pass, or one
# line saying why not. QEMU's PVH option ROM copies the line into a 4 KiB
# buffer: longer lines overflow it (the kernel then finds no valid
# start_info, or QEMU hangs before the kernel runs). The kernel takes
# QEMU_PVH_CMDLINE_MAX bytes whole (kernel/boot_info.h BOOT_CMDLINE_MAX - 1).
QEMU_PVH_CMDLINE_MAX=4095
qemu_cmdline_check() {
	[ ${#2} -le $QEMU_PVH_CMDLINE_MAX ] && return 0
	echo "$1: the kernel command line is ${#2} bytes; a PVH boot takes at most $QEMU_PVH_CMDLINE_MAX (QEMU's PVH option ROM overflows beyond that): shorten it, or put it in the UEFI image's spindle/cmdline.txt" >&2
	return 1
}

# qemu_ovmf_check: the firmware is there, or one line saying what to install.
qemu_ovmf_check() {
	[ -f "$OVMF_CODE" ] && [ -f "$OVMF_VARS" ] && return 0
	echo "qemu: $OVMF_CODE or $OVMF_VARS missing: install Debian's ovmf (tools/deps.sh)" >&2
	return 1
}

# qemu_uefi_args VARS IMAGE disk|usb: the firmware and disk arguments of a
# UEFI boot (VARS is a private copy of OVMF_VARS, made here).
qemu_uefi_args() {
	local vars=$1 img=$2 how=${3:-disk}
	cp "$OVMF_VARS" "$vars"
	QEMU_UEFI_ARGS=(-drive if=pflash,format=raw,readonly=on,file="$OVMF_CODE"
		-drive if=pflash,format=raw,file="$vars")
	if [ "$how" = usb ]; then
		QEMU_UEFI_ARGS+=(-device qemu-xhci -drive if=none,id=stick,format=raw,file="$img"
			-device usb-storage,drive=stick)
	else
		QEMU_UEFI_ARGS+=(-drive format=raw,file="$img")
	fi
}
