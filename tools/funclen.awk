# tools/funclen.awk - print every C function longer than MAX lines (default
# 60) as "file:line: N lines: signature". A function opens with a "{" at the
# end of a line that starts in column 0 (or a "{" alone in column 0) that is
# not a struct, union, enum or initializer, and ends at the next "}" in
# column 0: the layout every C file of this tree uses.
# Usage: awk -v MAX=60 -f tools/funclen.awk FILE.c...
function opener(l) {
	return (l ~ /^\{/ || l ~ /^[A-Za-z_].*\)[ \t]*\{[ \t]*$/) &&
		l !~ /^(struct|union|enum|typedef)/ && l !~ /=/
}
BEGIN { if (MAX == "") MAX = 60 }
FNR == 1 { infn = 0; prev = "" }
!infn && opener($0) { infn = 1; start = FNR; name = ($0 ~ /^\{/) ? prev : $0; next }
infn && /^\}/ {
	len = FNR - start - 1
	if (len > MAX) printf "%s:%d: %d lines: %s\n", FILENAME, start, len, name
	infn = 0
}
{ if ($0 ~ /^[A-Za-z_]/) prev = $0 }
