/*
 * The files an image embeds: from `embed` lines and from keys of type
 * file, files and dir. Collected, named, sorted and checked for clashes
 * before anything is generated.
 */
#ifndef KILN_TOOLS_EMBED_H
#define KILN_TOOLS_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "manifest.h"

struct kv_file {
	char *name;    /* key-value name, "prefix/relpath" */
	char *path;    /* absolute path on the build host */
	uint64_t size; /* st_size when collected */
	int64_t mtime; /* seconds */
	long mtime_ns; /* nanoseconds part, for the rebuild stamp only */
	char *origin;  /* where it came from, for messages */
};

struct kv_set {
	struct kv_file *v;
	size_t n;
};

/*
 * Collect every embedded file of m into *out, sorted by strcmp of name.
 * Also resolves the values of file, files and dir keys in place into
 * absolute paths (a default relative to APPDIR, a command-line value
 * relative to the current directory), so that what is sealed and stamped
 * is what was read. Returns 0, or -1 with err set: a missing path (named),
 * a wrong kind of file, a name that cannot be embedded, or two files with
 * one name (both sources named). *out is valid to free either way.
 */
int kv_collect(struct manifest *m, struct kv_set *out, char *err,
	       size_t errlen);

void kv_set_free(struct kv_set *s);

/*
 * True when path can be named in a makefile and an assembler string as
 * kiln writes them (no control characters, no backslash).
 */
bool kv_path_ok(const char *path);

#endif /* KILN_TOOLS_EMBED_H */
