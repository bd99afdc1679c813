#!/usr/bin/env python3
"""tools/grade.py - `make grade`: grade a lab (docs/labs.md).

    make grade [LAB=N] [T=substring] [SMP=n] [SEED=n] [HIDDEN=1]

The lab is conf/lab.mk's (a student tree) or LAB=N (the solution tree).
Its tests come from labs/N-name/points, and from labs/N-name/hidden/points
when that file is there (the course's grading tree; HIDDEN=0 leaves them
out). Each in-kernel test is one boot per CPU count (-smp 1 and 4, or
SMP=n), boots run in parallel up to the host's CPUs, and a test passes when
the boot ends with QEMU's pass status and prints the test's KTEST PASS
line. Timeouts come from a calibration boot, so a slow laptop or TCG does
not fail a correct solution; the kernel's own deadline (ktest_timeout=)
fires first and prints where everything was (KTEST TIMEOUT).

A failing test is run again with schedfuzz seeds: if some of those pass it
is reported FLAKY k/n (a race in the code, most likely), with the command
that repeats the failing run. A failure keeps its serial log, the failing
assertion, the last lines of the log and, for in-kernel tests, a timeline
of the failing boot (build/grade/NAME/timeline.txt, .svg; docs/trace.md).

Output: one line per test with its points, part subtotals, "Score: x/y",
and build/grade/grade.json for course tooling. Exit status 0 when every
graded test passed, 1 otherwise, 2 for bad usage.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import lab as labtool  # noqa: E402  (tools/lab.py: the labs and their points files)

BUILD = os.environ.get("BUILD", "build")
OUT = os.path.join(BUILD, "grade")
KEXIT_PASS = 33
FLAKY_RERUNS = 4


def say(msg):
    print("grade: " + msg, flush=True)


def which_lab():
    lab = os.environ.get("LAB", "").strip()
    conf = os.path.join(ROOT, "conf", "lab.mk")
    if os.path.isfile(conf):
        m = re.search(r"^LAB\s*:?=\s*(\d+)", open(conf).read(), re.M)
        mine = m.group(1) if m else ""
        if lab and mine and lab != mine:
            labtool.die("this is the student tree of lab %s (conf/lab.mk), not lab %s: "
                        "make grade without LAB=" % (mine, lab))
        lab = lab or mine
    if not lab:
        labtool.die("which lab? this is not a student tree (no conf/lab.mk): make grade LAB=N")
    return lab


def qemu_env():
    """QEMU, its accelerator arguments and exit arguments, from tools/qemu.sh."""
    script = ('. tools/qemu.sh; qemu_accel_choose "$BUILD/kernel.elf" >/dev/null 2>&1; '
              'printf "%s\\n" "$QEMU"; printf "%s " "${QEMU_ACCEL_ARGS[@]}"; echo; '
              'printf "%s " "${QEMU_EXIT_ARGS[@]}"; echo')
    r = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True,
                       env=dict(os.environ, BUILD=BUILD))
    lines = r.stdout.split("\n")
    if r.returncode or len(lines) < 3 or not lines[0]:
        labtool.die("tools/qemu.sh could not choose how to run QEMU: %s" % r.stderr.strip())
    return lines[0], lines[1].split(), lines[2].split()


class Runner:
    def __init__(self):
        self.qemu, self.accel, self.exit_args = qemu_env()
        self.kernel = os.path.join(BUILD, "kernel.elf")
        self.timeout = 120

    def boot(self, log, smp, words, timeout, trace=None):
        """QEMU's exit status (124: timed out) of one PVH boot."""
        cmd = ["timeout", "--foreground", "-k", "5", str(timeout), self.qemu] + self.accel + [
            "-smp", str(smp), "-m", "512M", "-nographic", "-no-reboot", "-display", "none",
            "-serial", "mon:stdio"] + (["-serial", "file:" + trace] if trace else []) + \
            self.exit_args + ["-kernel", self.kernel, "-append", "console=serial " + words]
        with open(log, "wb") as f:
            return subprocess.run(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=f,
                                  stderr=subprocess.STDOUT).returncode

    def calibrate(self):
        """Per-boot timeout from a boot that runs one trivial test."""
        os.makedirs(OUT, exist_ok=True)
        t0 = time.time()
        rc = self.boot(os.path.join(OUT, "calibrate.log"), 1, "test=boot_kprintf", 600)
        took = time.time() - t0
        if rc != KEXIT_PASS:
            say("the calibration boot failed (QEMU status %d, log %s/calibrate.log): the kernel "
                "does not boot; fix that first" % (rc, OUT))
            sys.exit(1)
        self.timeout = int(max(60, 40 * took))
        say("calibration: a boot takes %.1f s here; each test boot may take up to %d s" %
            (took, self.timeout))


def kernel_run(runner, test, smp, seed, tag):
    d = os.path.join(OUT, test)
    os.makedirs(d, exist_ok=True)
    log = os.path.join(d, "smp%d%s.log" % (smp, tag))
    words = "ktest_timeout=%d test=%s" % (max(10, runner.timeout - 15), test)
    if seed:
        words += " schedfuzz=%d" % seed
    rc = runner.boot(log, smp, words, runner.timeout)
    text = open(log, "rb").read().decode(errors="replace").replace("\r", "")
    ok = rc == KEXIT_PASS and re.search(r"^KTEST PASS %s\b" % re.escape(test), text, re.M)
    return {"ok": bool(ok), "rc": rc, "log": log, "smp": smp, "seed": seed, "text": text,
            "words": words}


def host_run(kind, name):
    d = os.path.join(OUT, kind + "-" + re.sub(r"[^A-Za-z0-9_.-]", "_", name))
    os.makedirs(d, exist_ok=True)
    log = os.path.join(d, "run.log")
    if kind == "host":
        cmd = [os.path.join(BUILD, "tests", "host", name)]
    elif kind in ("tsan", "asan"):
        # as tests/hostsched.sh runs them: sanitizers need big stacks
        cmd = [os.path.join(BUILD, "hostsched", kind, "sched-tests"), "run", name,
               "smp=4 gstack=65536 hz=1000"]
    else:   # script:PATH or script:PATH:ARG
        cmd = ["bash"] + name.split(":", 1)
    env = dict(os.environ, BUILD=BUILD, TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1",
               ASAN_OPTIONS="detect_leaks=0 abort_on_error=1", UBSAN_OPTIONS="print_stacktrace=1")
    try:
        with open(log, "wb") as f:
            rc = subprocess.run(["timeout", "-k", "5", "600"] + cmd, cwd=ROOT, stdout=f,
                                stderr=subprocess.STDOUT, env=env).returncode
    except OSError as e:
        open(log, "w").write(str(e))
        rc = 127
    text = open(log, errors="replace").read()
    ok = rc == 0 and "Sanitizer" not in text
    if kind in ("tsan", "asan"):
        ok = ok and re.search(r"^KTEST PASS %s$" % re.escape(name), text, re.M) is not None
    return {"ok": ok, "rc": rc, "log": log, "text": text, "words": " ".join(cmd)}


# A fatal stub's line (kernel/lab.c); a soft stub's adds ": what instead".
FATAL_TODO = r"^LAB \d+ TODO: \S+ \(\S+\) is not written$"


def why_failed(run):
    text = run["text"]
    for pat in (FATAL_TODO, r"^KTEST TIMEOUT .*$", r"^KTEST FAIL .*$", r"^PANIC .*$",
                r"^panic: .*$", r"^FAIL: .*$", r"^fatal error: .*$", r"^LAB \d+ TODO: .*$"):
        m = re.search(pat, text, re.M)
        if m:
            return m.group(0)
    if run["rc"] == 124:
        return "no answer in %s: stopped by the grader's timeout" % run.get("words", "")
    return "exit status %d, no PASS line" % run["rc"]


def timeline(runner, test, smp, run):
    """Rerun a failed boot with the trace on; keep its timeline."""
    d = os.path.join(OUT, test)
    trace = os.path.join(d, "trace-smp%d.txt" % smp)
    runner.boot(os.path.join(d, "trace-smp%d.log" % smp), smp, run["words"] + " trace=1",
                runner.timeout, trace=trace)
    if not os.path.isfile(trace) or "SPINDLE-TRACE" not in open(trace, errors="replace").read():
        return None
    tool = os.path.join(ROOT, "tools", "trace.py")
    txt = os.path.join(d, "timeline-smp%d.txt" % smp)
    with open(txt, "w") as f:
        subprocess.run([sys.executable, tool, "text", trace], stdout=f, stderr=subprocess.STDOUT)
    subprocess.run([sys.executable, tool, "svg", trace, os.path.join(d, "timeline-smp%d.svg" % smp)],
                   capture_output=True)
    return txt


def grade_kernel_test(runner, pool, test, smps, seed):
    runs = list(pool.map(lambda s: kernel_run(runner, test, s, seed, ""), smps))
    result = {"runs": runs, "flaky": None, "timeline": None}
    bad = [r for r in runs if not r["ok"]]
    if not bad:
        return result
    first = bad[0]
    todo = re.search(FATAL_TODO, first["text"], re.M)
    if not todo:     # a fatal stub fails every time: no point in rerunning
        seeds = [(seed or 0) + 1000 + i for i in range(FLAKY_RERUNS)]
        again = list(pool.map(lambda s: kernel_run(runner, test, first["smp"], s, "-seed%d" % s), seeds))
        k = sum(r["ok"] for r in again)
        if k:
            result["flaky"] = "%d/%d" % (k, len(again))
        result["timeline"] = timeline(runner, test, first["smp"], first)
    return result


def run_all(runner, tests, smps, seed):
    # Boots at once: the host's CPUs, the CPU counts of one test in parallel.
    jobs = max(1, os.cpu_count() or 1)
    results = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs // len(smps))) as pool, \
            ThreadPoolExecutor(max_workers=jobs) as inner:
        futs = {}
        for part, test, pts in tests:
            if ":" in test:
                kind, name = test.split(":", 1)
                futs[test] = pool.submit(lambda k=kind, n=name: {"runs": [host_run(k, n)],
                                                                 "flaky": None, "timeline": None})
            else:
                futs[test] = pool.submit(grade_kernel_test, runner, inner, test, smps, seed)
        for test, f in futs.items():
            results[test] = f.result()
    return results


def print_failure(bad):
    """Why each failing run failed; the log's tail of the first (a TODO
    stub's line says it all)."""
    if not bad:
        return
    whys = [why_failed(x) for x in bad]
    where = ",".join("smp%d" % x["smp"] for x in bad if "smp" in x)
    if len(set(whys)) == 1:
        print("      why%s: %s" % (" (" + where + ")" if where else "", whys[0]))
    else:
        for x, w in zip(bad, whys):
            print("      why%s: %s" % (" (smp%d)" % x["smp"] if "smp" in x else "", w))
    x = bad[0]
    if "smp" in x:
        print("      repeat: make run-pvh SMP=%d CMDLINE=\"%s\"" % (x["smp"], x["words"]))
    if re.match(FATAL_TODO, whys[0]):
        return
    print("      log: %s; its last lines:" % x["log"])
    for line in [l for l in x["text"].split("\n") if l.strip()][-8:]:
        print("        | " + line[:150])


def report(lab, tests, results):
    width = max([48] + [len(t[1]) + 1 for t in tests])
    score = total = 0
    parts = {}
    out = []
    for part, test, pts in tests:
        r = results[test]
        ok = all(x["ok"] for x in r["runs"])
        got = pts if ok else 0
        score += got
        total += pts
        parts.setdefault(part, [0, 0])
        parts[part][0] += got
        parts[part][1] += pts
        status = "PASS" if ok else ("FLAKY " + r["flaky"] if r["flaky"] else "FAIL")
        smps = ",".join("smp%d" % x["smp"] for x in r["runs"] if "smp" in x)
        print("  %-*s %-9s %-12s %3d/%d" % (width, test, smps, status, got, pts))
        entry = {"part": part, "test": test, "points": got, "max": pts, "status": status.split()[0],
                 "flaky": r["flaky"], "timeline": r["timeline"], "runs": []}
        for x in r["runs"]:
            entry["runs"].append({"smp": x.get("smp"), "seed": x.get("seed"), "ok": x["ok"],
                                  "status": x["rc"], "log": x["log"]})
        print_failure([x for x in r["runs"] if not x["ok"]])
        if r["timeline"]:
            print("      timeline of the failing boot: %s (and .svg)" % r["timeline"])
        out.append(entry)
    for part in sorted(parts):
        print("Part %s: %d/%d" % (part, parts[part][0], parts[part][1]))
    print("Score: %d/%d" % (score, total))
    doc = {"lab": int(lab), "score": score, "max": total, "parts": parts, "tests": out,
           "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with open(os.path.join(OUT, "grade.json"), "w") as f:
        json.dump(doc, f, indent=1)
    return score == total


def main():
    lab = which_lab()
    d = os.path.join(ROOT, labtool.lab_dir(lab))
    tests = labtool.read_tests(os.path.join(d, "points"))
    hidden = os.path.join(d, "hidden", "points")
    if os.path.isfile(hidden) and os.environ.get("HIDDEN", "1") != "0":
        tests += labtool.read_tests(hidden)
    t = os.environ.get("T", "")
    if t:
        tests = [x for x in tests if t in x[1]]
        if not tests:
            labtool.die("no test of lab %s has '%s' in its name" % (lab, t))
    smp = os.environ.get("SMP", "").strip()
    if smp and not smp.isdigit() or smp == "0":
        labtool.die("SMP=%s: a CPU count (1, 2, 4, ...) is expected" % smp)
    seed = os.environ.get("SEED", "").strip()
    if seed and not seed.isdigit():
        labtool.die("SEED=%s: a schedfuzz seed (a number) is expected" % seed)
    smps = [int(smp)] if smp else [1, 4]
    seed = int(seed or 0)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    conf = labtool.read_conf(lab)
    say("lab %s (%s): %d tests at -smp %s%s" % (lab, conf["NAME"], len(tests),
                                               ",".join(map(str, smps)),
                                               ", schedfuzz=%d" % seed if seed else ""))
    runner = Runner()
    runner.calibrate()
    results = run_all(runner, tests, smps, seed)
    return 0 if report(lab, tests, results) else 1


if __name__ == "__main__":
    sys.exit(main())
