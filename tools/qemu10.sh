#!/bin/bash
# qemu10.sh [DIR] - unpack QEMU 10 from Debian's bookworm-backports under DIR
# (default build/qemu10) without installing anything, and write the wrapper
# DIR/qemu-system-x86_64 that runs it with its own firmware. Prints the
# wrapper's path on the last line. `make test-qemu10` and .ci/run use it:
#   QEMU=$(tools/qemu10.sh | tail -n 1) make test-boot
#
# apt runs with a private sources list, lists and cache under DIR/apt (the
# machine's own Debian mirror, suite bookworm-backports), so the system's apt
# state and installed packages do not change. The libraries QEMU 10 links
# against are those of Debian 12's QEMU 7.2 (tools/deps.sh installs it).
set -u
cd "$(dirname "$0")/.." || exit 1
dir=${1:-${BUILD:-build}/qemu10}
wrapper=$dir/qemu-system-x86_64
say() { echo "qemu10: $*" >&2; }

if [ -x "$wrapper" ] && "$wrapper" --version 2>/dev/null | grep -q 'version 10\.'; then
	echo "$wrapper"; exit 0
fi
mirror=$(grep -rhoE '(URIs:[[:space:]]*|^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)https?://[^[:space:]]+/debian/?' \
	/etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -oE 'https?://[^[:space:]]+' |
	grep -v security | head -n 1)
[ -n "$mirror" ] || { say "no Debian mirror in /etc/apt/sources.list*: cannot reach bookworm-backports"; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { say "$keyring missing (package debian-archive-keyring)"; exit 1; }

apt=$dir/apt
rm -rf "$dir/root" "$dir"/*.deb
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$dir/root"
echo "deb [signed-by=$keyring] $mirror bookworm-backports main" >"$apt/sources.list"
aptopts=(-o Dir::Etc::SourceList="$PWD/$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists="$PWD/$apt/lists" -o Dir::Cache="$PWD/$apt/cache"
	-o Debug::NoLocking=1 -o APT::Get::List-Cleanup=0)
say "fetching qemu-system-x86 from $mirror bookworm-backports"
apt-get "${aptopts[@]}" -qq update >"$dir/apt.log" 2>&1 ||
	{ say "apt-get update of bookworm-backports failed (see $dir/apt.log)"; exit 1; }
ver=$(apt-cache "${aptopts[@]}" madison qemu-system-x86 2>/dev/null | awk '$3 ~ /^1:10\./ { print $3; exit }')
[ -n "$ver" ] || { say "bookworm-backports has no qemu-system-x86 10.x"; exit 1; }
# The module packages too: QEMU also looks in the system's module directory,
# where QEMU 7.2's modules would fail to load with a warning on every boot.
pkgs=(qemu-system-x86 qemu-system-data qemu-system-common qemu-system-modules-opengl
	qemu-system-modules-spice)
(cd "$dir" && apt-get "${aptopts[@]}" -qq download "${pkgs[@]/%/=$ver}" seabios) >>"$dir/apt.log" 2>&1 ||
	{ say "apt-get download failed (see $dir/apt.log)"; exit 1; }
for deb in "$dir"/*.deb; do
	dpkg -x "$deb" "$dir/root" || { say "dpkg -x $deb failed"; exit 1; }
done
cat >"$wrapper" <<EOF
#!/bin/sh
# QEMU $ver from bookworm-backports, unpacked by tools/qemu10.sh (not installed).
# Its own modules, not those of the system's QEMU.
QEMU_MODULE_DIR="$PWD/$dir/root/usr/lib/x86_64-linux-gnu/qemu" exec "$PWD/$dir/root/usr/bin/qemu-system-x86_64" -L "$PWD/$dir/root/usr/share/qemu" \\
	-L "$PWD/$dir/root/usr/share/seabios" -L /usr/share/qemu "\$@"
EOF
chmod +x "$wrapper"
if ! out=$("$wrapper" --version 2>&1); then
	say "the unpacked QEMU does not run here: $(echo "$out" | head -n 1)"
	exit 1
fi
say "$(echo "$out" | head -n 1) in $dir"
echo "$wrapper"
