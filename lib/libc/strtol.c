/*
 * The strtol family for Kiln's freestanding libc, as ISO C: leading white
 * space, an optional sign, an optional 0x/0X (base 16 or 0) or 0 (base 0:
 * octal), digits of the base. Out-of-range values saturate and set errno
 * to ERANGE; a string with no digits gives 0 with *end = s; a base other
 * than 0 or 2..36 gives 0 and EINVAL. As in C, the unsigned forms accept
 * a minus sign and negate in the unsigned type ("-1" is ULONG_MAX).
 *
 * All four share one parser over uint64_t (long and long long are both 64
 * bits on x86-64), which reports the magnitude and whether it overflowed.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static int digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/*
 * Parse s. Returns the magnitude (saturated at UINT64_MAX on overflow,
 * with *over set), *neg for a leading '-', and *end past the last digit
 * (or s when there were none).
 */
static uint64_t parse(const char *s, char **end, int base, bool *neg,
		      bool *over)
{
	const char *p = s;
	uint64_t v = 0;
	bool any = false;

	*neg = *over = false;
	if (base < 0 || base == 1 || base > 36) {
		errno = EINVAL;
		if (end)
			*end = (char *)s;
		return 0;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	/* "0x" counts as a prefix only when a hex digit follows; "0x" alone
	 * parses as the number 0 followed by "x". */
	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	for (;; p++) {
		int d = digit_value((unsigned char)*p);
		if (d >= base)
			break;
		any = true;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			*over = true;
		else
			v = v * (uint64_t)base + (uint64_t)d;
	}
	if (end)
		*end = (char *)(any ? p : s);
	if (!any)
		*neg = false;
	return *over ? UINT64_MAX : v;
}

static int64_t to_signed(const char *s, char **end, int base)
{
	bool neg, over;
	uint64_t v = parse(s, end, base, &neg, &over);

	if (neg) {
		if (over || v > (uint64_t)INT64_MAX + 1) {
			errno = ERANGE;
			return INT64_MIN;
		}
		return (int64_t)(0 - v);
	}
	if (over || v > (uint64_t)INT64_MAX) {
		errno = ERANGE;
		return INT64_MAX;
	}
	return (int64_t)v;
}

static uint64_t to_unsigned(const char *s, char **end, int base)
{
	bool neg, over;
	uint64_t v = parse(s, end, base, &neg, &over);

	if (over) {
		errno = ERANGE;
		return UINT64_MAX;
	}
	return neg ? 0 - v : v;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
	return to_signed(s, end, base);
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
	return to_signed(s, end, base);
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
	return to_unsigned(s, end, base);
}

unsigned long long strtoull(const char *restrict s, char **restrict end,
			    int base)
{
	return to_unsigned(s, end, base);
}

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

long atol(const char *s)
{
	return strtol(s, NULL, 10);
}
