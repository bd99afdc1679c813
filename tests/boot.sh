# tests/boot.sh - boot tests: the kernel comes up on every path and every
# CPU reports in; bad input gives one clear line; a fault gives a symbolised
# backtrace and a failing exit; a kernel stopped under gdb answers the
# runtime's gdb commands (tests/gdb_tests.sh).
BOOT_SMPS=${BOOT_SMPS:-"1 2 3 4 8 64"}
. tests/gdb_tests.sh

# run_uefi_until LOG TIMEOUT IMAGE PATTERN: boot IMAGE under OVMF until the
# serial log shows PATTERN (then stop QEMU) or TIMEOUT seconds pass. For
# boots that never end by themselves (the loader returns to the firmware).
run_uefi_until() {
	local log=$1 tmo=$2 img=$3 pattern=$4 pidfile pid end
	pidfile=$LOGDIR/$(basename "$log" .log).pid
	rm -f "$log" "$pidfile"   # a stale log must not satisfy the pattern
	run_uefi "$log" "$tmo" 1 "$img" disk &
	pid=$!
	end=$((SECONDS + tmo))
	while [ $SECONDS -lt $end ] && kill -0 $pid 2>/dev/null; do
		grep -aq -- "$pattern" "$log" 2>/dev/null && break
		sleep 0.5 # polling the log file, not waiting for an event
	done
	# Stop QEMU itself (a signal to the background shell would not reach it).
	[ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
	wait $pid 2>/dev/null
	rm -f "$pidfile"
	grep -aq -- "$pattern" "$log"
}

no_nx_test() { # name log rc
	if [ "$(grep -ac '^vmm: this CPU has no NX' "$2")" != 1 ]; then
		fail "$1" "QEMU exit $3; no single 'vmm: this CPU has no NX' line"
		show_tail "$2"
	else
		boot_smp_test "$1" "$2" "$3" 2
	fi
}

boot_smp_test() { # name log rc n
	if [ "$3" -eq 33 ] && why=$(every_cpu_online "$2" "$4"); then
		pass "$1"
	else
		fail "$1" "QEMU exit $3; ${why:-kernel did not exit cleanly}"
		show_tail "$2"
	fi
}

# A real PC's screen (tools/screenshot.sh): the UEFI image on q35 without
# HPET, -vga std, no serial; the whole showcase table must be on the screen,
# and the screendump must be exactly the text the console holds.
run_screen_test() {
	local log=$LOGDIR/boot-uefi-pc-screen.log
	if tools/screenshot.sh "$LOGDIR/screenshot.png" >"$log" 2>&1; then
		pass "boot:uefi-pc-screen-shows-whole-table"
	else
		fail "boot:uefi-pc-screen-shows-whole-table" "$(grep -a 'screenshot: FAILED' "$log" | head -n 1)"
		show_tail "$log"
	fi
}

run_boot_tests() {
	run_showcase_tests
	run_screen_test
	run_goroutine_fault_test
	run_hang_timeout_test
	for smp in $BOOT_SMPS; do
		log=$LOGDIR/boot-pvh-smp$smp.log
		run_pvh "$log" "$PVH_TIMEOUT" "$smp" "showcase=no"
		boot_smp_test "boot:pvh@smp$smp" "$log" $? "$smp"
	done

	run_x2apic_tests
	run_bench_lines_test
	gdb_tests

	log=$LOGDIR/boot-pvh-smp-limit.log
	run_pvh "$log" "$PVH_TIMEOUT" 4 "smp=2 showcase=no"
	boot_smp_test "boot:pvh-smp=2-of-4" "$log" $? 2

	# UEFI: the disk image as an IDE disk and as a USB stick.
	img=$LOGDIR/uefi.img
	cp "$BUILD/spindle.img" "$img"
	printf 'showcase=no\n' >"$LOGDIR/cmdline.txt"
	mcopy -o -i "$img@@1M" "$LOGDIR/cmdline.txt" ::/spindle/cmdline.txt
	log=$LOGDIR/boot-uefi-disk-smp4.log
	run_uefi "$log" "$UEFI_TIMEOUT" 4 "$img" disk
	boot_smp_test "boot:uefi-disk@smp4" "$log" $? 4
	log=$LOGDIR/boot-uefi-usb-smp2.log
	run_uefi "$log" "$UEFI_TIMEOUT" 2 "$img" usb
	boot_smp_test "boot:uefi-usb@smp2" "$log" $? 2

	# A corrupt kernel on the ESP: one clear loader line, back to firmware.
	bad=$LOGDIR/uefi-corrupt.img
	cp "$img" "$bad"
	head -c 4096 /dev/urandom >"$LOGDIR/corrupt.elf"
	mcopy -o -i "$bad@@1M" "$LOGDIR/corrupt.elf" ::/spindle/kernel.elf
	log=$LOGDIR/boot-uefi-corrupt-kernel.log
	if run_uefi_until "$log" 90 "$bad" 'spindle: .*kernel.elf: '; then
		pass "boot:uefi-corrupt-kernel-message"
	else
		fail "boot:uefi-corrupt-kernel-message" "no loader error line"
		show_tail "$log"
	fi

	# A well-formed static x86-64 program that is not Spindle: refused in
	# one line, never started.
	local notspindle=$LOGDIR/uefi-not-spindle.img
	cp "$img" "$notspindle"
	printf 'int main(void) { return 0; }\n' >"$LOGDIR/static-prog.c"
	if ! gcc -static -O2 -o "$LOGDIR/static-prog.elf" "$LOGDIR/static-prog.c" 2>"$LOGDIR/static-prog.log"; then
		fail "boot:uefi-refuses-non-spindle-elf" "gcc -static failed: $(head -n 1 "$LOGDIR/static-prog.log")"
	else
		mcopy -o -i "$notspindle@@1M" "$LOGDIR/static-prog.elf" ::/spindle/kernel.elf
		log=$LOGDIR/boot-uefi-not-spindle.log
		if run_uefi_until "$log" 90 "$notspindle" 'spindle: .*kernel.elf: not a Spindle kernel' &&
			! grep -aq "starting kernel" "$log"; then
			pass "boot:uefi-refuses-non-spindle-elf"
		else
			fail "boot:uefi-refuses-non-spindle-elf" "no 'not a Spindle kernel' line, or it was started"
			show_tail "$log"
		fi
	fi

	# No kernel on the ESP at all.
	missing=$LOGDIR/uefi-missing.img
	cp "$img" "$missing"
	mdel -i "$missing@@1M" ::/spindle/kernel.elf
	log=$LOGDIR/boot-uefi-missing-kernel.log
	if run_uefi_until "$log" 90 "$missing" 'spindle: .*kernel.elf: no such file'; then
		pass "boot:uefi-missing-kernel-message"
	else
		fail "boot:uefi-missing-kernel-message" "no loader error line"
		show_tail "$log"
	fi

	# A bad command-line value: one line each, then a normal boot.
	log=$LOGDIR/boot-pvh-bad-cmdline.log
	run_pvh "$log" "$PVH_TIMEOUT" 2 "smp=abc bogus=1 hz=5 showcase=no"
	rc=$?
	if grep -aq "cmdline: 'smp=abc': not a number" "$log" &&
	   grep -aq "cmdline: 'bogus=1': unknown key" "$log" &&
	   grep -aq "cmdline: 'hz=5': out of range (expected 10..10000), using the default" "$log"; then
		boot_smp_test "boot:bad-cmdline-reported" "$log" $rc 2
	else
		fail "boot:bad-cmdline-reported" "missing cmdline warning lines"
		show_tail "$log"
	fi

	# A long command line (3,900 bytes) is taken whole: the test list is its
	# last word, so a cut anywhere would run fewer tests.
	local many="boot_cmdline" i
	for i in $(seq 2 300); do many="$many,boot_cmdline"; done
	log=$LOGDIR/boot-pvh-long-cmdline.log
	run_pvh "$log" "$PVH_TIMEOUT" 1 "hz=1000 showcase=no test=$many"
	rc=$?
	if [ $rc -eq "$KEXIT_PASS" ] && grep -aq "^KTEST DONE 300 passed" "$log" &&
	   ! grep -aq "^pvh: the command line has" "$log"; then
		pass "boot:pvh-long-cmdline-taken-whole"
	else
		fail "boot:pvh-long-cmdline-taken-whole" "QEMU exit $rc; expected all 300 boot_cmdline runs"
		show_tail "$log"
	fi

	# GOMAXPROCS below the CPU count, with a schedtrace line every 20 ms.
	log=$LOGDIR/boot-gomaxprocs2-schedtrace.log
	run_pvh "$log" "$PVH_TIMEOUT" 4 "test=sched_gomaxprocs,sched_work_stealing gomaxprocs=2 schedtrace=20"
	rc=$?
	if [ $rc -eq 33 ] && grep -aq "^SCHED [0-9]*ms: gomaxprocs=2 .*\[P0 runq=.*\[P1 runq=" "$log" &&
	   ! grep -aq "\[P2 runq=" "$log"; then
		pass "boot:gomaxprocs=2-and-schedtrace"
	else
		fail "boot:gomaxprocs=2-and-schedtrace" "QEMU exit $rc; expected SCHED lines for exactly P0 and P1"
		show_tail "$log"
	fi

	# The paths where a goroutine leaves its stack, preempted at every tick
	# of a 1000 Hz timer (sched/tests/preempt_window_tests.c).
	log=$LOGDIR/boot-preempt-windows-hz1000.log
	run_pvh "$log" "$PVH_TIMEOUT" 4 "test=sched_preempt_window_systemstack,sched_preempt_window_mcall hz=1000"
	rc=$?
	if [ $rc -eq "$KEXIT_PASS" ] && grep -aq "KTEST DONE 2 passed" "$log"; then
		pass "boot:preempt-windows@smp4-hz1000"
	else
		fail "boot:preempt-windows@smp4-hz1000" "QEMU exit $rc"
		show_tail "$log"
	fi

	# A CPU without NX (execute disable off in a PC's firmware): both boot
	# paths come up, and the kernel says what it lost, in one line.
	log=$LOGDIR/boot-pvh-no-nx.log
	run_pvh "$log" "$PVH_TIMEOUT" 2 "showcase=no" -cpu max,-nx
	no_nx_test "boot:pvh-no-nx" "$log" $?
	log=$LOGDIR/boot-uefi-no-nx.log
	run_uefi "$log" "$UEFI_TIMEOUT" 2 "$img" disk -cpu max,-nx
	no_nx_test "boot:uefi-no-nx" "$log" $?

	# A goroutine in a kernel call shows in a goroutine dump as such.
	log=$LOGDIR/boot-dump-kernel-call.log
	run_pvh "$log" "$PVH_TIMEOUT" 2 "test=sched_dump_kernel_call"
	rc=$?
	if [ $rc -eq "$KEXIT_PASS" ] && grep -aq "^goroutine [0-9]* \[syscall: kernel call, [0-9]* ms\]:" "$log"; then
		pass "boot:dump-shows-kernel-call"
	else
		fail "boot:dump-shows-kernel-call" "QEMU exit $rc; no '[syscall: kernel call, N ms]' line"
		show_tail "$log"
	fi

	# Spawning until memory runs out gives GO_ENOMEM, not a crash.
	log=$LOGDIR/boot-spawn-until-enomem.log
	PVH_MEM=256M run_pvh "$log" "$PVH_TIMEOUT" 2 "test=solo_spawn_until_enomem"
	rc=$?
	if [ $rc -eq 33 ] && grep -aq "KTEST PASS solo_spawn_until_enomem" "$log"; then
		pass "boot:spawn-until-enomem"
	else
		fail "boot:spawn-until-enomem" "QEMU exit $rc"
		show_tail "$log"
	fi

	# A deliberate fault: panic with registers and a symbolised backtrace,
	# failing exit status.
	log=$LOGDIR/boot-fault-backtrace.log
	run_pvh "$log" "$PVH_TIMEOUT" 2 "test=fault_page_write"
	rc=$?
	if [ $rc -eq 35 ] && grep -aq "PANIC on M0: page fault" "$log" &&
	   grep -aq "cr2 0000000000000010" "$log" &&
	   grep -aq "ktest_fn_fault_page_write+0x" "$log" && grep -aq "ktest_run+0x" "$log"; then
		pass "boot:fault-symbolised-backtrace"
	else
		fail "boot:fault-symbolised-backtrace" "QEMU exit $rc, expected 35 with a symbolised backtrace"
		show_tail "$log" 25
	fi
}

# x2APIC, with as many CPUs as QEMU gives: needs a QEMU that gives the guest
# x2APIC under the chosen accelerator (KVM, or the TCG of QEMU 10; a probe
# boot in tools/qemu.sh tells). Without one the tests are skipped, with why.
X2APIC_TESTS="boot:pvh-x2apic@smp4 boot:pvh-x2apic@smp64 boot:q35-x2apic-ids-above-255@smp240 boot:q35-x2apic-eim@smp300"
X2APIC_BIG_SMP=300   # above 255: x2APIC IDs need interrupt remapping (eim)
X2APIC_Q35=(-machine q35,kernel-irqchip=split -device intel-iommu,intremap=on,eim=on)

x2apic_boot_test() { # name log rc n_expected
	if ! grep -aq "lapic: x2APIC mode" "$2"; then
		fail "$1" "QEMU exit $3; the kernel did not use x2APIC mode"
		show_tail "$2"
	else
		boot_smp_test "$1" "$2" "$3" "$4"
	fi
}

run_x2apic_tests() {
	local n smp log rc why max
	if ! qemu_x2apic_choose "$BUILD/kernel.elf"; then
		for n in $X2APIC_TESTS; do skip "$n" "$QEMU_X2APIC_WHY"; done
		return
	fi
	for smp in 4 64; do
		log=$LOGDIR/boot-pvh-x2apic-smp$smp.log
		run_pvh "$log" "$PVH_TIMEOUT" $smp "showcase=no" -cpu "$QEMU_X2APIC_CPU"
		x2apic_boot_test "boot:pvh-x2apic@smp$smp" "$log" $? $smp
	done
	# x2APIC IDs above 255: three sockets of 80 cores number their CPUs
	# 0-79, 128-207 and 256-335; all 240 must come online.
	log=$LOGDIR/boot-q35-x2apic-ids-above-255-smp240.log
	PVH_MEM=1G run_pvh "$log" "$PVH_TIMEOUT" "240,sockets=3,cores=80,threads=1" "showcase=no" \
		-cpu "$QEMU_X2APIC_CPU" "${X2APIC_Q35[@]}"
	rc=$?
	if grep -aq "^M[0-9]* online: apic 335" "$log"; then
		x2apic_boot_test "boot:q35-x2apic-ids-above-255@smp240" "$log" $rc 240
	else
		fail "boot:q35-x2apic-ids-above-255@smp240" "QEMU exit $rc; no M online with apic 335"
		show_tail "$log"
	fi
	# More CPUs than the kernel takes: every CPU up to its limit online,
	# the rest named in one line.
	log=$LOGDIR/boot-q35-x2apic-eim-smp$X2APIC_BIG_SMP.log
	PVH_MEM=2G run_pvh "$log" "$PVH_TIMEOUT" $X2APIC_BIG_SMP "showcase=no" -cpu "$QEMU_X2APIC_CPU" \
		"${X2APIC_Q35[@]}"
	rc=$?
	max=$(sed -n 's/^#define MAX_CPUS \([0-9]*\).*/\1/p' arch/x86_64/percpu.h)
	why=""
	[ "$(grep -ac '^smp: starting .* not starting' "$log")" = 1 ] ||
		why="not exactly one 'smp: ... not starting' line"
	[ "$(grep -ac 'not starting apic' "$log")" = 0 ] || why="a 'not starting apic' line per CPU"
	if [ -n "$why" ]; then
		fail "boot:q35-x2apic-eim@smp$X2APIC_BIG_SMP" "$why"
		show_tail "$log"
	else
		x2apic_boot_test "boot:q35-x2apic-eim@smp$X2APIC_BIG_SMP" "$log" $rc "$max"
	fi
}

# A benchmark boot's records (bench/bench.h): each timed result is the
# median of BENCH_REPS runs with its min and max, and the two kernel-thread
# switches differ exactly by the CR3 load (one process: none; two: one per
# switch, counted by kthread_stats).
run_bench_lines_test() {
	local name=boot:bench-records-median-spread-and-cr3-loads log=$LOGDIR/boot-bench-lines.log bad
	run_pvh "$log" "$PVH_TIMEOUT" 2 "showcase=no gomaxprocs=1 bench=switch,switch_raw,thread_switch,thread_process_switch"
	bad=$(lines_of '^BENCH ' "$log" | awk '
		{ n++ }
		NF != 8 || $8 != 5 || !($6 + 0 <= $4 + 0 && $4 + 0 <= $7 + 0) { print "bad record: " $0 }
		END { if (n != 4) print n + 0 " BENCH records, 4 expected" }')
	bad=$bad$(lines_of '^BENCHINFO spindle-thread (process_)?switch_cr3_loads_per_switch ' "$log" | awk '
		$3 == "switch_cr3_loads_per_switch" { one = $4 } $3 != "switch_cr3_loads_per_switch" { two = $4 }
		END { if (one == "" || one + 0 != 0 || two == "" || two + 0 < 0.9 || two + 0 > 1.1)
			print " CR3 loads per switch: one process " one ", two processes " two } ')
	if [ -z "$bad" ] && grep -aq '^BENCHDONE' "$log"; then
		pass "$name"
	else
		fail "$name" "${bad:-no BENCHDONE line}"
		show_tail "$log"
	fi
}

# A test that hangs, with ktest_timeout=: the kernel itself stops it with
# KTEST TIMEOUT, the schedtrace line, every CPU's backtrace and the
# goroutine dump, then fails it; no host-side timeout needed.
run_hang_timeout_test() {
	local name=boot:hung-test-is-stopped-with-a-dump-by-ktest_timeout log=$LOGDIR/boot-hang-timeout.log rc
	local saw other missing=
	run_pvh "$log" "$PVH_TIMEOUT" 2 "ktest_timeout=2 test=fault_hang_in_goroutine"
	rc=$?
	# Either CPU's tick may see the deadline; the other one is stopped by NMI.
	saw=$(grep -a '^CPU [01] (the one that saw the deadline), interrupted at:' "$log" | head -n 1 | cut -d' ' -f2)
	other=$((1 - ${saw:-1}))
	[ $rc -eq "$KEXIT_FAIL" ] || missing="$missing; QEMU exit $rc, not $KEXIT_FAIL (a failed test)"
	grep -aq '^KTEST TIMEOUT fault_hang_in_goroutine: ' "$log" || missing="$missing; no KTEST TIMEOUT line"
	grep -aq '^SCHED [0-9]*ms: gomaxprocs=2' "$log" || missing="$missing; no schedtrace line"
	[ -n "$saw" ] || missing="$missing; no backtrace of the CPU that saw the deadline"
	grep -aq "^CPU $other, stopped at:" "$log" || missing="$missing; no backtrace of the other CPU ($other)"
	grep -aq '^goroutine 2 \[chan receive' "$log" || missing="$missing; goroutine 2 not dumped as [chan receive]"
	grep -aq '^KTEST FAIL fault_hang_in_goroutine: timed out after 2 s' "$log" || missing="$missing; no KTEST FAIL line"
	if [ -z "$missing" ]; then
		pass "$name"
	else
		fail "$name" "${missing#; }"
		show_tail "$log" 40
	fi
}

# A fault in a goroutine: the kernel panic also dumps the goroutines.
run_goroutine_fault_test() {
	log=$LOGDIR/boot-fault-in-goroutine.log
	run_pvh "$log" "$PVH_TIMEOUT" 2 "test=fault_in_goroutine"
	rc=$?
	if [ $rc -eq 35 ] && grep -aq "PANIC on M[0-9]*: page fault" "$log" &&
	   grep -aq "goroutines at the panic:" "$log" &&
	   grep -aq "^goroutine 2 \[chan receive" "$log" && grep -aq "fault_main+0x" "$log"; then
		pass "boot:fault-in-goroutine-dumps-goroutines"
	else
		fail "boot:fault-in-goroutine-dumps-goroutines" "QEMU exit $rc"
		show_tail "$log" 30
	fi
}

# The showcase (what `make run` shows): every row present and consistent.
# SHOWCASE <row> <goroutine value> <thread value> <unit>; "na" = not measured.
showcase_check() { # log
	awk '
	$1 == "SHOWCASE" { g[$2] = $3; t[$2] = $4 }
	$1 == "SHOWCASEINFO" && $2 == "cpus" { cpus = $3 }
	END {
		n = split("mem_bytes create_ns switch_ns max_tasks blocked_others_ran", rows, " ")
		for (i = 1; i <= n; i++) {
			r = rows[i]
			if (!(r in g)) { print "row " r " missing"; exit 1 }
			if (g[r] == "na" || t[r] == "na" || g[r] + 0 <= 0 || t[r] + 0 <= 0) {
				print "row " r ": values " g[r] " / " t[r] " not both positive"; exit 1
			}
		}
		# A speedup is at most the CPU count (5% slack), or "na": the kernel
		# refuses to show a larger one as a result.
		if (!("scale_speedup" in g)) { print "row scale_speedup missing"; exit 1 }
		split(g["scale_speedup"] " " t["scale_speedup"], sp, " ")
		for (i = 1; i <= 2; i++)
			if (sp[i] != "na" && (sp[i] + 0 <= 0 || sp[i] + 0 > cpus * 1.05)) {
				print "scale_speedup " sp[i] " is not in (0, " cpus "]"; exit 1
			}
		if (g["mem_bytes"] + 0 >= t["mem_bytes"] + 0) { print "goroutine memory not below thread memory"; exit 1 }
		if (g["max_tasks"] + 0 <= t["max_tasks"] + 0) { print "fewer goroutines than threads fit"; exit 1 }
	}' "$1" | tr -d '\r'
}

run_showcase_tests() {
	for smp in 1 4; do
		log=$LOGDIR/boot-showcase-smp$smp.log
		run_pvh "$log" "$PVH_TIMEOUT" "$smp" "showcase=yes"
		rc=$?
		why=$(showcase_check "$log")
		if [ $rc -eq 33 ] && [ -z "$why" ] && grep -aq "^summary: " "$log"; then
			pass "boot:showcase@smp$smp"
		else
			fail "boot:showcase@smp$smp" "QEMU exit $rc; ${why:-no summary line}"
			show_tail "$log" 30
		fi
	done
}
