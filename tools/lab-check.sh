#!/bin/bash
# lab-check.sh N - prove lab N's two trees (docs/labs.md). `make lab-check
# LAB=N` runs it; tests/labs.sh runs it for every lab in make test.
#   1. the student tree (tools/lab.py tree, from the committed HEAD) builds
#      with -Werror, sharing this tree's newlib build;
#   2. it boots, and the boot, libc and kernel-thread tests pass in it;
#   3. every visible test of the lab fails there with its "LAB N TODO"
#      line, not by a timeout (make grade in the student tree);
#   4. the solution (this tree) scores full marks, visible and hidden tests,
#      at -smp 1, 2 and 4, three runs in a row;
#   5. the trees differ only inside the manifest's functions and regions;
#   6. the handout names every function and region the student writes.
# Prints one "lab-check: PASS|FAIL lab N: what" line per step and ends with
# "lab-check: lab N: K of 6 steps failed"; exit status 0 when none did.
set -u
cd "$(dirname "$0")/.." || exit 1
n=${1:?usage: tools/lab-check.sh N}
BUILD=${BUILD:-build}
name=$(python3 tools/lab.py list | awk -v n="$n" '$1 == n { print $2 }')
[ -n "$name" ] || { echo "lab-check: no lab $n (python3 tools/lab.py list)"; exit 2; }
out=$BUILD/lab-check/$n-$name
tree=$out/tree
newlib=$(cd "$BUILD" && pwd)/newlib
failed=0
mkdir -p "$out"
step() { # verdict what
	if [ "$1" = 0 ]; then echo "lab-check: PASS lab $n: $2"; else echo "lab-check: FAIL lab $n: $2"; failed=$((failed + 1)); fi
}

python3 tools/lab.py tree "$n" "$tree" >"$out/tree.log" 2>&1 ||
	{ cat "$out/tree.log"; step 1 "the student tree could not be written"; exit 1; }

# 1. It builds (kernel, loader and image; -Werror is in the flags).
make -C "$tree" -j"$(nproc)" NEWLIB_DIR="$newlib" all >"$out/build.log" 2>&1
rc=$?
step $rc "the student tree builds with -Werror (log: $out/build.log)"
[ $rc = 0 ] || { tail -n 20 "$out/build.log"; echo "lab-check: lab $n: stopped: nothing else can run"; exit 1; }

# 2. It boots; the tests that use no goroutine code pass.
sel=$(grep -ho 'KTEST(\(boot\|libc\|thread\)_[a-z_0-9]*)' kernel/tests/*.c libc/tests/*.c |
	sed 's/KTEST(\(.*\))/\1/' | paste -sd, -)
timeout -k 5 300 make -C "$tree" --no-print-directory run-pvh SMP=2 NEWLIB_DIR="$newlib" \
	CMDLINE="test=$sel" </dev/null >"$out/boot.log" 2>&1
tr -d '\r' <"$out/boot.log" | grep -q '^KTEST DONE' && ! grep -aq '^KTEST FAIL' "$out/boot.log"
step $? "the student tree boots; its boot, libc and thread tests pass (log: $out/boot.log)"

# 3. Every visible lab test fails with its TODO line.
(cd "$tree" && make --no-print-directory grade NEWLIB_DIR="$newlib" HIDDEN=0) >"$out/grade-student.log" 2>&1
bad=$([ -s "$tree/build/grade/grade.json" ] && python3 - "$tree/build/grade/grade.json" "$n" <<'EOF'
import json, sys, re
doc = json.load(open(sys.argv[1]))
for t in doc["tests"]:
    logs = [open(r["log"] if r["log"].startswith("/") else sys.argv[1].rsplit("/build/", 1)[0] + "/" + r["log"],
                 errors="replace").read() for r in t["runs"] if not r["ok"]]
    if t["status"] == "PASS" or not logs or not all(re.search(r"^LAB %s TODO: " % sys.argv[2], l, re.M) for l in logs):
        print(t["test"])
EOF
)
[ -s "$tree/build/grade/grade.json" ] && [ -z "$bad" ]
step $? "every visible test fails in the student tree with a LAB $n TODO line${bad:+ (not so: $(echo $bad))}$([ -s "$tree/build/grade/grade.json" ] || echo " (make grade wrote no grade.json)") (log: $out/grade-student.log)"

# 4. The solution scores full marks three times at each CPU count.
sol_bad=""
for run in 1 2 3; do
	for smp in 1 2 4; do
		log=$out/grade-solution-smp$smp-run$run.log
		make --no-print-directory grade LAB="$n" SMP="$smp" BUILD="$BUILD" >"$log" 2>&1 ||
			sol_bad="$sol_bad smp$smp/run$run($(grep -m1 '^Score:' "$log"))"
	done
done
[ -z "$sol_bad" ]
step $? "the solution scores full marks at -smp 1, 2, 4, three runs each${sol_bad:+ (not:$sol_bad)}"

# 5. Only the manifest's functions and regions differ.
python3 tools/lab.py check-diff "$n" "$tree" >"$out/check-diff.log" 2>&1
step $? "the trees differ only inside the manifest's functions and regions ($(tail -n 1 "$out/check-diff.log"))"

# 6. The handout names everything the student writes.
missing=""
for f in $(python3 tools/lab.py removed "$n"); do
	grep -q "\`$f" "$tree/HANDOUT.md" || missing="$missing $f"
done
[ -z "$missing" ]
step $? "the handout names every removed function and region${missing:+ (missing:$missing)}"

echo "lab-check: lab $n: $failed of 6 steps failed"
[ $failed = 0 ]
