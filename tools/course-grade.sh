#!/bin/bash
# course-grade.sh SUBMISSION [OUT] - grade a handed-in lab as a course
# does (docs/labs.md): SUBMISSION is a make handin tarball or a student
# tree. Its tree is unpacked into OUT (default build/course/NAME), the
# pristine test files and the lab's hidden tests are copied over it from
# this (the solution) tree - every tests/ directory, labs/, the tools that
# grade - so editing a test cannot pass it; then make grade runs with the
# hidden tests. The grade is OUT/build/grade/grade.json.
set -u
cd "$(dirname "$0")/.." || exit 1
sub=${1:?usage: tools/course-grade.sh SUBMISSION.tar.gz|TREE [OUT]}
BUILD=${BUILD:-build}
name=$(basename "$sub" .tar.gz)
out=${2:-$BUILD/course/$name}
rm -rf "$out" && mkdir -p "$out"
if [ -d "$sub" ]; then
	(cd "$sub" && git archive --format=tar HEAD 2>/dev/null || tar -cf - .) | tar -x -C "$out"
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
# The overlay: tests and the grading tools as this tree has them.
git ls-files -z 'tests/*' '*/tests/*' 'labs/*' tools/grade.py tools/lab.py tools/fuzz.sh tools/qemu.sh |
	while IFS= read -r -d '' f; do
		mkdir -p "$out/$(dirname "$f")"
		git show "HEAD:$f" >"$out/$f"
		[ -x "$f" ] && chmod +x "$out/$f"
	done
echo "course-grade: lab $lab from $sub in $out, tests overlaid from $(git rev-parse --short HEAD)"
make -C "$out" --no-print-directory grade NEWLIB_DIR="$(cd "$BUILD" && pwd)/newlib" HIDDEN=1
