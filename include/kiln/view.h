/*
 * Checked byte views: the only way Kiln code reads or writes untrusted bytes.
 *
 * A view is a pointer and a length. `struct view` is read-only; `struct
 * mview` may be written. Every accessor checks its offset and width against
 * the length and reports failure instead of touching memory outside the
 * view, so a parser that takes a view cannot read out of bounds whatever the
 * bytes say. Callers never do pointer arithmetic on packet data: they take
 * sub-views.
 *
 * Multi-byte accessors are big-endian (network order), as every wire format
 * Kiln parses is. Getters return true and store the value on success; on
 * failure they return false and leave *out untouched. Getter and setter
 * results must be checked (the compiler warns when they are not).
 *
 * Views do not own memory: whoever made the view keeps the bytes alive for as
 * long as the view is used. All functions here are pure and never block.
 */
#ifndef KILN_VIEW_H
#define KILN_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define VIEW_MUST_CHECK __attribute__((warn_unused_result))

/* A read-only window on bytes somebody else owns. */
struct view {
	const uint8_t *p;
	size_t len;
};

/* A writable window on bytes somebody else owns. */
struct mview {
	uint8_t *p;
	size_t len;
};

static inline struct view view_make(const void *p, size_t len)
{
	struct view v = {(const uint8_t *)p, p ? len : 0};
	return v;
}

static inline struct mview mview_make(void *p, size_t len)
{
	struct mview v = {(uint8_t *)p, p ? len : 0};
	return v;
}

/* A writable view seen read-only. */
static inline struct view view_of(struct mview m)
{
	return view_make(m.p, m.len);
}

/* True when [off, off + n) lies inside the view; overflow-safe. */
static inline bool view_has(struct view v, size_t off, size_t n)
{
	return off <= v.len && n <= v.len - off;
}

static inline bool mview_has(struct mview v, size_t off, size_t n)
{
	return off <= v.len && n <= v.len - off;
}

/*
 * Sub-views. view_sub fails when [off, off + len) is not inside v.
 * view_tail is everything from off on (fails when off > v.len).
 */
VIEW_MUST_CHECK static inline bool view_sub(struct view v, size_t off,
					    size_t len, struct view *out)
{
	if (!view_has(v, off, len))
		return false;
	out->p = v.p + off;
	out->len = len;
	return true;
}

VIEW_MUST_CHECK static inline bool view_tail(struct view v, size_t off,
					     struct view *out)
{
	if (off > v.len)
		return false;
	out->p = v.p + off;
	out->len = v.len - off;
	return true;
}

VIEW_MUST_CHECK static inline bool mview_sub(struct mview v, size_t off,
					     size_t len, struct mview *out)
{
	if (!mview_has(v, off, len))
		return false;
	out->p = v.p + off;
	out->len = len;
	return true;
}

VIEW_MUST_CHECK static inline bool mview_tail(struct mview v, size_t off,
					      struct mview *out)
{
	if (off > v.len)
		return false;
	out->p = v.p + off;
	out->len = v.len - off;
	return true;
}

/* Shorten a view to at most len bytes (never lengthens it). */
static inline struct view view_trunc(struct view v, size_t len)
{
	if (len < v.len)
		v.len = len;
	return v;
}

/* ---- getters ---------------------------------------------------------- */

VIEW_MUST_CHECK static inline bool view_u8(struct view v, size_t off,
					   uint8_t *out)
{
	if (!view_has(v, off, 1))
		return false;
	*out = v.p[off];
	return true;
}

VIEW_MUST_CHECK static inline bool view_be16(struct view v, size_t off,
					     uint16_t *out)
{
	if (!view_has(v, off, 2))
		return false;
	*out = (uint16_t)((uint16_t)v.p[off] << 8 | v.p[off + 1]);
	return true;
}

VIEW_MUST_CHECK static inline bool view_be32(struct view v, size_t off,
					     uint32_t *out)
{
	if (!view_has(v, off, 4))
		return false;
	*out = (uint32_t)v.p[off] << 24 | (uint32_t)v.p[off + 1] << 16 |
	       (uint32_t)v.p[off + 2] << 8 | (uint32_t)v.p[off + 3];
	return true;
}

VIEW_MUST_CHECK static inline bool view_be64(struct view v, size_t off,
					     uint64_t *out)
{
	uint32_t hi, lo;
	if (!view_has(v, off, 8) || !view_be32(v, off, &hi) ||
	    !view_be32(v, off + 4, &lo))
		return false;
	*out = (uint64_t)hi << 32 | lo;
	return true;
}

/* Copy n bytes at off into dst (which the caller sized). */
VIEW_MUST_CHECK static inline bool view_copy_out(struct view v, size_t off,
						 void *dst, size_t n)
{
	if (!view_has(v, off, n))
		return false;
	if (n)
		memcpy(dst, v.p + off, n);
	return true;
}

/* True when both views hold the same bytes. */
static inline bool view_eq(struct view a, struct view b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* ---- setters ---------------------------------------------------------- */

VIEW_MUST_CHECK static inline bool mview_set_u8(struct mview v, size_t off,
						uint8_t x)
{
	if (!mview_has(v, off, 1))
		return false;
	v.p[off] = x;
	return true;
}

VIEW_MUST_CHECK static inline bool mview_set_be16(struct mview v, size_t off,
						  uint16_t x)
{
	if (!mview_has(v, off, 2))
		return false;
	v.p[off] = (uint8_t)(x >> 8);
	v.p[off + 1] = (uint8_t)x;
	return true;
}

VIEW_MUST_CHECK static inline bool mview_set_be32(struct mview v, size_t off,
						  uint32_t x)
{
	if (!mview_has(v, off, 4))
		return false;
	v.p[off] = (uint8_t)(x >> 24);
	v.p[off + 1] = (uint8_t)(x >> 16);
	v.p[off + 2] = (uint8_t)(x >> 8);
	v.p[off + 3] = (uint8_t)x;
	return true;
}

VIEW_MUST_CHECK static inline bool mview_set_be64(struct mview v, size_t off,
						  uint64_t x)
{
	if (!mview_has(v, off, 8))
		return false;
	return mview_set_be32(v, off, (uint32_t)(x >> 32)) &&
	       mview_set_be32(v, off + 4, (uint32_t)x);
}

/* Copy n bytes from src into the view at off. */
VIEW_MUST_CHECK static inline bool mview_copy_in(struct mview v, size_t off,
						 const void *src, size_t n)
{
	if (!mview_has(v, off, n))
		return false;
	if (n)
		memmove(v.p + off, src, n);
	return true;
}

/* Fill n bytes at off with byte b. */
VIEW_MUST_CHECK static inline bool mview_fill(struct mview v, size_t off,
					      uint8_t b, size_t n)
{
	if (!mview_has(v, off, n))
		return false;
	if (n)
		memset(v.p + off, b, n);
	return true;
}

/* ---- cursor ----------------------------------------------------------- */

/*
 * A cursor reads a view front to back with a sticky error: once a read runs
 * past the end, `bad` is set, every later read yields 0, and the parser
 * checks `bad` once at the end (the NSD buffer_available() habit, without
 * the chance of forgetting a check in the middle).
 */
struct vcur {
	struct view v;
	size_t off;
	bool bad;
};

static inline struct vcur vcur_make(struct view v)
{
	struct vcur c = {v, 0, false};
	return c;
}

static inline size_t vcur_left(const struct vcur *c)
{
	return c->bad ? 0 : c->v.len - c->off;
}

static inline uint8_t vcur_u8(struct vcur *c)
{
	uint8_t x = 0;
	if (c->bad || !view_u8(c->v, c->off, &x)) {
		c->bad = true;
		return 0;
	}
	c->off += 1;
	return x;
}

static inline uint16_t vcur_be16(struct vcur *c)
{
	uint16_t x = 0;
	if (c->bad || !view_be16(c->v, c->off, &x)) {
		c->bad = true;
		return 0;
	}
	c->off += 2;
	return x;
}

static inline uint32_t vcur_be32(struct vcur *c)
{
	uint32_t x = 0;
	if (c->bad || !view_be32(c->v, c->off, &x)) {
		c->bad = true;
		return 0;
	}
	c->off += 4;
	return x;
}

/* Take the next n bytes as a sub-view (empty view and bad on overrun). */
static inline struct view vcur_take(struct vcur *c, size_t n)
{
	struct view out = {0, 0};
	if (c->bad || !view_sub(c->v, c->off, n, &out)) {
		c->bad = true;
		out.p = 0;
		out.len = 0;
		return out;
	}
	c->off += n;
	return out;
}

static inline void vcur_skip(struct vcur *c, size_t n)
{
	(void)vcur_take(c, n);
}

#endif /* KILN_VIEW_H */
