#!/bin/bash
# trace-run.sh - one boot with the event trace on, turned into pictures
# (docs/trace.md). `make trace` runs it:
#   make trace T=chan_storm [SMP=4] [CMDLINE="schedfuzz=7 hz=1000"]
# T: an in-kernel test (test=T); without T, CMDLINE alone says what runs.
# The trace comes out of COM2 into build/trace/trace.txt; tools/trace.py
# makes build/trace/trace.json (Perfetto, chrome://tracing),
# timeline.svg and timeline.png, and prints the text timeline.
# TRACE_KIB: ring per CPU in KiB (default 256). Exit status: the boot's.
set -u
cd "$(dirname "$0")/.." || exit 1
. tools/qemu.sh
t=${T:-} smp=${SMP:-4} extra=${CMDLINE:-} kib=${TRACE_KIB:-1}
tmo=${TRACE_TIMEOUT:-300}
if [ -z "$t" ] && [ -z "$extra" ]; then
	echo "usage: make trace T=test [SMP=cpus] [CMDLINE=...]   (or CMDLINE=... alone)" >&2
	exit 2
fi
command -v python3 >/dev/null 2>&1 || { echo "trace: python3 not found (Debian package python3; make deps installs it)" >&2; exit 2; }
words="console=serial trace=$kib${t:+ test=$t}${extra:+ $extra}"
qemu_cmdline_check trace "$words" || exit 2
dir=$BUILD/trace
mkdir -p "$dir"
rm -f "$dir"/trace.txt "$dir"/trace.json "$dir"/timeline.svg "$dir"/timeline.png
qemu_accel_choose "$BUILD/kernel.elf"
qemu_accel_say
echo "trace: booting '$words' at -smp $smp (serial log: $dir/boot.log)"
timeout --foreground -k 5 "$tmo" "$QEMU" "${QEMU_ACCEL_ARGS[@]}" -smp "$smp" -m 512M \
	-nographic -no-reboot -display none "${QEMU_EXIT_ARGS[@]}" \
	-serial mon:stdio -serial file:"$dir/trace.txt" \
	-kernel "$BUILD/kernel.elf" -append "$words" </dev/null >"$dir/boot.log" 2>&1
rc=$?
tr -d '\r' <"$dir/boot.log" | grep -a -E '^(KTEST (PASS|FAIL|SKIP)|trace:|PANIC|panic:|fatal error)' | sed 's/^/  /'
[ $rc = "$KEXIT_PASS" ] || echo "trace: the boot ended with QEMU status $rc ($KEXIT_PASS is a clean end): the trace shows how far it got"
if ! grep -q '^SPINDLE-TRACE' "$dir/trace.txt" 2>/dev/null; then
	echo "trace: no trace in $dir/trace.txt (see $dir/boot.log)"
	exit 1
fi
python3 tools/trace.py check "$dir/trace.txt" | tail -n 1
python3 tools/trace.py json "$dir/trace.txt" "$dir/trace.json" &&
	python3 tools/trace.py svg "$dir/trace.txt" "$dir/timeline.svg" --png "$dir/timeline.png" &&
	python3 tools/trace.py text "$dir/trace.txt"
echo "trace: $dir/trace.json (open it in https://ui.perfetto.dev or chrome://tracing), $dir/timeline.svg, $dir/timeline.png"
[ $rc = "$KEXIT_PASS" ]
