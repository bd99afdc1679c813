# tools/guest-peers.sh - the benchmark peers (bench/peers/go, bench/peers/pthread)
# inside a Linux guest on the same QEMU, accelerator, -cpu, -smp and -m as
# the Spindle boots, so that both sides of a ratio ran on one substrate.
# Sourced by tools/bench.sh, which sets say, OUT, BUILD, QEMU, ACCEL, SMP,
# MEM and has built the static Go peer ($OUT/gobench).
#
# The kernel is Debian's cloud kernel (linux-image-*-cloud-amd64), fetched
# with `apt-get download` and unpacked under $BUILD/guest/ (never installed);
# the initramfs (Debian's cpio) holds a static init (bench/peers/guest/init.c),
# the Go peer (CGO_ENABLED=0), the pthread peer (gcc -static) and
# /dev/console, /dev/null. The guest's records are renamed go -> go-guest
# and linux-pthread -> pthread-guest in $OUT/guest.log.

# Print the path of the guest kernel, fetching it once; 1 if it cannot.
guest_kernel() {
	local dir=$BUILD/guest/kernel pkg k
	k=$(ls "$dir"/boot/vmlinuz-* 2>/dev/null | head -n 1)
	[ -n "$k" ] && { echo "$k"; return 0; }
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	if [ -z "$pkg" ]; then
		say "guest peers: no linux-image-cloud-amd64 in the package lists (run apt-get update): SKIPPED" >&2
		return 1
	fi
	mkdir -p "$BUILD/guest/pkg"
	rm -f "$BUILD/guest/pkg"/*.deb
	if ! (cd "$BUILD/guest/pkg" && apt-get download "$pkg") >"$BUILD/guest/download.log" 2>&1 ||
		! dpkg -x "$BUILD/guest/pkg/$pkg"_*.deb "$dir" >>"$BUILD/guest/download.log" 2>&1; then
		say "guest peers: could not fetch $pkg (see $BUILD/guest/download.log): SKIPPED" >&2
		return 1
	fi
	ls "$dir"/boot/vmlinuz-* 2>/dev/null | head -n 1
}

# Build $BUILD/guest/initrd.gz from the peers; 1 if it cannot.
guest_initrd() {
	local root=$BUILD/guest/root log=$BUILD/guest/initrd.log
	rm -rf "$root" && mkdir -p "$root/dev" "$root/proc"
	: >"$log"
	if ! gcc -O2 -static -o "$root/init" "$HERE/bench/peers/guest/init.c" >>"$log" 2>&1 ||
		! gcc -O2 -Wall -static -pthread -o "$root/pthreadbench" "$HERE/bench/peers/pthread/bench.c" >>"$log" 2>&1; then
		say "guest peers: the static init or pthread peer did not build (see $log): SKIPPED"
		return 1
	fi
	cp "$OUT/gobench" "$root/gobench" || return 1
	if ! mknod "$root/dev/console" c 5 1 2>>"$log" || ! mknod "$root/dev/null" c 1 3 2>>"$log"; then
		say "guest peers: cannot make /dev/console and /dev/null (needs root; see $log): SKIPPED"
		return 1
	fi
	if ! command -v cpio >/dev/null 2>&1; then
		say "guest peers: no cpio (Debian package cpio; tools/deps.sh --bench installs it): SKIPPED"
		return 1
	fi
	(cd "$root" && find . | cpio -o -H newc | gzip -1) >"$BUILD/guest/initrd.gz" 2>>"$log"
}

# The peers' records, from stdin, as the guest's systems.
guest_rename() {
	sed -E 's/^(BENCH[A-Z]*) go /\1 go-guest /; s/^(BENCH[A-Z]*) linux-pthread /\1 pthread-guest /'
}

guest_peers_run() {
	local kernel t0 rc log=$OUT/guest-raw.log
	[ -x "$OUT/gobench" ] || { say "guest peers: no static Go peer ($OUT/gobench): SKIPPED"; return 0; }
	kernel=$(guest_kernel) || return 0
	guest_initrd || return 0
	t0=$(date +%s)
	timeout --foreground -k 5 900 "$QEMU" "${ACCEL[@]}" -smp "$SMP" -m "$MEM" \
		-nographic -no-reboot -serial mon:stdio -display none -net none \
		-kernel "$kernel" -initrd "$BUILD/guest/initrd.gz" \
		-append "console=ttyS0 quiet panic=-1" </dev/null >"$log" 2>&1
	rc=$?
	tr -d '\r' <"$log" | guest_rename >"$OUT/guest.log"
	if grep -q '^GUEST done' "$OUT/guest.log"; then
		say "guest peers done in $(( $(date +%s) - t0 )) s ($(basename "$kernel"), log: $OUT/guest.log)"
	else
		say "guest peers: the guest did not finish (QEMU status $rc): see $OUT/guest.log"
		tail -n 5 "$OUT/guest.log"
	fi
}
