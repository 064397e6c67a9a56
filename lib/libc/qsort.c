/*
 * qsort and bsearch for Kiln's freestanding libc.
 *
 * qsort is a heapsort: O(n log n) in the worst case, no recursion, no
 * allocation, constant stack. It is not stable (neither is C's qsort).
 * Elements are swapped byte-wise in word-sized steps where they allow.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void swap(unsigned char *a, unsigned char *b, size_t size)
{
	while (size >= 8) {
		uint64_t t;
		memcpy(&t, a, 8);
		memcpy(a, b, 8);
		memcpy(b, &t, 8);
		a += 8;
		b += 8;
		size -= 8;
	}
	while (size--) {
		unsigned char t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

/* Move element i down the max-heap of n elements until it is in place. */
static void sift_down(unsigned char *base, size_t i, size_t n, size_t size,
		      int (*cmp)(const void *, const void *))
{
	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= n)
			return;
		if (child + 1 < n &&
		    cmp(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (cmp(base + i * size, base + child * size) >= 0)
			return;
		swap(base + i * size, base + child * size, size);
		i = child;
	}
}

void qsort(void *base0, size_t n, size_t size,
	   int (*cmp)(const void *, const void *))
{
	unsigned char *base = base0;

	if (n < 2 || size == 0)
		return;
	for (size_t i = n / 2; i-- > 0;)
		sift_down(base, i, n, size, cmp);
	for (size_t end = n - 1; end > 0; end--) {
		swap(base, base + end * size, size);
		sift_down(base, 0, end, size, cmp);
	}
}

void *bsearch(const void *key, const void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *))
{
	const unsigned char *lo = base;

	while (n > 0) {
		const unsigned char *mid = lo + (n / 2) * size;
		int c = cmp(key, mid);
		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			lo = mid + size;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return NULL;
}
