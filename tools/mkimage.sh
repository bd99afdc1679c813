#!/bin/sh
# mkimage.sh OUT.img EFI_FILE KERNEL_ELF CMDLINE_STRING
#
# Builds a GPT disk image with one FAT32 EFI System Partition (64 MiB,
# starting at 1 MiB) holding
#   EFI/BOOT/BOOTX64.EFI   the loader (EFI_FILE)
#   spindle/kernel.elf     the kernel (KERNEL_ELF)
#   spindle/cmdline.txt    CMDLINE_STRING and a newline
# No root and no loop devices: sfdisk writes the partition table, mtools the
# file system, in place at offset 1 MiB. The image is sparse.
#
# The ESP can be changed in place later, e.g.
#   mcopy -o -i OUT.img@@1M file ::/spindle/cmdline.txt
set -eu

die() { echo "mkimage.sh: $*" >&2; exit 1; }

[ $# -eq 4 ] || die "usage: mkimage.sh OUT.img EFI_FILE KERNEL_ELF CMDLINE_STRING"
out=$1 efi=$2 kernel=$3 cmdline=$4

for tool in sfdisk mformat mmd mcopy truncate; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "'$tool' not found (install: apt-get install fdisk mtools coreutils)"
done
[ -f "$efi" ] || die "$efi: no such file"
[ -f "$kernel" ] || die "$kernel: no such file"

ESP_START_MIB=1
ESP_MIB=64
# 1 MiB before the ESP (GPT and alignment), 1 MiB after it (backup GPT).
DISK_MIB=$((ESP_START_MIB + ESP_MIB + 1))
ESP_SECTORS=$((ESP_MIB * 2048))

tmp="$out.tmp.$$"
cmdfile="$out.cmdline.$$"
trap 'rm -f "$tmp" "$cmdfile"' EXIT
trap 'exit 130' INT TERM

rm -f "$tmp"
truncate -s "${DISK_MIB}M" "$tmp"
printf 'label: gpt\nstart=%d, size=%d, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="ESP"\n' \
	$((ESP_START_MIB * 2048)) "$ESP_SECTORS" | sfdisk -q "$tmp" >/dev/null ||
	die "sfdisk failed on $tmp"

img="$tmp@@${ESP_START_MIB}M"
export MTOOLS_SKIP_CHECK=1
# FAT32 (-F), 512-byte sectors, the partition's size (-T), fixed serial.
mformat -i "$img" -F -T "$ESP_SECTORS" -h 64 -s 32 -H $((ESP_START_MIB * 2048)) -N 5350494e -v SPINDLE :: ||
	die "mformat failed"
mmd -i "$img" ::/EFI ::/EFI/BOOT ::/spindle || die "mmd failed"
printf '%s\n' "$cmdline" > "$cmdfile"
mcopy -i "$img" "$efi" ::/EFI/BOOT/BOOTX64.EFI || die "mcopy $efi failed"
mcopy -i "$img" "$kernel" ::/spindle/kernel.elf || die "mcopy $kernel failed"
mcopy -i "$img" "$cmdfile" ::/spindle/cmdline.txt || die "mcopy cmdline failed"
mv -f "$tmp" "$out"
trap - EXIT INT TERM
rm -f "$cmdfile"
