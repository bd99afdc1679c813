# kernel/font.mk - the console font, converted from a PSF console font at build time.
#
#   $(BUILD)/tools/psf2c   host tool (tools/psf2c.c)
#   $(BUILD)/k/font.psf    the font, gunzipped
#   $(BUILD)/k/font.c      generated: const struct font font_default (kernel/font.h)
#   $(BUILD)/k/font.o      linked into the kernel via KERNEL_EXTRA_OBJS
#
# FONT_PSF may name another PSF1/PSF2 .psf.gz (make FONT_PSF=...); the
# default is the 8x16 VGA font for Latin scripts of Debian 12's
# console-setup-linux package (Debian 12's kbd ships no console fonts).

FONT_PSF ?= /usr/share/consolefonts/Lat15-VGA16.psf.gz
FONT_PKG := console-setup-linux

KERNEL_EXTRA_OBJS += $(BUILD)/k/font.o

$(BUILD)/tools/psf2c: tools/psf2c.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $<

# The font is a prerequisite only when it exists, so a missing one reaches
# the recipe (after tools/deps.sh had its chance to install $(FONT_PKG)) and gets a
# clear message instead of make's "No rule to make target".
$(BUILD)/k/font.psf: $(wildcard $(FONT_PSF)) kernel/font.mk | $(DEPS_OK)
	@mkdir -p $(dir $@)
	@if [ ! -r "$(FONT_PSF)" ]; then \
		echo "font: $(FONT_PSF) not found; the default comes with Debian's $(FONT_PKG) package (tools/deps.sh)" >&2; exit 1; fi
	@echo "  GUNZIP  $(FONT_PSF)"
	@gzip -dc "$(FONT_PSF)" > $@

$(BUILD)/k/font.c: $(BUILD)/k/font.psf $(BUILD)/tools/psf2c kernel/font.h
	@echo "  PSF2C   $(notdir $(FONT_PSF))"
	@$(BUILD)/tools/psf2c -s "$(FONT_PSF)" $< $@

$(BUILD)/k/font.o: $(BUILD)/k/font.c kernel/font.h | $(NEWLIB_STAMP)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@
