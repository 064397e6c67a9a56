/*
 * string.h and ctype.h against glibc: every function at every alignment
 * of source and destination (0..15) and many lengths, including overlapping
 * memmove both ways; guard bytes around each destination must survive.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kl.h"

#define BUF 512

static unsigned char src[BUF], d1[BUF], d2[BUF];

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void fill(void)
{
	for (int i = 0; i < BUF; i++)
		src[i] = (unsigned char)(i * 7 + 3);
}

static void mem_ops(void)
{
	static const size_t lens[] = {0,  1,  2,  3,  7,  8,   9,   15,
				      16, 17, 31, 63, 64, 100, 255, 300};
	int bad_cpy = 0, bad_set = 0, bad_move = 0, bad_cmp = 0, bad_chr = 0;

	fill();
	for (size_t sa = 0; sa < 16; sa++)
		for (size_t da = 0; da < 16; da++)
			for (size_t l = 0; l < sizeof lens / sizeof *lens;
			     l++) {
				size_t n = lens[l];
				memset(d1, 0xee, BUF);
				memset(d2, 0xee, BUF);
				memcpy(d1 + da + 8, src + sa, n);
				if (kl_memcpy(d2 + da + 8, src + sa, n) !=
					    d2 + da + 8 ||
				    memcmp(d1, d2, BUF))
					bad_cpy++;
				memset(d1 + da, (int)sa, n);
				if (kl_memset(d2 + da, (int)sa, n) != d2 + da ||
				    memcmp(d1, d2, BUF))
					bad_set++;
				/* overlapping, both directions */
				memcpy(d1, src, BUF);
				memcpy(d2, src, BUF);
				memmove(d1 + da + 64, d1 + sa + 64 + 5, n);
				kl_memmove(d2 + da + 64, d2 + sa + 64 + 5, n);
				memmove(d1 + sa + 70, d1 + da + 64, n);
				kl_memmove(d2 + sa + 70, d2 + da + 64, n);
				if (memcmp(d1, d2, BUF))
					bad_move++;
				memcpy(d1 + da, src + sa, n);
				if (n)
					d1[da + n - 1 - (sa % (n ? n : 1))] ^=
						1;
				if (sign(memcmp(d1 + da, src + sa, n)) !=
				    sign(kl_memcmp(d1 + da, src + sa, n)))
					bad_cmp++;
				int c = src[sa + n / 2];
				if (memchr(src + sa, c, n) !=
					    kl_memchr(src + sa, c, n) ||
				    memrchr(src + sa, c, n) !=
					    kl_memrchr(src + sa, c, n))
					bad_chr++;
			}
	CHECK("memcpy at every alignment, guards intact", bad_cpy == 0);
	CHECK("memset at every alignment, guards intact", bad_set == 0);
	CHECK("memmove overlapping both ways", bad_move == 0);
	CHECK("memcmp sign as glibc", bad_cmp == 0);
	CHECK("memchr, memrchr as glibc", bad_chr == 0);
}

/* strlen, strchr, memchr at every alignment and length up to 40. */
static void scans(void)
{
	static char buf[64 + 16];
	int bad = 0;

	for (size_t a = 0; a < 16; a++)
		for (size_t len = 0; len < 40; len++) {
			char *s = buf + a;
			memset(buf, 'x', sizeof buf);
			for (size_t i = 0; i < len; i++)
				s[i] = (char)('a' + i % 26);
			s[len] = '\0';
			if (kl_strlen(s) != len)
				bad++;
			for (int c = 'a'; c < 'a' + 28; c++) {
				if (kl_strchr(s, c) != strchr(s, c) ||
				    kl_memchr(s, c, len) != memchr(s, c, len))
					bad++;
			}
			if (kl_strchr(s, 0) != s + len ||
			    kl_memchr(s, 0, len + 1) != s + len)
				bad++;
		}
	CHECK("strlen, strchr, memchr at every alignment and length", bad == 0);
}

static void str_ops(void)
{
	static const char *const strs[] = {"",
					   "a",
					   "ab",
					   "abc",
					   "hello world",
					   "Hello World",
					   "hello",
					   "\xff\x01",
					   "a\xff",
					   "longer string with spaces"};
	size_t ns = sizeof strs / sizeof *strs;
	int bad = 0;
	char b1[64], b2[64];

	for (size_t i = 0; i < ns; i++) {
		const char *a = strs[i];
		if (strlen(a) != kl_strlen(a))
			bad++;
		for (size_t m = 0; m < 8; m++)
			if (strnlen(a, m) != kl_strnlen(a, m))
				bad++;
		for (int c = 0; c < 256; c += 17)
			if (strchr(a, c) != kl_strchr(a, c) ||
			    strrchr(a, c) != kl_strrchr(a, c))
				bad++;
		for (size_t j = 0; j < ns; j++) {
			const char *b = strs[j];
			if (sign(strcmp(a, b)) != sign(kl_strcmp(a, b)) ||
			    sign(strcasecmp(a, b)) !=
				    sign(kl_strcasecmp(a, b)) ||
			    strstr(a, b) != kl_strstr(a, b) ||
			    strspn(a, b) != kl_strspn(a, b) ||
			    strcspn(a, b) != kl_strcspn(a, b) ||
			    strpbrk(a, b) != kl_strpbrk(a, b))
				bad++;
			for (size_t m = 0; m < 6; m++)
				if (sign(strncmp(a, b, m)) !=
					    sign(kl_strncmp(a, b, m)) ||
				    sign(strncasecmp(a, b, m)) !=
					    sign(kl_strncasecmp(a, b, m)))
					bad++;
		}
		memset(b1, 'x', sizeof b1);
		memset(b2, 'x', sizeof b2);
		strncpy(b1, a, 20);
		kl_strncpy(b2, a, 20);
		strcpy(b1 + 30, a);
		kl_strcpy(b2 + 30, a);
		strcat(b1 + 30, "++");
		kl_strcat(b2 + 30, "++");
		strncat(b1 + 30, a, 3);
		kl_strncat(b2 + 30, a, 3);
		if (memcmp(b1, b2, sizeof b1))
			bad++;
		char *d = kl_strdup(a), *e = kl_strndup(a, 3);
		if (!d || strcmp(d, a) || !e || strncmp(e, a, 3) ||
		    strlen(e) > 3)
			bad++;
		kl_free(d);
		kl_free(e);
	}
	CHECK("str* functions as glibc", bad == 0);
	CHECK("strlcpy truncates and returns the source length",
	      kl_strlcpy(b1, "abcdef", 4) == 6 && !strcmp(b1, "abc"));
	CHECK("strerror: Linux's texts",
	      !strcmp(kl_strerror(ECONNRESET), strerror(ECONNRESET)) &&
		      !strcmp(kl_strerror(ENOMEM), strerror(ENOMEM)) &&
		      !strcmp(kl_strerror(9999), "Unknown error"));
}

static void ctype_ops(void)
{
	int bad = 0;

	for (int c = -1; c < 256; c++) {
		if (!!isalnum(c) != !!kl_isalnum(c) ||
		    !!isalpha(c) != !!kl_isalpha(c) ||
		    !!isblank(c) != !!kl_isblank(c) ||
		    !!iscntrl(c) != !!kl_iscntrl(c) ||
		    !!isdigit(c) != !!kl_isdigit(c) ||
		    !!isgraph(c) != !!kl_isgraph(c) ||
		    !!islower(c) != !!kl_islower(c) ||
		    !!isprint(c) != !!kl_isprint(c) ||
		    !!ispunct(c) != !!kl_ispunct(c) ||
		    !!isspace(c) != !!kl_isspace(c) ||
		    !!isupper(c) != !!kl_isupper(c) ||
		    !!isxdigit(c) != !!kl_isxdigit(c) ||
		    tolower(c) != kl_tolower(c) || toupper(c) != kl_toupper(c))
			bad++;
	}
	CHECK("ctype: every class as glibc's C locale, -1..255", bad == 0);
}

int main(void)
{
	static unsigned char heap[1 << 20];

	libc_heap_init(heap, heap + sizeof heap);
	mem_ops();
	scans();
	str_ops();
	ctype_ops();
	return kl_fails != 0;
}
