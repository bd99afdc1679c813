# tests/source.sh - checks of the tree's shape that the issues promised and
# that rot silently otherwise: no function outside tests is over 60 lines;
# no inline assembly or port I/O outside arch/; goroutine code only where
# it is built with -fsplit-stack;
# the goroutine runtime (sched/) sits on its platform interface only
# (sched/plat.h): it includes nothing from outside sched/ but plat.h and
# the C library, and its objects need no symbol that plat.h (with the
# headers it includes as part of the interface) or the C library does not
# declare. Each check names what it found and where.

# C sources that are not tests (tests may hold long tables of cases).
# From git where the tree is a clone, else from the directory itself.
source_c_files() {
	{ git ls-files -co --exclude-standard '*.c' 2>/dev/null || find . -name '*.c' ! -path './build/*' | sed 's|^\./||'; } |
		grep -v -e '^tests/' -e '/tests/'
}

test_no_long_functions() {
	local name=source:no-function-over-60-lines long
	long=$(awk -v MAX=60 -f tools/funclen.awk $(source_c_files))
	if [ -z "$long" ]; then
		pass "$name"
	else
		fail "$name" "$(echo "$long" | wc -l) functions are longer (split them into steps):"
		echo "$long"
	fi
}

# sched/ files (tests aside) include only sched/ headers and <...> ones.
test_sched_includes() {
	local name=source:sched-includes-only-its-platform-interface bad
	bad=$(grep -n '^#include "' sched/*.c sched/*.h | grep -v -e ':#include "sched/' -e '^sched/plat.h:')
	if [ -z "$bad" ]; then
		pass "$name"
	else
		fail "$name" "sched/ includes from outside itself (go through sched/plat.h):"
		echo "$bad"
	fi
}

# The function names an interface header declares or defines, comments
# stripped by the preprocessor (which does not expand includes here).
declared_names() {
	gcc -fpreprocessed -dD -E -P "$@" 2>/dev/null | grep -o '[A-Za-z_][A-Za-z0-9_]*[ \t]*(' |
		tr -d ' \t(' | sort -u
}

# nm -u of the sched/ objects: every symbol they need from outside sched/
# is declared in plat.h (or the headers it includes for the interface:
# arch/x86_64/plat_md.h, kernel/spinlock.h, kernel/trace.h, kernel/lab.h) or defined by
# the C library.
test_sched_needs_only_plat() {
	local name=source:sched-objects-need-only-plat-hooks-and-libc objs libs bad
	objs=$(ls sched/*.c sched/*.S 2>/dev/null | sed "s|^|$BUILD/k/|; s|$|.o|")
	libs=$(find "$BUILD/newlib" -name libc.a -path '*x86_64-elf/lib/*' 2>/dev/null | head -n 1)
	for o in $objs; do
		[ -f "$o" ] || { fail "$name" "$o is not built (make all builds it)"; return; }
	done
	[ -n "$libs" ] || { fail "$name" "no newlib libc.a under $BUILD/newlib"; return; }
	# (temporary files, not <(...): a root without /dev/fd has none)
	local t=$LOGDIR/source-nm
	nm -u $objs | awk 'NF == 2 { print $2 }' | sort -u >"$t.undef"
	nm --defined-only $objs | awk 'NF == 3 { print $3 }' | sort -u >"$t.def"
	comm -23 "$t.undef" "$t.def" >"$t.need"
	{ declared_names sched/plat.h arch/x86_64/plat_md.h kernel/spinlock.h kernel/trace.h kernel/lab.h
		nm --defined-only "$libs" "$(gcc -print-libgcc-file-name)" 2>/dev/null |
			awk 'NF == 3 { print $3 }'; } | sort -u >"$t.allowed"
	bad=$(comm -23 "$t.need" "$t.allowed")
	[ -s "$t.need" ] || { fail "$name" "nm found no undefined symbol at all in $objs"; return; }
	if [ -z "$bad" ]; then
		pass "$name"
	else
		fail "$name" "sched/ objects use symbols outside sched/plat.h and libc: $(echo $bad)"
	fi
}

# x86 lives in arch/: no inline assembly statement (asm volatile, a
# file-scope asm block) and no port I/O (inb..outl) in C outside it, tests
# aside (they check registers on purpose). An asm label naming a symbol
# (`f(void) __asm__("name")`) is not assembly and may stay.
test_x86_only_in_arch() {
	local name=source:no-inline-asm-or-port-io-outside-arch bad
	bad=$(source_c_files | grep -v '^arch/' | { grep -v '^$' || true; } |
		xargs grep -n -E '(__asm__|\basm)[[:space:]]+(volatile|goto)|^[[:space:]]*__asm__[[:space:]]*\(|\b(in|out)[bwl][[:space:]]*\(' |
		grep -v -E ':[0-9]+:[[:space:]]*(/?\*|//)')
	if [ -z "$bad" ]; then
		pass "$name"
	else
		fail "$name" "x86 outside arch/ (move it behind a function in arch/x86_64):"
		echo "$bad"
	fi
}

# Goroutine code is built with -fsplit-stack (its overflow check) because
# of the directory it is in (GOROUTINE_DIRS in the Makefile): a C file that
# starts goroutines (go, go_on, go_main) anywhere else would run them
# unchecked.
test_goroutine_code_split_stack() {
	local name=source:goroutine-code-only-where-split-stack dirs bad f d ok
	dirs=$(sed -n 's/^GOROUTINE_DIRS *:= *//p' Makefile)
	[ -n "$dirs" ] || { fail "$name" "no GOROUTINE_DIRS in the Makefile"; return; }
	bad=
	for f in $(source_c_files; git ls-files -co --exclude-standard '*/tests/*.c' 2>/dev/null); do
		grep -q -E '\b(go|go_on|go_main)\(' "$f" || continue
		case $f in arch/host/*) continue ;; esac   # the host platform: not in the kernel
		ok=
		for d in $dirs; do case $f in "$d"/*) ok=1 ;; esac; done
		[ -n "$ok" ] || bad="$bad $f"
	done
	if [ -z "$bad" ]; then
		pass "$name"
	else
		fail "$name" "goroutine code outside $dirs (not built with -fsplit-stack):$bad"
	fi
}

# The layers below the applications do not reach up: nothing in boot/,
# arch/, kernel/, sched/ or libc/ (tests aside) includes bench/ or
# showcase/, and the runtime's insides (sched/sched.h) are seen outside
# sched/ only by the generated asm offsets and by tests.
test_layers_do_not_reach_up() {
	local name=source:lower-layers-include-no-application-or-runtime-insides bad
	bad=$(grep -n -e '^#include "bench/' -e '^#include "showcase/' -e '^#include "sched/sched.h"' \
		$(source_c_files | grep -e '^boot/' -e '^arch/' -e '^kernel/' -e '^sched/' -e '^libc/') \
		$(ls boot/*.h arch/*/*.h kernel/*.h sched/*.h libc/*.h 2>/dev/null) |
		grep -v -e '^sched/[^:]*:[0-9]*:#include "sched/sched.h"' \
			-e '^arch/x86_64/asm_offsets.c:[0-9]*:#include "sched/sched.h"')
	if [ -z "$bad" ]; then
		pass "$name"
	else
		fail "$name" "a lower layer includes an application's or the runtime's inside header:"
		echo "$bad"
	fi
}

run_source_tests() {
	test_layers_do_not_reach_up
	test_no_long_functions
	test_goroutine_code_split_stack
	test_x86_only_in_arch
	test_sched_includes
	test_sched_needs_only_plat
}
