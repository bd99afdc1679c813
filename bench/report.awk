# report.awk - turn the BENCH/BENCHINFO/BENCHSKIP lines collected by
# tools/bench.sh into the table on stdout, OUT/results.json (a JSON array of
# {"metric","system","value","unit","min","max","runs"}), OUT/summary.md and
# OUT/chart.dat. A BENCH line is "BENCH system metric median unit min max
# runs" (bench/bench.h); a line without the last three has runs 1.
# Variables: out (directory), accel, date, cpu, guest_mib (RAM of the
# spindle-g max_tasks boot), and for the summary's "made on" lines: host
# (host name), hostos (uname -srm), hostcpus, hostmem (MiB), qemu, qemucpu,
# guestcpus, commit, gover, gccver. POSIX awk (mawk and gawk).
#
# The table: the four systems of one substrate (spindle-g, go-guest,
# spindle-thread, pthread-guest) with median [min..max], the host-native
# peers (go, linux-pthread) as a reference, and the ratios of medians
# spindle-g / go-guest and spindle-thread / pthread-guest. Goals are
# printed below it, for information only: nothing here fails.

function fmt(v) {
	if (v == "") return "-"
	v += 0
	if (v >= 100000) return sprintf("%.0f", v)
	if (v >= 100) return sprintf("%.1f", v)
	return sprintf("%.2f", v)
}
function fmt_spread(m, s,   v) {
	v = val[m, s]
	if (v == "") return "-"
	if (runs[m, s] + 0 <= 1) return fmt(v)
	return fmt(v) " [" fmt(lo[m, s]) ".." fmt(hi[m, s]) "]"
}
function ratio_num(a, b) {
	if (a == "" || b == "" || b + 0 == 0) return ""
	return (a + 0) / (b + 0)
}
function ratio_str(r) {
	if (r == "") return "-"
	if (r >= 0.1 || r == 0) return sprintf("%.2f", r)
	return sprintf("%.2g", r)     # small ratios keep two significant digits
}
function add_metric(m) {
	if (!(m in known)) { known[m] = 1; order[++nm] = m }
}
function jesc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return s }
function jrec(m, s, u) {
	printf "%s  {\"metric\": \"%s\", \"system\": \"%s\", \"value\": %s, \"unit\": \"%s\", \"min\": %s, \"max\": %s, \"runs\": %d}", jsep, jesc(m), jesc(s), val[m, s] + 0, jesc(u), lo[m, s] + 0, hi[m, s] + 0, runs[m, s] > json
	jsep = ",\n"
}
# goal NAME KIND: a ratio goal "a/b <= limit" between two systems (kind
# "pair") or two metrics of one system (kind "metric").
function add_goal(kind, metric, sa, sb, limit, text) {
	ng++; gkind[ng] = kind; gm[ng] = metric; ga[ng] = sa; gb[ng] = sb; glim[ng] = limit; gtext[ng] = text
	gunit[ng] = (metric ~ /_ns$/) ? "ns" : "count"    # a time, or memory (not accelerator-bound)
}
function goal_line(i,   r, st, a, b) {
	if (gkind[i] == "pair") { a = val[gm[i], ga[i]]; b = val[gm[i], gb[i]] }
	else if (gkind[i] == "metric") { a = val[gm[i], ga[i]]; b = val[gb[i], ga[i]] }
	else { a = val[gm[i], ga[i]]; b = 1 }
	r = ratio_num(a, b)
	if (gkind[i] == "absolute") {
		if (a == "") st = "no result"
		else if (accel == "tcg" && gunit[i] == "ns") st = "n/a (TCG)"
		else st = (glim[i] < 0 ? (a + 0 >= -glim[i]) : (a + 0 <= glim[i])) ? "met" : "NOT MET"
		if (gm[i] == "max_tasks" && a != "" && guest_mib + 0 < 4000) st = "n/a: guest had " guest_mib " MiB, not 4 GiB"
		return sprintf("%-58s %12s  %s", gtext[i], fmt(a), st)
	}
	st = (r == "") ? "no result" : (r <= glim[i] ? "met" : "NOT MET")
	return sprintf("%-58s %12s  %s", gtext[i], r == "" ? "-" : sprintf("%.3g", r), st)
}

BEGIN {
	split("spawn_exit_ns switch_ns switch_raw_ns switch_traced_ns process_switch_ns chan_rtt_same_core_ns chan_rtt_same_core_traced_ns chan_rtt_cross_core_ns chan_rtt_cross_nospin_ns bytes_per_task max_tasks_per_gib max_tasks", base, " ")
	for (i = 1; base[i] != ""; i++) add_metric(base[i])
	nsys = split("spindle-g go-guest spindle-thread pthread-guest go linux-pthread", sysname, " ")
	nmain = 4      # the first four share the substrate; the rest are host-native references
	for (i = 1; i <= nsys; i++) known_sys[sysname[i]] = 1
	label["go"] = "go (host)"; label["linux-pthread"] = "pthread (host)"
	# Ratio goals of issue 10 (one make bench run, medians): substrate-independent.
	add_goal("pair", "switch_ns", "spindle-g", "go-guest", 0.15, "switch_ns          spindle-g / go-guest <= 0.15")
	add_goal("pair", "spawn_exit_ns", "spindle-g", "go-guest", 0.15, "spawn_exit_ns      spindle-g / go-guest <= 0.15")
	add_goal("pair", "chan_rtt_same_core_ns", "spindle-g", "go-guest", 0.3, "chan_rtt_same_core spindle-g / go-guest <= 0.3")
	add_goal("pair", "chan_rtt_cross_core_ns", "spindle-g", "go-guest", 1.0, "chan_rtt_cross_core spindle-g / go-guest <= 1.0")
	add_goal("pair", "bytes_per_task", "spindle-g", "go-guest", 0.85, "bytes_per_task     spindle-g / go-guest <= 0.85")
	add_goal("metric", "switch_ns", "spindle-g", "switch_raw_ns", 1.5, "switch_ns          spindle-g / its bare switch_raw_ns <= 1.5")
	add_goal("pair", "spawn_exit_ns", "spindle-thread", "pthread-guest", 0.5, "spawn_exit_ns      spindle-thread / pthread-guest <= 0.5")
	add_goal("pair", "process_switch_ns", "spindle-thread", "pthread-guest", 1.0, "process_switch_ns  spindle-thread / pthread-guest <= 1.0")
	# Absolute goals (set for KVM; not comparable under TCG). A negative limit means ">=".
	add_goal("absolute", "switch_ns", "spindle-g", "", 15, "switch_ns          spindle-g <= 15 ns (KVM)")
	add_goal("absolute", "chan_rtt_same_core_ns", "spindle-g", "", 80, "chan_rtt_same_core spindle-g <= 80 ns (KVM)")
	add_goal("absolute", "spawn_exit_ns", "spindle-g", "", 80, "spawn_exit_ns      spindle-g <= 80 ns (KVM)")
	add_goal("absolute", "bytes_per_task", "spindle-g", "", 2355, "bytes_per_task     spindle-g <= 2355 bytes")
	add_goal("absolute", "max_tasks", "spindle-g", "", -1000000, "max_tasks          spindle-g >= 1000000 in 4 GiB")
	add_goal("absolute", "spawn_exit_ns", "spindle-thread", "", 2000, "spawn_exit_ns      spindle-thread <= 2000 ns (KVM)")
}

$1 == "BENCH" && NF >= 5 {
	s = $2; m = $3
	add_metric(m)
	val[m, s] = $4; unit[m] = $5; have[s] = 1
	if (NF >= 8) { lo[m, s] = $6; hi[m, s] = $7; runs[m, s] = $8 }
	else { lo[m, s] = $4; hi[m, s] = $4; runs[m, s] = 1 }
	next
}
$1 == "BENCHSKIP" {
	why = ""
	for (i = 4; i <= NF; i++) why = why (i > 4 ? " " : "") $i
	skips[++nskip] = $2 " " $3 ": " why
	next
}
$1 == "BENCHINFO" { info[$2, $3] = $4; infounit[$2, $3] = $5; next }

END {
	W = 26
	header = sprintf("%-24s %-9s", "metric", "unit")
	for (i = 1; i <= nmain; i++) header = header sprintf(" %" W "s", sysname[i])
	for (i = nmain + 1; i <= nsys; i++) header = header sprintf(" %15s", label[sysname[i]])
	header = header sprintf(" %13s %15s", "sp-g/go-guest", "thread/pt-guest")

	if (accel == "tcg")
		print "Spindle benchmarks - accelerator: TCG (emulation, no KVM): compare systems of the same substrate (the first four columns) as ratios; absolute times mean little"
	else
		print "Spindle benchmarks - accelerator: " toupper(accel)
	print "host: " host ", CPU: " cpu " (" hostcpus " CPUs); guest: " guestcpus " CPUs; " date
	print "each value: median [min..max] of its runs; go-guest and pthread-guest run in a Linux guest on the same QEMU, accelerator, -cpu and -smp as spindle-g and spindle-thread; go (host) and pthread (host) run natively on the host: a reference only"
	print header
	line = header; gsub(/./, "-", line); print line

	md = out "/summary.md"
	print "# Spindle benchmark summary" > md
	print "" > md
	print "Made by `make bench` (tools/bench.sh) on " date "." > md
	print "" > md
	print "| | |" > md
	print "|---|---|" > md
	print "| date (UTC) | " date " |" > md
	if (accel == "tcg")
		print "| accelerator | **TCG** (QEMU emulation, no KVM) |" > md
	else
		print "| accelerator | **" toupper(accel) "** |" > md
	print "| machine | " host " (" hostos ", " hostcpus " CPUs, " hostmem " MiB RAM) |" > md
	print "| CPU model | " cpu " |" > md
	print "| guest | " guestcpus " CPUs, QEMU -cpu " qemucpu ", " qemu " |" > md
	print "| commit | " commit " |" > md
	print "| peers | " gover "; gcc " gccver " |" > md
	print "" > md
	print "spindle-g, go-guest, spindle-thread and pthread-guest ran on one substrate: the same QEMU, accelerator, -cpu, -smp and -m (go-guest and pthread-guest are the peers in a Linux guest). Each value is the median of its runs, with [min..max]; ratios are of medians of this run. go (host) and pthread (host) ran natively on the host: a reference, not comparable to the others" (accel == "tcg" ? " (under TCG the others are emulated)." : ".") > md
	print "" > md
	mh = "| metric | unit |"; ms = "|---|---|"
	for (i = 1; i <= nsys; i++) { mh = mh " " (sysname[i] in label ? label[sysname[i]] : sysname[i]) " |"; ms = ms "---:|" }
	mh = mh " spindle-g / go-guest | spindle-thread / pthread-guest |"; ms = ms "---:|---:|"
	print mh > md; print ms > md

	# chart.dat: metric, then median, min, max for each system ("-": none).
	dat = out "/chart.dat"
	dh = "metric"
	for (i = 1; i <= nsys; i++) dh = dh " " sysname[i] " min max"
	print dh > dat

	json = out "/results.json"
	printf "[" > json
	jsep = "\n"
	for (k = 1; k <= nm; k++) {
		m = order[k]
		any = 0; anymain = 0
		for (i = 1; i <= nsys; i++) if (val[m, sysname[i]] != "") { any = 1; if (i <= nmain) anymain = 1 }
		if (!any) continue
		u = (m in unit) ? unit[m] : "-"
		row = sprintf("%-24s %-9s", m, u)
		mrow = "| " m " | " u " |"
		drow = m
		for (i = 1; i <= nsys; i++) {
			s = sysname[i]; v = val[m, s]
			if (i <= nmain) row = row sprintf(" %" W "s", fmt_spread(m, s))
			else row = row sprintf(" %15s", fmt(v))
			mrow = mrow " " fmt_spread(m, s) " |"
			drow = drow " " (v == "" ? "- - -" : v " " lo[m, s] " " hi[m, s])
			if (v != "") jrec(m, s, u)
		}
		r1 = ratio_str(ratio_num(val[m, "spindle-g"], val[m, "go-guest"]))
		r2 = ratio_str(ratio_num(val[m, "spindle-thread"], val[m, "pthread-guest"]))
		row = row sprintf(" %13s %15s", r1, r2)
		mrow = mrow " " r1 " | " r2 " |"
		print row
		print mrow > md
		if (anymain) print drow > dat
	}
	# Any system outside the known columns still goes to results.json.
	for (key in val) {
		split(key, kv, SUBSEP)
		if (kv[2] in known_sys) continue
		jrec(kv[1], kv[2], unit[kv[1]])
	}
	print "\n]" > json
	close(json)

	print ""
	print "goals (information only; ratios of medians from this run):"
	print "" > md
	print "## Goals" > md
	print "" > md
	print "Information only: nothing fails on speed. Ratio goals compare systems of the same substrate, so they hold under TCG as under KVM; the absolute ones were set for KVM. docs/benchmarks.md says what each measures and why a goal is not met." > md
	print "" > md
	print "```" > md
	for (i = 1; i <= ng; i++) { gl = goal_line(i); print "  " gl; print gl > md }
	print "```" > md
	print ""
	print "" > md
	print ""
	print "Ratios: spindle-g / go-guest and spindle-thread / pthread-guest, medians (for ns and bytes, below 1 means Spindle is cheaper; for tasks, above 1)."
	print "Ratios: spindle-g / go-guest and spindle-thread / pthread-guest, medians of this run (for ns and bytes, below 1 means Spindle is cheaper; for tasks, above 1)." > md
	print "" > md
	nnote = 0

	if (("spindle-g", "gunit_size") in info)
		note[++nnote] = "spindle-g gunit_size() (G header + stack, computed) = " info["spindle-g", "gunit_size"] + 0 " bytes; bytes_per_task is measured from free pages"
	if (("chan_rtt_cross_nospin_ns", "spindle-g") in val)
		note[++nnote] = "spindle-g chan_rtt_cross_nospin_ns: the same round trip with idlespin=0 (an idle M halts at once, and each wakeup is an IPI to a halted CPU); chan_rtt_cross_core_ns has the default poll of idlespin=50 us before a halt"
	if (("switch_traced_ns", "spindle-g") in val)
		note[++nnote] = "spindle-g switch_traced_ns, chan_rtt_same_core_traced_ns: switch_ns and chan_rtt_same_core_ns again in a boot with the event trace recording (trace=1, docs/trace.md); the rows without _traced are the cost with tracing off"
	if (("spindle-g", "chan_rtt_cross_core_share") in info)
		note[++nnote] = "spindle-g chan_rtt_cross_core_ns: pinger pinned to P0, ponger to P1 (go_on); " info["spindle-g", "chan_rtt_cross_core_share"] + 0 "% of round trips had them on different CPUs; go and go-guest: GOMAXPROCS=2, pinger and ponger locked to threads pinned to CPUs 0 and 1 (LockOSThread + sched_setaffinity), " (("go", "chan_rtt_cross_core_share") in info ? info["go", "chan_rtt_cross_core_share"] + 0 : "?") "% and " (("go-guest", "chan_rtt_cross_core_share") in info ? info["go-guest", "chan_rtt_cross_core_share"] + 0 : "?") "% of sampled round trips on different CPUs; linux-pthread, pthread-guest and spindle-thread: pinned to two CPUs"
	if (("spindle-g", "max_tasks_spawn_ms") in info)
		note[++nnote] = "spindle-g max_tasks: guest RAM " info["spindle-g", "max_tasks_guest_ram_mib"] + 0 " MiB, spawning took " int(info["spindle-g", "max_tasks_spawn_ms"]) " ms"
	if (("spindle-thread", "kthread_bytes_per_thread") in info)
		note[++nnote] = "spindle-thread bytes_per_task: free pages before/after 32 threads blocked on a ksem (measured); kthread_bytes_per_thread() (1 MiB stack + guard page + TCB, join ksem, XSAVE; computed) = " info["spindle-thread", "kthread_bytes_per_thread"] + 0 " bytes" ((("spindle-thread", "bytes_per_task_with_process") in info) ? "; with a process per thread: " info["spindle-thread", "bytes_per_task_with_process"] + 0 " bytes" : "")
	if (("spindle-thread", "switch_cr3_loads_per_switch") in info)
		note[++nnote] = "spindle-thread switch_ns: two threads of one process pinned to one CPU, kthread_yield (" info["spindle-thread", "switch_cr3_loads_per_switch"] + 0 " CR3 loads per switch measured); process_switch_ns: two threads of two processes, which loads CR3 (" info["spindle-thread", "process_switch_cr3_loads_per_switch"] + 0 " per switch measured); both save/restore the " info["spindle-thread", "xsave_bytes"] + 0 "-byte XSAVE area; linux-pthread and pthread-guest: switch_ns is two threads of one process through two semaphores, process_switch_ns two forked processes through two pipes, all pinned to one CPU; chan_rtt_*: a pair of ksems between two pinned threads"
	if (("spindle-thread", "max_tasks_spawn_ms") in info)
		note[++nnote] = "spindle-thread max_tasks_per_gib: " info["spindle-thread", "max_tasks"] + 0 " threads created until kthread_create returned NULL (clean stop, all joined) in a " info["spindle-thread", "max_tasks_guest_ram_mib"] + 0 " MiB guest, in " int(info["spindle-thread", "max_tasks_spawn_ms"]) " ms; per GiB = threads * 2^30 / RAM used (" info["spindle-thread", "max_tasks_ram_used_mib"] + 0 " MiB); the count is not in the table: its guest has less RAM than the spindle-g max_tasks boot"
	if (("go", "bytes_per_task_rss") in info)
		note[++nnote] = "go bytes_per_task is the runtime.MemStats.Sys delta; the RSS delta was " info["go", "bytes_per_task_rss"] " bytes; go max_tasks_per_gib = 2^30 / bytes_per_task (derived)"
	if (("linux-pthread", "bytes_per_task_virtual") in info)
		note[++nnote] = "linux-pthread bytes_per_task is the RSS delta (user pages only); each thread also reserves " info["linux-pthread", "bytes_per_task_virtual"] " bytes of address space (default stack " info["linux-pthread", "default_stack_size"] + 0 ")"
	if (("linux-pthread", "bytes_per_task_memavailable") in info)
		note[++nnote] = "linux-pthread: system MemAvailable fell by " info["linux-pthread", "bytes_per_task_memavailable"] " bytes per parked thread (kernel stack and task included; system-wide, noisy); max_tasks_per_gib = 2^30 / RSS bytes_per_task (derived)"
	for (i = 1; i <= nnote; i++) { print "note: " note[i]; print "- " note[i] > md }
	for (i = 1; i <= nskip; i++) { print "skipped: " skips[i]; print "- skipped: " skips[i] > md }
	print "" > md
	print "Files of the run (build/bench/): results.json (records), meta.json (accelerator, machine, CPU, date, context), chart.svg / chart.png. `make bench-publish` copies chart.svg and this summary to docs/bench/; docs/benchmarks.md says what each metric measures." > md
	close(md)
	close(dat)
}
