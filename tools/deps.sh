#!/bin/sh
# deps.sh - make sure the Debian packages Spindle builds, runs and tests with
# are installed. As root it installs what is missing (apt-get update first,
# once); otherwise it prints the one command to run and fails.
# Usage: tools/deps.sh [--bench] [extra-package ...]
#   --bench  also the packages only `make bench` needs (BENCH_PKGS)
#
# Every package a rule of the build or a test uses is listed here, with what
# it is for, because a new Debian 12 root (debootstrap minbase) has none of
# them and --no-install-recommends brings nothing extra.
set -eu
# gcc, make, binutils: the kernel, the loader, host tools and tests
# libc6-dev: crt1.o/crti.o and headers for host programs (newlib's configure)
# tar, xz-utils: unpacking newlib-source's .tar.xz; gzip: the console font
# qemu-system-x86, ovmf: booting (PVH and UEFI); gnu-efi: the UEFI loader
# newlib-source: the kernel's C library; mtools, fdisk: the disk image
# console-setup-linux: the console font (Debian 12's kbd ships none)
# cpio: the initramfs of make bench's guest peers (and its tool test)
# python3: tools/trace.py, tools/lab.py, tools/grade.py (make trace, the
# labs, their tests); librsvg2-bin: rsvg-convert, the timeline's PNG
# gdb: make debug and its Python commands (tools/gdb/spindle.py, tested)
PKGS="gcc make binutils libc6-dev tar xz-utils gzip qemu-system-x86 ovmf gnu-efi
	newlib-source mtools fdisk console-setup-linux cpio python3 librsvg2-bin gdb"
BENCH_PKGS="golang-go gnuplot-nox"
if [ "${1:-}" = "--bench" ]; then
	shift
	PKGS="$PKGS $BENCH_PKGS"
fi
PKGS="$PKGS $*"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root:  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || { echo "deps: 'apt-get update' failed (see above): check the network and /etc/apt/sources.list*" >&2; exit 1; }
# shellcheck disable=SC2086
if ! apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
	echo "deps: 'apt-get install$missing' failed (see above)" >&2
	exit 1
fi
