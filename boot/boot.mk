# boot/boot.mk - the GNU-EFI loader (build/BOOTX64.EFI) and the bootable
# GPT disk image with one FAT32 ESP (build/spindle.img). See docs/boot.md.
#
#   make build/BOOTX64.EFI   the loader alone
#   make build/spindle.img   loader + build/kernel.elf + CMDLINE in a disk image

EFI_INC     := /usr/include/efi
EFI_LIBDIR  := /usr/lib
EFI_CRT0    := $(EFI_LIBDIR)/crt0-efi-x86_64.o
EFI_LDS     := $(EFI_LIBDIR)/elf_x86_64_efi.lds

EFI_CFLAGS  := -std=gnu11 -O2 -Wall -Wextra -Werror -I$(EFI_INC) -I$(EFI_INC)/x86_64 -I. \
	-fpic -ffreestanding -fno-stack-protector -fno-stack-check -fshort-wchar \
	-mno-red-zone -maccumulate-outgoing-args -fno-strict-aliasing -MMD -MP
# The gnu-efi files have a rule of their own so that make waits for
# tools/deps.sh (which installs gnu-efi) before it looks for them.
$(EFI_CRT0) $(EFI_LDS): | $(DEPS_OK)
	@[ -f $@ ] || { echo "efi: $@ missing; it comes with Debian's gnu-efi package (tools/deps.sh)" >&2; exit 1; }

EFI_SRCS    := $(sort $(wildcard boot/efi/*.c)) boot/elf_check.c boot/cmdline_fit.c
EFI_OBJS    := $(patsubst %.c,$(BUILD)/efi/%.o,$(notdir $(EFI_SRCS)))

$(BUILD)/efi/%.o: boot/efi/%.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	@echo "  EFICC   $<"
	@$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/efi/%.o: boot/%.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	@echo "  EFICC   $<"
	@$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/efi/loader.so: $(EFI_OBJS) $(EFI_CRT0) $(EFI_LDS)
	@echo "  EFILD   $@"
	@$(LD) -nostdlib -shared -Bsymbolic -znocombreloc -L$(EFI_LIBDIR) -T $(EFI_LDS) \
		$(EFI_CRT0) $(EFI_OBJS) -o $@ -lgnuefi -lefi

$(BUILD)/BOOTX64.EFI: $(BUILD)/efi/loader.so
	@echo "  EFIAPP  $@"
	@$(OBJCOPY) -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .rel.* -j .rela.* -j .reloc --target efi-app-x86_64 \
		--subsystem=10 $< $@

# The command line file changes only when CMDLINE does, so the image is
# rebuilt only then.
BOOT_CMDLINE_Q := '$(subst ','\'',$(CMDLINE))'
$(BUILD)/cmdline.txt: boot-cmdline-force
	@mkdir -p $(dir $@)
	@printf '%s\n' $(BOOT_CMDLINE_Q) > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

.PHONY: boot-cmdline-force
boot-cmdline-force:

$(BUILD)/spindle.img: $(BUILD)/BOOTX64.EFI $(BUILD)/kernel.elf $(BUILD)/cmdline.txt tools/mkimage.sh
	@echo "  IMAGE   $@"
	@tools/mkimage.sh $@ $(BUILD)/BOOTX64.EFI $(BUILD)/kernel.elf "$$(cat $(BUILD)/cmdline.txt)"

ALL_EXTRA += $(BUILD)/BOOTX64.EFI $(BUILD)/spindle.img

-include $(wildcard $(BUILD)/efi/*.d)
