# labs/labs.mk - the OS-course labs (docs/labs.md; tools/lab.py, tools/grade.py).
#
#   make lab LAB=N        the student tree of lab N in build/labs/N-name/
#                         (a git repository with one commit) and its handout
#   make handout LAB=N    build/labs/N/HANDOUT.md
#   make grade [LAB=N] [T=..] [SMP=n] [SEED=n]   grade a lab (in a student
#                         tree LAB comes from conf/lab.mk): Score: x/y
#   make lab-check LAB=N  the lab's trees proved: the student tree builds
#                         and boots, its lab tests fail with TODO lines, the
#                         solution scores 100 three times (tools/lab-check.sh)
#   make tracediff T=name your test's schedule at -smp 1 against the lab's
#                         reference trace
#   make handin           a tarball of a student tree to hand in

LAB_NAME_OF = $(shell python3 tools/lab.py list 2>/dev/null | awk '$$1 == "$(LAB)" { print $$2 }')

.PHONY: lab handout grade lab-check tracediff handin lab-refs
lab: | $(DEPS_OK)
	@[ -n "$(LAB)" ] || { echo "lab: which lab? make lab LAB=N (python3 tools/lab.py list)"; exit 2; }
	@python3 tools/lab.py tree $(LAB) $(BUILD)/labs/$(LAB)-$(LAB_NAME_OF)
	@echo "lab: cd $(BUILD)/labs/$(LAB)-$(LAB_NAME_OF) && make grade"

handout: | $(DEPS_OK)
	@[ -n "$(LAB)" ] || { echo "handout: which lab? make handout LAB=N"; exit 2; }
	@python3 tools/lab.py handout $(LAB) $(BUILD)/labs/$(LAB)/HANDOUT.md

# The host tests' variables come from fragments read after this one: the
# recipe (expanded when it runs) builds them.
grade: | $(DEPS_OK)
	@$(MAKE) --no-print-directory all $(HOST_TESTS) $(HOSTSCHED_BINS)
	@BUILD=$(BUILD) LAB="$(LAB)" T="$(T)" SMP="$(if $(filter command line environment,$(origin SMP)),$(SMP))" SEED="$(SEED)" HIDDEN="$(HIDDEN)" \
		python3 tools/grade.py

lab-check: | $(DEPS_OK)
	@[ -n "$(LAB)" ] || { echo "lab-check: which lab? make lab-check LAB=N"; exit 2; }
	@BUILD=$(BUILD) tools/lab-check.sh $(LAB)

tracediff: $(BUILD)/kernel.elf
	@BUILD=$(BUILD) T="$(T)" tools/tracediff.sh

handin:
	@BUILD=$(BUILD) tools/handin.sh
