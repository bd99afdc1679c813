# tests/tools.sh - tests of the tools around the kernel: the accelerator
# decision (tools/qemu.sh) on a host whose KVM cannot run Spindle, make bench
# failing loudly, tools/deps.sh without root, a Makefile that runs no tool
# while it is parsed, and a test runner that notices tests that vanished.
# The broken hosts are stand-ins (tests/stubs/): QEMUs that fail the way a
# software /dev/kvm and a crashing QEMU were seen to fail.
STUBS=$PWD/tests/stubs
REAL_QEMU=$(command -v "$QEMU" || echo "$QEMU")
export REAL_QEMU

# tool_run NAME COMMAND...: run COMMAND with its output in LOGDIR/tool-NAME.log.
tool_run() {
	local name=$1
	shift
	"$@" </dev/null >"$LOGDIR/tool-$name.log" 2>&1
}

# The one accel line of a log and whether it says what it should.
accel_line_ok() { # log pattern...
	local log=$1 line
	shift
	[ "$(grep -ac '^accel: ' "$log")" = 1 ] || { echo "not exactly one 'accel:' line"; return 1; }
	line=$(grep -a '^accel: ' "$log")
	for p in "$@"; do
		case $line in *$p*) ;; *) echo "the accel line lacks '$p': $line"; return 1 ;; esac
	done
}

# A /dev/kvm that exists but cannot run the kernel: run-pvh falls back to
# TCG, says why in one line, boots; a second run reuses the probe's result.
test_accel_fallback_pvh() {
	local name=tools:accel-broken-kvm-falls-back-pvh log=$LOGDIR/tool-accel-pvh.log why calls
	calls=$LOGDIR/tool-accel-calls.txt
	rm -f "$calls"
	# A kernel of its own: the probe cache is keyed by the kernel, and this
	# test must see a probe happen (and then not happen).
	cp "$BUILD/kernel.elf" "$LOGDIR/tool-kernel.elf"
	printf 'stub %s\n' "$$" >>"$LOGDIR/tool-kernel.elf"
	QEMU=$STUBS/qemu-broken-kvm KVM_DEV=/dev/null STUB_CALLS=$calls \
		tool_run accel-pvh tools/run-qemu.sh pvh "$LOGDIR/tool-kernel.elf" 2 256M "showcase=no"
	local rc=$?
	if [ $rc != 0 ]; then fail "$name" "run-qemu.sh pvh exit $rc"; show_tail "$log"; return; fi
	if ! why=$(accel_line_ok "$log" "KVM could not run the kernel" "failed to set MSR 0x10a" \
		"emulation failure" "using TCG"); then
		fail "$name" "$why"; show_tail "$log"; return
	fi
	grep -aq "^smp: 2 of 2 Ms online" "$log" || { fail "$name" "the TCG boot did not bring 2 Ms online"; show_tail "$log"; return; }
	pass "$name"

	name=tools:accel-probe-cached-per-kernel
	: >"$calls"
	QEMU=$STUBS/qemu-broken-kvm KVM_DEV=/dev/null STUB_CALLS=$calls \
		tool_run accel-pvh-again tools/run-qemu.sh pvh "$LOGDIR/tool-kernel.elf" 1 256M "showcase=no"
	rc=$?
	if [ $rc = 0 ] && [ "$(grep -c 'accel=kvm' "$calls")" = 0 ] &&
		accel_line_ok "$LOGDIR/tool-accel-pvh-again.log" "using TCG" >/dev/null; then
		pass "$name"
	else
		fail "$name" "exit $rc; second run started KVM $(grep -c 'accel=kvm' "$calls") times (0 expected)"
	fi
}

# The same for make run's UEFI boot, on a copy of the image that skips the
# showcase.
test_accel_fallback_uefi() {
	local name=tools:accel-broken-kvm-falls-back-uefi log=$LOGDIR/tool-accel-uefi.log why img rc
	img=$LOGDIR/tool-uefi.img
	cp "$BUILD/spindle.img" "$img"
	printf 'showcase=no\n' >"$LOGDIR/tool-cmdline.txt"
	mcopy -o -i "$img@@1M" "$LOGDIR/tool-cmdline.txt" ::/spindle/cmdline.txt
	QEMU=$STUBS/qemu-broken-kvm KVM_DEV=/dev/null RUN_TIMEOUT=$UEFI_TIMEOUT \
		tool_run accel-uefi tools/run-qemu.sh uefi "$LOGDIR/tool-kernel.elf" "$img" 2 256M
	rc=$?
	if [ $rc != 0 ]; then fail "$name" "run-qemu.sh uefi exit $rc"; show_tail "$log"; return; fi
	if ! why=$(accel_line_ok "$log" "KVM could not run the kernel" "using TCG"); then
		fail "$name" "$why"; show_tail "$log"; return
	fi
	if grep -aq "^Spindle: booted by UEFI" "$log" && grep -aq "^smp: 2 of 2 Ms online" "$log"; then
		pass "$name"
	else
		fail "$name" "the UEFI boot under TCG did not bring 2 Ms online"; show_tail "$log"
	fi
}

# SPINDLE_ACCEL forces the choice; a bad value says so and decides as usual.
test_accel_forced() {
	local name=tools:accel-forced-and-bad-value out
	out=$(SPINDLE_ACCEL=tcg KVM_DEV=/dev/null bash -c '. tools/qemu.sh; qemu_accel_choose "$1"; qemu_accel_say; echo "${QEMU_ACCEL_ARGS[*]}"' _ "$BUILD/kernel.elf" 2>&1)
	case $out in
	*"accel: SPINDLE_ACCEL=tcg; using TCG"*"-accel tcg -cpu max"*) ;;
	*) fail "$name" "SPINDLE_ACCEL=tcg gave: $out"; return ;;
	esac
	out=$(SPINDLE_ACCEL=fast KVM_DEV=/nonexistent bash -c '. tools/qemu.sh; qemu_accel_choose "$1"; qemu_accel_say' _ "$BUILD/kernel.elf" 2>&1)
	case $out in
	*"SPINDLE_ACCEL='fast' is not kvm or tcg"*"accel: no /nonexistent on this machine; using TCG"*) pass "$name" ;;
	*) fail "$name" "SPINDLE_ACCEL=fast gave: $out" ;;
	esac
}

# make bench with a QEMU whose boots all crash: non-zero exit, and the last
# line says which boots produced nothing.
test_bench_fails_loudly() {
	local name=tools:bench-fails-when-spindle-produced-nothing log=$LOGDIR/tool-bench.log rc last
	QEMU=$STUBS/qemu-crash SPINDLE_ACCEL=tcg BENCH_PEERS= BUILD=$LOGDIR/tool-bench-build \
		tool_run bench bash -c 'mkdir -p "$BUILD" && cp '"$BUILD"'/kernel.elf "$BUILD"/ && tools/bench.sh'
	rc=$?
	last=$(grep -av '^[[:space:]]*$' "$log" | tail -n 1)
	case $last in
	*FAILED*"'mem'"*"'onep'"*"'thread'"*) [ $rc != 0 ] && { pass "$name"; return; } ;;
	esac
	fail "$name" "exit $rc, last line: $last"
	show_tail "$log"
}

# Without root, tools/deps.sh names the missing packages and the one
# command to run, and fails (it reads itself from stdin: the tree may be in
# a directory the unprivileged user cannot read).
test_deps_without_root() {
	local name=tools:deps-without-root-prints-the-command out rc
	if ! command -v setpriv >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
		skip "$name" "needs root and setpriv to run deps.sh as another user"; return
	fi
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups sh -s spindle-no-such-package \
		<tools/deps.sh 2>&1)
	rc=$?
	case $out in
	*"run as root:  apt-get update && apt-get install -y --no-install-recommends"*" spindle-no-such-package"*)
		[ $rc != 0 ] && { pass "$name"; return; } ;;
	esac
	fail "$name" "exit $rc: $out"
}

# Parsing the Makefile runs no compiler or package tool: on a new machine
# they are installed by tools/deps.sh, which runs after parsing.
test_make_parse_runs_no_tool() {
	local name=tools:makefile-parse-runs-no-tool calls=$LOGDIR/tool-parse-calls.txt out
	rm -f "$calls"
	out=$(STUB_CALLS=$calls make --no-print-directory BUILD="$LOGDIR/tool-parse-build" \
		CC="$STUBS/logging-tool" HOSTCC="$STUBS/logging-tool" LD="$STUBS/logging-tool" \
		OBJCOPY="$STUBS/logging-tool" NM="$STUBS/logging-tool" spindle-no-such-goal 2>&1)
	if [ -s "$calls" ]; then
		fail "$name" "make ran a tool while parsing: $(head -n 1 "$calls")"
	elif [[ $out != *"No rule to make target"*"spindle-no-such-goal"* ]]; then
		fail "$name" "unexpected make output: $out"
	else
		pass "$name"
	fi
}

# The runners count what programs report and fail what vanished: fake host
# test programs that plan 2 cases and report both, but for the first one,
# which reports 1; and a fake kernel boot that plans 3 tests and reports 2.
# Run as is, and again in a mount namespace whose /dev holds only null (no
# /dev/fd, as in a bare root: a runner reading through <(...) sees nothing).
RUNNER_SCRIPT='
	BUILD=$1; . tests/lib.sh >/dev/null; . tests/host.sh; . tests/kernel.sh
	run_pvh() { printf "KTEST PLAN 3\nKTEST PASS a (1 ms)\nKTEST PASS b (1 ms)\nKTEST DONE 2 passed\n" >"$1"; return 33; }
	KTEST_SMPS=1
	run_host_tests >/dev/null; run_kernel_tests >/dev/null
	echo "passed=$PASSED failed=$FAILED names=$FAILED_NAMES"'

runner_fakes() { # dir
	local src first=1 bin
	rm -rf "$1"; mkdir -p "$1/tests/host"
	for src in tests/host/test_*.c; do
		bin=$1/tests/host/$(basename "$src" .c)
		if [ $first = 1 ]; then
			printf '#!/bin/sh\necho "PLAN: 2"\necho "PASS: fake:one"\n' >"$bin"
		else
			printf '#!/bin/sh\necho "PLAN: 2"\necho "PASS: fake:one"\necho "PASS: fake:two"\n' >"$bin"
		fi
		first=0
		chmod +x "$bin"
	done
}

runner_verdict() { # name output
	local nhost want
	nhost=$(ls tests/host/test_*.c | wc -l)
	want="passed=$((2 * (nhost - 1) + 1 + 2)) failed=2 "
	case $2 in
	*"$want"*"host:test_"*"ktest-boot@smp1"*) pass "$1" ;;
	*) fail "$1" "expected '$want' (the first host program and the kernel boot failed), got: $2" ;;
	esac
}

test_runner_counts() {
	local dir=$LOGDIR/tool-runner out
	runner_fakes "$dir"
	out=$(bash -c "$RUNNER_SCRIPT" _ "$dir" 2>&1)
	runner_verdict tools:runner-fails-tests-that-vanish "$out"

	local name=tools:runner-fails-tests-that-vanish-without-dev-fd
	if [ "$(id -u)" != 0 ] || ! unshare -m --propagation unchanged true 2>/dev/null; then
		skip "$name" "needs root and a mount namespace (unshare -m) to hide /dev/fd"
		return
	fi
	# Private first, so that the empty /dev is not seen outside (a chroot's
	# /dev may be a shared mount).
	out=$(unshare -m --propagation unchanged bash -c 'mount --make-rprivate /dev || exit 9
		mount -t tmpfs none /dev && mknod -m 666 /dev/null c 1 3 && [ ! -e /dev/fd ] || exit 8
		bash -c "$1" _ "$2"' _ "$RUNNER_SCRIPT" "$dir" 2>&1)
	case $? in
	9) skip "$name" "/dev is not a mount point here: cannot hide /dev/fd safely" ;;
	8) fail "$name" "could not make a /dev without fd: $out" ;;
	*) runner_verdict "$name" "$out" ;;
	esac
}

# After a failing test the kernel runner boots again from the next one:
# every test is reported, and a crash is pinned on the test it happened in.
test_runner_goes_on_after_failure() {
	local name=tools:kernel-runner-goes-on-after-a-failure out
	out=$(bash -c '
		BUILD=$1; . tests/lib.sh >/dev/null; . tests/kernel.sh
		run_pvh() {
			case $4 in
			test=all) printf "KTEST PLAN 4\nKTEST START a\nKTEST PASS a (1 ms)\nKTEST START b\nKTEST FAIL b: x\n" >"$1"; return 35 ;;
			test=after:b) printf "KTEST PLAN 2\nKTEST START c\nPANIC on M0\n" >"$1"; return 35 ;;
			test=after:c) printf "KTEST PLAN 1\nKTEST START d\nKTEST SKIP d: no RAM\nKTEST DONE 0 passed, 1 skipped\n" >"$1"; return 33 ;;
			*) echo "unexpected $4" >"$1"; return 1 ;;
			esac
		}
		KTEST_SMPS=1
		run_kernel_tests >/dev/null
		echo "passed=$PASSED failed=$FAILED skipped=$SKIPPED names=$FAILED_NAMES"' _ "$LOGDIR/tool-runner2" 2>&1)
	case $out in
	*"passed=1 failed=2 skipped=1 names= ktest:b@smp1 ktest:c@smp1"*) pass "$name" ;;
	*) fail "$name" "expected a passed, b and c failed, d skipped; got: $out" ;;
	esac
}

# A PVH command line longer than QEMU can pass is refused by the tools in
# one line, before QEMU starts.
test_long_cmdline_refused() {
	local name=tools:run-pvh-refuses-overlong-cmdline out rc line
	line="showcase=no $(printf 'x%.0s' $(seq 1 4100))"
	out=$(QEMU=$STUBS/qemu-crash tools/run-qemu.sh pvh "$BUILD/kernel.elf" 1 128M "$line" 2>&1)
	rc=$?
	case $out in
	*"the kernel command line is 4112 bytes; a PVH boot takes at most 4095"*)
		[ $rc != 0 ] && [[ $out != *qemu-crash* ]] && { pass "$name"; return; } ;;
	esac
	fail "$name" "exit $rc: $(echo "$out" | head -n 2)"
}

# The guest peers' initramfs (tools/guest-peers.sh) holds the init, both
# peers and the two device nodes the init needs for its output and the Go
# peer for os/exec; their records come out under the guest's names.
test_guest_initrd() {
	local name=tools:guest-initrd-holds-init-peers-and-devices dir=$LOGDIR/tool-guest list renamed
	if [ "$(id -u)" != 0 ] || ! command -v cpio >/dev/null 2>&1; then
		skip "$name" "needs root (device nodes) and cpio"; return
	fi
	rm -rf "$dir" && mkdir -p "$dir/out"
	printf '#!/bin/sh\n' >"$dir/out/gobench"
	list=$(HERE=$PWD BUILD=$dir OUT=$dir/out bash -c '. tools/guest-peers.sh; say() { echo "$*"; }
		guest_initrd && gzip -dc "$BUILD/guest/initrd.gz" | cpio -t 2>/dev/null | sort | tr "\n" " "' 2>&1)
	renamed=$(printf 'BENCH go switch_ns 1 ns\nBENCHINFO linux-pthread cpus 2 cpus\nBENCHDONE go\n' |
		bash -c '. tools/guest-peers.sh; guest_rename' | tr '\n' '|')
	case "$list" in
	*"dev/console "*"dev/null "*"gobench "*"init "*"pthreadbench "*) ;;
	*) fail "$name" "initramfs lists: $list"; return ;;
	esac
	if [ "$renamed" = "BENCH go-guest switch_ns 1 ns|BENCHINFO pthread-guest cpus 2 cpus|BENCHDONE go|" ]; then
		pass "$name"
	else
		fail "$name" "renamed records: $renamed"
	fi
}

# bench/report.awk: one table of medians with their spread, ratios of
# medians between the systems of one substrate, goals with their status,
# and results.json records (read with a JSON parser) carrying min, max, runs.
test_bench_report() {
	local name=tools:bench-report-medians-spread-ratios-goals dir=$LOGDIR/tool-report out
	rm -rf "$dir" && mkdir -p "$dir"
	cat >"$dir/records.txt" <<'EOF2'
BENCH spindle-g switch_ns 100.000 ns 90.000 130.000 5
BENCH spindle-g switch_raw_ns 50.000 ns 49.000 51.000 5
BENCH go-guest switch_ns 1000.000 ns 900.000 1100.000 5
BENCH go switch_ns 10.000 ns 9.000 11.000 5
BENCH spindle-thread process_switch_ns 3000.000 ns 2900.000 3100.000 5
BENCH pthread-guest process_switch_ns 2000.000 ns 1900.000 2100.000 5
BENCH spindle-g bytes_per_task 2000.000 bytes
EOF2
	out=$(awk -v accel=tcg -v out="$dir" -v date=D -v guest_mib=4096 -f bench/report.awk "$dir/records.txt" 2>&1)
	if ! python3 - "$dir/results.json" <<'EOF2' >"$dir/json-check.txt" 2>&1; then
import json, sys
recs = {(r["metric"], r["system"]): r for r in json.load(open(sys.argv[1]))}
r = recs[("switch_ns", "spindle-g")]
assert (r["value"], r["min"], r["max"], r["runs"]) == (100, 90, 130, 5), r
b = recs[("bytes_per_task", "spindle-g")]
assert (b["min"], b["max"], b["runs"]) == (2000, 2000, 1), b
assert len(recs) == 7, len(recs)
EOF2
		fail "$name" "results.json: $(tail -n 1 "$dir/json-check.txt")"; return
	fi
	local row goal1 goal2 goal3
	row=$(echo "$out" | awk '$1 == "switch_ns"')
	goal1=$(echo "$out" | grep -E 'switch_ns +spindle-g / go-guest <= 0.15 +0.1 +met$')
	goal2=$(echo "$out" | grep -E 'spindle-g / its bare switch_raw_ns <= 1.5 +2 +NOT MET$')
	goal3=$(echo "$out" | grep -E 'process_switch_ns +spindle-thread / pthread-guest <= 1.0 +1.5 +NOT MET$')
	case $row in
	*"100.0 [90.00..130.0]"*"1000.0 [900.0..1100.0]"*" 0.10 "*) ;;
	*) fail "$name" "switch_ns row: $row"; return ;;
	esac
	if [ -n "$goal1" ] && [ -n "$goal2" ] && [ -n "$goal3" ] &&
		grep -q '^| switch_ns | ns | 100.0 \[90.00..130.0\] | 1000.0 \[900.0..1100.0\] |' "$dir/summary.md"; then
		pass "$name"
	else
		fail "$name" "goal lines or summary.md row missing: $(echo "$out" | grep -c 'met$') goal lines"
	fi
}

run_tools_tests() {
	test_bench_report
	test_guest_initrd
	test_make_parse_runs_no_tool
	test_deps_without_root
	test_runner_counts
	test_accel_forced
	test_accel_fallback_pvh
	test_accel_fallback_uefi
	test_bench_fails_loudly
	test_long_cmdline_refused
	test_runner_goes_on_after_failure
}
