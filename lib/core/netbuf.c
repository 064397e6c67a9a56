/*
 * The network buffer pool (netbuf.h): page-sized buffers, allocated once,
 * handed out from a free list.
 *
 * The pages come from one aligned_alloc (on bare targets the freestanding
 * libc provides it) and the metadata from one more; after that nothing
 * allocates. Each slot remembers whether it is free, so that a double free
 * or a pointer that is not one of ours panics at once instead of
 * corrupting the free list and failing far away.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/log.h>
#include <kiln/netbuf.h>

struct netbuf_slot {
	struct netbuf nb; /* first: a struct netbuf * is a slot pointer */
	struct netbuf_slot *next_free;
	bool free;
};

static struct netbuf_slot *slots;
static struct netbuf_slot *free_list;
static uint8_t *pages;
static unsigned total, avail;

void netbuf_pool_init(unsigned count)
{
	size_t pbytes, sbytes;
	unsigned i;

	if (slots)
		kiln_panic("netbuf_pool_init: pool already set up (%u buffers)",
			   total);
	if (count == 0)
		count = NETBUF_DEFAULT_COUNT;
	/* Overflow matters on 32-bit targets only. */
	pbytes = (size_t)count * NETBUF_SIZE;
	sbytes = (size_t)count * sizeof(*slots);
	if (pbytes / NETBUF_SIZE != count || sbytes / sizeof(*slots) != count)
		kiln_panic("netbuf_pool_init: %u buffers is too many", count);
	pages = aligned_alloc(NETBUF_SIZE, pbytes);
	slots = malloc(sbytes);
	if (!pages || !slots)
		kiln_panic("netbuf_pool_init: no memory for %u buffers", count);
	memset(slots, 0, sbytes);
	/* Thread the free list so that buffers go out in address order. */
	free_list = NULL;
	for (i = count; i-- > 0;) {
		struct netbuf_slot *s = &slots[i];
		s->nb.buf = pages + (size_t)i * NETBUF_SIZE;
		s->free = true;
		s->next_free = free_list;
		free_list = s;
	}
	total = avail = count;
}

struct netbuf *netbuf_alloc(void)
{
	struct netbuf_slot *s;

	if (!slots)
		netbuf_pool_init(NETBUF_DEFAULT_COUNT);
	s = free_list;
	if (!s)
		return NULL;
	free_list = s->next_free;
	s->next_free = NULL;
	s->free = false;
	avail--;
	netbuf_reset(&s->nb);
	s->nb.user = 0;
	return &s->nb;
}

/* The slot of nb, or a panic when nb is not a buffer of this pool. */
static struct netbuf_slot *slot_of(struct netbuf *nb)
{
	uintptr_t p = (uintptr_t)nb, lo = (uintptr_t)slots;

	if (!slots || p < lo || p >= lo + (uintptr_t)total * sizeof(*slots) ||
	    (p - lo) % sizeof(*slots) != 0)
		kiln_panic("netbuf_free: %p is not a pool buffer", (void *)nb);
	return (struct netbuf_slot *)nb;
}

static void free_one(struct netbuf *nb)
{
	struct netbuf_slot *s = slot_of(nb);

	if (s->free)
		kiln_panic("netbuf_free: double free of buffer %u",
			   (unsigned)(s - slots));
	s->free = true;
	s->nb.next = NULL;
	s->nb.frag = NULL;
	s->next_free = free_list;
	free_list = s;
	avail++;
}

void netbuf_free(struct netbuf *nb)
{
	while (nb) {
		/* Checked before anything of it is read. */
		struct netbuf *frag = slot_of(nb)->nb.frag;

		free_one(nb);
		nb = frag;
	}
}

void netbuf_free_chain(struct netbuf *nb)
{
	struct netbuf *next;

	while (nb) {
		next = nb->next;
		netbuf_free(nb);
		nb = next;
	}
}

unsigned netbuf_avail(void)
{
	return avail;
}

unsigned netbuf_total(void)
{
	return total;
}
