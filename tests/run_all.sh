#!/bin/bash
# tests/run_all.sh - everything `make test` runs, in order: checks of the
# source tree's shape, host unit tests, the goroutine runtime's tests on
# the host under ThreadSanitizer and ASan+UBSan (hostsched), tool tests,
# the event trace and schedfuzz (trace),
# in-kernel tests on SMP, the in-kernel tests on a DEBUG=1 kernel (debug), the in-kernel tests at the settings' edges (matrix), boot
# tests, and make lab-check for every lab (labs). Prints one PASS:/FAIL:/SKIP:
# line per test, the skipped tests with the reason, and ends with
# "N passed, N failed". Serial logs stay in build/tests/.
# Usage: tests/run_all.sh [source|host|hostsched|tools|trace|kernel|debug|matrix|boot|labs ...]   (default: all)
# A group that cannot be run, or that reports no test at all, is a failure.
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

parts=${*:-source host hostsched tools trace kernel debug matrix boot labs}
[[ " $parts " == *" kernel "* || " $parts " == *" trace "* || " $parts " == *" debug "* || " $parts " == *" matrix "* ||
	" $parts " == *" boot "* ]] && accel_init
[[ " $parts " == *" matrix "* || " $parts " == *" debug "* ]] && . tests/kernel.sh   # they rerun its tests
for part in $parts; do
	before=$((PASSED + FAILED + SKIPPED))
	# shellcheck disable=SC1090
	if ! . "tests/$part.sh" || ! declare -F "run_${part}_tests" >/dev/null; then
		fail "group:$part" "tests/$part.sh could not be loaded"
		continue
	fi
	"run_${part}_tests"
	[ $((PASSED + FAILED + SKIPPED)) -gt "$before" ] ||
		fail "group:$part" "ran no test at all"
done

if [ -n "$FAILED_NAMES" ]; then
	echo "failed:$FAILED_NAMES"
	echo "serial logs: $LOGDIR/"
fi
[ "$SKIPPED" -gt 0 ] && echo "$SKIPPED skipped (not counted as passed):$SKIPPED_NAMES"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
