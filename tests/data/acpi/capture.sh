#!/bin/sh
# Capture QEMU's ACPI tables: boot a machine with no boot device, let the
# firmware build the tables, dump guest RAM with the monitor's pmemsave and
# extract RSDP, root table and every table it points to (extract.py).
#   tests/data/acpi/capture.sh <machine> <firmware: seabios|ovmf> <outdir>
# e.g. capture.sh q35 seabios tests/data/acpi/qemu-q35
set -e
machine=$1; fw=$2; out=$3
mem=/tmp/acpi-capture-$$.mem
bios=; wait=6
if [ "$fw" = ovmf ]; then bios="-bios /usr/share/ovmf/OVMF.fd"; wait=45; fi   # TCG: OVMF needs ~40 s to reach its shell
( sleep $wait; echo "pmemsave 0 0x8000000 \"$mem\""; sleep 4; echo quit ) |
	qemu-system-x86_64 -accel tcg -machine $machine -m 128M -smp 4 -nodefaults \
		-display none -monitor stdio $bios >/dev/null
mkdir -p "$out"
python3 "$(dirname "$0")/extract.py" "$mem" "$out"
rm -f "$mem"
