/*
 * The block-device contract between lib/core and a target's binding: the
 * driver side of block.h, as netif.h is the driver side of the stack.
 *
 * lib/core (lib/core/block.c) implements block.h once for every target:
 * the device table, range and read-only checks, the bounded request ring
 * per device, and running requests from a deferred call so that a
 * completion never runs inside block_read/block_write/block_flush. A
 * target supplies only how to open its devices (blockdev_add) and how to
 * do one request (blockdev_execute), chosen at link time.
 */
#ifndef KILN_BLOCKDEV_H
#define KILN_BLOCKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kiln/block.h>

#define BLOCKDEV_SECTOR	  512u /* bytes, on every current target */
#define BLOCKDEV_QUEUE	  64u  /* requests queued per device */
#define BLOCKDEV_MAX_DEVS 8

enum blockdev_op { BLOCKDEV_READ, BLOCKDEV_WRITE, BLOCKDEV_FLUSH };

/* One queued request, as the target's blockdev_execute sees it. */
struct blockdev_req {
	enum blockdev_op op;
	uint64_t sector;
	void *buf; /* writes: read only, the device never writes into it */
	size_t n;  /* sectors; 0 for a flush */
	block_done_fn done;
	void *arg;
};

/*
 * Register a device the binding has opened: name (must outlive the image),
 * the target's handle for it (a file descriptor, a device index), its size
 * in sectors and whether it is read-only. Returns 0, or -ENOSPC when
 * BLOCKDEV_MAX_DEVS devices exist already.
 */
int blockdev_add(const char *name, long handle, uint64_t sectors,
		 bool read_only);

/* Number of devices, and the handle of the i-th (for seccomp filters). */
size_t blockdev_count(void);
long blockdev_handle_at(size_t i);

/*
 * Implemented by the target: do request r (already checked against the
 * device's size and read-only flag) on the device with this handle, and
 * return 0 or -EIO. Called on the loop, from lib/core's deferred call;
 * requests of one device are executed in queue order, so a flush runs
 * after every earlier write.
 */
int blockdev_execute(long handle, const struct blockdev_req *r);

#endif /* KILN_BLOCKDEV_H */
