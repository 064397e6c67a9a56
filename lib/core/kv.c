/*
 * The image's read-only key-value store (kv.h): binary searches over
 * image_kv, which `kiln build` sorts by name in strcmp order.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <kiln/image.h>
#include <kiln/kv.h>
#include <kiln/view.h>

/*
 * Compare the NUL-terminated entry name with the counted key, in the order
 * strcmp uses (unsigned bytes, a shorter string first). The key may hold
 * NUL bytes; it then matches no entry, and still orders consistently.
 */
static int cmp_n(const char *entry, const char *key, size_t len)
{
	const unsigned char *e = (const unsigned char *)entry;
	const unsigned char *k = (const unsigned char *)key;
	size_t i;

	for (i = 0; i < len; i++) {
		if (e[i] == '\0')
			return -1;
		if (e[i] != k[i])
			return e[i] < k[i] ? -1 : 1;
	}
	return e[len] == '\0' ? 0 : 1;
}

/* Like cmp_n, but an entry that starts with the key compares equal. */
static int cmp_prefix(const char *entry, const char *key, size_t len)
{
	const unsigned char *e = (const unsigned char *)entry;
	const unsigned char *k = (const unsigned char *)key;
	size_t i;

	for (i = 0; i < len; i++) {
		if (e[i] == '\0')
			return -1;
		if (e[i] != k[i])
			return e[i] < k[i] ? -1 : 1;
	}
	return 0;
}

/*
 * The first index whose entry compares >= the key (want_gt false) or > the
 * key (want_gt true) under cmp; image_nkv when there is none.
 */
static size_t bound(int (*cmp)(const char *, const char *, size_t),
		    const char *key, size_t len, bool want_gt)
{
	size_t lo = 0, hi = image_nkv, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = cmp(image_kv[mid].name, key, len);
		if (c < 0 || (want_gt && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct kv_entry *kv_find_n(const char *name, size_t len)
{
	size_t i;

	if (!name && len)
		return NULL;
	i = bound(cmp_n, name, len, false);
	if (i < image_nkv && cmp_n(image_kv[i].name, name, len) == 0)
		return &image_kv[i];
	return NULL;
}

const struct kv_entry *kv_find(const char *name)
{
	if (!name)
		return NULL;
	return kv_find_n(name, strlen(name));
}

struct view kv_get(const char *name)
{
	const struct kv_entry *e = kv_find(name);

	if (!e)
		return view_make(NULL, 0);
	return view_make(e->data, e->len);
}

size_t kv_count(void)
{
	return image_nkv;
}

const struct kv_entry *kv_at(size_t i)
{
	return i < image_nkv ? &image_kv[i] : NULL;
}

size_t kv_prefix(const char *prefix, size_t *first)
{
	size_t len = prefix ? strlen(prefix) : 0;
	size_t lo, hi;

	/* Entries with the prefix are contiguous in sorted order. */
	lo = bound(cmp_prefix, prefix, len, false);
	hi = bound(cmp_prefix, prefix, len, true);
	if (first)
		*first = lo;
	return hi - lo;
}
