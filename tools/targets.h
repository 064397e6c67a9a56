/*
 * The targets an appliance can be built for, in one table (targets.c):
 * adding a target is adding one entry there and mk/target-NAME.mk.
 */
#ifndef KILN_TOOLS_TARGETS_H
#define KILN_TOOLS_TARGETS_H

#include <stdbool.h>
#include <stddef.h>

struct manifest;

enum target_status {
	TARGET_IMPLEMENTED, /* kiln build works */
	TARGET_NOT_YET,	    /* designed, not implemented yet: refused */
	TARGET_PLANNED,	    /* on paper only: refused */
};

struct target {
	const char *name;
	enum target_status status;
	const char *about; /* one line for `kiln targets` */
	/* NULL when kiln run accepts the option, else why it is refused */
	const char *no_net;
	const char *no_mem;
	/*
	 * The image runs Kiln's own TCP/IP stack (lib/net): with a net device
	 * in the manifest it gets the built-in keys `ipv4`, `gateway` and
	 * the pool sizes (manifest_add_stack_keys).
	 */
	bool kiln_stack;
	/* kiln run needs one --net TAP per net device of the manifest. */
	bool needs_tap;
	/*
	 * Optional: one more generated source that only this target's images
	 * have, gen/<gen_name>, whose text gen returns (caller frees; it may
	 * die with a message naming the manifest). mk/target-NAME.mk compiles
	 * it (TARGET_GEN_SRCS). kvm: the device note (tools/gen_kvm.c).
	 */
	const char *gen_name;
	char *(*gen)(const struct manifest *m);
	/*
	 * Optional: the program kiln run starts the image with, looked up
	 * beside the kiln executable, then on PATH; it gets the --mem, --net
	 * and --disk options, then the image, then the start line. NULL: the
	 * image is itself the program.
	 */
	const char *runner;
	/*
	 * Can this machine run the target's images? Returns true, or false
	 * with the reason in why. Required. Must not change anything.
	 */
	bool (*machine)(char *why, size_t whylen);
};

extern const struct target targets[];
extern const size_t ntargets;

/* The target called name, or NULL. */
const struct target *target_find(const char *name);

/* "posix-socket, posix-direct, ..." in table order; caller frees. */
char *target_names(void);

/* "implemented", "not implemented yet" or "planned". */
const char *target_status_text(enum target_status s);

#endif /* KILN_TOOLS_TARGETS_H */
