/*
 * Block devices on the kvm target: the BLOCK_* hypercalls, one device per
 * `device block` of the manifest, backed by the monitor's --disk file.
 *
 * The monitor's calls are synchronous: it does the pread/pwrite/fdatasync
 * before the guest runs on. lib/core/block.c queues the requests and runs
 * them from a deferred call (blockdev.h); this file registers the devices
 * and does one request. A request larger than KVM_BLOCK_MAX_SECTORS is split
 * into several calls; the buffer is the caller's, passed by address
 * (identity mapped), so nothing is copied in the guest.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <kiln/blockdev.h>

#include "kvm.h"

int kvm_block_open(unsigned i, const struct kvm_boot_dev *d, char *why,
		   size_t whylen)
{
	struct kvm_hc_block_info info = {.dev = i};

	if (blockdev_count() == BLOCKDEV_MAX_DEVS) {
		snprintf(why, whylen, "too many block devices (max %d)",
			 BLOCKDEV_MAX_DEVS);
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
	if (blockdev_add(d->name, (long)i, info.sectors, info.read_only != 0) <
	    0) {
		snprintf(why, whylen, "too many block devices (max %d)",
			 BLOCKDEV_MAX_DEVS);
		return -1;
	}
	return 0;
}

/* Do one request with as many calls as it needs: 0 or -EIO. */
int blockdev_execute(long handle, const struct blockdev_req *r)
{
	struct kvm_hc_block_io io = {.dev = (uint32_t)handle};
	uint8_t *p = r->buf;
	uint64_t sector = r->sector;
	size_t left = r->n;

	if (r->op == BLOCKDEV_FLUSH) {
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
		kvm_hypercall(r->op == BLOCKDEV_READ ? KVM_HC_BLOCK_READ
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
