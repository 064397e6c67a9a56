/*
 * The build driver: manifest and keys in, generated files, make, and an
 * image out. Shared by `kiln build` and `kiln run`.
 */
#ifndef KILN_TOOLS_BUILD_H
#define KILN_TOOLS_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "embed.h"
#include "manifest.h"

struct build {
	const struct target *target;
	char *home; /* KILN_HOME, absolute */
	struct manifest m;
	struct kv_set kv;
	char *build_dir;   /* absolute APPDIR/_build/TARGET */
	char *image;	   /* absolute image path */
	char *image_shown; /* APPDIR as given + /_build/TARGET/NAME */
	char **start_keys; /* kiln run: KEY=VALUE for start keys, checked */
	size_t nstart_keys;
};

/*
 * Where Kiln's own files are: $KILN_HOME, else <dir of the kiln
 * executable>/../share/kiln when it has mk/app.mk (an installed kiln),
 * else <dir of the executable>/.. (the source tree). Dies when the result
 * has no mk/app.mk. Caller frees.
 */
char *kiln_home(void);

/*
 * Read the manifest and apply the keys of o. For kiln run (run true), a
 * key the manifest marks `start` (and `log`) is only checked and kept in
 * b->start_keys for the start line; every other key is a build key and is
 * sealed. From here on, any failure removes the image (no stale image is
 * ever left at the image path). Dies on error.
 */
void build_load(struct build *b, const struct cli_opts *o, bool run);

/*
 * Generate, run make (its output goes to stderr), and leave the image at
 * b->image. Dies on error, leaving no image behind.
 */
void build_make(struct build *b);

#endif /* KILN_TOOLS_BUILD_H */
