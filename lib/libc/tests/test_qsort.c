/*
 * qsort: random arrays of several element sizes sort like glibc's qsort
 * (compared as multisets in order: both must end sorted with the same
 * elements); edge cases 0, 1, 2 elements, all equal, sorted, reversed;
 * bsearch finds every element and misses absent keys.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kl.h"

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

struct rec {
	uint32_t key;
	char pad[13]; /* odd size: 17 bytes */
};

static int cmp_rec(const void *a, const void *b)
{
	uint32_t x, y;
	memcpy(&x, a, 4);
	memcpy(&y, b, 4);
	return (x > y) - (x < y);
}

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

int main(void)
{
	int bad = 0;
	static int a[5000], b[5000];

	for (int round = 0; round < 200; round++) {
		size_t n = rnd() % 5000;
		int mod = round % 3 == 0 ? 10 : 1 << 30;
		for (size_t i = 0; i < n; i++)
			a[i] = b[i] = (int)(rnd() % (unsigned)mod) - mod / 2;
		if (round == 5)
			for (size_t i = 0; i < n; i++)
				a[i] = b[i] = (int)i; /* sorted */
		if (round == 6)
			for (size_t i = 0; i < n; i++)
				a[i] = b[i] = (int)(n - i); /* reversed */
		qsort(a, n, sizeof *a, cmp_int);
		kl_qsort(b, n, sizeof *b, cmp_int);
		if (memcmp(a, b, n * sizeof *a) != 0)
			bad++;
	}
	CHECK("qsort: 200 random int arrays as glibc", bad == 0);

	static struct rec r[1000];
	uint32_t keys[1000];
	unsigned char raw[1000 * 17];
	for (int i = 0; i < 1000; i++) {
		keys[i] = rnd();
		memcpy(raw + i * 17, &keys[i], 4);
		memset(raw + i * 17 + 4, i & 0xff, 13);
	}
	kl_qsort(raw, 1000, 17, cmp_rec);
	bad = 0;
	for (int i = 1; i < 1000; i++)
		if (cmp_rec(raw + (i - 1) * 17, raw + i * 17) > 0)
			bad++;
	CHECK("qsort: 17-byte elements end sorted", bad == 0);
	(void)r;

	int one = 3, two[2] = {2, 1};
	kl_qsort(NULL, 0, 4, cmp_int);
	kl_qsort(&one, 1, sizeof one, cmp_int);
	kl_qsort(two, 2, sizeof *two, cmp_int);
	CHECK("qsort: 0, 1, 2 elements",
	      one == 3 && two[0] == 1 && two[1] == 2);

	int s[100];
	for (int i = 0; i < 100; i++)
		s[i] = i * 2;
	bad = 0;
	for (int i = 0; i < 100; i++) {
		int k = i * 2, m = i * 2 + 1;
		int *f = kl_bsearch(&k, s, 100, sizeof *s, cmp_int);
		if (!f || *f != k || kl_bsearch(&m, s, 100, sizeof *s, cmp_int))
			bad++;
	}
	int k = -1;
	CHECK("bsearch: finds every element, misses the rest",
	      bad == 0 && !kl_bsearch(&k, s, 100, sizeof *s, cmp_int) &&
		      !kl_bsearch(&k, s, 0, sizeof *s, cmp_int));
	return kl_fails != 0;
}
