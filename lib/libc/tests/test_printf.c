/*
 * Kiln's snprintf against glibc's: the same format and arguments through
 * both must give the same bytes and the same return value, at every
 * buffer size from 0 to past the end (truncation and the NUL included).
 * The formats are generated: every combination of flags, widths,
 * precisions ('*' forms too), length modifiers and conversions over
 * values at the edges of each type, plus strings and pointers.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kl.h"

/* Formats here are built at run time, or test misuse on purpose. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-zero-length"

static long checked, mismatches;

/* Compare one formatting; report the first few mismatches in full. */
#define SAME(fmt, ...)                                                         \
	do {                                                                   \
		char a[256], b[256];                                           \
		int ra = snprintf(a, sizeof a, fmt, __VA_ARGS__);              \
		int rb = kl_snprintf(b, sizeof b, fmt, __VA_ARGS__);           \
		checked++;                                                     \
		if (ra != rb || strcmp(a, b) != 0) {                           \
			if (mismatches++ < 10)                                 \
				printf("# %s: glibc [%s] %d, kiln [%s] %d\n",  \
				       fmt, a, ra, b, rb);                     \
		}                                                              \
	} while (0)

static const char *const flag_sets[] = {"",   "-",  "0",  "+",	" ",  "#",
					"-0", "+0", "- ", "#0", "-#", "+ #0-"};
static const char *const widths[] = {"", "1", "5", "12", "25"};
static const char *const precs[] = {"", ".", ".0", ".1", ".5", ".20"};

static const long long sval[] = {
	0,	  1,	     -1,	7,	    -8,	   42,	    127,
	-128,	  255,	     32767,	-32768,	    65535, INT_MAX, INT_MIN,
	UINT_MAX, LLONG_MAX, LLONG_MIN, 0x1234abcd, -99999};

static void ints(void)
{
	static const char *const lens[] = {"hh", "h", "",  "l",
					   "ll", "z", "j", "t"};
	static const char convs[] = "diuxXo";
	char fmt[64];

	for (size_t f = 0; f < sizeof flag_sets / sizeof *flag_sets; f++)
		for (size_t w = 0; w < sizeof widths / sizeof *widths; w++)
			for (size_t p = 0; p < sizeof precs / sizeof *precs;
			     p++)
				for (size_t l = 0;
				     l < sizeof lens / sizeof *lens; l++)
					for (const char *c = convs; *c; c++) {
						snprintf(fmt, sizeof fmt,
							 "<%%%s%s%s%s%c>",
							 flag_sets[f],
							 widths[w], precs[p],
							 lens[l], *c);
						for (size_t v = 0;
						     v <
						     sizeof sval / sizeof *sval;
						     v++) {
							long long x = sval[v];
							if (!strcmp(lens[l],
								    "") ||
							    !strcmp(lens[l],
								    "h") ||
							    !strcmp(lens[l],
								    "hh"))
								SAME(fmt,
								     (int)x);
							else
								SAME(fmt, x);
						}
					}
}

static void stars(void)
{
	static const int ws[] = {0, 3, -3, 10, -10, 30};
	static const int ps[] = {-1, 0, 2, 8, -5};

	for (size_t i = 0; i < sizeof ws / sizeof *ws; i++)
		for (size_t j = 0; j < sizeof ps / sizeof *ps; j++) {
			SAME("[%*d]", ws[i], -42);
			SAME("[%-*x]", ws[i], 0xbeefu);
			SAME("[%.*d]", ps[j], 7);
			SAME("[%*.*u]", ws[i], ps[j], 12345u);
			SAME("[%0*.*d]", ws[i], ps[j], -12);
			SAME("[%*.*s]", ws[i], ps[j], "hello, world");
			SAME("[%*c]", ws[i], 'q');
		}
}

static void strings(void)
{
	static const char *const strs[] = {"", "a", "hello",
					   "a longer string "
					   "than any width here"};
	char fmt[64];

	for (size_t f = 0; f < 3; f++) /* "", "-", "0"(undefined: skipped) */
		for (size_t w = 0; w < sizeof widths / sizeof *widths; w++)
			for (size_t p = 0; p < sizeof precs / sizeof *precs;
			     p++) {
				if (f == 2)
					continue;
				snprintf(fmt, sizeof fmt, "%%%s%s%ss|",
					 flag_sets[f], widths[w], precs[p]);
				for (size_t s = 0;
				     s < sizeof strs / sizeof *strs; s++)
					SAME(fmt, strs[s]);
				SAME(fmt, (char *)NULL);
				snprintf(fmt, sizeof fmt, "%%%s%sc|",
					 flag_sets[f], widths[w]);
				SAME(fmt, 'x');
				SAME(fmt, 0x141);
			}
	SAME("%%|%s", "x");
	SAME("plain text, no conversions%s", "");
	SAME("%s%s%s%d%c", "a", "bb", "ccc", 4, '5');
}

static void pointers(void)
{
	int x;
	void *ps[] = {NULL, &x, (void *)1, (void *)UINTPTR_MAX,
		      (void *)0xdeadbeef};

	for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) {
		SAME("%p", ps[i]);
		SAME("[%20p]", ps[i]);
		SAME("[%-20p]", ps[i]);
		SAME("[%3p]", ps[i]);
	}
}

/* Every buffer size, so that truncation and the NUL are right. */
static void sizes(void)
{
	const char *fmt = "%s=%08x, %-6d|%+.3d %p";
	char a[64], b[64];
	int bad = 0;

	for (size_t n = 0; n <= sizeof a; n++) {
		memset(a, 'Z', sizeof a);
		memset(b, 'Z', sizeof b);
		int ra = snprintf(a, n, fmt, "key", 0xabcu, -5, 9, (void *)a);
		int rb =
			kl_snprintf(b, n, fmt, "key", 0xabcu, -5, 9, (void *)a);
		if (ra != rb || memcmp(a, b, sizeof a) != 0)
			bad++;
	}
	CHECK("snprintf: truncation at every size 0..64 as glibc", bad == 0);
	CHECK("snprintf: NULL buffer with size 0 gives the length",
	      kl_snprintf(NULL, 0, "%d%s", 12345, "abc") == 8);
}

static void long_output(void)
{
	char big[600], a[700], b[700];

	memset(big, 'y', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	int ra = snprintf(a, sizeof a, "[%s|%50s]", big, "r");
	int rb = kl_snprintf(b, sizeof b, "[%s|%50s]", big, "r");
	CHECK("snprintf: long output as glibc", ra == rb && !strcmp(a, b));
	rb = kl_snprintf(b, 10, "%s", big);
	CHECK("snprintf: long output truncated, full length returned",
	      rb == 599 && strlen(b) == 9);
}

static void unsupported(void)
{
	char b[64];
	int n = 5;

	kl_snprintf(b, sizeof b, "a%nb", &n);
	CHECK("snprintf: %n writes nothing", n == 5 && !strcmp(b, "ab"));
	kl_snprintf(b, sizeof b, "x%fy%d", 1.5, 3);
	CHECK("snprintf: %f consumes its double, prints ?", !strcmp(b, "x?y3"));
	kl_snprintf(b, sizeof b, "trailing %");
	CHECK("snprintf: a lone % at the end is printed",
	      !strcmp(b, "trailing %"));
}

int main(void)
{
	ints();
	stars();
	strings();
	pointers();
	printf("# %ld formattings compared with glibc, %ld differ\n", checked,
	       mismatches);
	CHECK("snprintf: differential against glibc", mismatches == 0);
	sizes();
	long_output();
	unsupported();
	return kl_fails != 0;
}
