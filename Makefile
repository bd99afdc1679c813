# Spindle - top-level Makefile.
#
#   make            build build/kernel.elf, build/BOOTX64.EFI, build/spindle.img
#   make run        UEFI boot of build/spindle.img (OVMF), -smp 4: the showcase
#   make run-pvh    PVH boot of build/kernel.elf
#   make debug      PVH boot stopped for gdb (see build/gdbinit)
#   make test       host, tool, in-kernel and boot tests
#   make test-qemu10  the boot tests again with QEMU 10 (bookworm-backports)
#   make screenshot what a real PC's screen shows, build/screenshot.png
#   make bench      benchmarks (not tests), results in build/bench/
#   make clean      remove build/ except the cached newlib build and QEMU 10
#   make distclean  remove all of build/
#
# Every QEMU boot takes its accelerator from tools/qemu.sh: KVM only where a
# probe boot proved it runs this kernel, TCG otherwise (one line says why);
# SPINDLE_ACCEL=kvm|tcg forces it, QEMU=path picks the binary.
# Extra arguments: SMP=n, MEM=size, QEMU_ARGS="...", CMDLINE="key=value ...".
# Each directory adds its rules through a fragment (*.mk) included below.

BUILD   ?= build
SMP     ?= 4
MEM     ?= 512M
CMDLINE ?=
QEMU_ARGS ?=

CC      := gcc
LD      := ld
OBJCOPY := objcopy
NM      := nm
HOSTCC  := gcc

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:

# Every rule that runs a tool from a Debian package has $(DEPS_OK) as a
# prerequisite (order-only where the stamp's time must not rebuild it), so
# tools/deps.sh installs the packages before any of them runs.
DEPS_OK := $(BUILD)/.deps-ok

include libc/newlib.mk

# A student tree of a lab (tools/lab.py) says which lab it is here, and
# sets LAB_CFLAGS: its stubs leave helpers unused, which warns but does not
# stop the build (everything else is still -Werror).
-include conf/lab.mk

# Looked up when a recipe first needs them (after tools/deps.sh installed
# gcc), never while the Makefile is parsed; then kept (:=) for the rest.
GCC_INC = $(eval GCC_INC := $$(shell $$(CC) -print-file-name=include))$(GCC_INC)
LIBGCC  = $(eval LIBGCC := $$(shell $$(CC) -print-libgcc-file-name))$(LIBGCC)

# Kernel code: freestanding, top 2 GiB, no red zone (interrupts share stacks),
# frame pointers for backtraces. Only newlib's and gcc's own headers are seen.
KCFLAGS = -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin-printf \
	-fno-stack-protector -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-fno-omit-frame-pointer -fno-strict-aliasing -nostdinc \
	-isystem $(NEWLIB_INC) -isystem $(GCC_INC) -I. -D__DYNAMIC_REENT__ -MMD -MP \
	$(if $(DEBUG),-DSPINDLE_DEBUG=1,-DSPINDLE_DEBUG=0) $(LAB_CFLAGS)
ASM_OFFSETS := $(BUILD)/k/asm_offsets.h
KASFLAGS := -g -I. -I$(BUILD)/k -D__ASSEMBLY__ -MMD -MP
# Interrupt and exception entry code must not touch SSE/AVX registers: they
# belong to whatever was interrupted (see arch/x86_64/trap.h, sched/preempt.c).
KCFLAGS_NOFPU := -mgeneral-regs-only
NOFPU_SRCS := arch/x86_64/trap.c arch/x86_64/switch_frame.c kernel/plat.c kernel/time.c sched/preempt.c \
	kernel/lab.c
# Code that runs on goroutine stacks checks its frame against the stack limit
# at %fs:0x70 on entry (sched/runtime.h: stack safety): every file of the
# directories that hold goroutine code (the runtime, the benchmarks, the
# showcase), so a new file there cannot lose the check. Goroutine code
# belongs in one of them (tests/source.sh checks that every go(...) call
# outside them is in a test).
GOROUTINE_DIRS := sched bench showcase labs
SPLIT_STACK_SRCS = $(filter-out $(NOFPU_SRCS),$(filter $(addsuffix /%,$(GOROUTINE_DIRS)),$(KERNEL_SRCS)))
kflags_for = $(if $(filter $1,$(NOFPU_SRCS)),$(KCFLAGS_NOFPU))$(if $(filter $1,$(SPLIT_STACK_SRCS)), -fsplit-stack)

KERNEL_SRCS := $(sort $(wildcard boot/*.c boot/*.S arch/x86_64/*.c arch/x86_64/*.S \
	kernel/*.c kernel/*.S kernel/tests/*.c sched/*.c sched/*.S sched/tests/*.c \
	libc/*.c libc/tests/*.c bench/*.c showcase/*.c showcase/tests/*.c \
	labs/*/tests/*.c labs/*/hidden/tests/*.c))
KERNEL_SRCS := $(filter-out arch/x86_64/asm_offsets.c $(KERNEL_SRCS_EXCLUDE),$(KERNEL_SRCS))
KERNEL_OBJS := $(patsubst %,$(BUILD)/k/%.o,$(KERNEL_SRCS))
KERNEL_EXTRA_OBJS :=

# Fragments: boot/boot.mk (EFI loader and disk image), kernel/*.mk (font),
# tests/tests.mk (test runner), bench/bench.mk, tools/tools.mk (screenshot),
# arch/host/host.mk (the runtime on the host, under sanitizers), labs/labs.mk
# (the OS-course labs).
include $(sort $(wildcard boot/*.mk kernel/*.mk tests/*.mk bench/*.mk tools/*.mk arch/host/*.mk labs/*.mk))

.PHONY: all deps clean distclean
all: $(BUILD)/kernel.elf $(ALL_EXTRA)

deps: $(DEPS_OK)
$(DEPS_OK): tools/deps.sh
	@mkdir -p $(BUILD)
	@tools/deps.sh
	@touch $@

$(BUILD)/k/%.c.o: %.c | $(NEWLIB_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) $(call kflags_for,$<) -c $< -o $@

$(BUILD)/k/%.S.o: %.S $(ASM_OFFSETS) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KASFLAGS) -c $< -o $@

# Struct offsets for assembly, generated from the structs (asm_offsets.c);
# regenerated when any header of those structs changes (-MT: the .d names
# the header, not the .s in between).
# $(call asm_offsets_recipe,COMPILER AND FLAGS): also used by arch/host/host.mk.
define asm_offsets_recipe
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@$1 -MT $@ -MF $@.d -S -o $@.s $<
	@{ echo "/* Generated from arch/x86_64/asm_offsets.c: do not edit. */"; \
		sed -n 's/.*@@ \([A-Z0-9_]*\) \([0-9]*\).*/#define \1 \2/p' $@.s; } > $@.tmp
	@grep -q '^#define ' $@.tmp || { echo "asm_offsets: no offsets in $@.s" >&2; exit 1; }
	@mv -f $@.tmp $@
endef
$(ASM_OFFSETS): arch/x86_64/asm_offsets.c arch/x86_64/percpu.h arch/x86_64/trap.h sched/sched.h \
		| $(NEWLIB_STAMP)
	$(call asm_offsets_recipe,$(CC) $(KCFLAGS))

# Two links: the first finds where every function landed, the second adds
# that table (.ksyms, placed after .text and .rodata so nothing before it
# moves) for symbolised backtraces. tools/ksyms.sh checks the text did not move.
KLINK = $(LD) -n -nostdlib -T linker.ld -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments -o $@ $(KERNEL_OBJS) $(KERNEL_EXTRA_OBJS)
$(BUILD)/kernel.pass1.elf: $(KERNEL_OBJS) $(KERNEL_EXTRA_OBJS) $(BUILD)/k/ksyms_empty.o linker.ld $(NEWLIB_STAMP)
	@echo "  LD      $@"
	@$(KLINK) $(BUILD)/k/ksyms_empty.o --start-group $(NEWLIB_LIBS) $(LIBGCC) --end-group

$(BUILD)/k/ksyms_empty.o: tools/ksyms.sh | $(DEPS_OK)
	@mkdir -p $(dir $@)
	@tools/ksyms.sh /dev/null > $(BUILD)/k/ksyms_empty.S
	@$(CC) $(KASFLAGS) -c $(BUILD)/k/ksyms_empty.S -o $@

$(BUILD)/k/ksyms.o: $(BUILD)/kernel.pass1.elf tools/ksyms.sh
	@tools/ksyms.sh $< > $(BUILD)/k/ksyms.S
	@$(CC) $(KASFLAGS) -c $(BUILD)/k/ksyms.S -o $@

$(BUILD)/kernel.elf: $(BUILD)/kernel.pass1.elf $(BUILD)/k/ksyms.o
	@echo "  LD      $@"
	@$(KLINK) $(BUILD)/k/ksyms.o --start-group $(NEWLIB_LIBS) $(LIBGCC) --end-group
	@tools/ksyms.sh --compare $(BUILD)/kernel.pass1.elf $@

# --- running -------------------------------------------------------------
.PHONY: run run-pvh debug
run: all
	@BUILD=$(BUILD) tools/run-qemu.sh uefi $(BUILD)/kernel.elf $(BUILD)/spindle.img $(SMP) $(MEM) $(QEMU_ARGS)
run-pvh: $(BUILD)/kernel.elf
	@BUILD=$(BUILD) tools/run-qemu.sh pvh $(BUILD)/kernel.elf $(SMP) $(MEM) "$(CMDLINE)" $(QEMU_ARGS)
# make debug [T=test] [GDB_PORT=n]: the port is per user unless given
# (tools/run-qemu.sh says which); T=name adds test=name to the command line.
debug: $(BUILD)/kernel.elf $(BUILD)/gdbinit
	@BUILD=$(BUILD) GDB_PORT="$(GDB_PORT)" tools/run-qemu.sh debug $(BUILD)/kernel.elf $(SMP) $(MEM) \
		"$(strip $(CMDLINE) $(if $(T),test=$(T)))" $(QEMU_ARGS)
$(BUILD)/gdbinit: tools/gdbinit
	@mkdir -p $(BUILD)
	@sed -e 's|@KERNEL@|$(abspath $(BUILD)/kernel.elf)|' -e 's|@SPINDLE_PY@|$(abspath tools/gdb/spindle.py)|' \
		-e 's|@PORT_FILE@|$(abspath $(BUILD)/gdb-port)|' $< > $@

# clean keeps the newlib build, QEMU 10 and the student trees of make lab
# (build/labs: a student's work); distclean removes everything.
clean:
	@find $(BUILD) -mindepth 1 -maxdepth 1 ! -name newlib ! -name qemu10 ! -name labs ! -name .deps-ok -exec rm -rf {} + 2>/dev/null || true

distclean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/k -name '*.d' 2>/dev/null)
