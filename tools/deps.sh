#!/bin/sh
# deps.sh - make sure the Debian packages Spindle builds and runs with are
# installed. As root it installs what is missing (apt-get update first, once);
# otherwise it prints the exact command to run and fails.
# Usage: tools/deps.sh [--bench] [extra-package ...]
#   --bench  also the packages only `make bench` needs (BENCH_PKGS)
set -eu
PKGS="gcc make binutils qemu-system-x86 ovmf gnu-efi newlib-source mtools fdisk kbd gzip"
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
	echo "deps: run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
