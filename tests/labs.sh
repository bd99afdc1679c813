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
print("ok")
EOF
	)
	[ "$out" = ok ] && pass "$name" || fail "$name" "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
}

# make handin in a student tree (a copy of lab 1's, from lab-check): it
# refuses uncommitted changes and another lab's number, and then writes a
# tarball with the tree, the diff since the handout and the grade.
test_handin() {
	local name=labs:handin-refuses-dirty-or-wrong-lab-then-writes-tree-diff-grade
	local tree=$LOGDIR/lab-handin/tree out list nl
	nl=$(cd "$BUILD" && pwd)/newlib
	rm -rf "$LOGDIR/lab-handin" && mkdir -p "$LOGDIR/lab-handin"
	cp -a "$BUILD/lab-check/1-switch/tree" "$tree" || { fail "$name" "no lab 1 student tree (lab-check did not make one)"; return; }
	echo "// my work" >>"$tree/sched/proc.c"
	out=$(make -C "$tree" --no-print-directory handin NEWLIB_DIR="$nl" 2>&1)
	case $out in *"not committed"*) ;; *) fail "$name" "a dirty tree was handed in: $out"; return ;; esac
	git -C "$tree" -c user.name=s -c user.email=s@x commit -qam "my work"
	out=$(make -C "$tree" --no-print-directory handin LAB=2 NEWLIB_DIR="$nl" 2>&1)
	case $out in *"not lab 2"*) ;; *) fail "$name" "LAB=2 in a lab 1 tree was handed in: $out"; return ;; esac
	out=$(make -C "$tree" --no-print-directory handin NEWLIB_DIR="$nl" 2>&1)
	list=$(tar -tzf "$tree"/build/handin/lab-1-switch-*.tar.gz 2>/dev/null | tr '\n' ' ')
	if [[ $list == *"/tree/conf/lab.mk "* && $list == *"/handin.diff "* && $list == *"/grade.json "* ]] &&
		tar -xzOf "$tree"/build/handin/lab-1-switch-*.tar.gz --wildcards '*/handin.diff' | grep -q '^+// my work'; then
		pass "$name"
	else
		fail "$name" "tarball lists: ${list:0:200} ($out)"
	fi
}

# make course-grade: a student who "fixed" a test in the tree gets no
# points from it (the pristine tests are overlaid) and the hidden tests
# are graded.
test_course_grade() {
	local name=labs:course-grade-overlays-pristine-tests-and-grades-hidden-ones
	local tree=$LOGDIR/lab-handin/tree out json=$LOGDIR/lab-handin/graded/build/grade/grade.json
	[ -d "$tree" ] || { fail "$name" "no student tree (test_handin makes it)"; return; }
	sed -i '/^KTEST(sched_main_runs)$/{n;s/^{$/{ return;/}' "$tree/sched/tests/sched_tests.c"
	# and outside the tests: the assertion macro, the build, a file of its own
	echo '/* cheat */' >>"$tree/kernel/ktest.h"
	echo 'LAB_CFLAGS += -DCHEAT' >>"$tree/conf/lab.mk"
	echo 'int cheat;' >"$tree/kernel/cheat.c"
	git -C "$tree" add kernel/cheat.c
	git -C "$tree" -c user.name=s -c user.email=s@x commit -qam "pass a test the easy way"
	out=$(BUILD=$BUILD tools/course-grade.sh "$tree" "$LOGDIR/lab-handin/graded" 2>&1)
	local graded=$LOGDIR/lab-handin/graded
	if grep -q cheat "$graded/kernel/ktest.h" || grep -q CHEAT "$graded/conf/lab.mk" || [ -e "$graded/kernel/cheat.c" ] ||
		[[ $out != *"dropped files the handout does not have: kernel/cheat.c"* ]]; then
		fail "$name" "a change outside the lab's files was graded as is: $(echo "$out" | grep course-grade)"
	elif python3 -c '
import json, sys
t = {x["test"]: x for x in json.load(open(sys.argv[1]))["tests"]}
assert t["sched_main_runs"]["points"] == 0, t["sched_main_runs"]
assert "lab1_callee_saved_survive_yields_and_parks" in t, "no hidden test graded"
' "$json" 2>"$LOGDIR/lab-handin/check.log"; then
		pass "$name"
	else
		fail "$name" "$(tail -n 1 "$LOGDIR/lab-handin/check.log"); $(echo "$out" | grep -E 'Score' | tail -n 1)"
	fi
}

# make tracediff: the solution's schedule is its reference's; a student
# tree's is told where it parts from it, in words.
test_tracediff() {
	local name=labs:tracediff-same-for-the-solution-and-in-words-for-a-student out
	out=$(make --no-print-directory tracediff LAB=1 T=chan_unbuffered_pingpong 2>&1)
	case $out in *"your schedule is the reference's"*) ;; *) fail "$name" "solution: $(echo "$out" | tail -n 2 | tr '\n' ' ')"; return ;; esac
	out=$(make -C "$BUILD/lab-check/1-switch/tree" --no-print-directory tracediff T=chan_unbuffered_pingpong \
		NEWLIB_DIR="$(cd "$BUILD" && pwd)/newlib" 2>&1)
	case $out in
	*"the schedules part at goroutine event"*"then the reference:"*"but yours:"*) pass "$name" ;;
	*) fail "$name" "student tree: $(echo "$out" | tail -n 3 | tr '\n' ' ')" ;;
	esac
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
	test_handin
	test_course_grade
	test_tracediff
}
