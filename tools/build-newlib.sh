#!/bin/sh
# build-newlib.sh SRCDIR DIR PREFIX CFLAGS STAMP - configure, build and
# install newlib for x86_64-elf with the system gcc (called by
# libc/newlib.mk under flock, so two makes never build it at once). Logs
# stay in DIR; on success the sources are removed and STAMP is touched.
set -eu
srcdir=$1 dir=$2 prefix=$3 cflags=$4
stamp=$(cd "$(dirname "$5")" && pwd)/$(basename "$5")
# Another make may have finished it while this one waited for the lock.
if [ -f "$stamp" ] && [ "$stamp" -nt libc/newlib.mk ]; then touch "$stamp"; exit 0; fi   # built: only newer than the deps stamp now
# The tarball is looked for now, after tools/deps.sh installed newlib-source.
tarball=$(ls "$srcdir"/newlib-*.tar.* 2>/dev/null | head -n 1)
if [ -z "$tarball" ]; then
	echo "newlib: no newlib-*.tar.* in $srcdir; install Debian's newlib-source package (tools/deps.sh)" >&2
	exit 1
fi
for tool in tar xz gcc; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "newlib: '$tool' not found; run tools/deps.sh (packages tar, xz-utils, gcc)" >&2; exit 1; }
done
echo "  NEWLIB  $tarball -> $prefix (once, about two minutes)"
rm -rf "$dir/obj" "$dir"/newlib-* "$prefix"
mkdir -p "$dir/obj"
tar -C "$dir" -xf "$tarball"
src=$(cd "$dir" && ls -d newlib-*/ | head -n 1)
cd "$dir/obj"
CFLAGS_FOR_TARGET="$cflags" "../$src/configure" --target=x86_64-elf --prefix="$prefix" \
	--disable-multilib --disable-newlib-supplied-syscalls --disable-nls \
	--enable-newlib-retargetable-locking --disable-newlib-fvwrite-in-streamio \
	--enable-newlib-io-c99-formats \
	CC_FOR_TARGET=gcc AR_FOR_TARGET=ar AS_FOR_TARGET=as RANLIB_FOR_TARGET=ranlib \
	LD_FOR_TARGET=ld NM_FOR_TARGET=nm OBJDUMP_FOR_TARGET=objdump READELF_FOR_TARGET=readelf \
	>../configure.log 2>&1 || { echo "newlib: configure failed, see $dir/configure.log" >&2; exit 1; }
make -j"$(nproc)" all-target-newlib >../build.log 2>&1 ||
	{ echo "newlib: build failed, see $dir/build.log" >&2; exit 1; }
make install-target-newlib >../install.log 2>&1 ||
	{ echo "newlib: install failed, see $dir/install.log" >&2; exit 1; }
cd ..
rm -rf obj newlib-*
touch "$stamp"
