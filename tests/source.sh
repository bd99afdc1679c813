# tests/source.sh - checks of the tree's shape that the issues promised and
# that rot silently otherwise: no function outside tests is over 60 lines.
# Each check names what it found and where.

# C sources that are not tests (tests may hold long tables of cases).
# From git where the tree is a clone, else from the directory itself.
source_c_files() {
	{ git ls-files '*.c' 2>/dev/null || find . -name '*.c' ! -path './build/*' | sed 's|^\./||'; } |
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

run_source_tests() {
	test_no_long_functions
}
