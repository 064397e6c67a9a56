/*
 * The read-only key-value store of files embedded in the image.
 *
 * The manifest's `embed` lines, and keys of type file, files and dir, name
 * files on the build host; `kiln build` compiles their bytes into the
 * image's read-only data and a table sorted by name. Names are paths with
 * "/" separators: an `embed site www/` line puts www/index.html under
 * "site/index.html"; a key `zone` of type files puts each file under
 * "zone/<basename>"; a key `site` of type dir puts www/a/b.css under
 * "site/a/b.css".
 *
 * Lookups are a binary search and never allocate. The bytes are the
 * image's own read-only data: they never move, never change, may be sent
 * (and retransmitted) straight from where they lie, and must never be
 * written (on kvm the page tables forbid it).
 */
#ifndef KILN_KV_H
#define KILN_KV_H

#include <stddef.h>
#include <stdint.h>

#include <kiln/view.h>

struct kv_entry {
	const char *name;    /* NUL-terminated, "/"-separated */
	const uint8_t *data; /* read-only, lives as long as the image */
	size_t len;
	int64_t mtime; /* seconds since the epoch, from the build host */
};

/*
 * Find the file called name. Returns the entry, or NULL when there is none.
 */
const struct kv_entry *kv_find(const char *name);

/* Like kv_find, for a name given as pointer and length (no NUL needed). */
const struct kv_entry *kv_find_n(const char *name, size_t len);

/* The file's bytes as a view; an empty view when name is absent. */
struct view kv_get(const char *name);

/* Number of entries, and the i-th in name order (NULL past the end). */
size_t kv_count(void);
const struct kv_entry *kv_at(size_t i);

/*
 * The entries whose names start with prefix, as a range [*first, *first +
 * return value) of indices for kv_at. Returns 0 when there are none.
 */
size_t kv_prefix(const char *prefix, size_t *first);

#endif /* KILN_KV_H */
