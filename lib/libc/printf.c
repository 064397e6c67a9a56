/*
 * The snprintf family for Kiln's freestanding libc: see stdio.h for what
 * it supports. The output follows glibc's for every supported conversion
 * (lib/libc/tests/test_printf.c compares the two over many thousands of
 * formats), including its spellings for NULL: "(null)" for %s (when the
 * precision leaves room for it, else nothing) and "(nil)" for %p.
 *
 * One pass over the format, no allocation, bounded stack: the longest
 * digit string is 22 bytes (a 64-bit value in octal). Output goes through
 * `put`, which counts every byte but stores only what fits, so the return
 * value is the untruncated length as C requires.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct out {
	char *buf;
	size_t size; /* room at buf, including the final NUL */
	size_t len;  /* bytes produced so far (stored or not) */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_n(struct out *o, char c, long n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_s(struct out *o, const char *s, size_t n)
{
	/* Copy what fits in one go; count the rest. */
	if (o->len + 1 < o->size) {
		size_t room = o->size - 1 - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

/* A conversion's flags, width and precision. */
struct spec {
	int left, zero, plus, space, alt;
	long width; /* 0: none */
	long prec;  /* -1: none */
};

/* Pad to the width around body_len bytes (when not left-aligned). */
static void pad_before(struct out *o, const struct spec *sp, long body_len)
{
	if (!sp->left)
		put_n(o, ' ', sp->width - body_len);
}

static void pad_after(struct out *o, const struct spec *sp, long body_len)
{
	if (sp->left)
		put_n(o, ' ', sp->width - body_len);
}

static void fmt_str(struct out *o, const struct spec *sp, const char *s)
{
	size_t n;

	if (!s)
		s = sp->prec < 0 || sp->prec >= 6 ? "(null)" : "";
	n = sp->prec < 0 ? strlen(s) : strnlen(s, (size_t)sp->prec);
	pad_before(o, sp, (long)n);
	put_s(o, s, n);
	pad_after(o, sp, (long)n);
}

/*
 * An integer: sign or prefix, zeros to the precision (or to the width
 * with the 0 flag), the digits. neg is the sign of the original value;
 * v its magnitude.
 */
static void fmt_int(struct out *o, struct spec *sp, uint64_t v, int neg,
		    unsigned base, int upper, int is_signed)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24], *p = tmp + sizeof tmp;
	const char *prefix = "";
	long ndig, nzero, body, plen;

	while (v) {
		*--p = digits[v % base];
		v /= base;
	}
	ndig = (long)(tmp + sizeof tmp - p);
	if (is_signed)
		prefix = neg ? "-" : sp->plus ? "+" : sp->space ? " " : "";
	if (sp->alt && base == 16 && ndig > 0)
		prefix = upper ? "0X" : "0x";
	/* No precision given: at least one digit (the 0 of a zero value). */
	if (sp->prec < 0)
		nzero = ndig == 0 ? 1 : 0;
	else
		nzero = sp->prec > ndig ? sp->prec - ndig : 0;
	/* %#o: the first digit printed is a 0. */
	if (sp->alt && base == 8 && nzero == 0 && (ndig == 0 || *p != '0'))
		nzero = 1;
	plen = (long)strlen(prefix);
	body = plen + nzero + ndig;
	/* The 0 flag pads with zeros after the sign, unless a precision or
	 * left alignment says otherwise. */
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > body) {
		nzero += sp->width - body;
		body = sp->width;
	}
	pad_before(o, sp, body);
	put_s(o, prefix, (size_t)plen);
	put_n(o, '0', nzero);
	put_s(o, p, (size_t)ndig);
	pad_after(o, sp, body);
}

/* Read a decimal number at *f (digits only), saturating at INT_MAX. */
static long read_num(const char **f)
{
	long n = 0;

	while (**f >= '0' && **f <= '9') {
		if (n < INT_MAX)
			n = n * 10 + (**f - '0');
		(*f)++;
	}
	return n > INT_MAX ? INT_MAX : n;
}

enum len_mod { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_T, L_J };

static int64_t arg_signed(enum len_mod lm, va_list *ap)
{
	switch (lm) {
	case L_HH:
		return (signed char)va_arg(*ap, int);
	case L_H:
		return (short)va_arg(*ap, int);
	case L_L:
		return va_arg(*ap, long);
	case L_LL:
		return va_arg(*ap, long long);
	case L_Z:
	case L_T:
		return va_arg(*ap, ptrdiff_t); /* ssize_t, ptrdiff_t: long */
	case L_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(enum len_mod lm, va_list *ap)
{
	switch (lm) {
	case L_HH:
		return (unsigned char)va_arg(*ap, unsigned);
	case L_H:
		return (unsigned short)va_arg(*ap, unsigned);
	case L_L:
		return va_arg(*ap, unsigned long);
	case L_LL:
		return va_arg(*ap, unsigned long long);
	case L_Z:
	case L_T:
		return va_arg(*ap, size_t);
	case L_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

static enum len_mod read_len(const char **f)
{
	switch (**f) {
	case 'h':
		if ((*f)[1] == 'h') {
			*f += 2;
			return L_HH;
		}
		(*f)++;
		return L_H;
	case 'l':
		if ((*f)[1] == 'l') {
			*f += 2;
			return L_LL;
		}
		(*f)++;
		return L_L;
	case 'q':
		(*f)++;
		return L_LL;
	case 'z':
		(*f)++;
		return L_Z;
	case 't':
		(*f)++;
		return L_T;
	case 'j':
		(*f)++;
		return L_J;
	case 'L':
		(*f)++; /* long double: only with %f and friends, unsupported */
		return L_LL;
	}
	return L_NONE;
}

/* Flags, width, precision; the '*' forms take their int from ap. */
static void read_spec(const char **f, struct spec *sp, va_list *ap)
{
	for (;; (*f)++) {
		switch (**f) {
		case '-':
			sp->left = 1;
			continue;
		case '0':
			sp->zero = 1;
			continue;
		case '+':
			sp->plus = 1;
			continue;
		case ' ':
			sp->space = 1;
			continue;
		case '#':
			sp->alt = 1;
			continue;
		}
		break;
	}
	if (**f == '*') {
		int w = va_arg(*ap, int);
		(*f)++;
		/* A negative width is the - flag and its magnitude. */
		if (w < 0) {
			sp->left = 1;
			sp->width = w == INT_MIN ? INT_MAX : -w;
		} else {
			sp->width = w;
		}
	} else {
		sp->width = read_num(f);
	}
	sp->prec = -1;
	if (**f == '.') {
		(*f)++;
		if (**f == '*') {
			int p = va_arg(*ap, int);
			(*f)++;
			sp->prec = p < 0 ? -1 : p; /* negative: as if none */
		} else {
			sp->prec = read_num(f);
		}
	}
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
	      va_list ap0)
{
	struct out o = {buf, size, 0};
	const char *f = fmt;
	va_list ap;

	/* Helpers take a va_list *: copying keeps that portable. */
	va_copy(ap, ap0);
	while (*f) {
		const char *start = f, *lit;
		struct spec sp = {0};
		enum len_mod lm;
		int64_t sv;
		char c;

		lit = strchr(f, '%');
		if (!lit) {
			put_s(&o, f, strlen(f));
			break;
		}
		put_s(&o, f, (size_t)(lit - f));
		start = lit;
		f = lit + 1;
		read_spec(&f, &sp, &ap);
		lm = read_len(&f);
		switch (c = *f++) {
		case 'd':
		case 'i':
			sv = arg_signed(lm, &ap);
			fmt_int(&o, &sp,
				sv < 0 ? (uint64_t)0 - (uint64_t)sv
				       : (uint64_t)sv,
				sv < 0, 10, 0, 1);
			break;
		case 'u':
			fmt_int(&o, &sp, arg_unsigned(lm, &ap), 0, 10, 0, 0);
			break;
		case 'x':
		case 'X':
			fmt_int(&o, &sp, arg_unsigned(lm, &ap), 0, 16, c == 'X',
				0);
			break;
		case 'o':
			fmt_int(&o, &sp, arg_unsigned(lm, &ap), 0, 8, 0, 0);
			break;
		case 'p': {
			void *p = va_arg(ap, void *);
			if (!p) {
				sp.prec = -1;
				fmt_str(&o, &sp, "(nil)");
			} else {
				sp.alt = 1;
				fmt_int(&o, &sp, (uintptr_t)p, 0, 16, 0, 0);
			}
			break;
		}
		case 'c': {
			char ch = (char)va_arg(ap, int);
			pad_before(&o, &sp, 1);
			put(&o, ch);
			pad_after(&o, &sp, 1);
			break;
		}
		case 's':
			fmt_str(&o, &sp, va_arg(ap, const char *));
			break;
		case '%':
			put(&o, '%');
			break;
		case 'n':
			(void)va_arg(ap, void *); /* see stdio.h */
			break;
		case 'f':
		case 'F':
		case 'e':
		case 'E':
		case 'g':
		case 'G':
		case 'a':
		case 'A':
#ifdef __SSE2__
			/* Built where doubles exist (the host tests): skip
			 * the argument. A kvm image is built without FPU or
			 * SSE registers, where no double can be passed. */
			(void)va_arg(ap, double);
#endif
			put(&o, '?');
			break;
		case '\0':
			/* A '%' at the end: print it as it stands. */
			f--;
			put_s(&o, start, (size_t)(f - start));
			break;
		default:
			put_s(&o, start, (size_t)(f - start));
			break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT_MAX ? -1 : (int)o.len;
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
{
	return vsnprintf(buf, INT_MAX, fmt, ap);
}

int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, INT_MAX, fmt, ap);
	va_end(ap);
	return n;
}
