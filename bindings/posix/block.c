/*
 * Block devices on the posix targets: each device is a host file (or a
 * host block device) named by --disk at start.
 *
 * The contract is asynchronous: a request is queued (a bounded ring per
 * device) and completes later, on the loop, through its callback. Here the
 * completion runs from a deferred call, and to be honest about it: the
 * host file I/O itself (pread, pwrite, fdatasync) is synchronous inside
 * that deferred call. It never blocks on a network peer, but a slow disk
 * stalls the loop for as long as the kernel takes. A thread or io_uring
 * would lift that; a development target does not need it yet.
 *
 * Requests complete in the order they were queued, so a flush completes
 * after every earlier write is durable (fdatasync).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kiln/block.h>
#include <kiln/loop.h>

#include "posix.h"

#define BLOCK_SECTOR   512u
#define BLOCK_QUEUE    64u
#define BLOCK_MAX_DEVS 8

enum block_op { BLOCK_READ, BLOCK_WRITE, BLOCK_FLUSH };

struct block_req {
	enum block_op op;
	uint64_t sector;
	void *buf; /* const for writes: the device never writes into it */
	size_t n;
	block_done_fn done;
	void *arg;
};

struct block_dev {
	const char *name;
	int fd;
	uint64_t sectors;
	bool read_only;
	struct block_req q[BLOCK_QUEUE]; /* ring: head, count */
	unsigned head, count;
	struct loop_defer run;
};

static struct block_dev devs[BLOCK_MAX_DEVS];
static unsigned ndevs;

static void block_run(struct loop_defer *d, void *arg);

int posix_block_open(const char *dev, const char *path, char *why,
		     size_t whylen)
{
	struct block_dev *b;
	bool ro = false;
	off_t size;
	int fd;

	if (ndevs == BLOCK_MAX_DEVS) {
		snprintf(why, whylen, "too many block devices (max %d)",
			 BLOCK_MAX_DEVS);
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
	if (size == 0 || size % BLOCK_SECTOR != 0) {
		snprintf(why, whylen,
			 "%s: size %lld is not a positive multiple of %u bytes",
			 path, (long long)size, BLOCK_SECTOR);
		goto err_close;
	}
	b = &devs[ndevs++];
	b->name = dev;
	b->fd = fd;
	b->sectors = (uint64_t)size / BLOCK_SECTOR;
	b->read_only = ro;
	loop_defer_init(&b->run, block_run, b);
	return 0;

err_close:
	close(fd);
	return -1;
}

size_t posix_block_fds(int *fds, size_t max)
{
	for (unsigned k = 0; k < ndevs && k < max; k++)
		fds[k] = devs[k].fd;
	return ndevs;
}

struct block_dev *block_get(const char *name)
{
	for (unsigned k = 0; k < ndevs; k++)
		if (!name || strcmp(devs[k].name, name) == 0)
			return &devs[k];
	return NULL;
}

void block_get_info(const struct block_dev *d, struct block_info *out)
{
	out->sector_size = BLOCK_SECTOR;
	out->sectors = d->sectors;
	out->read_only = d->read_only;
}

static int enqueue(struct block_dev *d, const struct block_req *r)
{
	if (!r->done)
		return -EINVAL;
	if (r->op != BLOCK_FLUSH) {
		if (!r->buf || r->n == 0 || r->sector >= d->sectors ||
		    r->n > d->sectors - r->sector)
			return -EINVAL;
		if (r->op == BLOCK_WRITE && d->read_only)
			return -EROFS;
	}
	if (d->count == BLOCK_QUEUE)
		return -EAGAIN;
	d->q[(d->head + d->count) % BLOCK_QUEUE] = *r;
	d->count++;
	loop_ref(); /* a pending request keeps the image alive */
	loop_defer(&d->run);
	return 0;
}

int block_read(struct block_dev *d, uint64_t sector, void *buf, size_t n,
	       block_done_fn done, void *arg)
{
	struct block_req r = {BLOCK_READ, sector, buf, n, done, arg};

	return enqueue(d, &r);
}

int block_write(struct block_dev *d, uint64_t sector, const void *buf, size_t n,
		block_done_fn done, void *arg)
{
	struct block_req r = {BLOCK_WRITE, sector, (void *)buf, n, done, arg};

	return enqueue(d, &r);
}

int block_flush(struct block_dev *d, block_done_fn done, void *arg)
{
	struct block_req r = {BLOCK_FLUSH, 0, NULL, 0, done, arg};

	return enqueue(d, &r);
}

/* Full-length pread/pwrite: 0, or -EIO (also for a file that shrank). */
static int rw_all(const struct block_req *r, int fd)
{
	size_t len = r->n * BLOCK_SECTOR, done = 0;
	off_t off = (off_t)(r->sector * BLOCK_SECTOR);
	char *p = r->buf;

	while (done < len) {
		ssize_t k = r->op == BLOCK_READ
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

static int execute(struct block_dev *d, const struct block_req *r)
{
	if (r->op == BLOCK_FLUSH) {
		while (fdatasync(d->fd) != 0)
			if (errno != EINTR)
				return -EIO;
		return 0;
	}
	return rw_all(r, d->fd);
}

/*
 * Run the requests queued before this pass. A completion may queue more;
 * those re-arm the deferred call and run on the next pass, so one busy
 * appliance cannot keep the loop here forever.
 */
static void block_run(struct loop_defer *ld, void *arg)
{
	struct block_dev *d = arg;
	unsigned n = d->count;

	while (n-- > 0) {
		struct block_req r = d->q[d->head];
		int res;

		d->head = (d->head + 1) % BLOCK_QUEUE;
		d->count--;
		res = execute(d, &r);
		r.done(d, res, r.arg);
		loop_unref();
	}
}
