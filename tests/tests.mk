# tests/tests.mk - build the host unit tests and run everything.
#
# Each tests/host/test_*.c is one program (it #includes the code it tests),
# built natively under AddressSanitizer and UndefinedBehaviorSanitizer.

HOST_TEST_SRCS := $(sort $(wildcard tests/host/test_*.c))
HOST_TESTS     := $(patsubst tests/host/%.c,$(BUILD)/tests/host/%,$(HOST_TEST_SRCS))
HOST_CFLAGS    := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -DHOST_TEST -I. -Itests/host -MMD -MP \
	-DFONT_PSF='"$(FONT_PSF)"' $(LAB_CFLAGS)

$(BUILD)/tests/host/%: tests/host/%.c $(DEPS_OK)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOSTCC) $(HOST_CFLAGS) $< -o $@

-include $(wildcard $(BUILD)/tests/host/*.d)

# The kernel again with DEBUG=1 (locking, lock order and scheduler
# preconditions asserted) under $(BUILD)/debug, sharing the newlib build;
# tests/debug.sh runs the in-kernel suite on it.
DEBUG_KERNEL := $(BUILD)/debug/kernel.elf
.PHONY: debug-kernel
debug-kernel: | $(NEWLIB_STAMP)
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/debug DEBUG=1 NEWLIB_DIR=$(NEWLIB_DIR) \
		DEPS_OK=$(DEPS_OK) $(DEBUG_KERNEL)

.PHONY: test test-host test-hostsched test-tools test-trace test-kernel test-boot test-qemu10 test-matrix test-debug test-labs
test: all debug-kernel $(HOST_TESTS) $(HOSTSCHED_BINS) $(BUILD)/tools/screencheck
	@BUILD=$(BUILD) tests/run_all.sh
test-host: $(HOST_TESTS)
	@BUILD=$(BUILD) tests/run_all.sh host
test-hostsched: $(HOSTSCHED_BINS)
	@BUILD=$(BUILD) tests/run_all.sh hostsched
test-tools: all
	@BUILD=$(BUILD) tests/run_all.sh tools
test-labs: all $(HOST_TESTS) $(HOSTSCHED_BINS)
	@BUILD=$(BUILD) tests/run_all.sh labs
test-trace: $(BUILD)/kernel.elf
	@BUILD=$(BUILD) tests/run_all.sh trace
test-kernel: $(BUILD)/kernel.elf
	@BUILD=$(BUILD) tests/run_all.sh kernel
test-debug: debug-kernel
	@BUILD=$(BUILD) tests/run_all.sh debug
test-boot: all $(BUILD)/tools/screencheck
	@BUILD=$(BUILD) tests/run_all.sh boot
# The boot tests (x2APIC and more than 255 CPUs among them) with QEMU 10,
# unpacked from bookworm-backports under $(BUILD)/qemu10 (nothing installed).
test-qemu10: all $(BUILD)/tools/screencheck
	@q=$$(BUILD=$(BUILD) tools/qemu10.sh | tail -n 1) && [ -x "$$q" ] && \
		BUILD=$(BUILD) QEMU=$$q tests/run_all.sh boot
# The in-kernel tests at hz=10, gstack=1536, 128 MiB and -smp 32: pass or
# skip with a reason (tests/matrix.sh).
test-matrix: $(BUILD)/kernel.elf
	@BUILD=$(BUILD) tests/run_all.sh matrix
