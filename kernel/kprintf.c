/*
 * kprintf.c - the kernel's formatter (see kprintf.h for the contract).
 * No heap, no locks of its own: output goes through console_write in one
 * call per kprintf, so a line is never split between CPUs.
 */
#include <stdint.h>
#include <stdbool.h>
#include "kernel/kprintf.h"
#include "kernel/console.h"

#define KPRINTF_BUF 512

struct out {
	char *buf;
	size_t size, len; /* len counts every byte produced, even dropped ones */
};

static void out_c(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_num(struct out *o, unsigned long long v, unsigned base, bool upper,
		    bool neg, int width, char pad, bool left)
{
	char tmp[24];
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int total = n + (neg ? 1 : 0);
	if (neg && pad == '0')
		out_c(o, '-');
	if (!left)
		for (; total < width; total++)
			out_c(o, pad);
	if (neg && pad != '0')
		out_c(o, '-');
	while (n)
		out_c(o, tmp[--n]);
	if (left)
		for (; total < width; total++)
			out_c(o, ' ');
}

static void out_str(struct out *o, const char *s, int width, int prec, bool left)
{
	if (!s)
		s = "(null)";
	int n = 0;
	while (s[n] && (prec < 0 || n < prec))
		n++;
	if (!left)
		for (int i = n; i < width; i++)
			out_c(o, ' ');
	for (int i = 0; i < n; i++)
		out_c(o, s[i]);
	if (left)
		for (int i = n; i < width; i++)
			out_c(o, ' ');
}

/* What a conversion says before its letter: "%-08.3lx" is left, pad '0',
 * width 8, precision 3, one 'l'. */
struct spec {
	bool left;        /* '-': pad on the right */
	char pad;         /* '0' or ' ' */
	int width;
	int prec;         /* -1: none given */
	int lng;          /* how many 'l' and 'z' */
};

/* Reads the flags, width, precision and length at fmt (just past the '%');
 * a '*' takes its value from the arguments. Returns where the conversion
 * letter is (the NUL when the format ends first). */
static const char *parse_spec(const char *fmt, struct spec *sp, va_list *ap)
{
	sp->left = false;
	sp->pad = ' ';
	sp->width = 0;
	sp->prec = -1;
	sp->lng = 0;
	for (;; fmt++) {
		if (*fmt == '-')
			sp->left = true;
		else if (*fmt == '0')
			sp->pad = '0';
		else
			break;
	}
	if (*fmt == '*') {
		sp->width = va_arg(*ap, int);
		fmt++;
	}
	while (*fmt >= '0' && *fmt <= '9')
		sp->width = sp->width * 10 + (*fmt++ - '0');
	if (*fmt == '.') {
		sp->prec = 0;
		fmt++;
		if (*fmt == '*') {
			sp->prec = va_arg(*ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			sp->prec = sp->prec * 10 + (*fmt++ - '0');
	}
	while (*fmt == 'l' || *fmt == 'z') {
		sp->lng++;
		fmt++;
	}
	return fmt;
}

/* %d, %i */
static void conv_signed(struct out *o, const struct spec *sp, va_list *ap)
{
	long long s = sp->lng ? va_arg(*ap, long long) : va_arg(*ap, int);
	out_num(o, s < 0 ? -(unsigned long long)s : (unsigned long long)s, 10,
		false, s < 0, sp->width, sp->pad, sp->left);
}

/* %u, %x, %X, %o */
static void conv_unsigned(struct out *o, char conv, const struct spec *sp, va_list *ap)
{
	unsigned long long u = sp->lng ? va_arg(*ap, unsigned long long) : va_arg(*ap, unsigned int);
	out_num(o, u, conv == 'u' ? 10 : conv == 'o' ? 8 : 16, conv == 'X',
		false, sp->width, sp->pad, sp->left);
}

/* %p: 0x and 16 hex digits, whatever the width. */
static void conv_pointer(struct out *o, va_list *ap)
{
	out_c(o, '0');
	out_c(o, 'x');
	out_num(o, (uintptr_t)va_arg(*ap, void *), 16, false, false, 16, '0', false);
}

/* One conversion, letter conv (NUL: the format ended after the '%'). */
static void convert(struct out *o, char conv, const struct spec *sp, va_list *ap)
{
	switch (conv) {
	case 'd':
	case 'i':
		conv_signed(o, sp, ap);
		break;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		conv_unsigned(o, conv, sp, ap);
		break;
	case 'p':
		conv_pointer(o, ap);
		break;
	case 's':
		out_str(o, va_arg(*ap, const char *), sp->width, sp->prec, sp->left);
		break;
	case 'c':
		out_c(o, (char)va_arg(*ap, int));
		break;
	case '%':
		out_c(o, '%');
		break;
	default: /* unknown: print it as written */
		out_c(o, '%');
		if (conv)
			out_c(o, conv);
	}
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list aq;

	/* The steps take the arguments by pointer: a va_list handed on by
	 * value may not be used again once the callee has read from it. */
	va_copy(aq, ap);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out_c(&o, *fmt);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &aq);
		convert(&o, *fmt, &sp, &aq);
		if (!*fmt)
			break;    /* the format ended inside the conversion */
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* A message longer than KPRINTF_BUF - 1 bytes ends in "..." and keeps its
 * newline, so the next line is not glued onto it. */
static size_t mark_cut(char *buf, size_t size, const char *fmt)
{
	size_t f = 0, len = size - 1;
	while (fmt[f])
		f++;
	const char *tail = f && fmt[f - 1] == '\n' ? "...\n" : "...";
	size_t t = tail[3] ? 4 : 3;
	for (size_t i = 0; i < t; i++)
		buf[len - t + i] = tail[i];
	return len;
}

static int kvprintf_to(unsigned kinds, const char *fmt, va_list ap)
{
	char buf[KPRINTF_BUF];
	int n = kvsnprintf(buf, sizeof buf, fmt, ap);
	size_t len = (size_t)n < sizeof buf ? (size_t)n : mark_cut(buf, sizeof buf, fmt);
	console_write_to(kinds, buf, len);
	return n;
}

int kvprintf(const char *fmt, va_list ap)
{
	return kvprintf_to(CONSOLE_ALL, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

int kprintf_to(unsigned kinds, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf_to(kinds, fmt, ap);
	va_end(ap);
	return n;
}
