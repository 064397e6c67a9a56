/*
 * Block devices on the posix targets: each device is a host file (or a
 * host block device) named by --disk at start. lib/core/block.c queues
 * the requests and runs them from a deferred call (blockdev.h); this file
 * opens the files and does one request.
 *
 * To be honest about "asynchronous": the host file I/O itself (pread,
 * pwrite, fdatasync) is synchronous inside that deferred call. It never
 * blocks on a network peer, but a slow disk stalls the loop for as long
 * as the kernel takes. A thread or io_uring would lift that; a
 * development target does not need it yet.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kiln/blockdev.h>

#include "posix.h"

int posix_block_open(const char *dev, const char *path, char *why,
		     size_t whylen)
{
	bool ro = false;
	off_t size;
	int fd;

	if (blockdev_count() == BLOCKDEV_MAX_DEVS) {
		snprintf(why, whylen, "too many block devices (max %d)",
			 BLOCKDEV_MAX_DEVS);
		return -1;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM)) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ro = true;
	}
	if (fd < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* lseek gives the size of a regular file and of a host block
	 * device alike. */
	size = lseek(fd, 0, SEEK_END);
	if (size < 0) {
		snprintf(why, whylen, "%s: cannot find its size: %s", path,
			 strerror(errno));
		goto err_close;
	}
	if (size == 0 || size % BLOCKDEV_SECTOR != 0) {
		snprintf(why, whylen,
			 "%s: size %lld is not a positive multiple of %u bytes",
			 path, (long long)size, BLOCKDEV_SECTOR);
		goto err_close;
	}
	if (blockdev_add(dev, fd, (uint64_t)size / BLOCKDEV_SECTOR, ro) < 0) {
		snprintf(why, whylen, "too many block devices (max %d)",
			 BLOCKDEV_MAX_DEVS);
		goto err_close;
	}
	return 0;

err_close:
	close(fd);
	return -1;
}

size_t posix_block_fds(int *fds, size_t max)
{
	for (size_t k = 0; k < blockdev_count() && k < max; k++)
		fds[k] = (int)blockdev_handle_at(k);
	return blockdev_count();
}

/* Full-length pread/pwrite: 0, or -EIO (also for a file that shrank). */
static int rw_all(const struct blockdev_req *r, int fd)
{
	size_t len = r->n * BLOCKDEV_SECTOR, done = 0;
	off_t off = (off_t)(r->sector * BLOCKDEV_SECTOR);
	char *p = r->buf;

	while (done < len) {
		ssize_t k = r->op == BLOCKDEV_READ
				    ? pread(fd, p + done, len - done,
					    off + (off_t)done)
				    : pwrite(fd, p + done, len - done,
					     off + (off_t)done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -EIO;
		done += (size_t)k;
	}
	return 0;
}

int blockdev_execute(long handle, const struct blockdev_req *r)
{
	int fd = (int)handle;

	if (r->op == BLOCKDEV_FLUSH) {
		while (fdatasync(fd) != 0)
			if (errno != EINTR)
				return -EIO;
		return 0;
	}
	return rw_all(r, fd);
}
