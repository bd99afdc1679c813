# arch/host/host.mk - the goroutine runtime (sched/) built a second time,
# against the host platform (arch/host/plat.c), into one test program per
# sanitizer: $(BUILD)/hostsched/tsan/sched-tests (ThreadSanitizer) and
# $(BUILD)/hostsched/asan/sched-tests (AddressSanitizer+UBSan), with the
# runtime's channel, select, sync, timer and scheduler tests. Debug
# assertions and the lock order are on (SPINDLE_DEBUG=1). tests/hostsched.sh
# runs them; the same switch.S as the kernel's, built with SPINDLE_HOST.

HOSTSCHED      := $(BUILD)/hostsched
HOSTSCHED_SRCS := $(sort $(wildcard sched/*.c)) sched/tests/chan_tests.c sched/tests/sync_tests.c \
	sched/tests/timer_tests.c sched/tests/sched_tests.c kernel/spinlock.c kernel/lockrank.c \
	arch/x86_64/switch_frame.c arch/host/plat.c arch/host/ktest_main.c arch/host/tests/planted_tests.c \
	arch/x86_64/switch.S
HOSTSCHED_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fno-omit-frame-pointer -pthread \
	-DSPINDLE_HOST=1 -DSPINDLE_DEBUG=1 -I. -I$(HOSTSCHED) -MMD -MP $(LAB_CFLAGS)
HOSTSCHED_SAN_tsan := -fsanitize=thread
HOSTSCHED_SAN_asan := -fsanitize=address,undefined -fno-sanitize-recover=undefined
HOSTSCHED_BINS := $(HOSTSCHED)/tsan/sched-tests $(HOSTSCHED)/asan/sched-tests

$(HOSTSCHED)/asm_offsets.h: arch/x86_64/asm_offsets.c arch/x86_64/percpu.h arch/x86_64/trap.h \
		sched/sched.h $(DEPS_OK)
	$(call asm_offsets_recipe,$(HOSTCC) $(HOSTSCHED_CFLAGS))

define hostsched_variant
$(HOSTSCHED)/$1/%.c.o: %.c $(HOSTSCHED)/asm_offsets.h $(DEPS_OK)
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$< ($1)"
	@$(HOSTCC) $(HOSTSCHED_CFLAGS) $(HOSTSCHED_SAN_$1) -c $$< -o $$@
$(HOSTSCHED)/$1/%.S.o: %.S $(HOSTSCHED)/asm_offsets.h $(DEPS_OK)
	@mkdir -p $$(dir $$@)
	@echo "  HOSTAS  $$< ($1)"
	@$(HOSTCC) $(HOSTSCHED_CFLAGS) -D__ASSEMBLY__ -c $$< -o $$@
$(HOSTSCHED)/$1/sched-tests: $(patsubst %,$(HOSTSCHED)/$1/%.o,$(HOSTSCHED_SRCS))
	@echo "  LD      $$@"
	@$(HOSTCC) $(HOSTSCHED_SAN_$1) -pthread -rdynamic -o $$@ $$^ -ldl
-include $$(wildcard $(HOSTSCHED)/$1/*/*.d $(HOSTSCHED)/$1/*/*/*.d)
endef
$(foreach v,tsan asan,$(eval $(call hostsched_variant,$v)))
-include $(wildcard $(HOSTSCHED)/asm_offsets.h.d)

.PHONY: hostsched
hostsched: $(HOSTSCHED_BINS)
