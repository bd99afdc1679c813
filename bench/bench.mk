# bench/bench.mk - `make bench`: benchmarks (not tests). Builds the kernel,
# runs the in-kernel benchmarks (bench/*.c: goroutines, system spindle-g,
# and kernel threads, system spindle-thread; booted by tools/bench.sh with
# several -smp/-m/command lines) and the host peers (bench/peers/: Go,
# pthreads), prints one table and writes
# $(BUILD)/bench/{results.json,meta.json,summary.md,chart.svg,chart.png}.
#
# `make bench-publish` copies the last run's chart.svg and summary.md to
# docs/bench/ (committed: the README shows the chart). It publishes the
# results that are there; when there are none it runs `make bench` first.
# `make bench bench-publish` runs both, in that order.
# See docs/benchmarks.md.

BENCH_OUT := $(BUILD)/bench
BENCH_PUBLISHED := docs/bench/chart.svg docs/bench/summary.md

.PHONY: bench bench-publish
bench: $(BUILD)/kernel.elf
	@BUILD=$(BUILD) tools/bench.sh

# The results of a run; made by `make bench` when missing.
$(BENCH_OUT)/summary.md $(BENCH_OUT)/chart.svg:
	@echo "bench-publish: no $@ yet: running 'make bench' first"
	@$(MAKE) --no-print-directory bench

# Order-only on `bench` when both are asked for, so that -j cannot publish
# the previous run's files while the benchmarks run.
bench-publish: $(BENCH_OUT)/summary.md $(BENCH_OUT)/chart.svg | $(filter bench,$(MAKECMDGOALS))
	@for f in $(BENCH_OUT)/summary.md $(BENCH_OUT)/chart.svg; do \
		[ -s "$$f" ] || { echo "bench-publish: $$f missing or empty (see 'make bench' output: gnuplot-nox is needed for the chart)"; exit 1; }; \
	done
	@grep -q '^| accelerator |' $(BENCH_OUT)/summary.md || \
		{ echo "bench-publish: $(BENCH_OUT)/summary.md has no run description (from an older make bench?): run 'make bench' again"; exit 1; }
	@mkdir -p docs/bench
	@cp $(BENCH_OUT)/chart.svg docs/bench/chart.svg
	@cp $(BENCH_OUT)/summary.md docs/bench/summary.md
	@echo "bench-publish: $(BENCH_PUBLISHED) written from the run of $$(sed -n 's/^| date (UTC) | \(.*\) |$$/\1/p' $(BENCH_OUT)/summary.md) ($$(sed -n 's/^| accelerator | \(.*\) |$$/\1/p' $(BENCH_OUT)/summary.md | tr -d '*')); commit them"
