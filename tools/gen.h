/*
 * The files `kiln build` generates into _build/TARGET/gen/, each written
 * only when its content changed so that make stays incremental:
 *
 *   kiln_image.c   the symbols of include/kiln/image.h (keys with the
 *                  built-in `log` FIRST, then the manifest's in order;
 *                  devices; the key-value table sorted by name)
 *   kiln_kv.S      the embedded bytes: one .incbin per file, in .rodata,
 *                  each followed by a NUL byte not counted in its length
 *                  (so text files can be used as C strings)
 *   kiln_config.h  a CFG_<NAME> macro per key (see include/kiln/config.h)
 *   vars.mk        what mk/app.mk needs: paths, sources, libraries
 *   keys.stamp     the sealed key values: kiln_image.o depends on it
 *   kv.stamp       size and mtime of every embedded file: kiln_kv.o
 *                  depends on it, so a changed file is re-assembled even
 *                  when make cannot see it
 */
#ifndef KILN_TOOLS_GEN_H
#define KILN_TOOLS_GEN_H

#include "embed.h"
#include "manifest.h"

/* What the generators need besides the manifest and the embedded files. */
struct gen_paths {
	const char *kiln_home; /* absolute */
	const char *target;
	const char *build_dir; /* absolute: APPDIR/_build/TARGET */
	const char *image;     /* absolute: BUILD_DIR/NAME */
};

/* Each returns the complete text of one generated file; caller frees. */
char *gen_image_c(const struct manifest *m, const struct kv_set *kv,
		  const char *target);
char *gen_kv_s(const struct kv_set *kv);
char *gen_config_h(const struct manifest *m);
char *gen_vars_mk(const struct manifest *m, const struct kv_set *kv,
		  const struct gen_paths *p);
char *gen_keys_stamp(const struct manifest *m);
char *gen_kv_stamp(const struct kv_set *kv);
char *gen_build_keys(const struct manifest *m);
char *gen_kv_list(const struct kv_set *kv);

/* gen/kiln_kvm.c for the kvm target (gen_kvm.c; see targets.h's gen). */
char *gen_kvm_c(const struct manifest *m);

/* Append s to b escaped for a make prerequisite list. */
struct sbuf;
void gen_add_make_word(struct sbuf *b, const char *s);

/*
 * Write every generated file into p->build_dir/gen (created as needed).
 * Dies (kiln_die) when a file cannot be written.
 */
void gen_write_all(const struct manifest *m, const struct kv_set *kv,
		   const struct gen_paths *p);

#endif /* KILN_TOOLS_GEN_H */
