/*
 * blocktest: the block device contract on any target (tests/block.t).
 *
 * On the device disk0 (at least 16 sectors) it checks that bad requests
 * are refused at once (-EINVAL: out of range, n == 0), then writes
 *   sectors 0..7   one request of 8 sectors, sector i filled with 'A' + i
 *   the last 4     four requests queued at once, each filled with 'W'..'Z'
 * flushes, reads everything back (one request per region) and compares,
 * then fills the request queue until -EAGAIN and checks that each
 * accepted request completes exactly once. Prints SUCCESS and returns 0,
 * or prints "FAILURE: why" and exits 1. The test checks the file's bytes
 * afterwards, so the layout above is part of its contract.
 *
 * With the argument "ro" it expects a read-only device instead: writes
 * refused with -EROFS, a read of sector 0 working; then SUCCESS.
 */
#include <kiln/block.h>
#include <kiln/kiln.h>
#include <kiln/loop.h>

#include <string.h>

#define SECTOR	  512
#define HEAD	  8
#define TAIL	  4
#define FLOOD_MAX 4096

static struct block_dev *dev;
static struct block_info info;
static uint8_t head_out[HEAD * SECTOR], head_in[HEAD * SECTOR];
static uint8_t tail_out[TAIL][SECTOR], tail_in[TAIL * SECTOR];
static uint8_t flood_buf[SECTOR];
static int pending, flood_done, flood_queued;
static void (*next_step)(void);

static void failure(const char *what, int err)
{
	kiln_printf("FAILURE: %s (%d)\n", what, err);
	kiln_exit(1);
}

/* Completion shared by the steps: when the last one is in, go on. */
static void done(struct block_dev *d, int result, void *arg)
{
	if (result != 0) {
		failure(arg, result);
		return;
	}
	if (--pending == 0)
		next_step();
}

static void flood_one(struct block_dev *d, int result, void *arg)
{
	if (result != 0)
		failure("flood read", result);
	if (++flood_done == flood_queued)
		kiln_printf("SUCCESS\n");
	if (flood_done > flood_queued)
		failure("a completion came twice", flood_done);
}

static void step_flood(void)
{
	int r = 0;

	while (flood_queued < FLOOD_MAX) {
		r = block_read(dev, 0, flood_buf, 1, flood_one, NULL);
		if (r != 0)
			break;
		flood_queued++;
	}
	if (r != -EAGAIN || flood_queued == 0)
		failure("queue never said -EAGAIN", r);
}

static void step_verify(void)
{
	for (size_t i = 0; i < sizeof head_in; i++)
		if (head_in[i] != head_out[i]) {
			failure("first sectors read back differ", (int)i);
			return;
		}
	for (int k = 0; k < TAIL; k++)
		for (int i = 0; i < SECTOR; i++)
			if (tail_in[k * SECTOR + i] != tail_out[k][i]) {
				failure("last sectors read back differ", k);
				return;
			}
	step_flood();
}

static void step_read(void)
{
	int r;

	next_step = step_verify;
	pending = 2;
	r = block_read(dev, 0, head_in, HEAD, done, "read first");
	if (r == 0)
		r = block_read(dev, info.sectors - TAIL, tail_in, TAIL, done,
			       "read last");
	if (r != 0)
		failure("queue reads", r);
}

static void step_flush(void)
{
	int r;

	next_step = step_read;
	pending = 1;
	r = block_flush(dev, done, "flush");
	if (r != 0)
		failure("queue flush", r);
}

static void ro_read(struct block_dev *d, int result, void *arg)
{
	if (result != 0)
		failure("read on a read-only device", result);
	else
		kiln_printf("SUCCESS\n");
}

static int read_only_test(void)
{
	static uint8_t buf[SECTOR];
	int r;

	if (!info.read_only) {
		kiln_printf("FAILURE: device is not read-only\n");
		return 1;
	}
	r = block_write(dev, 0, buf, 1, done, "x");
	if (r != -EROFS) {
		kiln_printf("FAILURE: write to read-only device: %d\n", r);
		return 1;
	}
	r = block_read(dev, 0, buf, 1, ro_read, NULL);
	if (r != 0) {
		kiln_printf("FAILURE: read from read-only device: %d\n", r);
		return 1;
	}
	return 0;
}

static bool refused(int r, int want, const char *what)
{
	if (r == want)
		return true;
	failure(what, r);
	return false;
}

int kiln_main(int argc, char **argv)
{
	uint8_t one[SECTOR];
	int r;

	dev = block_get("disk0");
	if (!dev || block_get(NULL) != dev || block_get("nosuch")) {
		kiln_printf("FAILURE: block_get\n");
		return 1;
	}
	block_get_info(dev, &info);
	kiln_printf("blocktest: disk0 has %llu sectors of %u bytes%s\n",
		    (unsigned long long)info.sectors, info.sector_size,
		    info.read_only ? ", read-only" : "");
	if (argc > 1 && strcmp(argv[1], "ro") == 0)
		return read_only_test();
	if (info.sector_size != SECTOR || info.sectors < 16 || info.read_only) {
		kiln_printf("FAILURE: need a writable disk of >= 16 sectors\n");
		return 1;
	}
	if (!refused(block_read(dev, info.sectors, one, 1, done, "x"), -EINVAL,
		     "read past the end accepted") ||
	    !refused(block_read(dev, info.sectors - 1, one, 2, done, "x"),
		     -EINVAL, "read across the end accepted") ||
	    !refused(block_write(dev, UINT64_MAX, one, 2, done, "x"), -EINVAL,
		     "write at UINT64_MAX accepted") ||
	    !refused(block_read(dev, 0, one, 0, done, "x"), -EINVAL,
		     "read of 0 sectors accepted"))
		return 1;

	for (int s = 0; s < HEAD; s++)
		for (int i = 0; i < SECTOR; i++)
			head_out[s * SECTOR + i] = (uint8_t)('A' + s);
	for (int k = 0; k < TAIL; k++)
		for (int i = 0; i < SECTOR; i++)
			tail_out[k][i] = (uint8_t)('W' + k);

	next_step = step_flush;
	pending = 1 + TAIL;
	r = block_write(dev, 0, head_out, HEAD, done, "write first");
	for (int k = 0; k < TAIL && r == 0; k++)
		r = block_write(dev, info.sectors - TAIL + (uint64_t)k,
				tail_out[k], 1, done, "write last");
	if (r != 0) {
		kiln_printf("FAILURE: queue writes (%d)\n", r);
		return 1;
	}
	return 0;
}
