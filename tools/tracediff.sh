#!/bin/bash
# tracediff.sh - `make tracediff T=name` (docs/labs.md): run a cooperative
# test of this lab at -smp 1 with the event trace, and compare its
# goroutine events with the lab's reference trace (labs/N-name/ref/T.txt,
# made from the solution: make lab-refs LAB=N). Prints the first place the
# schedules part, in words. Exit status 0: the same schedule.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
t=${T:?usage: make tracediff T=test}
lab=${LAB:-$(sed -n 's/^LAB *:= *//p' conf/lab.mk 2>/dev/null)}
[ -n "$lab" ] || { echo "tracediff: which lab? (no conf/lab.mk: make tracediff LAB=N T=...)"; exit 2; }
dir=$(python3 tools/lab.py list | awk -v n="$lab" '$1 == n { print "labs/" n "-" $2 }')
ref=$dir/ref/$t.txt
[ -f "$ref" ] || { echo "tracediff: no reference trace $ref (references: $(ls "$dir/ref" 2>/dev/null | sed 's/\.txt$//' | tr '\n' ' '))"; exit 2; }
mkdir -p "$BUILD/tracediff"
mine=$BUILD/tracediff/$t.txt
log=$BUILD/tracediff/$t.log
rm -f "$BUILD/trace/trace.txt" "$mine"
BUILD=$BUILD T=$t SMP=1 CMDLINE= tools/trace-run.sh >"$log" 2>&1
boot=$?
cp "$BUILD/trace/trace.txt" "$mine" 2>/dev/null || { echo "tracediff: the traced boot left no trace (see $log)"; exit 1; }
python3 tools/trace.py tracediff "$ref" "$mine"
rc=$?
# Why the boot ended, when the test did not pass: a stub, a failed
# assertion, a panic.
if [ $boot != 0 ]; then
	echo "tracediff: the test did not pass (serial log: $BUILD/trace/boot.log):"
	tr -d '\r' <"$BUILD/trace/boot.log" | grep -aE '^(LAB [0-9]+ TODO: |KTEST (FAIL|TIMEOUT) |PANIC )' |
		head -n 5 | sed 's/^/  /'
	[ $rc != 0 ] || rc=1
fi
exit $rc
