# libc/newlib.mk - build newlib for x86_64-elf with the system gcc, once.
#
# The source is Debian's newlib-source tarball; the result is installed under
# $(NEWLIB_PREFIX) and never rebuilt unless this file changes or the build
# directory is cleaned. The flags match the kernel's code model: everything is
# linked in the top 2 GiB (-mcmodel=kernel), interrupts may arrive on any stack
# (-mno-red-zone), and reentrancy is per CPU through __getreent()
# (-D__DYNAMIC_REENT__, see libc/syscalls.c).

NEWLIB_TARBALL := $(firstword $(wildcard /usr/src/newlib/newlib-*.tar.*))
NEWLIB_DIR     := $(BUILD)/newlib
NEWLIB_PREFIX  := $(abspath $(NEWLIB_DIR)/install)
NEWLIB_INC     := $(NEWLIB_PREFIX)/x86_64-elf/include
NEWLIB_LIBS    := $(NEWLIB_PREFIX)/x86_64-elf/lib/libc.a $(NEWLIB_PREFIX)/x86_64-elf/lib/libm.a
NEWLIB_STAMP   := $(NEWLIB_DIR)/.installed

NEWLIB_CFLAGS := -O2 -g -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
	-mcmodel=kernel -mno-red-zone -fno-omit-frame-pointer -D__DYNAMIC_REENT__ \
	-DMALLOC_ALIGNMENT=16 -Wno-implicit-function-declaration

$(NEWLIB_STAMP): libc/newlib.mk $(BUILD)/.deps-ok
	@if [ -z "$(NEWLIB_TARBALL)" ]; then \
		echo "newlib: no tarball in /usr/src/newlib; install the newlib-source package (tools/deps.sh)" >&2; exit 1; fi
	@echo "  NEWLIB  $(NEWLIB_TARBALL) -> $(NEWLIB_PREFIX) (once, about a minute)"
	@rm -rf $(NEWLIB_DIR) && mkdir -p $(NEWLIB_DIR)/obj
	@tar -C $(NEWLIB_DIR) -xf $(NEWLIB_TARBALL)
	@cd $(NEWLIB_DIR)/obj && CFLAGS_FOR_TARGET="$(NEWLIB_CFLAGS)" \
		../newlib-*/configure --target=x86_64-elf --prefix=$(NEWLIB_PREFIX) \
		--disable-multilib --disable-newlib-supplied-syscalls --disable-nls \
		--enable-newlib-retargetable-locking --disable-newlib-fvwrite-in-streamio \
		CC_FOR_TARGET=gcc AR_FOR_TARGET=ar AS_FOR_TARGET=as RANLIB_FOR_TARGET=ranlib \
		LD_FOR_TARGET=ld NM_FOR_TARGET=nm OBJDUMP_FOR_TARGET=objdump \
		> ../configure.log 2>&1 || { echo "newlib: configure failed, see $(NEWLIB_DIR)/configure.log" >&2; exit 1; }
	@$(MAKE) -C $(NEWLIB_DIR)/obj -j$$(nproc) all-target-newlib > $(NEWLIB_DIR)/build.log 2>&1 || \
		{ echo "newlib: build failed, see $(NEWLIB_DIR)/build.log" >&2; exit 1; }
	@$(MAKE) -C $(NEWLIB_DIR)/obj install-target-newlib > $(NEWLIB_DIR)/install.log 2>&1 || \
		{ echo "newlib: install failed, see $(NEWLIB_DIR)/install.log" >&2; exit 1; }
	@rm -rf $(NEWLIB_DIR)/newlib-* $(NEWLIB_DIR)/obj
	@touch $@
