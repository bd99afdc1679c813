#!/bin/bash
# bench.sh - `make bench`: run Spindle's in-kernel benchmarks (goroutines,
# system spindle-g, and kernel threads, system spindle-thread) and the same
# workloads on the host (Go runtime, Linux pthreads), then print
# one table, write build/bench/results.json, meta.json, summary.md and draw
# build/bench/chart.svg and chart.png. Benchmarks are not tests: the exit
# status never depends on a measured speed; goals are printed for
# information. But a Spindle boot that crashed, timed out or printed no
# results makes the last line say so and the exit status non-zero. See
# docs/benchmarks.md.
#
# Environment: BUILD (build), BENCH_SMP (guest CPUs, default min(host CPUs, 2)),
# BENCH_MEM (guest RAM for the memory boot, default 4G), BENCH_PEERS (default
# "go pthread"; empty to skip the host peers), BENCH_GUEST (default 1: the
# same peers in a Linux guest on the same QEMU, tools/guest-peers.sh; empty
# to skip); QEMU, SPINDLE_ACCEL and the rest of tools/qemu.sh.
set -u

HERE=$(cd "$(dirname "$0")/.." && pwd)
. "$HERE/tools/qemu.sh"
. "$HERE/tools/guest-peers.sh"
OUT=$BUILD/bench
KERNEL=$BUILD/kernel.elf
BENCH_PEERS=${BENCH_PEERS-go pthread}
BENCH_GUEST=${BENCH_GUEST-1}
mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT"/gobench "$OUT"/records.txt "$OUT"/results.json "$OUT"/meta.json \
	"$OUT"/summary.md "$OUT"/chart.svg "$OUT"/chart.png "$OUT"/chart.dat
T_START=$(date +%s)

say() { echo "bench: $*"; }

# --- packages: golang-go, gnuplot-nox, cpio (tools/deps.sh --bench) ---------
if [ -n "$BENCH_PEERS" ] && { ! command -v go >/dev/null 2>&1 || ! command -v gnuplot >/dev/null 2>&1 ||
	! command -v cpio >/dev/null 2>&1; }; then
	if ! "$HERE/tools/deps.sh" --bench; then
		say "could not install golang-go/gnuplot-nox/cpio (see above); the parts that need them are skipped"
	fi
fi

[ -f "$KERNEL" ] || { say "no $KERNEL: run 'make bench' (it builds the kernel first)"; exit 1; }

# --- accelerator: tools/qemu.sh decides (KVM only where a probe proved it) --
qemu_accel_choose "$KERNEL"
qemu_accel_say
ACCEL=("${QEMU_ACCEL_ARGS[@]}") CPU=$QEMU_CPU REQ_ACCEL=$QEMU_ACCEL
NPROC=$(nproc 2>/dev/null || echo 1)
SMP=${BENCH_SMP:-$([ "$NPROC" -ge 2 ] && echo 2 || echo 1)}
MEM=${BENCH_MEM:-4G}
# The guest touches all of its RAM in max_tasks: do not ask for more than the host has.
avail_mib=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo 2>/dev/null)
mem_mib=$(echo "$MEM" | awk '/[Gg]$/ { print int($0) * 1024; next } /[Mm]$/ { print int($0); next } { print int($0) }')
if [ -n "$avail_mib" ] && [ "$mem_mib" -gt 0 ] && [ "$avail_mib" -lt $((mem_mib + 512)) ]; then
	new=$(( (avail_mib - 512) / 2 ))
	[ "$new" -lt 256 ] && new=256
	say "only ${avail_mib} MiB available on the host: memory boot uses ${new}M instead of $MEM (the 4 GiB goal cannot be checked)"
	MEM=${new}M
fi
say "accelerator: $REQ_ACCEL (-cpu $CPU), guest CPUs: $SMP, memory boot: -m $MEM"
[ "$REQ_ACCEL" = tcg ] && say "TCG emulation: these numbers are not comparable to the goals (set for KVM)"

# boot NAME TIMEOUT MEM CMDLINE [QEMU ARGS...]: the serial log goes to $OUT/spindle-NAME.log.
# A boot that does not end cleanly with its BENCHDONE line is recorded in
# BOOT_PROBLEMS, which decides the exit status.
BOOT_PROBLEMS=""
boot() {
	local name=$1 tmo=$2 mem=$3 cmdline=$4 log t0 rc
	shift 4
	log=$OUT/spindle-$name.log
	t0=$(date +%s)
	timeout --foreground -k 5 "$tmo" "$QEMU" "${ACCEL[@]}" -smp "$SMP" -m "$mem" \
		-nographic -no-reboot -serial mon:stdio -display none -net none \
		"${QEMU_EXIT_ARGS[@]}" -kernel "$KERNEL" -append "console=serial $cmdline" "$@" </dev/null >"$log" 2>&1
	rc=$?
	case $rc in
	"$KEXIT_PASS") say "boot '$name' done in $(( $(date +%s) - t0 )) s (log: $log)" ;;
	124) say "boot '$name' TIMED OUT after $tmo s: its missing results are skipped (log: $log)" ;;
	*) say "boot '$name' ended with QEMU status $rc ($KEXIT_PASS expected): see $log"; tail -n 5 "$log" | tr -d '\r' ;;
	esac
	if [ "$rc" != "$KEXIT_PASS" ] || ! grep -aq "^BENCHDONE" "$log" || ! grep -aq "^BENCH " "$log"; then
		say "boot '$name' did not finish its benchmarks"
		BOOT_PROBLEMS="$BOOT_PROBLEMS '$name' (QEMU status $rc$(grep -aq '^BENCH ' "$log" || echo ', no results'))"
	fi
}

# Memory first (bytes_per_task must be the first runtime in its boot),
# then the all-Ps workloads, max_tasks last; then a one-P boot; then the
# kernel threads (spindle-thread) in a boot of their own (1 GiB: enough for
# about a thousand 1 MiB-stack threads; max_tasks_per_gib is per GiB).
boot mem 420 "$MEM" "bench=bytes_per_task,spawn_exit,chan_cross,max_tasks"
boot onep 180 512M "gomaxprocs=1 bench=switch,switch_raw,chan_same"
# The cross-core round trip again with idle Ms halting at once (idlespin=0):
# what the poll before a halt buys (docs/benchmarks.md). Its records get
# their own metric name.
boot nospin 180 512M "idlespin=0 bench=chan_cross"
sed -i 's/^\(BENCH[A-Z]* spindle-g\) chan_rtt_cross_core_\([a-z_]*\)/\1 chan_rtt_cross_nospin_\2/' \
	"$OUT/spindle-nospin.log"
# The same switch and round trip with the event trace recording
# (trace=1; its dump goes to a COM2 that QEMU throws away): what tracing
# costs when it is on (docs/trace.md). Own metric names again.
boot traced 180 512M "gomaxprocs=1 trace=1 bench=switch,chan_same" -serial null
sed -i 's/^\(BENCH[A-Z]* spindle-g\) \(switch\|chan_rtt_same_core\)_ns/\1 \2_traced_ns/' \
	"$OUT/spindle-traced.log"
THREAD_MEM=1G
[ "$(echo "$MEM" | awk '/[Mm]$/ { print int($0) < 1024 }')" = 1 ] && THREAD_MEM=$MEM
boot thread 180 "$THREAD_MEM" "bench=thread"

# --- host peers ------------------------------------------------------------
for peer in $BENCH_PEERS; do
	case $peer in
	go)
		if ! command -v go >/dev/null 2>&1; then
			say "go not found (Debian package golang-go): the Go peer is SKIPPED"
			continue
		fi
		gobin=$OUT/gobench
		if ! env GOCACHE="$PWD/$OUT/go/cache" GOPATH="$PWD/$OUT/go/path" \
			GOMODCACHE="$PWD/$OUT/go/path/pkg/mod" GO111MODULE=off GOPROXY=off \
			GOFLAGS= GOENV=off CGO_ENABLED=0 \
			go build -o "$gobin" "$HERE/bench/peers/go/bench.go" >"$OUT/go-build.log" 2>&1; then
			say "the Go peer did not build (see $OUT/go-build.log): SKIPPED"
			continue
		fi
		timeout -k 5 300 "$gobin" -procs "$SMP" >"$OUT/go.log" 2>&1 ||
			say "the Go peer failed or timed out (status $?): see $OUT/go.log"
		say "Go peer done ($(go version | awk '{ print $3 }'), log: $OUT/go.log)"
		;;
	pthread)
		pbin=$OUT/pthreadbench
		if ! gcc -O2 -Wall -pthread -o "$pbin" "$HERE/bench/peers/pthread/bench.c" >"$OUT/pthread-build.log" 2>&1; then
			say "the pthread peer did not build (see $OUT/pthread-build.log): SKIPPED"
			continue
		fi
		timeout -k 5 300 "$pbin" "$SMP" >"$OUT/pthread.log" 2>&1 ||
			say "the pthread peer failed or timed out (status $?): see $OUT/pthread.log"
		say "pthread peer done (log: $OUT/pthread.log)"
		;;
	*) say "unknown peer '$peer' in BENCH_PEERS" ;;
	esac
done

# --- guest peers: the same programs in a Linux guest on the same QEMU ------
[ -n "$BENCH_GUEST" ] && guest_peers_run

# --- results ----------------------------------------------------------------
cat "$OUT"/spindle-*.log "$OUT"/go.log "$OUT"/pthread.log "$OUT"/guest.log 2>/dev/null | tr -d '\r' |
	grep -a -E '^BENCH(INFO|SKIP)? ' >"$OUT/records.txt"

hv=$(awk '$1 == "BENCHINFO" && $3 == "hypervisor" { print $4; exit }' "$OUT/records.txt")
case $hv in
KVMKVMKVM*) ACCEL_USED=kvm ;;
TCGTCGTCG*) ACCEL_USED=tcg ;;
*) ACCEL_USED=$REQ_ACCEL ;;
esac
jstr() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
host_name=$(uname -n 2>/dev/null)
host_os=$(uname -srm 2>/dev/null)
host_mem_mib=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo 2>/dev/null)
guest_mib=$(awk '$1 == "BENCHINFO" && $2 == "spindle-g" && $3 == "max_tasks_guest_ram_mib" { print int($4); exit }' "$OUT/records.txt")

qemu_ver=$($QEMU --version 2>/dev/null | head -n 1)
go_ver=$(command -v go >/dev/null 2>&1 && go version 2>/dev/null)
commit=$(git -C "$HERE" rev-parse --short HEAD 2>/dev/null)
[ -n "$(git -C "$HERE" status --porcelain 2>/dev/null)" ] && commit="$commit (with uncommitted changes)"
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)

gcc_ver=$(gcc -dumpfullversion 2>/dev/null)
awk -v accel="$ACCEL_USED" -v date="$DATE" -v guest_mib="${guest_mib:-0}" -v cpu="$cpu_model" \
	-v host="$host_name" -v hostos="$host_os" -v hostcpus="$NPROC" -v hostmem="${host_mem_mib:-?}" \
	-v qemu="$qemu_ver" -v qemucpu="$CPU" -v guestcpus="$SMP" -v commit="$commit" \
	-v gover="${go_ver:-go: not found}" -v gccver="$gcc_ver" \
	-v out="$OUT" -f "$HERE/bench/report.awk" "$OUT/records.txt"

{
	echo "{"
	echo "  \"accelerator\": \"$ACCEL_USED\","
	echo "  \"accelerator_requested\": \"$REQ_ACCEL\","
	echo "  \"guest_hypervisor_signature\": \"$(jstr "$hv")\","
	echo "  \"qemu_cpu\": \"$CPU\","
	echo "  \"guest_cpus\": $SMP,"
	echo "  \"memory_boot_ram\": \"$MEM\","
	echo "  \"host_name\": \"$(jstr "$host_name")\","
	echo "  \"host_os\": \"$(jstr "$host_os")\","
	echo "  \"host_cpu_model\": \"$(jstr "$cpu_model")\","
	echo "  \"host_cpus\": $NPROC,"
	echo "  \"host_ram_mib\": ${host_mem_mib:-0},"
	echo "  \"date\": \"$DATE\","
	echo "  \"commit\": \"$(jstr "$commit")\","
	echo "  \"qemu\": \"$(jstr "$qemu_ver")\","
	echo "  \"go\": \"$(jstr "$go_ver")\","
	echo "  \"gcc\": \"$(jstr "$gcc_ver")\","
	echo "  \"info\": ["
	# One entry per BENCHINFO line, with the log it came from (each boot
	# reports its own CPUs, gomaxprocs and RAM).
	for f in "$OUT"/spindle-*.log "$OUT"/go.log "$OUT"/pthread.log "$OUT"/guest.log; do
		[ -f "$f" ] || continue
		# shellcheck disable=SC2094 # reads $f, writes meta.json
		tr -d '\r' <"$f" | awk -v src="$(basename "$f" .log)" '$1 == "BENCHINFO" {
			v = $4; if (v !~ /^-?[0-9.]+$/) v = "\"" v "\""
			printf "    {\"source\": \"%s\", \"system\": \"%s\", \"key\": \"%s\", \"value\": %s, \"unit\": \"%s\"},\n", src, $2, $3, v, $5 }'
	done | sed '$ s/},$/}/'
	echo "  ],"
	echo "  \"skipped\": ["
	awk '$1 == "BENCHSKIP" { why = ""; for (i = 4; i <= NF; i++) why = why (i > 4 ? " " : "") $i;
		gsub(/\\/, "\\\\", why); gsub(/"/, "\\\"", why);
		printf "%s    {\"system\": \"%s\", \"metric\": \"%s\", \"why\": \"%s\"}", sep, $2, $3, why; sep = ",\n" }
		END { if (sep) printf "\n" }' "$OUT/records.txt"
	echo "  ]"
	echo "}"
} >"$OUT/meta.json"

# --- chart ------------------------------------------------------------------
if ! command -v gnuplot >/dev/null 2>&1; then
	say "gnuplot not found (Debian package gnuplot-nox): chart SKIPPED"
elif [ ! -s "$OUT/chart.dat" ]; then
	say "no results to chart"
else
	# chart.dat: "metric", then three columns (median min max) per system,
	# the first four of one substrate (bench/report.awk).
	nsys=$(head -n 1 "$OUT/chart.dat" | awk '{ print int((NF - 1) / 3) }')
	# The chart says where it was made (the README shows it): accelerator,
	# machine, CPU model, date. Quotes are dropped (gnuplot strings).
	case $ACCEL_USED in
	tcg) accel_label="accelerator TCG (emulation, no KVM): Spindle and the Linux-guest peers on the same emulator" ;;
	*) accel_label="accelerator $(echo "$ACCEL_USED" | tr a-z A-Z)" ;;
	esac
	title=$(printf '%s' "Spindle benchmarks - $accel_label" | tr -d "'\"\\\\")
	subtitle=$(printf '%s' "host $host_name: $cpu_model, $NPROC CPUs; guest: $SMP CPUs; $DATE; lower is better except max_tasks*" | tr -d "'\"\\\\")
	for term in svg png; do
		case $term in
		svg) tline="set terminal svg size 1100,600 dynamic font 'Sans,11'" ;;
		png)
			if gnuplot -e 'set terminal' 2>/dev/null | grep -q pngcairo; then
				tline="set terminal pngcairo size 1100,600 font 'Sans,10'"
			else
				tline="set terminal png size 1100,600"
			fi ;;
		esac
		if ! gnuplot -e "$tline; set output '$OUT/chart.$term'; nsys=$nsys; nmain=4; charttitle='$title'; chartsub='$subtitle'; datafile='$OUT/chart.dat'" \
			"$HERE/bench/chart.gp" >"$OUT/gnuplot.log" 2>&1; then
			say "gnuplot failed for chart.$term (see $OUT/gnuplot.log)"
		fi
	done
	[ -s "$OUT/chart.svg" ] && say "chart: $OUT/chart.svg $OUT/chart.png"
fi

say "results: $OUT/results.json, $OUT/meta.json, $OUT/summary.md (total $(( $(date +%s) - T_START )) s)"
if [ -n "$BOOT_PROBLEMS" ]; then
	say "FAILED: Spindle boots that crashed, timed out or printed no results:$BOOT_PROBLEMS (logs in $OUT/)"
	exit 1
fi
say "all Spindle boots finished their benchmarks"
exit 0
