# tools/tools.mk - host tools with make targets of their own.
#
#   make screenshot   boot the UEFI image like a real PC, screendump its
#                     screen to build/screenshot.png and check that it shows
#                     the whole showcase table (tools/screenshot.sh)
#   make screenshot-publish   the same, copied to docs/screenshot.png (the
#                     README shows it; commit it)
#   make stress T=test N=200 SMP=4 CMDLINE="hz=1000"   boot one in-kernel
#                     test N times, count the boots that fail (tools/stress.sh)
#   make trace T=test SMP=2 CMDLINE=...   one boot with the event trace on:
#                     build/trace/trace.json, timeline.svg/.png and a text
#                     timeline (tools/trace-run.sh, docs/trace.md)
#   make trace-publish   make trace T=chan_storm SMP=4, its pictures copied
#                     to docs/trace/ (docs/trace.md shows them)
#   make timeline     the text timeline of the last make trace again
#   make fuzz T=test N=200 SMP=4   the test with N schedfuzz seeds, the
#                     failing seeds and how to repeat each (tools/fuzz.sh)

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

.PHONY: trace trace-publish timeline fuzz
trace: $(BUILD)/kernel.elf
	@BUILD=$(BUILD) T="$(T)" SMP="$(SMP)" CMDLINE="$(CMDLINE)" tools/trace-run.sh

# The picture in docs/trace.md, from a real run.
trace-publish: $(BUILD)/kernel.elf
	@BUILD=$(BUILD) T=chan_storm SMP=4 CMDLINE= tools/trace-run.sh >/dev/null
	@mkdir -p docs/trace && cp $(BUILD)/trace/timeline.svg $(BUILD)/trace/timeline.png docs/trace/
	@echo "trace-publish: docs/trace/timeline.svg and .png written; look at them, then commit them"

timeline:
	@if [ -f $(BUILD)/trace/trace.txt ]; then python3 tools/trace.py text $(BUILD)/trace/trace.txt; \
	else echo "timeline: no $(BUILD)/trace/trace.txt yet: run make trace T=test first"; exit 1; fi

fuzz: $(BUILD)/kernel.elf
	@BUILD=$(BUILD) T="$(T)" N="$(N)" SEED="$(SEED)" SMP="$(SMP)" CMDLINE="$(CMDLINE)" J="$(J)" tools/fuzz.sh
