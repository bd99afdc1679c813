#!/bin/bash
# tests/run_all.sh - everything `make test` runs, in order: host unit tests,
# in-kernel tests on SMP, boot tests. Prints one PASS:/FAIL: line per test and
# ends with "N passed, N failed". Serial logs stay in build/tests/.
# Usage: tests/run_all.sh [host|kernel|boot ...]   (default: all three)
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

parts=${*:-host kernel boot}
for part in $parts; do
	# shellcheck disable=SC1090
	. "tests/$part.sh"
	"run_${part}_tests"
done

if [ -n "$FAILED_NAMES" ]; then
	echo "failed:$FAILED_NAMES"
	echo "serial logs: $LOGDIR/"
fi
if [ "$SKIPPED" -gt 0 ]; then
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
else
	echo "$PASSED passed, $FAILED failed"
fi
[ "$FAILED" -eq 0 ]
