/*
 * The heap (malloc.c): a random stress of malloc, calloc, realloc,
 * aligned_alloc and free whose every block is filled with a pattern and
 * checked before it is freed; exhaustion returns NULL and the heap works
 * again afterwards; everything freed merges back, so the largest block
 * fits again; calloc zeroes reused memory; misuse panics.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kl.h"
#include "support.h"

#define HEAP  (4u << 20)
#define SLOTS 2000

struct slot {
	unsigned char *p;
	size_t n;
	unsigned char pat;
};

static struct slot s[SLOTS];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static size_t rnd_size(void)
{
	switch (rnd() % 8) {
	case 0:
		return rnd() % 16;
	case 1:
	case 2:
	case 3:
		return rnd() % 256;
	case 4:
	case 5:
		return rnd() % 4096;
	case 6:
		return 4000 + rnd() % 200; /* around the small/large edge */
	default:
		return rnd() % 40000;
	}
}

static int check_fill(const struct slot *x)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->p[i] != (unsigned char)(x->pat + i))
			return 0;
	return 1;
}

static void fill(struct slot *x)
{
	for (size_t i = 0; i < x->n; i++)
		x->p[i] = (unsigned char)(x->pat + i);
}

static void stress(int *bad, int *nulls)
{
	for (int it = 0; it < 200000; it++) {
		struct slot *x = &s[rnd() % SLOTS];
		unsigned op = rnd() % 10;

		if (x->p && !check_fill(x))
			(*bad)++;
		if (x->p && op < 4) {
			kl_free(x->p);
			x->p = NULL;
		} else if (x->p && op < 6) {
			size_t n = rnd_size();
			unsigned char *q = kl_realloc(x->p, n ? n : 1);
			if (!q) {
				(*nulls)++;
				continue; /* old block stays valid */
			}
			size_t keep = x->n < n ? x->n : n;
			for (size_t i = 0; i < keep; i++)
				if (q[i] != (unsigned char)(x->pat + i))
					(*bad)++;
			x->p = q;
			x->n = n ? n : 1;
			fill(x);
		} else if (!x->p) {
			size_t n = rnd_size();
			unsigned kind = rnd() % 4;
			size_t align = (size_t)16 << (rnd() % 9);
			if (kind == 0)
				x->p = kl_calloc(1, n);
			else if (kind == 1)
				x->p = kl_aligned_alloc(align, n);
			else
				x->p = kl_malloc(n);
			if (!x->p) {
				(*nulls)++;
				continue;
			}
			if (kind == 0)
				for (size_t i = 0; i < n; i++)
					if (x->p[i])
						(*bad)++;
			if (kind == 1 && (uintptr_t)x->p % align)
				(*bad)++;
			if ((uintptr_t)x->p % 16)
				(*bad)++;
			x->n = n;
			x->pat = (unsigned char)rnd();
			fill(x);
		}
	}
}

int main(void)
{
	unsigned char *heap = mmap(NULL, HEAP, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int bad = 0, nulls = 0;
	size_t total;

	if (heap == MAP_FAILED)
		return 1;
	libc_heap_init(heap, heap + HEAP);
	total = libc_heap_free();
	CHECK("heap: the whole region is free at start", total == HEAP);

	stress(&bad, &nulls);
	CHECK("heap: 200000 random operations keep every pattern", bad == 0);
	printf("# %d allocations failed for want of room\n", nulls);

	/* Exhaustion: allocate until NULL, then free all and start over. */
	for (int i = 0; i < SLOTS; i++)
		if (s[i].p) {
			if (!check_fill(&s[i]))
				bad++;
			kl_free(s[i].p);
			s[i].p = NULL;
		}
	CHECK("heap: everything freed is free again",
	      libc_heap_free() == total);

	/* calloc clears memory that was used before */
	unsigned char *c1 = kl_malloc(100);
	if (c1) {
		memset(c1, 0xab, 100);
		kl_free(c1);
	}
	unsigned char *c2 = kl_calloc(10, 10);
	int zero = c2 == c1 && c2 != NULL;
	for (int i = 0; c2 && i < 100; i++)
		zero &= c2[i] == 0;
	CHECK("calloc: reused memory is zeroed", zero);

	CHECK("heap: a block larger than the heap is NULL",
	      kl_malloc(HEAP + 1) == NULL && kl_malloc(SIZE_MAX) == NULL &&
		      kl_calloc(SIZE_MAX / 2, 4) == NULL &&
		      kl_aligned_alloc(3, 16) == NULL);
	/* Exhaustion: allocate until NULL, free it all, allocate again. */
	static void *blocks[HEAP / 1000];
	int n = 0;
	void *p = NULL;
	while (n < (int)(HEAP / 1000) && (p = kl_malloc(1000)) != NULL)
		blocks[n++] = p;
	CHECK("heap: exhaustion returns NULL", p == NULL && n > 100);
	for (int i = 0; i < n; i++)
		kl_free(blocks[i]);
	int again = 0;
	while (again < n && (blocks[again] = kl_malloc(1000)) != NULL)
		again++;
	CHECK("heap: after exhaustion and freeing, as many blocks again",
	      again == n);
	for (int i = 0; i < again; i++)
		kl_free(blocks[i]);

	/* Large blocks merge: on a fresh heap, free 300 of random sizes in
	 * random order, then the whole heap is one block again. */
	libc_heap_init(heap, heap + HEAP);
	static void *big[300];
	int got = 0;
	for (int i = 0; i < 300; i++)
		if ((big[i] = kl_malloc(4096 + rnd() % 9000)) != NULL)
			got++;
	for (int i = 299; i > 0; i--) {
		int k = (int)(rnd() % (unsigned)(i + 1));
		void *t = big[i];
		big[i] = big[k];
		big[k] = t;
	}
	for (int i = 0; i < 300; i++)
		kl_free(big[i]);
	p = kl_malloc(HEAP - 64);
	CHECK("heap: freed large blocks merge back into one", got == 300 && p);
	kl_free(p);
	bad = nulls = 0;
	memset(s, 0, sizeof s);
	stress(&bad, &nulls);
	CHECK("heap: a second random run keeps every pattern", bad == 0);

	/* misuse panics */
	jmp_buf j;
	panic_jmp = &j;
	c2 = kl_malloc(40);
	if (setjmp(j) == 0) {
		kl_free(c2);
		kl_free(c2);
		CHECK("free: double free panics", 0);
	} else {
		CHECK("free: double free panics",
		      strstr(panic_msg, "already freed") != NULL);
	}
	panic_jmp = &j;
	if (setjmp(j) == 0) {
		kl_free(heap + 5);
		CHECK("free: a wild pointer panics", 0);
	} else {
		CHECK("free: a wild pointer panics",
		      strstr(panic_msg, "not a heap block") != NULL);
	}
	panic_jmp = NULL;
	CHECK("realloc(NULL, n) is malloc, realloc(p, 0) frees",
	      (p = kl_realloc(NULL, 10)) != NULL && kl_realloc(p, 0) == NULL);
	return kl_fails != 0;
}
