/*
 * block.h, once for every target (the driver side is blockdev.h).
 *
 * A request is checked, queued in a bounded ring per device, and run from
 * a deferred call on the loop, which then runs its completion: a caller
 * never sees its callback run inside block_read. Each pending request
 * holds a loop reference, so the image stays alive until it completes.
 * How a request is done (pread on posix, a hypercall on kvm) is the
 * target's blockdev_execute; on every current target it is synchronous
 * inside that deferred call.
 */
#include <errno.h>
#include <string.h>

#include <kiln/blockdev.h>
#include <kiln/loop.h>

struct block_dev {
	const char *name;
	long handle;
	uint64_t sectors;
	bool read_only;
	struct blockdev_req q[BLOCKDEV_QUEUE]; /* ring: head, count */
	unsigned head, count;
	struct loop_defer run;
};

static struct block_dev devs[BLOCKDEV_MAX_DEVS];
static unsigned ndevs;

/*
 * Run the requests queued before this pass. A completion may queue more;
 * those re-arm the deferred call and run on the next pass, so one busy
 * appliance cannot keep the loop here forever.
 */
static void block_run(struct loop_defer *ld, void *arg)
{
	struct block_dev *d = arg;
	unsigned n = d->count;

	(void)ld;
	while (n-- > 0) {
		struct blockdev_req r = d->q[d->head];
		int res;

		d->head = (d->head + 1) % BLOCKDEV_QUEUE;
		d->count--;
		res = blockdev_execute(d->handle, &r);
		r.done(d, res, r.arg);
		loop_unref();
	}
}

int blockdev_add(const char *name, long handle, uint64_t sectors,
		 bool read_only)
{
	struct block_dev *b;

	if (ndevs == BLOCKDEV_MAX_DEVS)
		return -ENOSPC;
	b = &devs[ndevs++];
	b->name = name;
	b->handle = handle;
	b->sectors = sectors;
	b->read_only = read_only;
	loop_defer_init(&b->run, block_run, b);
	return 0;
}

size_t blockdev_count(void)
{
	return ndevs;
}

long blockdev_handle_at(size_t i)
{
	return i < ndevs ? devs[i].handle : -1;
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
	out->sector_size = BLOCKDEV_SECTOR;
	out->sectors = d->sectors;
	out->read_only = d->read_only;
}

static int enqueue(struct block_dev *d, const struct blockdev_req *r)
{
	if (!r->done)
		return -EINVAL;
	if (r->op != BLOCKDEV_FLUSH) {
		if (!r->buf || r->n == 0 || r->sector >= d->sectors ||
		    r->n > d->sectors - r->sector)
			return -EINVAL;
		if (r->op == BLOCKDEV_WRITE && d->read_only)
			return -EROFS;
	}
	if (d->count == BLOCKDEV_QUEUE)
		return -EAGAIN;
	d->q[(d->head + d->count) % BLOCKDEV_QUEUE] = *r;
	d->count++;
	loop_ref(); /* a pending request keeps the image alive */
	loop_defer(&d->run);
	return 0;
}

int block_read(struct block_dev *d, uint64_t sector, void *buf, size_t n,
	       block_done_fn done, void *arg)
{
	struct blockdev_req r = {BLOCKDEV_READ, sector, buf, n, done, arg};

	return enqueue(d, &r);
}

int block_write(struct block_dev *d, uint64_t sector, const void *buf, size_t n,
		block_done_fn done, void *arg)
{
	struct blockdev_req r = {BLOCKDEV_WRITE, sector, (void *)buf, n,
				 done,		 arg};

	return enqueue(d, &r);
}

int block_flush(struct block_dev *d, block_done_fn done, void *arg)
{
	struct blockdev_req r = {BLOCKDEV_FLUSH, 0, NULL, 0, done, arg};

	return enqueue(d, &r);
}
