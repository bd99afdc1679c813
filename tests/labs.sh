# tests/labs.sh - the OS-course labs (docs/labs.md): the stripping tool on
# a sample, then `make lab-check` for every lab, each of its six steps one
# test: the student tree builds with -Werror; boots with its boot, libc and
# thread tests passing; fails every visible lab test with its TODO line;
# the solution scores full marks at -smp 1, 2, 4 three times; the trees
# differ only where the manifest says; the handout names what is removed.
LAB_STEPS="student-tree-builds student-tree-boots-boot-libc-thread-tests-pass
visible-tests-fail-with-TODO-lines solution-full-marks-smp1-2-4-three-runs
trees-differ-only-in-manifest handout-names-every-removed-function"

# tools/lab.py's stubs on a sample C file: the body of the named function
# (its parameters voided), a soft stub's fallback, a marked region; nothing
# else changes, and check-diff's span test accepts exactly those changes.
test_lab_strip_sample() {
	local name=labs:strip-stubs-only-the-named-functions-and-regions out
	out=$(python3 - <<'EOF' 2>&1
import sys
sys.path.insert(0, "tools")
import lab
src = '''#include "x.h"
/* keep me */
static int keep(int a) { return a + 1; }
/* the contract */
int target(struct s *p, void (*cb)(void *), const char *name[4])
{
	if (p) { return cb ? 1 : 2; }   /* a } in a comment */
	return "}"[0];
}
void other(void)
{
	/* LAB 3 BEGIN loop */
	for (;;) keep(1);
	/* LAB 3 END */
}
'''
e1 = lab.Entry("fatal", "kernel/x.c", "target")
e2 = lab.Entry("soft-region", "kernel/x.c", "loop", "no loop", "return;")
t, span = lab.strip_entry(src, 3, e1)
t, _ = lab.strip_entry(t, 3, e2)
t = lab.include_lab_h("kernel/x.c", t)
assert '(void)p; (void)cb; (void)name;' in t, t
assert 'lab_todo(3, "target", "kernel/x.c");' in t, t
assert 'lab_soft(3, "loop", "kernel/x.c", "no loop");\n\treturn;' in t, t
assert "static int keep(int a) { return a + 1; }" in t and "/* the contract */" in t
assert "LAB 3 BEGIN loop" in t and "for (;;)" not in t and 'return "}"' not in t
assert '#include "kernel/lab.h"' in t
assert lab.diff_outside_spans.__code__  # exists
print("ok")
EOF
	)
	[ "$out" = ok ] && pass "$name" || fail "$name" "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
}

run_labs_tests() {
	if ! command -v python3 >/dev/null 2>&1; then
		fail "labs:python3" "python3 not found (Debian package python3; make deps installs it)"
		return
	fi
	test_lab_strip_sample
	local n log line i step
	for n in $(python3 tools/lab.py list | awk '{ print $1 }'); do
		log=$LOGDIR/lab-check-$n.log
		BUILD=$BUILD tools/lab-check.sh "$n" >"$log" 2>&1
		i=0
		for step in $LAB_STEPS; do
			i=$((i + 1))
			line=$(grep -E "^lab-check: (PASS|FAIL) lab $n: " "$log" | sed -n "${i}p")
			case $line in
			"lab-check: PASS "*) pass "labs:lab$n:$step" ;;
			"lab-check: FAIL "*) fail "labs:lab$n:$step" "${line#lab-check: FAIL lab $n: }" ;;
			*) fail "labs:lab$n:$step" "not reached (see $log)" ;;
			esac
		done
		grep -q "^lab-check: lab $n: 0 of 6 steps failed" "$log" || show_tail "$log" 20
	done
}
