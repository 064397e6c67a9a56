/*
 * Block devices on the kvm target: the BLOCK_* hypercalls, one device per
 * `device block` of the manifest, backed by the monitor's --disk file.
 *
 * The monitor's calls are synchronous: it does the pread/pwrite/fdatasync
 * before the guest runs on. block.h is asynchronous, so, as on the posix
 * targets (bindings/posix/block.c), a request is queued in a bounded ring
 * and done from a deferred call on the loop, which then runs its
 * completion: a caller never sees its callback run inside block_read.
 * Requests complete in queue order, so a flush completes after every
 * earlier write. A request larger than KVM_BLOCK_MAX_SECTORS is split
 * into several calls; the buffer is the caller's, passed by address
 * (identity mapped), so nothing is copied in the guest.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <kiln/block.h>
#include <kiln/loop.h>

#include "kvm.h"

#define BLOCK_QUEUE    64u
#define BLOCK_MAX_DEVS 4

enum block_op { BLOCK_READ, BLOCK_WRITE, BLOCK_FLUSH };

struct block_req {
	enum block_op op;
	uint64_t sector;
	void *buf;
	size_t n;
	block_done_fn done;
	void *arg;
};

struct block_dev {
	const char *name;
	unsigned dev; /* boot-order index */
	uint64_t sectors;
	bool read_only;
	struct block_req q[BLOCK_QUEUE]; /* ring: head, count */
	unsigned head, count;
	struct loop_defer run;
};

static struct block_dev devs[BLOCK_MAX_DEVS];
static unsigned ndevs;

static void block_run(struct loop_defer *d, void *arg);

int kvm_block_open(unsigned i, const struct kvm_boot_dev *d, char *why,
		   size_t whylen)
{
	struct kvm_hc_block_info info = {.dev = i};
	struct block_dev *b;

	if (ndevs == BLOCK_MAX_DEVS) {
		snprintf(why, whylen, "too many block devices (max %d)",
			 BLOCK_MAX_DEVS);
		return -1;
	}
	kvm_hypercall(KVM_HC_BLOCK_INFO, &info);
	if (info.ret < 0) {
		snprintf(why, whylen, "the monitor has no backend for it (%s)",
			 strerror(-info.ret));
		return -1;
	}
	if (info.sector_size != KVM_BLOCK_SECTOR || info.sectors == 0) {
		snprintf(why, whylen, "sector size %u, %llu sectors: unusable",
			 info.sector_size, (unsigned long long)info.sectors);
		return -1;
	}
	b = &devs[ndevs++];
	b->name = d->name;
	b->dev = i;
	b->sectors = info.sectors;
	b->read_only = info.read_only != 0;
	loop_defer_init(&b->run, block_run, b);
	return 0;
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
	out->sector_size = KVM_BLOCK_SECTOR;
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

/* Do one request with as many calls as it needs: 0 or -EIO. */
static int execute(struct block_dev *d, const struct block_req *r)
{
	struct kvm_hc_block_io io = {.dev = d->dev};
	uint8_t *p = r->buf;
	uint64_t sector = r->sector;
	size_t left = r->n;

	if (r->op == BLOCK_FLUSH) {
		kvm_hypercall(KVM_HC_BLOCK_FLUSH, &io);
		return io.ret < 0 ? -EIO : 0;
	}
	while (left > 0) {
		uint32_t k = left < KVM_BLOCK_MAX_SECTORS
				     ? (uint32_t)left
				     : KVM_BLOCK_MAX_SECTORS;
		io.nsectors = k;
		io.sector = sector;
		io.addr = (uint64_t)(uintptr_t)p;
		io.ret = 0;
		kvm_hypercall(r->op == BLOCK_READ ? KVM_HC_BLOCK_READ
						  : KVM_HC_BLOCK_WRITE,
			      &io);
		if (io.ret < 0)
			return -EIO;
		p += (size_t)k * KVM_BLOCK_SECTOR;
		sector += k;
		left -= k;
	}
	return 0;
}

/*
 * Run the requests queued before this pass; those a completion queues
 * run on the next pass, so one busy appliance cannot hold the loop here.
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
