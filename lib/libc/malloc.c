/*
 * The heap of Kiln's freestanding libc: malloc, calloc, realloc,
 * aligned_alloc and free over the one region the target hands over at
 * start (libc_heap_init). Kiln allocates little and mostly at start-up
 * (buffer pools, tables): the allocator aims at being small, bounded and
 * checkable rather than fast under churn.
 *
 * Every block is a span of the region, 16-byte aligned, that begins with
 * `lead` spare bytes (0 except for over-aligned blocks), then a 16-byte
 * header, then the payload:
 *
 *   span start                                              span end
 *   | lead | struct hdr (magic, lead, span) | payload ...          |
 *
 * Small blocks (a span of at most SMALL_MAX bytes) come in size classes,
 * powers of two from 32 to 4096 bytes. A freed small block goes on its
 * class's free list and is only ever reused for that class: no splitting
 * or merging, O(1) both ways. The price: memory that small blocks of a
 * class once held stays with that class (bounded by the class's peak use;
 * Kiln allocates mostly at start-up, so the peak is the steady state).
 * Large blocks are spans of any multiple of
 * 16 bytes; freed ones go on one address-ordered free list and merge with
 * free neighbours; allocation takes the first span that fits (first fit),
 * splitting off the rest. Both kinds are cut from the top of the region
 * by a bump pointer when no free block fits, and a large span freed right
 * below the bump pointer goes back to it.
 *
 * Bounds: memory is only ever what the region holds (exhaustion returns
 * NULL, never a panic); the free list holds at most one span per 32 bytes
 * of region, and first fit walks it, which is fine for the tens of large
 * blocks an image has. Misuse that can be seen (a pointer that is not a
 * live block: a double free, a wild free) panics at once rather than
 * corrupting the lists.
 *
 * Lazy pages: the region is zero when it is handed over, and the bump
 * pointer's high-water mark separates memory that was never handed out
 * (still zero, and on a VM still untouched) from the rest. calloc clears
 * only memory below the mark; a large aligned_alloc (the network buffer
 * pool) touches just the page holding its header.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/log.h>

#include "libc.h"

#define ALIGN	  16u
#define HDR	  16u
#define SMALL_MIN 32u	/* smallest span: a header and 16 bytes */
#define SMALL_MAX 4096u /* largest small span */
#define NCLASSES  8	/* 32, 64, ..., 4096 */
/* Split a large free span only when the rest is worth keeping. */
#define SPLIT_MIN 256u

#define MAGIC_USED 0x6b6c6e55u /* "Unlk" */
#define MAGIC_FREE 0x6b6c6e46u /* "Fnlk" */

struct hdr {
	uint32_t magic;
	uint32_t lead; /* bytes of the span before this header */
	uint64_t span; /* bytes of the whole span, lead included */
};

/* A free large span; its first 16 bytes mirror struct hdr. */
struct free_span {
	uint32_t magic; /* MAGIC_FREE */
	uint32_t zero;
	uint64_t span;
	struct free_span *next; /* higher address */
};

/* A free small block: the header, then the list link in the payload. */
struct free_small {
	struct hdr h;
	struct free_small *next;
};

static uintptr_t heap_lo, heap_hi; /* the region */
static uintptr_t bump;		   /* first byte never cut, or given back */
static uintptr_t fresh;		   /* high-water mark: above is still zero */
static struct free_small *small_free[NCLASSES];
static struct free_span *large_free;
static size_t free_bytes;

static uintptr_t align_up(uintptr_t v, uintptr_t a)
{
	return (v + a - 1) & ~(a - 1);
}

void libc_heap_init(void *start, void *end)
{
	heap_lo = align_up((uintptr_t)start, ALIGN);
	heap_hi = (uintptr_t)end & ~(uintptr_t)(ALIGN - 1);
	if (heap_hi < heap_lo)
		heap_hi = heap_lo;
	bump = fresh = heap_lo;
	free_bytes = heap_hi - heap_lo;
	memset(small_free, 0, sizeof small_free);
	large_free = NULL;
}

size_t libc_heap_free(void)
{
	return free_bytes;
}

/* Class of a small span: 0 for 32 bytes, ..., 7 for 4096. */
static unsigned class_of(size_t span)
{
	unsigned c = 0;

	while ((SMALL_MIN << c) < span)
		c++;
	return c;
}

/* Cut len bytes at the bump pointer; 0 when the region is exhausted. */
static uintptr_t cut(size_t len)
{
	uintptr_t p = bump;

	if (len > heap_hi - bump)
		return 0;
	bump += len;
	if (bump > fresh)
		fresh = bump;
	return p;
}

/* Write the header of a span whose payload starts at payload. */
static void *finish(uintptr_t start, uintptr_t payload, size_t span)
{
	struct hdr *h = (struct hdr *)(payload - HDR);

	h->magic = MAGIC_USED;
	h->lead = (uint32_t)(payload - HDR - start);
	h->span = span;
	free_bytes -= span;
	return (void *)payload;
}

static void *alloc_large(size_t size, size_t align);

/*
 * A small block: from its class's free list, else cut like a large block
 * of exactly the class's span (from a free large span or the bump
 * pointer), so that memory freed by large blocks serves small ones too.
 */
static void *alloc_small(size_t need)
{
	unsigned c = class_of(need);
	struct free_small *b = small_free[c];

	if (b) {
		small_free[c] = b->next;
		return finish((uintptr_t)b, (uintptr_t)b + HDR,
			      (size_t)SMALL_MIN << c);
	}
	return alloc_large(((size_t)SMALL_MIN << c) - HDR, ALIGN);
}

/*
 * A large span whose payload of `size` bytes is aligned to `align`
 * (a power of two, at least ALIGN).
 */
static void *alloc_large(size_t size, size_t align)
{
	struct free_span **pp, *f;
	uintptr_t start, payload, end;
	size_t span;

	for (pp = &large_free; (f = *pp); pp = &f->next) {
		start = (uintptr_t)f;
		payload = align_up(start + HDR, align);
		if (payload - start > f->span ||
		    f->span - (payload - start) < size)
			continue;
		end = align_up(payload + size, ALIGN);
		span = end - start;
		if (f->span - span >= SPLIT_MIN) {
			struct free_span *rest = (struct free_span *)end;
			rest->magic = MAGIC_FREE;
			rest->zero = 0;
			rest->span = f->span - span;
			rest->next = f->next;
			*pp = rest;
		} else {
			span = f->span;
			*pp = f->next;
		}
		return finish(start, payload, span);
	}
	/* From the bump pointer: the lead, if any, belongs to the block. */
	start = bump;
	payload = align_up(start + HDR, align);
	if (payload < start || payload - start > heap_hi - start ||
	    size > heap_hi - payload)
		return NULL;
	end = align_up(payload + size, ALIGN);
	if (end > heap_hi || !cut(end - start))
		return NULL;
	return finish(start, payload, end - start);
}

static void *alloc(size_t size, size_t align)
{
	/* Sizes near SIZE_MAX must not wrap in the arithmetic below. */
	if (size > heap_hi - heap_lo) {
		errno = ENOMEM;
		return NULL;
	}
	if (size == 0)
		size = 1;
	void *p = align <= ALIGN && size + HDR <= SMALL_MAX
			  ? alloc_small(size + HDR)
			  : alloc_large(size, align < ALIGN ? ALIGN : align);
	if (!p)
		errno = ENOMEM;
	return p;
}

void *malloc(size_t size)
{
	return alloc(size, ALIGN);
}

void *aligned_alloc(size_t align, size_t size)
{
	/* C11: align must be a supported alignment (a power of two). */
	if (align == 0 || (align & (align - 1)) != 0) {
		errno = EINVAL;
		return NULL;
	}
	return alloc(size, align);
}

void *calloc(size_t n, size_t size)
{
	size_t total;
	uintptr_t mark = fresh;
	void *p;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(total);
	/* Memory at or above the old high-water mark was never handed out:
	 * it is still zero (and untouched). */
	if (p && (uintptr_t)p < mark)
		memset(p, 0, total);
	return p;
}

/* The header of live block p, or a panic when p is not one. */
static struct hdr *hdr_of(void *p, const char *who)
{
	uintptr_t a = (uintptr_t)p;
	struct hdr *h = (struct hdr *)(a - HDR);

	if (a < heap_lo + HDR || a >= bump || a % ALIGN != 0)
		kiln_panic("%s(%p): not a heap block", who, p);
	if (h->magic == MAGIC_FREE)
		kiln_panic("%s(%p): block already freed", who, p);
	if (h->magic != MAGIC_USED || h->lead > a - HDR - heap_lo ||
	    h->lead % ALIGN != 0 || h->span < SMALL_MIN ||
	    h->span > bump - (a - HDR - h->lead) || h->span - h->lead < HDR)
		kiln_panic("%s(%p): not a heap block, or its header was "
			   "overwritten",
			   who, p);
	return h;
}

/* Usable bytes of live block p. */
static size_t usable(const struct hdr *h)
{
	return h->span - h->lead - HDR;
}

/* Put span [start, start + span) on the large free list, merged. */
static void free_large(uintptr_t start, size_t span)
{
	struct free_span **pp = &large_free, *prev = NULL, *f;
	struct free_span *n = (struct free_span *)start;

	while ((f = *pp) && (uintptr_t)f < start) {
		prev = f;
		pp = &f->next;
	}
	n->magic = MAGIC_FREE;
	n->zero = 0;
	n->span = span;
	n->next = f;
	*pp = n;
	/* Merge with the next span, then with the previous one. */
	if (f && start + n->span == (uintptr_t)f) {
		n->span += f->span;
		n->next = f->next;
	}
	if (prev && (uintptr_t)prev + prev->span == start) {
		prev->span += n->span;
		prev->next = n->next;
		n = prev;
	}
	/* The last span, right below the bump pointer: give it back. */
	if (!n->next && (uintptr_t)n + n->span == bump) {
		pp = &large_free;
		while (*pp != n)
			pp = &(*pp)->next;
		*pp = NULL;
		bump = (uintptr_t)n;
	}
}

void free(void *p)
{
	struct hdr *h;
	uintptr_t start;
	size_t span;

	if (!p)
		return;
	h = hdr_of(p, "free");
	start = (uintptr_t)h - h->lead;
	span = h->span;
	h->magic = MAGIC_FREE;
	free_bytes += span;
	if (h->lead == 0 && span <= SMALL_MAX && (span & (span - 1)) == 0) {
		struct free_small *b = (struct free_small *)start;
		unsigned c = class_of(span);
		b->next = small_free[c];
		small_free[c] = b;
	} else {
		free_large(start, span);
	}
}

void *realloc(void *p, size_t size)
{
	struct hdr *h;
	void *q;

	if (!p)
		return malloc(size);
	if (size == 0) {
		free(p);
		return NULL;
	}
	h = hdr_of(p, "realloc");
	if (size <= usable(h))
		return p;
	q = malloc(size);
	if (!q)
		return NULL; /* p stays valid, as C says */
	memcpy(q, p, usable(h));
	free(p);
	return q;
}
