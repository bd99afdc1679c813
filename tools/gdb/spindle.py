"""tools/gdb/spindle.py - gdb commands for Spindle's goroutine runtime.

Loaded by build/gdbinit (make debug). Every command reads the runtime's
globals (sched/proc.c: sched, ms[], ps[], sched.allgs) from the stopped
kernel by name, through the kernel's debug information (build/kernel.elf is
built with -g), so a field added to struct g, m or p needs no change here;
a field renamed or removed does (the names used are listed in FIELDS).

    info goroutines [all]     every goroutine: id, status, wait reason,
                              where it is (M/P or queue), entry function
    goroutine N|all [bt]      backtrace of goroutine N (from its saved
                              switch frame, or its CPU's frame if running)
    info runq [P]             P's local run queue, runnext, inbox and the
                              global run queue
    info ms                   the Ms: cpu, P, curg, spinning/halted, in_use

The port QEMU's gdb stub listens on comes from GDB_PORT (environment) or
the file tools/run-qemu.sh writes ($BUILD/gdb-port, or GDB_PORT_FILE):
spindle_connect().
"""

import os

import gdb

# The fields this file reads (a rename in sched/sched.h, kernel/thread.h,
# arch/x86_64/percpu.h or arch/x86_64/switch_frame.h must be made here too).
FIELDS = {
    "struct g": "sp goid status waitreason m fn arg alllink schedlink stack_lo stack_size",
    "struct m": "id cpu p curg spinning halted in_use thread",
    "struct p": "id m runqhead runqtail runq runnext inbox ninbox",
    "struct sched": "allgs runq runqsize nprocs nms",
    "struct gqueue": "head",
    "struct switch_frame": "rbp rip above",
    "struct trap_frame": "rip rbp",
    "struct tcb": "sp cpu stack_lo stack_hi",
    "struct cpu": "sched",
}

# Fallbacks when the kernel's own name tables and enum gstatus cannot be
# read (they are read from sched/proc.c's gstatus_names, waitreason_names
# and the debug information of sched/sched.h first).
GSTATUS_FALLBACK = ["idle", "runnable", "running", "waiting", "dead", "syscall"]
GSTATUS_VALUES = {"G_IDLE": 0, "G_RUNNING": 2, "G_WAITING": 3, "G_DEAD": 4, "G_SYSCALL": 5}
MAX_LIST = 1 << 20      # a list longer than this is taken as corrupt (a cycle)
BACKTRACE_MAX = 64


class SpindleError(Exception):
    """A condition to report in one line (never as a Python traceback)."""


_cache = {}


def _guard(fn):
    """Run a command's body: expected failures become one gdb error line."""
    def wrapped(self, arg, from_tty):
        _cache.clear()          # what was read is good for one command only
        try:
            _check_fields()
            fn(self, arg, from_tty)
        except SpindleError as e:
            raise gdb.GdbError(str(e))
        except gdb.MemoryError as e:
            raise gdb.GdbError("cannot read the kernel's memory (%s); is the target "
                               "stopped inside the kernel?" % e)
        except gdb.GdbError:
            raise
        except gdb.error as e:
            raise gdb.GdbError("spindle: %s" % e)
        except Exception as e:    # a bug here: still one line, with its kind
            raise gdb.GdbError("spindle.py: internal error: %s: %s" % (type(e).__name__, e))
    wrapped.__doc__ = fn.__doc__
    return wrapped


# --- reading the kernel ------------------------------------------------------

def _check_fields():
    """Every field in FIELDS exists in the loaded kernel's types: a struct
    changed in a way this file does not follow is said plainly."""
    for tname, names in FIELDS.items():
        try:
            t = gdb.lookup_type(tname)
        except gdb.error:
            raise SpindleError("the kernel's debug information has no %s: load "
                               "build/kernel.elf (file build/kernel.elf)" % tname)
        have = {f.name for f in t.strip_typedefs().fields()}
        for f in names.split():
            if f not in have:
                raise SpindleError("%s has no field `%s` any more: tools/gdb/spindle.py "
                                   "must follow the change (see FIELDS there)" % (tname, f))


def _gconst(name):
    """A value of enum gstatus, from the debug information if it is there."""
    key = "enum:" + name
    if key not in _cache:
        try:
            _cache[key] = int(gdb.parse_and_eval("(int)" + name))
        except gdb.error:
            _cache[key] = GSTATUS_VALUES[name]
    return _cache[key]


def _check_target():
    if gdb.selected_thread() is None:
        raise SpindleError("no live target: connect to QEMU first (`make debug`, then "
                           "gdb -x build/gdbinit, or: target remote :PORT)")
    if gdb.lookup_global_symbol("ms") is None or gdb.lookup_global_symbol("sched") is None:
        raise SpindleError("no symbols of the goroutine runtime (ms, sched): load the "
                           "kernel first (file build/kernel.elf)")


def _eval(expr):
    try:
        return gdb.parse_and_eval(expr)
    except gdb.error as e:
        raise SpindleError("cannot evaluate `%s`: %s" % (expr, e))


def _u64_type():
    return gdb.lookup_type("unsigned long")


def _addr(v):
    """A pointer (or integer) gdb.Value as a Python int."""
    return int(v.cast(_u64_type()))


def _read_u64(addr):
    mem = gdb.selected_inferior().read_memory(addr, 8)
    return int.from_bytes(bytes(mem), "little")


def _array_len(v):
    lo, hi = v.type.strip_typedefs().range()
    return hi - lo + 1


def _names(sym, fallback):
    if sym not in _cache:
        try:
            v = gdb.parse_and_eval(sym)
            _cache[sym] = [v[i].string() for i in range(_array_len(v))]
        except (gdb.error, gdb.MemoryError, RuntimeError):
            _cache[sym] = list(fallback)
    return _cache[sym]


def _gone(st):
    """Dead or idle: on a free list, no stack in use."""
    return st in (_gconst("G_DEAD"), _gconst("G_IDLE"))


def _has_reason(st):
    """Its waitreason means something (waiting, or blocked in the kernel)."""
    return st in (_gconst("G_WAITING"), _gconst("G_SYSCALL"))


def _status_name(st):
    names = _names("gstatus_names", GSTATUS_FALLBACK)
    return names[st] if 0 <= st < len(names) else "status %d?" % st


def _wait_name(wr):
    names = _names("waitreason_names", [])
    if 0 <= wr < len(names):
        return names[wr]
    return "reason %d" % wr


def _ms():
    ms = _eval("ms")
    return [ms[i] for i in range(_array_len(ms))]


def _ms_in_use():
    return [m for m in _ms() if bool(m["in_use"])]


def _require_runtime():
    """The Ms in use; a clear error when the runtime is not running."""
    _check_target()
    used = _ms_in_use()
    if not used:
        raise SpindleError("the goroutine runtime is not running: no M is in use "
                           "(ms[].in_use all false; go_main has not started or has "
                           "returned). Stop inside a goroutine, e.g. `break pp_echo` "
                           "with test=chan_unbuffered_pingpong, and try again.")
    return used


def _allgs():
    out, seen = [], set()
    gp = _eval("sched.allgs")
    while _addr(gp) != 0:
        a = _addr(gp)
        if a in seen or len(out) > MAX_LIST:
            raise SpindleError("sched.allgs loops at 0x%x: the list is corrupt" % a)
        seen.add(a)
        out.append(gp.dereference())
        gp = gp["alllink"]
    return out


def _gqueue(q):
    """The Gs of a struct gqueue (linked through schedlink)."""
    out, seen = [], set()
    gp = q["head"]
    while _addr(gp) != 0:
        a = _addr(gp)
        if a in seen or len(out) > MAX_LIST:
            out.append(None)        # a cycle: stop, say so
            break
        seen.add(a)
        out.append(gp.dereference())
        gp = gp["schedlink"]
    return out


def _nprocs():
    n = int(_eval("sched.nprocs"))
    ps = _eval("ps")
    return max(0, min(n, _array_len(ps)))


def _local_runq(p):
    """(RUNQ_SIZE, runqhead, runqtail, their distance, [(index, G)]) of P's
    ring runq[] between runqhead and runqtail (at most RUNQ_SIZE slots)."""
    size = _array_len(p["runq"])
    head, tail = int(p["runqhead"]), int(p["runqtail"])
    n = (tail - head) & 0xffffffff
    out = []
    for i in range(min(n, size)):
        idx = (head + i) % size
        out.append((idx, p["runq"][idx]))
    return size, head, tail, n, out


# --- symbols -----------------------------------------------------------------

def _minsym(pc):
    try:
        s = gdb.execute("info symbol 0x%x" % pc, to_string=True).strip()
    except gdb.error:
        return None
    if not s or s.startswith("No symbol"):
        return None
    return s.split(" in section ")[0].replace(" + ", "+")


def _sym(pc):
    """The function containing pc (innermost inlined one first), or None."""
    if pc == 0:
        return None
    try:
        block = gdb.block_for_pc(pc)
    except RuntimeError:
        block = None
    names = []
    while block is not None:
        if block.function is not None:
            names.append(block.function.print_name)
        block = block.superblock
    if names:
        if len(names) > 1:
            return "%s [inlined into %s]" % (names[0], names[-1])
        return names[0]
    m = _minsym(pc)
    return m.split("+")[0] if m else None


def _where(pc):
    sal = gdb.find_pc_line(pc)
    if sal.symtab is not None and sal.line:
        return "%s:%d" % (sal.symtab.filename, sal.line)
    return None


def _sym_addr(name):
    try:
        return _addr(gdb.parse_and_eval("(unsigned long)&%s" % name))
    except gdb.error:
        return None


def _sym_addrs(*names):
    """{address: name} of those of names the kernel has."""
    out = {}
    for name in names:
        a = _sym_addr(name)
        if a is not None:
            out[a] = name
    return out


def _fn_name(fnptr):
    a = _addr(fnptr)
    return _sym(a) or ("0x%x" % a if a else "?")


def _text_range():
    lo, hi = _sym_addr("__text_start"), _sym_addr("__text_end")
    return (lo or 0, hi or (1 << 64))


# --- CPUs and Ms -------------------------------------------------------------

class _OnThread:
    """with _OnThread(th): gdb's thread th selected, then the thread and
    frame selected before again."""

    def __init__(self, th):
        self.th = th

    def __enter__(self):
        self.cur = gdb.selected_thread()
        try:
            self.frame = gdb.selected_frame()
        except gdb.error:
            self.frame = None
        self.th.switch()

    def __exit__(self, *exc):
        if self.cur is not None and self.cur.is_valid():
            self.cur.switch()
            if self.frame is not None:
                try:
                    self.frame.select()
                except (gdb.error, RuntimeError):
                    pass
        return False


def _cpu_threads():
    """{address of struct cpu: gdb thread}, from each vCPU's GS base (QEMU
    shows one gdb thread per vCPU)."""
    if "cpu_threads" in _cache:
        return _cache["cpu_threads"]
    out = {}
    for th in gdb.selected_inferior().threads():
        try:
            with _OnThread(th):
                gs = _addr(gdb.parse_and_eval("$gs_base"))
        except (gdb.error, RuntimeError):
            continue
        if gs:
            out[gs] = th
    _cache["cpu_threads"] = out
    return out


def _m_cpus():
    """{address of struct m: (cpu index, gdb thread or None)} for the Ms
    whose kernel thread is on a CPU now (cpus[i].sched == m)."""
    try:
        cpus = _eval("cpus")
        n = int(_eval("ncpus"))
    except SpindleError:
        return {}
    threads = _cpu_threads()
    out = {}
    for i in range(min(n, _array_len(cpus))):
        m = _addr(cpus[i]["sched"])
        if m:
            out[m] = (i, threads.get(_addr(cpus[i].address)))
    return out


def _gdesc(gp):
    if _addr(gp) == 0:
        return "-"
    g = gp.dereference()
    return "goroutine %d (%s)" % (int(g["goid"]), _fn_name(g["fn"]))


def _locations():
    """{address of a G: where it is queued or running}."""
    loc = {}
    for m in _ms_in_use():
        cg = _addr(m["curg"])
        if cg:
            p = m["p"]
            loc[cg] = "M%d%s" % (int(m["id"]),
                                 " P%d" % int(p["id"]) if _addr(p) else " (no P)")
    ps = _eval("ps")
    for i in range(_nprocs()):
        p = ps[i]
        _, _, _, _, slots = _local_runq(p)
        for _, gp in slots:
            loc.setdefault(_addr(gp), "runq P%d" % i)
        if _addr(p["runnext"]):
            loc.setdefault(_addr(p["runnext"]), "runnext P%d" % i)
        for g in _gqueue(p["inbox"]):
            if g is not None:
                loc.setdefault(_addr(g.address), "inbox P%d" % i)
    for g in _gqueue(_eval("sched.runq")):
        if g is not None:
            loc.setdefault(_addr(g.address), "global runq")
    return loc


# --- backtraces of stopped contexts -----------------------------------------

def _frame_line(n, pc, is_return):
    look = pc - 1 if is_return else pc    # a return address: inside the call
    name = _sym(look) or "??"
    where = _where(look)
    return "#%-2d 0x%016x in %s%s" % (n, pc, name, " at " + where if where else "")


def _switch_frame_start(sp):
    """(pc, rbp, is_return, note) where the context saved at sp continues,
    as arch/x86_64/switch_frame.c's switch_frame_backtrace reads it."""
    sf_t = gdb.lookup_type("struct switch_frame")
    f = gdb.Value(sp).cast(sf_t.pointer()).dereference()
    rip = _addr(f["rip"])
    resumes = _sym_addrs("preempt_resume", "kthread_preempt_resume")
    switches = _sym_addrs("switch_return", "mcall_resume")
    if rip in resumes:
        tf_t = gdb.lookup_type("struct trap_frame")
        tf = gdb.Value(sp + sf_t.sizeof).cast(tf_t.pointer()).dereference()
        return (_addr(tf["rip"]), _addr(tf["rbp"]), False,
                "preempted (resumes through %s; trap frame above the switch frame)"
                % resumes[rip])
    if rip in switches:
        return (_addr(f["above"]), _addr(f["rbp"]), True,
                "switched out (resumes at %s)" % switches[rip])
    return (rip, _addr(f["rbp"]), False,
            "never ran: starts at %s" % (_sym(rip) or "0x%x" % rip))


def _stack_index(stacks, addr, start):
    """The first of stacks[start:] (lo, hi) ranges holding a frame at addr."""
    for i in range(start, len(stacks)):
        lo, hi = stacks[i]
        if lo <= addr and addr + 16 <= hi:
            return i
    return None


def _walk(sp, stacks):
    """Lines of the backtrace of the context whose switch frame is at sp:
    the first pc, then the rbp chain (kernel/panic.c's backtrace_print).
    stacks: the (lo, hi) stacks the frames may be on, in the order the
    chain goes through them (a kernel call runs on its M's stack, called
    from the goroutine's: the chain goes from the one to the other)."""
    pc, fp, is_ret, note = _switch_frame_start(sp)
    lines = ["  saved sp 0x%x: %s" % (sp, note), _frame_line(0, pc, is_ret)]
    tlo, thi = _text_range()
    n, cur = 1, 0
    while n < BACKTRACE_MAX and fp and fp % 8 == 0:
        idx = _stack_index(stacks, fp, cur)
        if idx is None:
            lines.append("  (rbp 0x%x is on none of its stacks: the walk ends)" % fp)
            break
        cur = idx
        try:
            nxt, ret = _read_u64(fp), _read_u64(fp + 8)
        except gdb.MemoryError:
            lines.append("  (cannot read the frame at rbp 0x%x)" % fp)
            break
        if ret < tlo or ret >= thi:
            break
        lines.append(_frame_line(n, ret, True))
        n += 1
        if nxt <= fp and _stack_index(stacks, nxt, cur + 1) is None:
            break               # frames go up the stack; anything else is junk
        fp = nxt
    return lines


def _cpu_bt(th):
    """The backtrace gdb itself gives of the vCPU of gdb thread th."""
    with _OnThread(th):
        return gdb.execute("bt %d" % BACKTRACE_MAX, to_string=True).rstrip("\n").split("\n")


def _g_backtrace(g):
    """Lines: header and backtrace of one G."""
    st = int(g["status"])
    head = "goroutine %d [%s" % (int(g["goid"]), _status_name(st))
    if _has_reason(st):
        head += ", " + _wait_name(int(g["waitreason"]))
    head += "]: created as %s(0x%x)" % (_fn_name(g["fn"]), _addr(g["arg"]))
    lines = [head]
    if _gone(st):
        return lines + ["  (%s: no stack to walk)" % _status_name(st)]
    mp = g["m"]
    lo = _addr(g["stack_lo"])
    hi = lo + int(g["stack_size"])
    on_m = _addr(mp) != 0 and _addr(mp["curg"]) == _addr(g.address)
    if not on_m:
        return lines + _walk(_addr(g["sp"]), [(lo, hi)])
    m = mp.dereference()
    cpus = _m_cpus()
    where = cpus.get(_addr(mp))
    if where is not None and where[1] is not None:
        cpu, th = where
        lines.append("  running on M%d, CPU %d (gdb thread %d): that CPU's frames, as gdb "
                     "unwinds them:" % (int(m["id"]), cpu, th.num))
        return lines + ["  " + s for s in _cpu_bt(th)]
    if where is not None:
        return lines + ["  running on M%d, CPU %d (no gdb thread has that CPU's GS base)"
                        % (int(m["id"]), where[0])]
    # Its M's kernel thread is off its CPU (preempted, or blocked in a
    # kernel call): the G's registers are in that thread's switch frame.
    t = m["thread"]
    if _addr(t) == 0:
        return lines + ["  on M%d, which has no kernel thread" % int(m["id"])]
    tcb = t.cast(gdb.lookup_type("struct tcb").pointer()).dereference()
    lines.append("  on M%d, whose kernel thread is not on a CPU (last on CPU %d): from "
                 "the thread's saved frame" % (int(m["id"]), int(tcb["cpu"])))
    return lines + _walk(_addr(tcb["sp"]), [(_addr(tcb["stack_lo"]), _addr(tcb["stack_hi"])),
                                            (lo, hi)])


# --- the commands ------------------------------------------------------------

class InfoGoroutines(gdb.Command):
    """List the goroutines of the running Spindle runtime (sched.allgs).

Usage: info goroutines [all]
One line per goroutine, like Go's goroutine dump: its id, status (as
sched/proc.c's gstatus_names), wait reason (waitreason_names) while
waiting, where it is (Mn Pn while it runs; runnext/runq/inbox Pn or the
global runq while runnable), and its entry function (g->fn) with the
argument. `*` marks the goroutine running on the selected gdb thread.
Dead and idle goroutines (on free lists, for reuse) are left out unless
`all` is given."""

    def __init__(self):
        super().__init__("info goroutines", gdb.COMMAND_STATUS)

    @_guard
    def invoke(self, arg, from_tty):
        show_all = arg.strip() == "all"
        if arg.strip() not in ("", "all"):
            raise SpindleError("usage: info goroutines [all]")
        _require_runtime()
        loc = _locations()
        here = _m_here()
        rows, hidden = [], 0
        for g in _allgs():
            st = int(g["status"])
            if _gone(st) and not show_all:
                hidden += 1
                continue
            wr = _wait_name(int(g["waitreason"])) if _has_reason(st) else ""
            a = _addr(g.address)
            mark = "*" if here is not None and _addr(here["curg"]) == a else " "
            rows.append((mark, int(g["goid"]), _status_name(st), wr, loc.get(a, "-"),
                         "%s(0x%x)" % (_fn_name(g["fn"]), _addr(g["arg"]))))
        rows.sort(key=lambda r: r[1])
        out = ["  %5s  %-9s %-24s %-13s %s" % ("Id", "Status", "Wait reason", "On", "Entry")]
        for r in rows:
            out.append("%s %5d  %-9s %-24s %-13s %s" % r)
        out.append("%d goroutine%s%s" % (len(rows), "" if len(rows) == 1 else "s",
                   " (%d dead or idle not shown: info goroutines all)" % hidden if hidden else ""))
        gdb.write("\n".join(out) + "\n")


def _m_here():
    """The struct m running on the selected gdb thread's CPU, or None."""
    try:
        gs = _addr(gdb.parse_and_eval("$gs_base"))
        if not gs:
            return None
        m = gdb.Value(gs).cast(gdb.lookup_type("struct cpu").pointer())["sched"]
        if _addr(m) == 0:
            return None
        return m.cast(gdb.lookup_type("struct m").pointer()).dereference()
    except (gdb.error, gdb.MemoryError):
        return None


class Goroutine(gdb.Command):
    """Show the backtrace of goroutine N of the running Spindle runtime.

Usage: goroutine N bt     (or: goroutine N; goroutine all bt)
A goroutine that is not running has its context in a struct switch_frame
at g->sp (arch/x86_64/switch_frame.h): the walk starts where it continues
(the return address into its caller of mcall/switch_to, the interrupted
rip of a preemption, or its start stub if it never ran) and follows the
rbp chain, naming each address's function and line. gdb cannot select
such a context. A running goroutine's registers are its CPU's: its frames
are shown as gdb unwinds that CPU's thread (the gdb thread whose GS base
is the struct cpu whose M is the goroutine's). If its M's kernel thread is
off its CPU (preempted, or blocked in a kernel call), that thread's saved
frame is walked, from the M's stack on into the goroutine's."""

    def __init__(self):
        super().__init__("goroutine", gdb.COMMAND_STACK)

    @_guard
    def invoke(self, arg, from_tty):
        words = arg.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] != "bt"):
            raise SpindleError("usage: goroutine N bt  (N: a goroutine id, or all)")
        _require_runtime()
        gs = _allgs()
        if words[0] == "all":
            chosen = [g for g in gs if not _gone(int(g["status"]))]
        else:
            try:
                goid = int(words[0], 0)
            except ValueError:
                raise SpindleError("goroutine: `%s` is not a goroutine id" % words[0])
            chosen = [g for g in gs if int(g["goid"]) == goid]
            if not chosen:
                raise SpindleError("no goroutine %d in sched.allgs (info goroutines lists "
                                   "them)" % goid)
        out = []
        for g in sorted(chosen, key=lambda g: int(g["goid"])):
            out += _g_backtrace(g) + [""]
        gdb.write("\n".join(out))


class InfoRunq(gdb.Command):
    """Show run queues of the running Spindle runtime.

Usage: info runq [P]
For P (every P in use, 0 .. sched.nprocs-1, when none is given): its local
run queue, the ring runq[] from runqhead to runqtail (RUNQ_SIZE slots,
sched/sched.h), its runnext and its inbox of pinned goroutines; then the
global run queue (sched.runq) with its size (sched.runqsize)."""

    def __init__(self):
        super().__init__("info runq", gdb.COMMAND_STATUS)

    @_guard
    def invoke(self, arg, from_tty):
        _require_runtime()
        n = _nprocs()
        ps = _eval("ps")
        if arg.strip():
            try:
                want = [int(arg.strip(), 0)]
            except ValueError:
                raise SpindleError("usage: info runq [P]  (P: a number)")
            if not 0 <= want[0] < n:
                raise SpindleError("P%d is not in use: sched.nprocs = %d (Ps 0..%d)"
                                   % (want[0], n, n - 1))
        else:
            want = list(range(n))
        out = []
        for i in want:
            out += _p_lines(ps[i])
        q = _gqueue(_eval("sched.runq"))
        size = int(_eval("sched.runqsize"))
        out.append("global run queue (sched.runq): %d goroutine%s (sched.runqsize = %d)"
                   % (len(q), "" if len(q) == 1 else "s", size))
        for g in q:
            out.append("    " + (_gdesc(g.address) if g is not None else "... (a cycle: stop)"))
        gdb.write("\n".join(out) + "\n")


def _p_lines(p):
    size, head, tail, n, slots = _local_runq(p)
    mp = p["m"]
    out = ["P%d (%s): local run queue %d of %d slots (runqhead %d, runqtail %d)"
           % (int(p["id"]), "M%d" % int(mp["id"]) if _addr(mp) else "no M", n, size, head, tail)]
    if n > size:
        out.append("    (runqtail - runqhead = %d > RUNQ_SIZE: the queue is corrupt or being "
                   "changed; the first %d slots follow)" % (n, size))
    for idx, gp in slots:
        out.append("    runq[%d]: %s" % (idx, _gdesc(gp)))
    out.append("  runnext: %s" % _gdesc(p["runnext"]))
    inbox = _gqueue(p["inbox"])
    if inbox or int(p["ninbox"]):
        out.append("  inbox (pinned, ninbox = %d):" % int(p["ninbox"]))
        for g in inbox:
            out.append("    " + (_gdesc(g.address) if g is not None else "... (a cycle: stop)"))
    return out


class InfoMs(gdb.Command):
    """List the Ms (machines: one kernel thread each) of the Spindle runtime.

Usage: info ms
One line per M of ms[] (sched/proc.c, MAX_MS slots) that is in use or has
a kernel thread: its id, the CPU it is pinned to, its P, the goroutine it
runs (curg; - while on g0, the scheduler), whether it is spinning (looking
for work) or halted (hlt, waiting for a wakeup), in_use, and the CPU it
is on now with its gdb thread (- while its kernel thread is off its CPU:
preempted, or a spare M waiting for a P)."""

    def __init__(self):
        super().__init__("info ms", gdb.COMMAND_STATUS)

    @_guard
    def invoke(self, arg, from_tty):
        if arg.strip():
            raise SpindleError("usage: info ms")
        used = _require_runtime()
        cpus = _m_cpus()
        out = ["%4s %4s %4s  %-8s %-6s %-6s %-30s %s" % ("M", "cpu", "P", "spinning", "halted",
                                                         "in_use", "curg", "on CPU now")]
        ms = _ms()
        shown = 0
        for m in ms:
            if not bool(m["in_use"]) and _addr(m["thread"]) == 0:
                continue
            shown += 1
            p = m["p"]
            now = cpus.get(_addr(m.address))
            on = "-"
            if now is not None:
                on = "CPU %d" % now[0] + (" (gdb thread %d)" % now[1].num if now[1] else "")
            out.append("%4s %4d %4s  %-8s %-6s %-6s %-30s %s" % (
                "M%d" % int(m["id"]), int(m["cpu"]), "P%d" % int(p["id"]) if _addr(p) else "-",
                _yn(m["spinning"]), _yn(m["halted"]), _yn(m["in_use"]), _gdesc(m["curg"]), on))
        out.append("%d M%s in use (sched.nms = %d, sched.nprocs = %d); the other %d of the "
                   "%d slots of ms[] have never had a kernel thread"
                   % (len(used), "" if len(used) == 1 else "s", int(_eval("sched.nms")),
                      int(_eval("sched.nprocs")), len(ms) - shown, len(ms)))
        gdb.write("\n".join(out) + "\n")


def _yn(v):
    return "yes" if bool(v) else "no"


# --- connecting ----------------------------------------------------------------

def spindle_port(port_file):
    """The gdb stub's port: $GDB_PORT, else the one tools/run-qemu.sh wrote
    to port_file ($GDB_PORT_FILE, if set, instead)."""
    env = os.environ.get("GDB_PORT", "").strip()
    if env:
        if not env.isdigit():
            raise gdb.GdbError("GDB_PORT=%s is not a port number" % env)
        return int(env)
    port_file = os.environ.get("GDB_PORT_FILE", "").strip() or port_file
    try:
        with open(port_file) as f:
            s = f.read().strip()
    except OSError:
        raise gdb.GdbError("no %s: start the kernel first with `make debug` (it writes "
                           "the port there), or set GDB_PORT=n" % port_file)
    if not s.isdigit():
        raise gdb.GdbError("%s holds `%s`, not a port number" % (port_file, s))
    return int(s)


def spindle_connect(port_file):
    port = spindle_port(port_file)
    gdb.write("spindle: connecting to QEMU's gdb stub on 127.0.0.1:%d\n" % port)
    gdb.execute("target remote 127.0.0.1:%d" % port)


InfoGoroutines()
Goroutine()
InfoRunq()
InfoMs()
