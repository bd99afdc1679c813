#!/usr/bin/env python3
"""Extract ACPI tables from a raw guest-RAM dump (physical address 0 at
offset 0). Writes <out>/RSDP, the root table and every table it lists,
FACS and DSDT, each named by signature, and <out>/layout.txt listing
"SIG phys length" so the host test can place them at their original
physical addresses."""
import struct, sys

mem = open(sys.argv[1], 'rb').read()
out = sys.argv[2]

def csum(b):
    return sum(b) & 0xff

# Legacy BIOS: the RSDP is in 0xe0000-0xfffff on a 16-byte boundary.
# UEFI: search all of RAM; OVMF leaves QEMU's own revision-0 RSDP in RAM as
# well as the revision-2 one it installs, so prefer a valid revision >= 2.
cands = []
# (UEFI puts no alignment promise on it: OVMF's revision-2 RSDP sits 20
# bytes into the page that holds its revision-0 one.)
for lo, hi, step in ((0xe0000, 0x100000, 16), (0, len(mem), 1)):
    a = mem.find(b'RSD PTR ', lo, hi)
    while a >= 0:
        if a % step == 0 and csum(mem[a:a + 20]) == 0:
            ext = mem[a + 15] >= 2 and csum(mem[a:a + 36]) == 0
            cands.append((not ext, a))
        a = mem.find(b'RSD PTR ', a + 1, hi)
    if cands:
        break
if not cands:
    sys.exit("no RSDP")
rsdp = min(cands)[1]
rev = mem[rsdp + 15]
rlen = 36 if rev >= 2 else 20
layout = [("RSDP", rsdp, rlen)]
tables = {}

def table(phys):
    sig = mem[phys:phys + 4].decode('ascii', 'replace')
    return sig, struct.unpack_from('<I', mem, phys + 4)[0]   # FACS too

rsdt = struct.unpack_from('<I', mem, rsdp + 16)[0]
xsdt = struct.unpack_from('<Q', mem, rsdp + 24)[0] if rev >= 2 else 0
root, esz = (xsdt, 8) if xsdt else (rsdt, 4)
todo = [root]
seen = set()
while todo:
    p = todo.pop(0)
    if p == 0 or p in seen or p >= len(mem):
        continue
    seen.add(p)
    sig, ln = table(p)
    layout.append((sig, p, ln))
    body = mem[p:p + ln]
    if p == root:
        for i in range(36, ln, esz):
            todo.append(struct.unpack_from('<Q' if esz == 8 else '<I', body, i)[0])
    elif sig == 'FACP':
        facs, dsdt = struct.unpack_from('<II', body, 36)
        if ln >= 148:
            xf, xd = struct.unpack_from('<QQ', body, 132)
            facs = xf or facs
            dsdt = xd or dsdt
        todo += [facs, dsdt]

names = {}
with open(f"{out}/layout.txt", "w") as f:
    for sig, p, ln in layout:
        name = sig
        n = names.get(sig, 0)
        names[sig] = n + 1
        if n:
            name = f"{sig}.{n}"
        open(f"{out}/{name}", "wb").write(mem[p:p + ln])
        f.write(f"{name} {p:#x} {ln}\n")
        print(f"{name:8} {p:#010x} {ln}")
