/*
 * What `kiln build` generates into every image, and what the runtime reads.
 *
 * This is the contract between the build tool (tools/, host side) and the
 * runtime (lib/core and bindings/): the generated file
 * _build/TARGET/gen/kiln_image.c defines exactly these symbols, all
 * read-only. Appliances do not use it directly: they use config.h, kv.h and
 * the device headers.
 */
#ifndef KILN_IMAGE_H
#define KILN_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kiln/config.h>
#include <kiln/kv.h>

/* A configuration key as sealed at build time. */
struct image_key {
	const char *name;
	enum cfg_type type;
	bool settable;	   /* may be set again at start */
	const char *value; /* the sealed value, as text, already checked */
};

enum image_dev_kind {
	IMAGE_DEV_NET = 1,
	IMAGE_DEV_BLOCK = 2,
};

/* A device the appliance declares in its manifest. */
struct image_dev {
	const char *name; /* e.g. "net0", "disk0" */
	enum image_dev_kind kind;
};

extern const char image_app_name[];
extern const char image_target_name[];

/* Keys in manifest order. */
extern const struct image_key image_keys[];
extern const size_t image_nkeys;

/* Devices in manifest order. */
extern const struct image_dev image_devs[];
extern const size_t image_ndevs;

/* Embedded files, sorted by name (strcmp order), no duplicates. */
extern const struct kv_entry image_kv[];
extern const size_t image_nkv;

#endif /* KILN_IMAGE_H */
