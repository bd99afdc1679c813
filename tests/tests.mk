# tests/tests.mk - build the host unit tests and run everything.
#
# Each tests/host/test_*.c is one program (it #includes the code it tests),
# built natively under AddressSanitizer and UndefinedBehaviorSanitizer.

HOST_TEST_SRCS := $(sort $(wildcard tests/host/test_*.c))
HOST_TESTS     := $(patsubst tests/host/%.c,$(BUILD)/tests/host/%,$(HOST_TEST_SRCS))
HOST_CFLAGS    := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -DHOST_TEST -I. -Itests/host -MMD -MP

$(BUILD)/tests/host/%: tests/host/%.c $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOSTCC) $(HOST_CFLAGS) $< -o $@

-include $(wildcard $(BUILD)/tests/host/*.d)

.PHONY: test test-host test-kernel test-boot
test: all $(HOST_TESTS)
	@tests/run_all.sh
test-host: $(HOST_TESTS)
	@tests/run_all.sh host
test-kernel: $(BUILD)/kernel.elf
	@tests/run_all.sh kernel
test-boot: all
	@tests/run_all.sh boot
