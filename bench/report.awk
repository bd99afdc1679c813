# report.awk - turn the BENCH/BENCHINFO/BENCHSKIP lines collected by
# tools/bench.sh into the table on stdout, OUT/results.json (a JSON array of
# {"metric","system","value","unit"}), OUT/summary.md and OUT/chart.dat.
# Variables: out (directory), accel, date, cpu, guest_mib (RAM of the
# spindle-g max_tasks boot), and for the summary's "made on" lines: host
# (host name), hostos (uname -srm), hostcpus, hostmem (MiB), qemu, qemucpu,
# guestcpus, commit, gover, gccver. POSIX awk (mawk and gawk).
#
# Goals are for spindle-g (and two for spindle-thread) and for information
# only: nothing here fails.

function fmt(v) {
	if (v == "") return "-"
	v += 0
	if (v >= 100000) return sprintf("%.0f", v)
	if (v >= 100) return sprintf("%.1f", v)
	return sprintf("%.2f", v)
}
function ratio(a, b,   r) {
	if (a == "" || b == "" || b + 0 == 0) return "-"
	r = (a + 0) / (b + 0)
	if (r >= 0.1 || r == 0) return sprintf("%.2fx", r)
	return sprintf("%.2gx", r)     # small ratios keep two significant digits
}
function add_metric(m) {
	if (!(m in known)) { known[m] = 1; order[++nm] = m }
}
function goal_text(m) {
	if (m in goal_le) return "<= " goal_le[m]
	if (m in goal_ge) return ">= " goal_ge[m] goal_note[m]
	return ""
}
function tgoal_text(m) {
	if (m in tgoal_le) return "<= " tgoal_le[m] (m in tgoal_info ? " (info)" : "")
	return ""
}
function tgoal_status(m,   v) {
	if (!(m in tgoal_le)) return ""
	v = val[m, "spindle-thread"]
	if (v == "") return "no result"
	return (v + 0 <= tgoal_le[m]) ? "met" : "not met"
}
function ratio_label(s) {
	if (s == "linux-pthread") return "pthread"
	if (s == "spindle-thread") return "thread"
	if (s == "pthread-guest") return "pt-guest"
	return s
}
function goal_status(m,   v) {
	v = val[m, "spindle-g"]
	if (!(m in goal_le) && !(m in goal_ge)) return ""
	if (v == "") return "no result"
	if (m == "max_tasks" && guest_mib + 0 < 4000) return "n/a: guest had " guest_mib " MiB, not 4 GiB"
	if (m in goal_le) return (v + 0 <= goal_le[m]) ? "met" : "not met"
	return (v + 0 >= goal_ge[m]) ? "met" : "not met"
}
function jesc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return s }

BEGIN {
	split("spawn_exit_ns switch_ns chan_rtt_same_core_ns chan_rtt_cross_core_ns bytes_per_task max_tasks_per_gib max_tasks", base, " ")
	for (i = 1; i <= 7; i++) add_metric(base[i])
	goal_le["switch_ns"] = 15
	goal_le["chan_rtt_same_core_ns"] = 80
	goal_le["spawn_exit_ns"] = 80
	goal_le["bytes_per_task"] = 2355
	goal_ge["max_tasks"] = 1000000
	goal_note["max_tasks"] = " in 4 GiB"
	# spindle-thread (kernel threads): information only.
	tgoal_le["spawn_exit_ns"] = 2000    # kernel-thread create+exit at most 2 us
	tgoal_le["switch_ns"] = 300
	tgoal_info["switch_ns"] = 1
	nsys = split("spindle-g go linux-pthread spindle-thread go-guest pthread-guest", sysname, " ")
}

$1 == "BENCH" && NF >= 5 {
	s = $2; m = $3
	add_metric(m)
	val[m, s] = $4; unit[m] = $5; have[s] = 1
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
	# Columns: the three systems always, spindle-thread and the guest peers
	# (go-guest, pthread-guest: the same workloads in a Linux guest on the
	# same QEMU) when they have records.
	ncol = 0
	for (i = 1; i <= nsys; i++)
		if (i <= 3 || (sysname[i] in have)) col[++ncol] = sysname[i]
	nrat = 0
	for (i = 2; i <= ncol; i++) rat[++nrat] = col[i]

	header = sprintf("%-24s %-10s", "metric", "unit")
	for (i = 1; i <= ncol; i++) header = header sprintf(" %14s", col[i])
	for (i = 1; i <= nrat; i++) header = header sprintf(" %11s", ratio_label(rat[i]) "/sp-g")
	header = header sprintf("  %-22s %-10s", "goal (spindle-g)", "")
	tcol = ("spindle-thread" in have)
	if (tcol) header = header sprintf("  %-20s %s", "goal (spindle-thread)", "")
	sub(/ +$/, "", header)

	if (accel == "tcg")
		print "Spindle benchmarks - accelerator: TCG (emulation, no KVM): spindle-g and spindle-thread numbers are NOT comparable to the goals (set for KVM) nor to the native host peers"
	else
		print "Spindle benchmarks - accelerator: " toupper(accel)
	print "host: " host ", CPU: " cpu " (" hostcpus " CPUs); guest: " guestcpus " CPUs; " date
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
	if (accel == "tcg")
		print "**TCG numbers**: spindle-g and spindle-thread are emulation numbers (every guest instruction translated by QEMU), comparable neither to the goals (set for KVM) nor to the go and linux-pthread columns, which run natively on the host. Memory figures do not depend on the accelerator." > md
	if (accel == "tcg") print "" > md
	print "Ratios are system value / spindle-g value. Goals are information only; they are set for KVM." > md
	print "" > md
	mh = "| metric | unit |"; ms = "|---|---|"
	for (i = 1; i <= ncol; i++) { mh = mh " " col[i] " |"; ms = ms "---:|" }
	for (i = 1; i <= nrat; i++) { mh = mh " " rat[i] "/spindle-g |"; ms = ms "---:|" }
	mh = mh " goal (spindle-g) | status |"; ms = ms "---|---|"
	if (tcol) { mh = mh " goal (spindle-thread) | status |"; ms = ms "---|---|" }
	print mh > md; print ms > md

	dat = out "/chart.dat"
	dh = "metric"
	for (i = 1; i <= ncol; i++) dh = dh " " col[i]
	print dh > dat

	json = out "/results.json"
	printf "[" > json
	sep = "\n"
	for (k = 1; k <= nm; k++) {
		m = order[k]
		any = 0
		for (i = 1; i <= ncol; i++) if (val[m, col[i]] != "") any = 1
		u = (m in unit) ? unit[m] : "-"
		row = sprintf("%-24s %-10s", m, u)
		mrow = "| " m " | " u " |"
		drow = m
		for (i = 1; i <= ncol; i++) {
			v = val[m, col[i]]
			row = row sprintf(" %14s", fmt(v))
			mrow = mrow " " fmt(v) " |"
			drow = drow " " (v == "" ? "-" : v)
			if (v != "") {
				printf "%s  {\"metric\": \"%s\", \"system\": \"%s\", \"value\": %s, \"unit\": \"%s\"}", sep, jesc(m), jesc(col[i]), v + 0, jesc(u) > json
				sep = ",\n"
			}
		}
		for (i = 1; i <= nrat; i++) {
			r = ratio(val[m, rat[i]], val[m, "spindle-g"])
			row = row sprintf(" %11s", r)
			mrow = mrow " " r " |"
		}
		g = goal_text(m); st = goal_status(m)
		row = row sprintf("  %-22s %-10s", g, st)
		mrow = mrow " " g " | " st " |"
		if (tcol) {
			tg = tgoal_text(m); tst = tgoal_status(m)
			row = row sprintf("  %-20s %s", tg, tst)
			mrow = mrow " " tg " | " tst " |"
		}
		sub(/ +$/, "", row)
		if (!any && g == "") continue
		print row
		print mrow > md
		if (any) print drow > dat
	}
	# Any system outside the known columns still goes to results.json.
	for (key in val) {
		split(key, kv, SUBSEP)
		if (kv[2] == "spindle-g" || kv[2] == "go" || kv[2] == "linux-pthread" || kv[2] == "spindle-thread" ||
		    kv[2] == "go-guest" || kv[2] == "pthread-guest") continue
		printf "%s  {\"metric\": \"%s\", \"system\": \"%s\", \"value\": %s, \"unit\": \"%s\"}", sep, jesc(kv[1]), jesc(kv[2]), val[key] + 0, jesc(unit[kv[1]]) > json
		sep = ",\n"
	}
	print "\n]" > json
	close(json)

	print ""
	print "" > md
	print "Ratios: system value / spindle-g value (for ns and bytes, above 1 means spindle-g is cheaper; for tasks, below 1)."
	nnote = 0
	if (tcol)
		note[++nnote] = "goals for spindle-thread: spawn_exit_ns <= 2000 (kernel-thread create+exit at most 2 us); switch_ns <= 300 is information only"

	if (("spindle-g", "gunit_size") in info)
		note[++nnote] = "spindle-g gunit_size() (G header + stack, computed) = " info["spindle-g", "gunit_size"] + 0 " bytes; bytes_per_task is measured from free pages"
	if (("chan_rtt_cross_nospin_ns", "spindle-g") in val)
		note[++nnote] = "spindle-g chan_rtt_cross_nospin_ns: the same round trip with idlespin=0 (an idle M halts at once, and each wakeup is an IPI to a halted CPU); chan_rtt_cross_core_ns has the default poll of idlespin=50 us before a halt"
	if (("spindle-g", "chan_rtt_cross_core_share") in info)
		note[++nnote] = "spindle-g chan_rtt_cross_core_ns: pinger pinned to P0, ponger to P1 (go_on); " info["spindle-g", "chan_rtt_cross_core_share"] + 0 "% of round trips had them on different CPUs; go and go-guest: GOMAXPROCS=2, pinger and ponger locked to threads pinned to CPUs 0 and 1 (LockOSThread + sched_setaffinity), " (("go", "chan_rtt_cross_core_share") in info ? info["go", "chan_rtt_cross_core_share"] + 0 : "?") "% and " (("go-guest", "chan_rtt_cross_core_share") in info ? info["go-guest", "chan_rtt_cross_core_share"] + 0 : "?") "% of sampled round trips on different CPUs; linux-pthread, pthread-guest and spindle-thread: pinned to two CPUs"
	if (("spindle-g", "max_tasks_spawn_ms") in info)
		note[++nnote] = "spindle-g max_tasks: guest RAM " info["spindle-g", "max_tasks_guest_ram_mib"] + 0 " MiB, spawning took " int(info["spindle-g", "max_tasks_spawn_ms"]) " ms"
	if (("spindle-thread", "kthread_bytes_per_thread") in info)
		note[++nnote] = "spindle-thread bytes_per_task: free pages before/after 32 threads blocked on a ksem (measured); kthread_bytes_per_thread() (1 MiB stack + guard page + TCB, join ksem, XSAVE; computed) = " info["spindle-thread", "kthread_bytes_per_thread"] + 0 " bytes" ((("spindle-thread", "bytes_per_task_with_process") in info) ? "; with a process per thread: " info["spindle-thread", "bytes_per_task_with_process"] + 0 " bytes" : "")
	if (("spindle-thread", "switch_cr3_loads_per_switch") in info)
		note[++nnote] = "spindle-thread switch_ns: two threads of two processes pinned to one CPU, kthread_yield; every switch saves/restores the " info["spindle-thread", "xsave_bytes"] + 0 "-byte XSAVE area and loads CR3 (" info["spindle-thread", "switch_cr3_loads_per_switch"] + 0 " CR3 loads per switch measured); chan_rtt_*: a pair of ksems between two pinned threads"
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
