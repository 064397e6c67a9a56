/*
 * Block devices: each is a host file given with --disk, whose size must
 * be whole sectors. Opened read-write, or read-only when the file only
 * allows that (the guest sees read_only = 1 and writes get -EROFS).
 * Reads and writes are synchronous pread/pwrite straight between the
 * file and guest memory (checked first); a flush is fdatasync.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor.h"

int block_open(struct dev *d)
{
	struct stat st;

	d->fd = open(d->backend, O_RDWR | O_CLOEXEC);
	if (d->fd < 0 &&
	    (errno == EACCES || errno == EROFS || errno == EPERM)) {
		d->fd = open(d->backend, O_RDONLY | O_CLOEXEC);
		d->read_only = 1;
	}
	if (d->fd < 0) {
		fprintf(stderr, "kiln-kvm: --disk=%s: %s\n", d->backend,
			strerror(errno));
		return -1;
	}
	if (fstat(d->fd, &st) < 0 || !(S_ISREG(st.st_mode))) {
		fprintf(stderr, "kiln-kvm: --disk=%s: not a regular file\n",
			d->backend);
		return -1;
	}
	if (st.st_size == 0 || st.st_size % KVM_BLOCK_SECTOR) {
		fprintf(stderr,
			"kiln-kvm: --disk=%s: size %jd is not a "
			"positive whole number of %u-byte sectors\n",
			d->backend, (intmax_t)st.st_size, KVM_BLOCK_SECTOR);
		return -1;
	}
	d->sectors = (uint64_t)st.st_size / KVM_BLOCK_SECTOR;
	return 0;
}

static struct dev *block_dev(struct monitor *m, uint32_t i)
{
	return i < m->ndevs && m->devs[i].kind == KVM_DEV_BLOCK ? &m->devs[i]
								: NULL;
}

void block_info(struct monitor *m, uint32_t gpa)
{
	struct kvm_hc_block_info q;
	void *p = hc_gpa(m, KVM_HC_BLOCK_INFO, gpa, sizeof q);
	struct dev *d;

	memcpy(&q, p, sizeof q);
	d = block_dev(m, q.dev);
	q.ret = d ? 0 : -ENODEV;
	q.sector_size = KVM_BLOCK_SECTOR;
	q.sectors = d ? d->sectors : 0;
	q.read_only = d ? (uint32_t)d->read_only : 0;
	memcpy(p, &q, sizeof q);
}

/* The whole range or -EIO (also for a file that shrank under us). */
static int rw_all(int fd, int write, uint8_t *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t k = write ? pwrite(fd, buf + done, len - done,
					   off + (off_t)done)
				  : pread(fd, buf + done, len - done,
					  off + (off_t)done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -EIO;
		done += (size_t)k;
	}
	return 0;
}

void block_io(struct monitor *m, unsigned call, uint32_t gpa)
{
	struct kvm_hc_block_io q;
	void *p = hc_gpa(m, call, gpa, sizeof q);
	struct dev *d;
	uint64_t len;
	uint8_t *buf;

	memcpy(&q, p, sizeof q);
	d = block_dev(m, q.dev);
	if (!d) {
		q.ret = -ENODEV;
	} else if (call == KVM_HC_BLOCK_FLUSH) {
		q.ret = 0;
		while (fdatasync(d->fd) < 0)
			if (errno != EINTR) {
				q.ret = -EIO;
				break;
			}
	} else {
		/* A bad length or buffer ends the guest; a bad sector is
		 * an ordinary error the guest's block layer reports. */
		if (q.nsectors == 0 || q.nsectors > KVM_BLOCK_MAX_SECTORS)
			hc_refuse(m, call, "%" PRIu32 " sectors (1-%u)",
				  q.nsectors, KVM_BLOCK_MAX_SECTORS);
		len = (uint64_t)q.nsectors * KVM_BLOCK_SECTOR;
		buf = hc_gpa(m, call, q.addr, len);
		if (q.sector >= d->sectors ||
		    q.nsectors > d->sectors - q.sector)
			q.ret = -EINVAL;
		else if (call == KVM_HC_BLOCK_WRITE && d->read_only)
			q.ret = -EROFS;
		else
			q.ret = rw_all(d->fd, call == KVM_HC_BLOCK_WRITE, buf,
				       (size_t)len,
				       (off_t)(q.sector * KVM_BLOCK_SECTOR));
	}
	memcpy(p, &q, sizeof q);
}
