#!/bin/bash
# course-grade.sh SUBMISSION [OUT] - grade a handed-in lab as a course
# does (docs/labs.md): SUBMISSION is a make handin tarball or a student
# tree. Its tree is unpacked into OUT (default build/course/NAME) and every
# file the student does not write in (all but the lab manifest's files) is
# copied over it from this (the solution) tree: the tests and hidden tests,
# the test runner, the build, the grading tools; conf/lab.mk is made again
# and files the handout does not have are dropped - so editing a test, an
# assertion macro or the build cannot pass one. Then make grade runs with
# the hidden tests. The grade is OUT/build/grade/grade.json.
set -u
sub=$(realpath -m -- "${1:?usage: tools/course-grade.sh SUBMISSION.tar.gz|TREE [OUT]}")
[ -z "${2:-}" ] || set -- "$1" "$(realpath -m -- "$2")"
[ -e "$sub" ] || { echo "course-grade: no such file or directory: $sub"; exit 2; }
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
name=$(basename "$sub" .tar.gz)
out=${2:-$BUILD/course/$name}
rm -rf "$out" && mkdir -p "$out"
if [ -d "$sub" ]; then
	(cd "$sub" && git archive --format=tar HEAD 2>/dev/null || tar --exclude=./build --exclude=./.git -cf - .) | tar -x -C "$out"
else
	tmp=$out.unpack
	rm -rf "$tmp" && mkdir -p "$tmp"
	tar -xzf "$sub" -C "$tmp" || { echo "course-grade: cannot unpack $sub"; exit 2; }
	src=$(find "$tmp" -maxdepth 2 -type d -name tree | head -n 1)
	[ -n "$src" ] || { echo "course-grade: $sub has no tree/ (not a make handin tarball)"; exit 2; }
	cp -a "$src"/. "$out"/
	rm -rf "$tmp"
fi
[ -f "$out/conf/lab.mk" ] || { echo "course-grade: $sub is not a student tree (no conf/lab.mk)"; exit 2; }
lab=$(sed -n 's/^LAB *:= *//p' "$out/conf/lab.mk")
mine=$(python3 tools/lab.py files "$lab" 2>&1) ||
	{ echo "course-grade: $sub: conf/lab.mk names lab '$lab': $mine"; exit 2; }
# The overlay: every file of this tree that is not one the student writes
# in (the manifest's files) - the tests, the hidden tests, the test runner,
# the grading tools, the build - as this tree has them; conf/lab.mk made
# again; files the handout does not have are dropped.
# shellcheck disable=SC2046 # the manifest's paths have no spaces
git archive --format=tar HEAD -- . $(printf ':(exclude)%s ' $mine) | tar -x -C "$out" || exit 2
python3 tools/lab.py lab-mk "$lab" "$out" || exit 2
dropped=$(comm -23 <(cd "$out" && find . \( -path ./build -o -path ./.git \) -prune -o -type f -print |
	sed 's|^\./||' | grep -vxE 'conf/lab.mk|HANDOUT.md' | sort) <(git ls-files | sort))
for f in $dropped; do rm -f "$out/$f"; done
[ -z "$dropped" ] || echo "course-grade: dropped files the handout does not have: $(echo $dropped)"
echo "course-grade: lab $lab from $sub in $out, tests overlaid from $(git rev-parse --short HEAD)"
make -C "$out" --no-print-directory grade NEWLIB_DIR="$(cd "$BUILD" && pwd)/newlib" HIDDEN=1
