/*
 * Network buffers: page-sized, from a fixed pool, with headroom.
 *
 *   buf (page start)                                       buf + NETBUF_SIZE
 *   |<-- headroom -->|<------- data (len) ------->|<-- tailroom -->|
 *   +----------------+----------------------------+----------------+
 *   |                |  payload / headers         |                |
 *   +----------------+----------------------------+----------------+
 *                    ^ data                       ^ data + len
 *
 * A receive path fills a buffer and hands views of it upward; a send path
 * builds the payload and prepends each header into the headroom
 * (netbuf_push) without copying what is already there. Buffers come from
 * one pool whose size is fixed when the image is built; when the pool is
 * empty netbuf_alloc returns NULL and the caller drops and counts. There is
 * no allocation on the per-packet path.
 *
 * Ownership: whoever holds the pointer owns the buffer and must either pass
 * it on (a call that "takes" a buffer owns it from then on, on success and
 * on failure alike) or netbuf_free it. Buffers are chained through `next`
 * for batches; the chain link belongs to whoever owns the buffer.
 *
 * Scatter-gather: a frame larger than one buffer (a TCP segmentation
 * offload frame, below) continues in the buffers linked through `frag`;
 * the frame's bytes are the data of each piece in order. The pieces belong
 * to the frame: netbuf_free frees a frame with all its pieces. Only a
 * device whose netif says so (netif.h, tso_max) is ever given such frames;
 * every receive path and every other sender uses single buffers.
 *
 * A frag piece may be external (netbuf_set_ext): its data then points at
 * read-only bytes outside the pool that outlive the frame (an image's
 * static data: tcp_send_static), sent by reference without a copy. It
 * has no headroom or tailroom, and nothing may write through it.
 *
 * Segmentation offload: gso_size != 0 marks a TCP/IPv4 frame whose payload
 * the device cuts into segments of gso_size bytes (the headers repeated on
 * each, IPv4 IDs counting up, TCP sequence numbers advanced, FIN and PSH on
 * the last segment only). Its headers all lie in the first buffer. Its TCP
 * checksum field holds only the folded pseudo-header sum (as for a partial
 * checksum): the device or the host kernel completes each segment's.
 *
 * Checksums on receive: csum_ok set by a driver says the frame's TCP or
 * UDP checksum need not be verified, because its device vouched for it:
 * the host kernel checked it (a virtio-net header's DATA_VALID), or the
 * frame never crossed a wire (a packet the host kernel made and left the
 * checksum of to the device: NEEDS_CSUM, or a segment cut from an offload
 * frame). Its checksum field may then hold anything. The stack skips the
 * check; anything that would forward such a frame must recompute it.
 */
#ifndef KILN_NETBUF_H
#define KILN_NETBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kiln/view.h>

#define NETBUF_SIZE 4096u
/* Room for Ethernet + IPv4 (with options) + TCP (with options), rounded. */
#define NETBUF_HEADROOM 128u

struct netbuf {
	struct netbuf *next; /* batch chain, owned by the buffer's owner */
	struct netbuf *frag; /* rest of this frame, owned by the frame */
	uint8_t *buf;	     /* page start, fixed */
	uint8_t *data;	     /* first byte of data */
	uint32_t len;	     /* bytes of data */
	uint32_t user;	     /* free for the owner's use */
	uint16_t gso_size;   /* TCP segment payload for offload, 0 = none */
	bool ext;	     /* data is external and read-only (above) */
	bool csum_ok;	     /* receive: L4 checksum vouched for (below) */
};

/*
 * Set the pool's size. Called once, before the first netbuf_alloc; a
 * binding calls it from its start-up with the image's configured count.
 * Without it the first alloc sets up the default, NETBUF_DEFAULT_COUNT.
 */
#define NETBUF_DEFAULT_COUNT 1024u
void netbuf_pool_init(unsigned count);

/* A buffer with headroom NETBUF_HEADROOM and len 0, or NULL when empty. */
struct netbuf *netbuf_alloc(void);

/*
 * Return a frame: the buffer and its frag pieces (one frame only; see
 * netbuf_free_chain). NULL is ignored.
 */
void netbuf_free(struct netbuf *nb);
void netbuf_free_chain(struct netbuf *nb);

/* Buffers free in the pool, and the pool's size. */
unsigned netbuf_avail(void);
unsigned netbuf_total(void);

static inline size_t netbuf_headroom(const struct netbuf *nb)
{
	return nb->ext ? 0 : (size_t)(nb->data - nb->buf);
}

static inline size_t netbuf_tailroom(const struct netbuf *nb)
{
	return nb->ext ? 0 : NETBUF_SIZE - netbuf_headroom(nb) - nb->len;
}

/*
 * Make nb, empty, an external piece of n bytes at p (see the top): for
 * frag pieces of frames being sent only.
 */
static inline void netbuf_set_ext(struct netbuf *nb, const void *p, uint32_t n)
{
	nb->data = (uint8_t *)(uintptr_t)p; /* never written through */
	nb->len = n;
	nb->ext = true;
}

/* The data as a view / writable view. */
static inline struct view netbuf_view(const struct netbuf *nb)
{
	return view_make(nb->data, nb->len);
}

static inline struct mview netbuf_mview(struct netbuf *nb)
{
	return mview_make(nb->data, nb->len);
}

/*
 * Grow the data by n bytes at the front (into the headroom) and return a
 * writable view of the n new bytes; false when the headroom is too small.
 */
__attribute__((warn_unused_result)) static inline bool
netbuf_push(struct netbuf *nb, size_t n, struct mview *hdr)
{
	if (n > netbuf_headroom(nb))
		return false;
	nb->data -= n;
	nb->len += (uint32_t)n;
	*hdr = mview_make(nb->data, n);
	return true;
}

/* Drop n bytes from the front (a parsed header); false when len < n. */
__attribute__((warn_unused_result)) static inline bool
netbuf_pull(struct netbuf *nb, size_t n)
{
	if (n > nb->len)
		return false;
	nb->data += n;
	nb->len -= (uint32_t)n;
	return true;
}

/*
 * Grow the data by n bytes at the end and return a writable view of them;
 * false when the tailroom is too small.
 */
__attribute__((warn_unused_result)) static inline bool
netbuf_put(struct netbuf *nb, size_t n, struct mview *tail)
{
	if (n > netbuf_tailroom(nb))
		return false;
	*tail = mview_make(nb->data + nb->len, n);
	nb->len += (uint32_t)n;
	return true;
}

/* Cut the data to len bytes (no-op when already shorter). */
static inline void netbuf_trim(struct netbuf *nb, size_t len)
{
	if (len < nb->len)
		nb->len = (uint32_t)len;
}

/* The whole frame's length: this buffer's data and its frag pieces'. */
static inline size_t netbuf_frame_len(const struct netbuf *nb)
{
	size_t n = 0;

	for (; nb; nb = nb->frag)
		n += nb->len;
	return n;
}

/*
 * Reset to empty with the default headroom. The caller must own no frag
 * pieces any more (free them first): reset forgets them.
 */
static inline void netbuf_reset(struct netbuf *nb)
{
	nb->data = nb->buf + NETBUF_HEADROOM;
	nb->len = 0;
	nb->next = NULL;
	nb->frag = NULL;
	nb->gso_size = 0;
	nb->ext = false;
	nb->csum_ok = false;
}

#endif /* KILN_NETBUF_H */
