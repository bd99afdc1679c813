# bench/bench.mk - `make bench`: benchmarks (not tests). Builds the kernel,
# runs the in-kernel goroutine benchmarks (bench/*.c, booted by
# tools/bench.sh with several -smp/-m/command lines) and the host peers
# (bench/peers/: Go, pthreads), prints one table and writes
# $(BUILD)/bench/{results.json,meta.json,summary.md,chart.svg,chart.png}.
# See docs/benchmarks.md.

.PHONY: bench
bench: $(BUILD)/kernel.elf
	@BUILD=$(BUILD) tools/bench.sh
