#!/usr/bin/env python3
"""tools/lab.py - the OS-course labs' trees (docs/labs.md).

The project tree is the solution of every lab. Each lab is a directory
labs/N-name/ with:

    lab.conf        LAB=N, NAME=name, TITLE=..., HOURS=... (shell syntax)
    README.md       the handout's text: what to build, in which order
    strip           what the student tree leaves out (below)
    points          the visible tests and their points (below)
    tests/*.c       the lab's own visible in-kernel tests (KTEST), if any
    hidden/points   the hidden tests and points (never in a student tree)
    hidden/tests/*.c  their in-kernel tests

strip, one entry a line ('#' starts a comment):

    fatal  FILE FUNCTION
        the body of the C function FUNCTION becomes a fatal stub:
        lab_todo(N, "FUNCTION", "FILE") (kernel/lab.h)
    soft   FILE FUNCTION | what happens instead | C statements
        the body becomes lab_soft(...) and then the statements
    region FILE NAME
        the lines between /* LAB N BEGIN NAME */ and /* LAB N END */ (C or
        assembly) become a fatal stub; the markers stay
    soft-region FILE NAME | what happens instead | C statements

points (and hidden/points): PART TEST POINTS, where TEST is an in-kernel
test (run at -smp 1 and -smp 4: both must pass), host:PROGRAM (a host unit
test, build/tests/host/PROGRAM), tsan:TEST or asan:TEST (the runtime's
test on the host, build/hostsched/), or script:PATH[:ARG] (a checker
script, run as bash PATH ARG; exit status 0 = pass).

Subcommands (the Makefile's targets call them):
    list                      the labs
    tree N OUT                write the student tree of lab N into OUT (from
                              the committed HEAD), a git repository with
                              one commit; conf/lab.mk says which lab
    handout N OUT.md          the handout: README.md, every removed
                              function with its signature and the contract
                              comment above it, the tests and points, the
                              commands
    check-diff N STUDENT      the student tree differs from the solution
                              only inside the manifest's functions and
                              regions (and the added conf/lab.mk, the
                              removed hidden tests)
    removed N                 the names the manifest removes, one a line
    files N                   the files the manifest strips, one a line
    lab-mk N TREE             write TREE/conf/lab.mk for lab N
A tree that holds work (commits after the handout's, or changes) is not
replaced unless FORCE=1 is in the environment.
Exit status: 0, 1 (a check failed), 2 (bad usage or a bad manifest).
"""

import difflib
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def die(msg, status=2):
    print("lab: " + msg, file=sys.stderr)
    sys.exit(status)


# --- the labs -------------------------------------------------------------

def lab_dirs():
    d = os.path.join(ROOT, "labs")
    out = {}
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        m = re.match(r"^(\d+)-([a-z0-9_-]+)$", name)
        if m and os.path.isfile(os.path.join(d, name, "lab.conf")):
            out[int(m.group(1))] = name
    return out


def lab_dir(n):
    labs = lab_dirs()
    try:
        return os.path.join("labs", labs[int(n)])
    except (KeyError, ValueError):
        die("no lab %s (labs: %s)" % (n, ", ".join(str(k) for k in labs) or "none"))


def read_conf(n):
    conf = {}
    for line in open(os.path.join(ROOT, lab_dir(n), "lab.conf")):
        m = re.match(r'^([A-Z_]+)=(.*)$', line.strip())
        if m:
            conf[m.group(1)] = m.group(2).strip('"')
    return conf


class Entry:
    def __init__(self, kind, path, name, why="", fallback="", line=0):
        self.kind, self.path, self.name = kind, path, name
        self.why, self.fallback, self.line = why, fallback, line


def read_manifest(n):
    path = os.path.join(ROOT, lab_dir(n), "strip")
    entries = []
    for i, raw in enumerate(open(path), 1):
        line = raw.strip()
        if not line or line.startswith("#"):     # comments are whole lines
            continue
        parts = [p.strip() for p in line.split("|")]
        head = parts[0].split()
        if len(head) != 3 or head[0] not in ("fatal", "soft", "region", "soft-region"):
            die("%s:%d: expected 'fatal|soft|region|soft-region FILE NAME', got: %s" % (path, i, line))
        soft = head[0].startswith("soft")
        if soft and len(parts) != 3:
            die("%s:%d: a soft entry is 'soft FILE NAME | what happens instead | statements'" % (path, i))
        e = Entry(head[0], head[1], head[2], parts[1] if soft else "", parts[2] if soft else "", i)
        if not os.path.isfile(os.path.join(ROOT, e.path)):
            die("%s:%d: no file %s" % (path, i, e.path))
        entries.append(e)
    return entries


def read_tests(path):
    """[(part, test, points)] of a points file."""
    out = []
    if not os.path.isfile(path):
        return out
    for i, raw in enumerate(open(path), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        f = line.split()
        if len(f) != 3 or not f[2].isdigit():
            die("%s:%d: expected 'PART TEST POINTS', got: %s" % (path, i, line))
        out.append((f[0], f[1], int(f[2])))
    return out


# --- finding what to strip in a source file --------------------------------

def skip_literal(text, i):
    """Index after the comment or literal starting at i, or i if none."""
    if text.startswith("/*", i):
        j = text.find("*/", i + 2)
        return len(text) if j < 0 else j + 2
    if text.startswith("//", i):
        j = text.find("\n", i)
        return len(text) if j < 0 else j
    if text[i] in "\"'":
        q, j = text[i], i + 1
        while j < len(text) and text[j] != q:
            j += 2 if text[j] == "\\" else 1
        return j + 1
    return i


def match_close(text, i, open_ch, close_ch):
    """Index of the bracket closing the one at text[i]."""
    depth = 0
    while i < len(text):
        j = skip_literal(text, i)
        if j != i:
            i = j
            continue
        if text[i] == open_ch:
            depth += 1
        elif text[i] == close_ch:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def find_function(text, name):
    """(start of the signature's line, '(' index, '{' index, '}' index) of
    the definition of C function name, or None."""
    for m in re.finditer(r"(?m)^[A-Za-z_][^;{}#\n]*\b" + re.escape(name) + r"\s*\(", text):
        paren = m.end() - 1
        close = match_close(text, paren, "(", ")")
        if close < 0:
            continue
        k = close + 1
        while k < len(text) and text[k] in " \t\n":
            k += 1
        while text.startswith("__attribute__", k):    # attributes after the parameters
            a = text.find("(", k)
            k = match_close(text, a, "(", ")") + 1
            while k < len(text) and text[k] in " \t\n":
                k += 1
        if k < len(text) and text[k] == "{":
            end = match_close(text, k, "{", "}")
            if end > 0:
                return m.start(), paren, k, end
    return None


def param_names(sig):
    """The parameter names of a parameter list '(...)' (without the parens)."""
    names, depth, cur = [], 0, ""
    for ch in sig + ",":
        if ch == "," and depth == 0:
            p = cur.strip()
            cur = ""
            if not p or p in ("void", "..."):
                continue
            fp = re.search(r"\(\s*\*\s*([A-Za-z_]\w*)\s*\)", p)
            if fp:
                names.append(fp.group(1))
                continue
            ids = re.findall(r"[A-Za-z_]\w*", re.sub(r"\[.*?\]", "", p))
            if len(ids) >= 2:
                names.append(ids[-1])
            continue
        depth += ch in "(["
        depth -= ch in ")]"
        cur += ch
    return names


def find_region(text, lab, name):
    """(index after the BEGIN line, index of the END line) or None."""
    b = re.search(r"(?m)^.*LAB %d BEGIN %s\b.*\n" % (lab, re.escape(name)), text)
    if not b:
        return None
    e = re.compile(r"(?m)^.*LAB %d END\b" % lab).search(text, b.end())
    return (b.end(), e.start()) if e else None


# --- stubs ----------------------------------------------------------------

def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def c_stub(lab, e, params, indent="\t"):
    lines = [indent + "/* LAB %d: write %s (the handout says what it must do). */" % (lab, e.name)]
    if params:
        lines.append(indent + " ".join("(void)%s;" % p for p in params))
    if e.kind.startswith("soft"):
        lines.append(indent + "lab_soft(%d, %s, %s, %s);" % (lab, c_string(e.name), c_string(e.path),
                                                            c_string(e.why)))
        lines.append(indent + e.fallback)
    else:
        lines.append(indent + "lab_todo(%d, %s, %s);" % (lab, c_string(e.name), c_string(e.path)))
    return "\n".join(lines) + "\n"


def asm_stub(lab, e):
    tag = ".Llab%d_%s" % (lab, re.sub(r"\W", "_", e.name))
    return ("\t/* LAB %d: write %s here (the handout says what it must do). */\n"
            "\tmovl $%d, %%edi\n\tleaq %s_fn(%%rip), %%rsi\n\tleaq %s_file(%%rip), %%rdx\n"
            "\tjmp lab_todo\n\t.pushsection .rodata\n%s_fn:\n\t.asciz %s\n%s_file:\n\t.asciz %s\n"
            "\t.popsection\n") % (lab, e.name, lab, tag, tag, tag, c_string(e.name), tag, c_string(e.path))


def strip_entry(text, lab, e):
    """text with entry e stubbed, and the (start, end) span it replaced."""
    if e.kind in ("fatal", "soft"):
        f = find_function(text, e.name)
        if not f:
            die("labs strip line %d: no definition of %s() in %s" % (e.line, e.name, e.path))
        _, paren, lbrace, rbrace = f
        params = param_names(text[paren + 1:match_close(text, paren, "(", ")")])
        body = "{\n" + c_stub(lab, e, params) + "}"
        return text[:lbrace] + body + text[rbrace + 1:], (lbrace, rbrace + 1)
    r = find_region(text, lab, e.name)
    if not r:
        die("labs strip line %d: no /* LAB %d BEGIN %s */ ... /* LAB %d END */ in %s"
            % (e.line, lab, e.name, lab, e.path))
    stub = asm_stub(lab, e) if e.path.endswith(".S") and e.kind == "region" else c_stub(lab, e, [])
    return text[:r[0]] + stub + text[r[1]:], r


def include_lab_h(path, text):
    """C files outside sched/ get kernel/lab.h (sched/ has it from plat.h)."""
    if path.endswith(".S") or path.startswith("sched/") or '"kernel/lab.h"' in text:
        return text
    incs = list(re.finditer(r'(?m)^#include .*\n', text))
    at = incs[-1].end() if incs else 0
    return text[:at] + '#include "kernel/lab.h"\n' + text[at:]


def strip_files(n, entries, tree):
    by_file = {}
    for e in entries:
        by_file.setdefault(e.path, []).append(e)
    for path, es in by_file.items():
        full = os.path.join(tree, path)
        text = open(full).read()
        for e in es:
            text, _ = strip_entry(text, n, e)
        if any(e.kind in ("fatal", "soft") or not path.endswith(".S") for e in es):
            text = include_lab_h(path, text)
        open(full, "w").write(text)


# --- subcommands ----------------------------------------------------------

def git(*args, cwd=ROOT, inp=None):
    r = subprocess.run(["git"] + list(args), cwd=cwd, input=inp, capture_output=True)
    if r.returncode:
        die("git %s: %s" % (" ".join(args), r.stderr.decode(errors="replace").strip()))
    return r.stdout


def has_work(out):
    """Whether the tree at out holds a student's work: commits after the
    handout's, or changes not committed. Anything else may be replaced."""
    if not os.path.isdir(os.path.join(out, ".git")):
        return bool(os.listdir(out))
    count = git("rev-list", "--count", "HEAD", cwd=out).strip()
    return count != b"1" or bool(git("status", "--porcelain", cwd=out).strip())


def warn_uncommitted(n, entries):
    """The tree is cut from HEAD, the manifest and handout read from here."""
    paths = [lab_dir(n)] + sorted({e.path for e in entries})
    dirty = git("status", "--porcelain", "--", *paths).decode().strip()
    if dirty:
        print("lab: note: uncommitted changes (%s): the tree is cut from the committed "
              "HEAD, so commit them first if they belong in it"
              % ", ".join(l[3:] for l in dirty.splitlines()), file=sys.stderr)


def write_lab_mk(n, tree):
    conf = read_conf(n)
    os.makedirs(os.path.join(tree, "conf"), exist_ok=True)
    with open(os.path.join(tree, "conf", "lab.mk"), "w") as f:
        f.write("# This tree is the student tree of lab %s (%s): make grade grades it.\n" % (n, conf["NAME"]))
        f.write("LAB := %s\nLAB_NAME := %s\nLAB_DIR := %s\n" % (n, conf["NAME"], lab_dir(n)))
        f.write("# The stubs leave helpers unused: a warning, not an error, here.\n")
        f.write("LAB_CFLAGS := -Wno-error=unused-function -Wno-error=unused-variable "
                "-Wno-error=unused-but-set-variable\n")


def cmd_tree(n, out):
    conf = read_conf(n)
    entries = read_manifest(n)
    warn_uncommitted(n, entries)
    if os.path.exists(out):
        if has_work(out) and os.environ.get("FORCE") != "1":
            die("%s holds work (commits after the handout, or changes): it is left as it is; "
                "move it away, or make lab LAB=%s FORCE=1 to replace it" % (out, n))
        shutil.rmtree(out)
    os.makedirs(out)
    tar = git("archive", "--format=tar", "HEAD")
    subprocess.run(["tar", "-x", "-C", out], input=tar, check=True)
    for d in lab_dirs().values():
        shutil.rmtree(os.path.join(out, "labs", d, "hidden"), ignore_errors=True)
    strip_files(int(n), entries, out)
    cmd_handout(n, os.path.join(out, "HANDOUT.md"))
    write_lab_mk(n, out)
    env = dict(os.environ, GIT_AUTHOR_NAME="Spindle labs", GIT_AUTHOR_EMAIL="labs@spindle.invalid",
               GIT_COMMITTER_NAME="Spindle labs", GIT_COMMITTER_EMAIL="labs@spindle.invalid")
    for args in (["init", "-q"], ["add", "-A"],
                 ["commit", "-q", "-m", "Lab %s (%s): the handout" % (n, conf["NAME"])]):
        r = subprocess.run(["git"] + args, cwd=out, env=env, capture_output=True)
        if r.returncode:
            die("git %s in %s: %s" % (args[0], out, r.stderr.decode(errors="replace")))
    head = git("rev-parse", "--short", "HEAD").decode().strip()
    print("lab: lab %s (%s) written to %s (from %s; %d functions and regions to write)"
          % (n, conf["NAME"], out, head, len(entries)))


def contract_comment(text, start):
    """The comment block just above the definition starting at start (a
    region's own markers are not one)."""
    before = text[:start].rstrip("\n")
    if not before.endswith("*/"):
        return ""
    b = before.rfind("/*")
    if b < 0 or re.match(r"/\* LAB \d+ (BEGIN|END)\b", before[b:]):
        return ""
    return before[b:] + "\n"


def enclosing_function(text, at):
    """(signature, its comment) of the C function whose body holds index at."""
    best = None
    for m in re.finditer(r"(?m)^[A-Za-z_][^;{}#\n]*\b(\w+)\s*\(", text[:at]):
        f = find_function(text, m.group(1))
        if f and f[2] < at < f[3]:
            best = f
    if not best:
        return None, ""
    return text[best[0]:best[2]].strip(), contract_comment(text, best[0])


def removed_items(n):
    """[(entry, signature-or-None, comment)] from the solution tree."""
    items = []
    for e in read_manifest(n):
        text = open(os.path.join(ROOT, e.path)).read()
        if e.kind in ("fatal", "soft"):
            start, _, lbrace, _ = find_function(text, e.name)
            items.append((e, text[start:lbrace].strip(), contract_comment(text, start)))
        else:
            b = re.search(r"(?m)^.*LAB %d BEGIN %s\b.*$" % (int(n), re.escape(e.name)), text)
            above = text[:b.start()] if b else ""
            # An assembly entry point: its comment sits above .globl and the label.
            labels = ""
            while True:
                m = re.search(r"(?m)^[ \t]*(\.globl[^\n]*|[A-Za-z_.$][\w.$]*:)[ \t]*\n\Z", above)
                if not m:
                    break
                labels = m.group(0) + labels
                above = above[:m.start()]
            if e.path.endswith(".S"):
                items.append((e, labels.strip() or None, contract_comment(above, len(above))))
            else:   # a region inside a C function: that function's contract
                sig, comment = enclosing_function(text, b.start() if b else 0)
                items.append((e, ("/* in: */ " + sig) if sig else None, comment))
    return items


def cmd_handout(n, out):
    conf = read_conf(n)
    d = os.path.join(ROOT, lab_dir(n))
    lines = [open(os.path.join(d, "README.md")).read().rstrip(), "",
             "## What you write", "",
             "The student tree has a stub in place of each of these; a test that reaches a "
             "fatal stub fails at once with `LAB %s TODO: <function> (<file>) is not written`, "
             "a soft stub warns once and falls back so the rest still runs." % n, ""]
    for e, sig, comment in removed_items(n):
        kind = "soft stub: " + e.why if e.kind.startswith("soft") else "fatal stub"
        what = "`%s()`" % e.name if e.kind in ("fatal", "soft") else "region `%s`" % e.name
        lines.append("### %s in `%s` (%s)" % (what, e.path, kind))
        lines.append("")
        if comment or sig:
            lang = "asm" if e.path.endswith(".S") else "c"
            lines += ["```" + lang, (comment + (sig or "")).rstrip(), "```", ""]
    lines += ["## Tests and points", "", "Each in-kernel test runs at -smp 1 and -smp 4; it scores "
              "its points when both pass. Hidden tests (run by the course) are not listed.", "",
              "| part | test | points |", "|---|---|---:|"]
    total = 0
    for part, test, pts in read_tests(os.path.join(d, "points")):
        lines.append("| %s | `%s` | %d |" % (part, test, pts))
        total += pts
    lines += ["| | **visible total** | **%d** |" % total, "", "## Commands", "",
              "    make grade                 # every test of the lab: per-test points, Score: x/y",
              "    make grade T=name          # the tests whose names contain 'name'",
              "    make grade SMP=1 SEED=7    # one CPU count; a schedfuzz seed",
              "    make trace T=name SMP=4    # a timeline of one test (docs/trace.md)",
              "    make tracediff T=name      # your schedule against the reference, at -smp 1",
              "    make debug T=name          # the test under gdb (info goroutines, goroutine N bt)",
              "    make handin                # a tarball to hand in (nothing is uploaded)", ""]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    open(out, "w").write("\n".join(lines))
    print("lab: handout of lab %s (%s) written to %s" % (n, conf["NAME"], out))


def allowed_spans(n, path, text):
    spans = []
    for e in read_manifest(n):
        if e.path != path:
            continue
        if e.kind in ("fatal", "soft"):
            f = find_function(text, e.name)
            if f:
                spans.append((f[2], f[3] + 1))
        else:
            r = find_region(text, int(n), e.name)
            if r:
                spans.append(r)
    return spans


def line_of(text, idx):
    return text.count("\n", 0, idx)


def cmd_check_diff(n, student):
    problems = []
    files = git("ls-tree", "-r", "--name-only", "HEAD").decode().split("\n")
    manifest_files = {e.path for e in read_manifest(n)}
    for path in filter(None, files):
        stu = os.path.join(student, path)
        if "/hidden/" in path and path.startswith("labs/"):
            if os.path.exists(stu):
                problems.append("%s: a hidden test is in the student tree" % path)
            continue
        if not os.path.exists(stu):
            problems.append("%s: missing from the student tree" % path)
            continue
        a, b = git("show", "HEAD:" + path), open(stu, "rb").read()   # the committed solution
        if a == b:
            continue
        if path not in manifest_files:
            problems.append("%s: differs, but the manifest names nothing in it" % path)
            continue
        problems += diff_outside_spans(n, path, a.decode(), b.decode())
    for p in problems:
        print("lab: check-diff: " + p)
    print("lab: check-diff: %s" % ("the trees differ only where the manifest says"
                                   if not problems else "%d problems" % len(problems)))
    return 1 if problems else 0


def diff_outside_spans(n, path, sol, stu):
    """Changed solution lines that lie outside every stripped span."""
    spans = [(line_of(sol, s), line_of(sol, e)) for s, e in allowed_spans(n, path, sol)]
    out = []
    sm = difflib.SequenceMatcher(None, sol.split("\n"), stu.split("\n"), autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        ok = any(lo <= i1 and i2 <= hi + 1 for lo, hi in spans)
        added = stu.split("\n")[j1:j2]
        if not ok and op == "insert" and added == ['#include "kernel/lab.h"']:
            ok = True
        if not ok:
            out.append("%s:%d: a change outside the manifest's functions and regions" % (path, i1 + 1))
    return out


def cmd_removed(n):
    for e in read_manifest(n):
        print(e.name)


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    cmd, args = argv[1], argv[2:]
    if cmd == "list" and not args:
        for k, d in lab_dirs().items():
            c = read_conf(k)
            print("%d %s  %s" % (k, c.get("NAME", d), c.get("TITLE", "")))
        return 0
    if cmd == "tree" and len(args) == 2:
        cmd_tree(args[0], args[1])
        return 0
    if cmd == "handout" and len(args) == 2:
        cmd_handout(args[0], args[1])
        return 0
    if cmd == "check-diff" and len(args) == 2:
        return cmd_check_diff(args[0], args[1])
    if cmd == "removed" and len(args) == 1:
        cmd_removed(args[0])
        return 0
    if cmd == "files" and len(args) == 1:
        for path in sorted({e.path for e in read_manifest(args[0])}):
            print(path)
        return 0
    if cmd == "lab-mk" and len(args) == 2:
        write_lab_mk(args[0], args[1])
        return 0
    die("usage: tools/lab.py list | tree N OUT | handout N OUT.md | check-diff N STUDENT | "
        "removed N | files N | lab-mk N TREE")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
