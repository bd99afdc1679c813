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
#   make lab-refs LAB=N   the reference traces make tracediff compares with
#   make handin           a tarball of a student tree to hand in
#   make course-grade SUBMISSION=file.tar.gz   grade a hand-in with the
#                         pristine and hidden tests overlaid

LAB_NAME_OF = $(shell python3 tools/lab.py list 2>/dev/null | awk '$$1 == "$(LAB)" { print $$2 }')

.PHONY: lab handout grade lab-check tracediff handin lab-refs course-grade
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
	@BUILD=$(BUILD) LAB="$(LAB)" T="$(T)" tools/tracediff.sh

# The reference traces of a lab's cooperative tests (labs/N-name/refs
# lists them), from this (the solution) tree at -smp 1: commit them.
lab-refs: $(BUILD)/kernel.elf
	@[ -n "$(LAB)" ] || { echo "lab-refs: which lab? make lab-refs LAB=N"; exit 2; }
	@[ -n "$(LAB_NAME_OF)" ] || { echo "lab-refs: no lab $(LAB) (python3 tools/lab.py list)"; exit 2; }
	@d=labs/$(LAB)-$(LAB_NAME_OF); \
	[ -f $$d/refs ] || { echo "lab-refs: lab $(LAB) has no reference traces ($$d/refs does not exist)"; exit 2; }; \
	mkdir -p $$d/ref $(BUILD)/trace; \
	for t in $$(grep -v '^#' $$d/refs); do \
		log=$(BUILD)/trace/lab-refs-$$t.log; \
		BUILD=$(BUILD) T=$$t SMP=1 CMDLINE= tools/trace-run.sh >$$log 2>&1 && \
		cp $(BUILD)/trace/trace.txt $$d/ref/$$t.txt && echo "lab-refs: $$d/ref/$$t.txt" || \
		{ echo "lab-refs: $$t: the traced boot failed (log: $$log)"; exit 1; }; \
	done

handin:
	@BUILD=$(BUILD) WANT_LAB="$(if $(filter command line,$(origin LAB)),$(LAB))" tools/handin.sh

# Grade a handed-in tarball (or a student tree) the way a course does:
# the pristine tests and the hidden ones overlaid (tools/course-grade.sh).
course-grade:
	@BUILD=$(BUILD) tools/course-grade.sh "$(SUBMISSION)"

