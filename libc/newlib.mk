# libc/newlib.mk - build newlib for x86_64-elf with the system gcc, once.
#
# The source is Debian's newlib-source tarball; the result is installed under
# $(NEWLIB_PREFIX) and never rebuilt unless this file changes or the build
# directory is cleaned. The flags match the kernel's code model: everything is
# linked in the top 2 GiB (-mcmodel=kernel), interrupts may arrive on any stack
# (-mno-red-zone), and reentrancy is per CPU through __getreent()
# (-D__DYNAMIC_REENT__, see libc/syscalls.c).

# Where Debian's newlib-source puts its tarball; tools/build-newlib.sh looks
# for it there when it runs (after tools/deps.sh), not when make parses this.
NEWLIB_SRCDIR  := /usr/src/newlib
NEWLIB_DIR     := $(BUILD)/newlib
NEWLIB_PREFIX  := $(abspath $(NEWLIB_DIR)/install)
NEWLIB_INC     := $(NEWLIB_PREFIX)/x86_64-elf/include
NEWLIB_LIBS    := $(NEWLIB_PREFIX)/x86_64-elf/lib/libc.a $(NEWLIB_PREFIX)/x86_64-elf/lib/libm.a
NEWLIB_STAMP   := $(NEWLIB_DIR)/.installed

NEWLIB_CFLAGS := -O2 -g -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
	-mcmodel=kernel -mno-red-zone -fno-omit-frame-pointer -D__DYNAMIC_REENT__ \
	-DMALLOC_ALIGNMENT=16 -Wno-implicit-function-declaration

$(NEWLIB_STAMP): libc/newlib.mk $(DEPS_OK) tools/build-newlib.sh
	@mkdir -p $(NEWLIB_DIR)
	@flock $(NEWLIB_DIR)/.lock tools/build-newlib.sh "$(NEWLIB_SRCDIR)" "$(NEWLIB_DIR)" \
		"$(NEWLIB_PREFIX)" "$(NEWLIB_CFLAGS)" "$@"
