#!/bin/bash
# screenshot.sh [OUT.png] - what a real PC's screen shows at the end of
# `make run`: boots the UEFI image like a PC (q35 without HPET, VGA, no
# serial port, no exit device: -nodefaults), waits for the showcase to end,
# takes a QEMU `screendump` of the framebuffer (PNG for people, PPM for the
# check) and checks that the screen holds the showcase table, from its top
# ("What each task is made of") to its last row ("summary:"):
#   - the kernel, booted with fbdump=yes, writes its framebuffer console's
#     text buffer to QEMU's debug console (port 0xe9) at exit;
#   - that text must hold the top and the last row of the table;
#   - build/tools/screencheck draws that text with the kernel's own font and
#     drawing code and compares it with the screendump, pixel for pixel.
# Exit 0 only when all of it holds. Files: build/screenshot/ and OUT
# (default build/screenshot.png). Environment: SMP (4), MEM (1G),
# SCREENSHOT_TIMEOUT (600 s), SCREENSHOT_CMDLINE (extra kernel words).
set -u
cd "$(dirname "$0")/.." || exit 1
. tools/qemu.sh
out=${1:-$BUILD/screenshot.png}
dir=$BUILD/screenshot
tmo=${SCREENSHOT_TIMEOUT:-600}
say() { echo "screenshot: $*"; }

rm -rf "$dir"; mkdir -p "$dir"
qemu_ovmf_check || exit 1
img=$dir/spindle.img
cp "$BUILD/spindle.img" "$img"
printf '%s\n' "fbdump=yes poweroff=no ${SCREENSHOT_CMDLINE:-}" >"$dir/cmdline.txt"
mcopy -o -i "$img@@1M" "$dir/cmdline.txt" ::/spindle/cmdline.txt || { say "mcopy failed"; exit 1; }
qemu_accel_choose "$BUILD/kernel.elf" "$img"
qemu_accel_say
qemu_uefi_args "$dir/vars.fd" "$img" disk
mkfifo "$dir/mon.in" "$dir/mon.out"
cat "$dir/mon.out" >"$dir/monitor.log" &   # QEMU blocks on a monitor nobody reads
say "booting $img like a PC (q35, hpet=off, -vga std, no serial), -smp ${SMP:-4}"
"$QEMU" "${QEMU_ACCEL_ARGS[@]}" -smp "${SMP:-4}" -m "${MEM:-1G}" -machine q35,hpet=off \
	-nodefaults -vga std -display none -no-shutdown -monitor pipe:"$dir/mon" \
	-debugcon file:"$dir/fbdump.txt" "${QEMU_UEFI_ARGS[@]}" >"$dir/qemu.log" 2>&1 &
qpid=$!
exec 7>"$dir/mon.in"
end=$((SECONDS + tmo))
while [ $SECONDS -lt $end ] && kill -0 $qpid 2>/dev/null; do
	grep -aq '^FBDUMP END' "$dir/fbdump.txt" 2>/dev/null && break
	sleep 1 # polling the dump file: the kernel has no other way to say it is done
done
if ! grep -aq '^FBDUMP END' "$dir/fbdump.txt" 2>/dev/null; then
	kill $qpid 2>/dev/null; wait $qpid 2>/dev/null
	say "FAILED: no framebuffer dump within $tmo s (QEMU log: $dir/qemu.log; debug console: $dir/fbdump.txt)"
	exit 1
fi
echo "screendump $dir/screen.ppm" >&7
echo "screendump $dir/screen.png -f png" >&7
echo "quit" >&7
exec 7>&-
wait $qpid 2>/dev/null
wait
ok=1
for f in screen.ppm screen.png; do
	[ -s "$dir/$f" ] || { say "FAILED: QEMU wrote no $dir/$f (monitor: $dir/monitor.log)"; ok=0; }
done
[ $ok = 1 ] || exit 1
cp "$dir/screen.png" "$out"
for want in " What each task is made of" " Spindle showcase: goroutines" "summary: goroutines use"; do
	if ! grep -aq "^$want" "$dir/fbdump.txt"; then
		say "FAILED: the screen does not show '$want' (its text: $dir/fbdump.txt)"
		ok=0
	fi
done
if ! "$BUILD/tools/screencheck" "$dir/screen.ppm" "$dir/fbdump.txt" >"$dir/screencheck.log" 2>&1; then
	say "FAILED: the picture is not the text the kernel shows: $(cat "$dir/screencheck.log")"
	ok=0
fi
[ $ok = 1 ] || exit 1
say "$(cat "$dir/screencheck.log"); the whole showcase table is on the screen: $out"
