#!/bin/bash
# handin.sh - `make handin` in a student tree (docs/labs.md): a tarball to
# hand in, build/handin/lab-N-NAME-USER.tar.gz, with the tree as committed
# (git archive HEAD), handin.diff (everything since the handout's commit)
# and the grade of that commit (build/grade/grade.json, from a make grade
# run now). It uploads nothing: hand the file in the way your course says.
# Refuses a tree with uncommitted changes (the grade would not be of what
# is handed in) and LAB=N that is not this tree's lab.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
say() { echo "handin: $*"; }
[ -f conf/lab.mk ] || { say "this is not a student tree (no conf/lab.mk): make lab LAB=N writes one"; exit 2; }
lab=$(sed -n 's/^LAB *:= *//p' conf/lab.mk)
name=$(sed -n 's/^LAB_NAME *:= *//p' conf/lab.mk)
if [ -n "${WANT_LAB:-}" ] && [ "$WANT_LAB" != "$lab" ]; then
	say "this tree is lab $lab ($name), not lab $WANT_LAB: nothing written"
	exit 2
fi
if [ -n "$(git status --porcelain --untracked-files=normal 2>/dev/null)" ]; then
	say "the tree has changes that are not committed (git status lists them): commit them, then make handin"
	exit 2
fi
first=$(git rev-list --max-parents=0 HEAD | tail -n 1)
head=$(git rev-parse --short HEAD)
user=$(id -un 2>/dev/null || echo student)
out=$BUILD/handin
stage=$out/lab-$lab-$name-$user
rm -rf "$stage" && mkdir -p "$stage"
say "grading commit $head first (make grade)..."
make --no-print-directory grade >"$stage/grade.log" 2>&1
grep '^Score:' "$stage/grade.log" | tail -n 1 | sed 's/^/handin: /'
cp "$BUILD/grade/grade.json" "$stage/grade.json" 2>/dev/null || say "no grade.json: see $stage/grade.log"
git archive --format=tar --prefix=tree/ HEAD | tar -x -C "$stage"
git diff "$first" HEAD >"$stage/handin.diff"
{
	echo "lab $lab ($name), commit $(git rev-parse HEAD), handout commit $first"
	echo "made $(date -u +%Y-%m-%dT%H:%M:%SZ) by $user on $(uname -n)"
} >"$stage/HANDIN.txt"
tar -C "$out" -czf "$stage.tar.gz" "$(basename "$stage")"
say "wrote $stage.tar.gz ($(git diff --shortstat "$first" HEAD | sed 's/^ //')); nothing was uploaded"
