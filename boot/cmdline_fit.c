/* cmdline_fit.c - keep whole words of a command line (see cmdline_fit.h). */
#include "boot/cmdline_fit.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

size_t cmdline_fit(const char *line, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	while (n > 0 && !is_space(line[n]))
		n--;           /* line[max] is the first byte left out */
	while (n > 0 && is_space(line[n - 1]))
		n--;
	return n;
}
