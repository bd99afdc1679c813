# tools/tools.mk - host tools with make targets of their own.
#
#   make screenshot   boot the UEFI image like a real PC, screendump its
#                     screen to build/screenshot.png and check that it shows
#                     the whole showcase table (tools/screenshot.sh)
#   make screenshot-publish   the same, copied to docs/screenshot.png (the
#                     README shows it; commit it)
#   make stress T=test N=200 SMP=4 CMDLINE="hz=1000"   boot one in-kernel
#                     test N times, count the boots that fail (tools/stress.sh)

# screencheck draws text with the kernel's own console code and font.
$(BUILD)/tools/screencheck: tools/screencheck.c kernel/fbcon.c kernel/fbcon.h $(BUILD)/k/font.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -DHOST_TEST -I. -o $@ $< kernel/fbcon.c $(BUILD)/k/font.c

.PHONY: screenshot screenshot-publish
screenshot: all $(BUILD)/tools/screencheck
	@BUILD=$(BUILD) tools/screenshot.sh $(BUILD)/screenshot.png

screenshot-publish: screenshot
	@cp $(BUILD)/screenshot.png docs/screenshot.png
	@echo "screenshot-publish: docs/screenshot.png written; look at it, then commit it"

.PHONY: stress
stress: $(BUILD)/kernel.elf
	@BUILD=$(BUILD) T="$(T)" N="$(N)" SMP="$(SMP)" CMDLINE="$(CMDLINE)" J="$(J)" tools/stress.sh
