#!/bin/bash
# fresh-root.sh [CMD...] - run CMDs in a brand-new Debian 12 root, as a
# newcomer would on a new machine: debootstrap minbase with git and make and
# nothing else, this repository's committed HEAD cloned into /root/spindle,
# and each CMD run there as root, one after the other. The root has its own
# /dev without /dev/kvm (KEEP_KVM=1 keeps the host's). Default CMDs:
# "make run" "make test". .ci/run calls it after the normal suite, so that a
# missing install step turns CI red instead of reaching a newcomer.
#
# The base root is made once (about 75 s) and reused; each run works on a
# fresh copy of it. Needs root, debootstrap (installed when missing) and the
# machine's Debian mirror. Logs: $FRESH_OUT/stepN.log (default
# build/fresh-root/). Exit 0 only if every CMD exited 0; one line per step.
#   FRESH_BASE  the reusable base root (default /var/tmp/spindle-fresh-base)
#   FRESH_ROOT  each run's copy (default /var/tmp/spindle-fresh-root)
set -u
cd "$(dirname "$0")/.." || exit 1
repo=$PWD
cmds=("$@")
[ ${#cmds[@]} -gt 0 ] || cmds=("make run" "make test")
base=${FRESH_BASE:-/var/tmp/spindle-fresh-base}
root=${FRESH_ROOT:-/var/tmp/spindle-fresh-root}
out=${FRESH_OUT:-$repo/build/fresh-root}
say() { echo "fresh-root: $*"; }

[ "$(id -u)" = 0 ] || { say "needs root (debootstrap, chroot, mounts)"; exit 2; }
mkdir -p "$out"
if [ ! -x "$base/usr/bin/git" ] || [ ! -x "$base/usr/bin/make" ]; then
	mirror=$(grep -rhoE '(URIs:[[:space:]]*|^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)https?://[^[:space:]]+/debian/?' \
		/etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -oE 'https?://[^[:space:]]+' |
		grep -v security | head -n 1)
	[ -n "$mirror" ] || { say "no Debian mirror in /etc/apt/sources.list*"; exit 2; }
	if ! command -v debootstrap >/dev/null; then
		apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap >/dev/null ||
			{ say "could not install debootstrap"; exit 2; }
	fi
	say "making the base root in $base from $mirror (once)"
	rm -rf "$base"
	debootstrap --variant=minbase --include=git,make,ca-certificates bookworm "$base" "$mirror" \
		>"$out/debootstrap.log" 2>&1 || { say "debootstrap failed, see $out/debootstrap.log"; exit 2; }
fi

unmount_all() { for d in dev/shm dev/pts dev sys proc; do umount -l "$root/$d" 2>/dev/null; done; }
unmount_all
rm -rf "$root" && cp -a "$base" "$root" || { say "cannot copy $base to $root"; exit 2; }
trap unmount_all EXIT
git clone -q "$repo" "$root/root/spindle" || { say "git clone of $repo failed"; exit 2; }

# Its own /dev, as a new machine has; no /dev/kvm unless asked.
mount --bind /proc "$root/proc" && mount --bind /sys "$root/sys" || { say "mounts failed"; exit 2; }
mount -t tmpfs -o mode=755 devtmp "$root/dev"
mkdir -p "$root/dev/pts" "$root/dev/shm"
for n in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do
	set -- $n
	mknod -m 666 "$root/dev/$1" c "$2" "$3"
done
[ "${KEEP_KVM:-0}" = 1 ] && [ -c /dev/kvm ] && mknod -m 660 "$root/dev/kvm" c 10 232
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" && ln -s pts/ptmx "$root/dev/ptmx"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"; ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mount -t tmpfs tmpfs "$root/dev/shm"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null

rc=0 i=0
for c in "${cmds[@]}"; do
	i=$((i + 1))
	log=$out/step$i.log
	t0=$SECONDS
	chroot "$root" /bin/bash -lc "cd /root/spindle && $c" </dev/null >"$log" 2>&1
	r=$?
	last=$(tr -d '\r' <"$log" | grep -v '^[[:space:]]*$' | tail -n 1 | cut -c1-160)
	say "step $i: '$c' exit $r in $((SECONDS - t0)) s; last line: $last (log: $log)"
	[ $r = 0 ] || rc=1
done
exit $rc
