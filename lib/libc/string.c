/*
 * string.h for Kiln's freestanding libc.
 *
 * The block operations (memcpy, memmove, memset) move eight bytes at a
 * time with plain loads and stores, then the odd bytes. Not the x86 string
 * instructions ("rep movsb", "rep stosb"), although they are the fast path
 * on bare metal: on a host whose KVM emulates guest code (this project's
 * nested machines) each of them is an exit, measured at 10-15 µs, which
 * makes every memcpy cost more than a page of copying. mk/target-kvm.mk
 * tells the compiler the same (-mstringop-strategy=unrolled_loop) for the
 * copies it inlines itself.
 *
 * strlen, strchr and memchr scan a word at a time (fewer instructions is
 * what counts where every instruction is emulated); the rest is plain C,
 * byte at a time: Kiln's strings are short (names, keys, log lines). This file
 * is compiled with -fno-tree-loop-distribute-patterns so that the compiler
 * never turns a loop below back into a call to the function it is in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Unaligned 8-byte load and store: one mov each on x86-64. */
static inline uint64_t load64(const unsigned char *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, 8);
	return v;
}

static inline void store64(unsigned char *p, uint64_t v)
{
	__builtin_memcpy(p, &v, 8);
}

/*
 * Word-at-a-time scanning (strlen, strchr, memchr): an aligned 8-byte load
 * never crosses a page, so reading the rest of the word that holds the
 * terminator is safe, though it reads past the object (hence no ASan on
 * these, for the host tests). has_zero is the classic test: some byte of
 * v is 0 exactly when (v - 0x01..01) & ~v & 0x80..80 is not 0.
 */
typedef uint64_t __attribute__((may_alias)) word_t;
#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

static inline uint64_t has_zero(uint64_t v)
{
	return (v - ONES) & ~v & HIGHS;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (; n >= 32; n -= 32, d += 32, s += 32) {
		uint64_t a = load64(s), b = load64(s + 8);
		uint64_t c = load64(s + 16), e = load64(s + 24);
		store64(d, a);
		store64(d + 8, b);
		store64(d + 16, c);
		store64(d + 24, e);
	}
	for (; n >= 8; n -= 8, d += 8, s += 8)
		store64(d, load64(s));
	for (; n; n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d - (uintptr_t)s >= n) {
		/* dst before src, or no overlap: copying forward is safe
		 * (each 8-byte load happens before the store that could
		 * overlap it). */
		for (; n >= 8; n -= 8, d += 8, s += 8)
			store64(d, load64(s));
		for (; n; n--)
			*d++ = *s++;
	} else {
		/* dst inside [src, src + n): copy backward, from the end. */
		d += n;
		s += n;
		for (; n >= 8; n -= 8) {
			d -= 8;
			s -= 8;
			store64(d, load64(s));
		}
		while (n--)
			*--d = *--s;
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t v = (unsigned char)c * 0x0101010101010101ull;

	for (; n >= 32; n -= 32, d += 32) {
		store64(d, v);
		store64(d + 8, v);
		store64(d + 16, v);
		store64(d + 24, v);
	}
	for (; n >= 8; n -= 8, d += 8)
		store64(d, v);
	for (; n; n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	/* Eight bytes at a time while they are equal, then bytes. */
	while (n >= 8) {
		if (load64(p) != load64(q))
			break;
		p += 8;
		q += 8;
		n -= 8;
	}
	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

__attribute__((no_sanitize("address"))) void *memchr(const void *s, int c,
						     size_t n)
{
	const unsigned char *p = s;
	unsigned char ch = (unsigned char)c;
	uint64_t pat = ch * ONES;

	for (; n && (uintptr_t)p % 8; n--, p++)
		if (*p == ch)
			return (void *)p;
	for (; n >= 8 && !has_zero(*(const word_t *)p ^ pat); n -= 8)
		p += 8;
	for (; n; n--, p++)
		if (*p == ch)
			return (void *)p;
	return NULL;
}

void *memrchr(const void *s, int c, size_t n)
{
	const unsigned char *p = (const unsigned char *)s + n;

	while (n--)
		if (*--p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

void *memmem(const void *hay, size_t hlen, const void *needle, size_t nlen)
{
	const unsigned char *h = hay;

	if (nlen == 0)
		return (void *)hay;
	for (; hlen >= nlen; h++, hlen--)
		if (*h == *(const unsigned char *)needle &&
		    memcmp(h, needle, nlen) == 0)
			return (void *)h;
	return NULL;
}

__attribute__((no_sanitize("address"))) size_t strlen(const char *s)
{
	const char *p = s;

	for (; (uintptr_t)p % 8; p++)
		if (!*p)
			return (size_t)(p - s);
	while (!has_zero(*(const word_t *)p))
		p += 8;
	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p && *p == *q)
		p++, q++;
	return *p - *q;
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p - *q;
		if (!*p)
			return 0;
	}
	return 0;
}

__attribute__((no_sanitize("address"))) char *strchr(const char *s, int c)
{
	char ch = (char)c;
	uint64_t pat = (unsigned char)ch * ONES;

	for (; (uintptr_t)s % 8; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
	for (;;) {
		uint64_t v = *(const word_t *)s;
		if (has_zero(v) || has_zero(v ^ pat))
			break;
		s += 8;
	}
	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

char *strstr(const char *hay, const char *needle)
{
	return memmem(hay, strlen(hay), needle, strlen(needle));
}

size_t strspn(const char *s, const char *accept)
{
	size_t n = 0;

	while (s[n] && strchr(accept, s[n]))
		n++;
	return n;
}

size_t strcspn(const char *s, const char *reject)
{
	size_t n = 0;

	while (s[n] && !strchr(reject, s[n]))
		n++;
	return n;
}

char *strpbrk(const char *s, const char *accept)
{
	s += strcspn(s, accept);
	return *s ? (char *)s : NULL;
}

char *strcpy(char *restrict dst, const char *restrict src)
{
	memcpy(dst, src, strlen(src) + 1);
	return dst;
}

char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
	size_t len = strnlen(src, n);

	memcpy(dst, src, len);
	memset(dst + len, 0, n - len);
	return dst;
}

char *strcat(char *restrict dst, const char *restrict src)
{
	strcpy(dst + strlen(dst), src);
	return dst;
}

char *strncat(char *restrict dst, const char *restrict src, size_t n)
{
	char *end = dst + strlen(dst);
	size_t len = strnlen(src, n);

	memcpy(end, src, len);
	end[len] = '\0';
	return dst;
}

size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t k = len < size - 1 ? len : size - 1;
		memcpy(dst, src, k);
		dst[k] = '\0';
	}
	return len;
}

char *strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

char *strdup(const char *s)
{
	return strndup(s, SIZE_MAX);
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int strncasecmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n; n--, p++, q++) {
		int x = lower(*p), y = lower(*q);
		if (x != y)
			return x - y;
		if (!x)
			return 0;
	}
	return 0;
}

int strcasecmp(const char *a, const char *b)
{
	return strncasecmp(a, b, SIZE_MAX);
}
