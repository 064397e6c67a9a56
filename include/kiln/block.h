/*
 * Block devices: asynchronous reads and writes of sector ranges.
 *
 * The manifest declares block devices by name (`device block disk0`); the
 * image is started with a backing store for each (`--disk FILE` on posix
 * and kvm). Requests are queued and complete later, on the loop, through
 * the callback, exactly once each, in no promised order; a request that
 * cannot even be queued is refused at once by the call's result and then
 * gets no callback.
 *
 * Buffers stay owned by the caller, who must keep them alive and untouched
 * until the completion callback runs.
 */
#ifndef KILN_BLOCK_H
#define KILN_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct block_dev; /* opaque */

struct block_info {
	uint32_t sector_size; /* bytes; 512 on every current target */
	uint64_t sectors;     /* device size in sectors */
	bool read_only;
};

/*
 * Completion: result is 0, or -EIO for a device error. arg is the value
 * passed with the request.
 */
typedef void (*block_done_fn)(struct block_dev *d, int result, void *arg);

/*
 * The block device called name (NULL: the first one the manifest
 * declares), or NULL when the image has none of that name.
 */
struct block_dev *block_get(const char *name);

void block_get_info(const struct block_dev *d, struct block_info *out);

/*
 * Read or write n sectors starting at sector, to or from buf
 * (n * sector_size bytes). Returns 0 when queued, or -EINVAL for a range
 * outside the device or n == 0, -EROFS for a write to a read-only device,
 * -EAGAIN when the device's bounded request queue is full.
 */
int block_read(struct block_dev *d, uint64_t sector, void *buf, size_t n,
	       block_done_fn done, void *arg)
	__attribute__((warn_unused_result));
int block_write(struct block_dev *d, uint64_t sector, const void *buf, size_t n,
		block_done_fn done, void *arg)
	__attribute__((warn_unused_result));

/* Complete once every earlier write is durable. Same results. */
int block_flush(struct block_dev *d, block_done_fn done, void *arg)
	__attribute__((warn_unused_result));

#endif /* KILN_BLOCK_H */
