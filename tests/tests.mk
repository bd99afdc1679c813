# tests/tests.mk - build the host unit tests and run everything.
#
# Each tests/host/test_*.c is one program (it #includes the code it tests),
# built natively under AddressSanitizer and UndefinedBehaviorSanitizer.

HOST_TEST_SRCS := $(sort $(wildcard tests/host/test_*.c))
HOST_TESTS     := $(patsubst tests/host/%.c,$(BUILD)/tests/host/%,$(HOST_TEST_SRCS))
HOST_CFLAGS    := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -DHOST_TEST -I. -Itests/host -MMD -MP \
	-DFONT_PSF='"$(FONT_PSF)"'

$(BUILD)/tests/host/%: tests/host/%.c $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOSTCC) $(HOST_CFLAGS) $< -o $@

-include $(wildcard $(BUILD)/tests/host/*.d)

.PHONY: test test-host test-tools test-kernel test-boot test-qemu10 test-matrix
test: all $(HOST_TESTS) $(BUILD)/tools/screencheck
	@BUILD=$(BUILD) tests/run_all.sh
test-host: $(HOST_TESTS)
	@BUILD=$(BUILD) tests/run_all.sh host
test-tools: all
	@BUILD=$(BUILD) tests/run_all.sh tools
test-kernel: $(BUILD)/kernel.elf
	@BUILD=$(BUILD) tests/run_all.sh kernel
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
