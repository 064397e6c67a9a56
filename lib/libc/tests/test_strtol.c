/*
 * Kiln's strtol family against glibc's: value, end pointer and errno over
 * a list of tricky inputs in every base that matters.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kl.h"

static const char *const inputs[] = {
	"0",
	"1",
	"-1",
	"+1",
	"  42",
	"\t\n 42xyz",
	"-0",
	"007",
	"0x1f",
	"0X1F",
	"0x",
	"0xg",
	"-0x10",
	"z",
	"Zz",
	"",
	" ",
	"-",
	"+",
	"+-1",
	"9223372036854775807",
	"9223372036854775808",
	"-9223372036854775808",
	"-9223372036854775809",
	"18446744073709551615",
	"18446744073709551616",
	"-18446744073709551615",
	"99999999999999999999999999",
	"0777",
	"08",
	"0b101",
	"1_000",
	"7fffffffffffffff",
	"ffffffffffffffff",
	"10000000000000000",
	"abcdefghijklmnopqrstuvwxyz",
	"  -  5",
	"0x0x1",
	"00x1",
};
static const int bases[] = {0, 2, 8, 10, 16, 36, 1, 37, -1};

int main(void)
{
	long bad = 0, n = 0;

	for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
		for (size_t b = 0; b < sizeof bases / sizeof *bases; b++) {
			const char *s = inputs[i];
			int base = bases[b];
			char *e1, *e2;
			int er1, er2;
			/* glibc leaves *end unset for a bad base */
			int valid = base == 0 || (base >= 2 && base <= 36);

			errno = 0;
			kl_errno = 0;
			long a = strtol(s, &e1, base);
			er1 = errno;
			long k = kl_strtol(s, &e2, base);
			er2 = kl_errno;
			n++;
			if (a != k || (e1 != e2 && valid) || er1 != er2) {
				bad++;
				printf("# strtol(\"%s\", %d): glibc %ld +%td "
				       "errno %d, kiln %ld +%td errno %d\n",
				       s, base, a, e1 - s, er1, k, e2 - s, er2);
			}
			errno = 0;
			kl_errno = 0;
			unsigned long long ua = strtoull(s, &e1, base);
			er1 = errno;
			unsigned long long uk = kl_strtoull(s, &e2, base);
			er2 = kl_errno;
			n++;
			if (ua != uk || (e1 != e2 && valid) || er1 != er2) {
				bad++;
				printf("# strtoull(\"%s\", %d): glibc %llu "
				       "+%td errno %d, kiln %llu +%td errno "
				       "%d\n",
				       s, base, ua, e1 - s, er1, uk, e2 - s,
				       er2);
			}
			/* same width as the above on LP64: values only */
			if (strtoll(s, NULL, base) !=
				    kl_strtoll(s, NULL, base) ||
			    strtoul(s, NULL, base) != kl_strtoul(s, NULL, base))
				bad++;
		}
	}
	printf("# %ld conversions compared with glibc\n", n);
	CHECK("strtol family: value, end and errno as glibc", bad == 0);
	CHECK("strtol: NULL end pointer allowed",
	      kl_strtol("12", NULL, 10) == 12);
	return kl_fails != 0;
}
