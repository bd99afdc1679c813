#!/bin/sh
# ksyms.sh - make the kernel's symbol table for backtraces.
#   ksyms.sh ELF          print an assembly file: a sorted table of
#                         (address, name offset) pairs and the names, in .ksyms
#   ksyms.sh /dev/null    the same table, empty (first link)
#   ksyms.sh --compare A B  fail if any text symbol moved between links A and B
set -eu
if [ "$1" = "--compare" ]; then
	a=$(nm -n "$2" | grep -i ' t ' | grep -v ksyms_) || true
	b=$(nm -n "$3" | grep -i ' t ' | grep -v ksyms_) || true
	if [ "$a" != "$b" ]; then
		echo "ksyms: text symbols moved between the two links; check linker.ld places .ksyms after .text" >&2
		exit 1
	fi
	exit 0
fi
if [ "$1" = "/dev/null" ]; then syms=""; else
	syms=$(nm -n --defined-only "$1" | awk '$2 ~ /^[tTwW]$/ && $3 !~ /^\./ {print $1, $3}')
fi
echo '	.section .ksyms, "a"'
echo '	.balign 8'
echo '	.globl ksyms_count, ksyms_addr, ksyms_name'
echo 'ksyms_count:'
echo "$syms" | awk 'NF==2 {n++} END {printf "\t.quad %d\n", n+0}'
echo 'ksyms_addr:'
echo "$syms" | awk 'NF==2 {printf "\t.quad 0x%s\n", $1}'
echo 'ksyms_name:'
echo "$syms" | awk 'NF==2 {printf "\t.quad .Lname%d\n", n++}'
echo "$syms" | awk 'NF==2 {printf ".Lname%d: .asciz \"%s\"\n", n++, $2}'
