/*
 * platcheck: what every target provides besides devices, checked from
 * inside an image (tests/kvm_guest.t runs it on kvm; it builds for every
 * target). Prints the wall clock as "wall: SECONDS" for the test to
 * compare with the host's, then checks:
 *   - the monotonic clock never goes back over many reads;
 *   - a 200 ms timer fires after 200 ms and well before 2 s;
 *   - entropy fills buffers, and two draws differ;
 *   - the heap: many blocks with patterns, calloc zeroes, free and again;
 *   - snprintf formats as C says.
 * Prints SUCCESS and exits 0, or "FAILURE: what" and exits 1.
 */
#include <kiln/kiln.h>
#include <kiln/loop.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBLOCKS 100
/* Bytes checked: every 61st and the last (a whole pass is slow where KVM
 * emulates guest code). */
#define STEP 61

static struct loop_timer timer;
static uint64_t armed_at;
static int failed;

static void fail(const char *what)
{
	kiln_printf("FAILURE: %s\n", what);
	failed = 1;
}

static void check_mono(void)
{
	uint64_t last = kiln_mono_ns();

	for (int i = 0; i < 1000; i++) {
		uint64_t now = kiln_mono_ns();
		if (now < last)
			fail("the monotonic clock went back");
		last = now;
	}
}

static void check_entropy(void)
{
	uint8_t a[64], b[64], zero[64] = {0};

	if (kiln_entropy(a, sizeof a) < 0 || kiln_entropy(b, sizeof b) < 0)
		fail("kiln_entropy failed");
	else if (!memcmp(a, zero, sizeof a) || !memcmp(a, b, sizeof a))
		fail("entropy: zeros, or two draws alike");
}

static void check_heap(void)
{
	static uint8_t *p[NBLOCKS];

	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < NBLOCKS; i++) {
			size_t n = (size_t)(i * 37 % 5000) + 1;
			p[i] = i % 3 ? malloc(n) : calloc(1, n);
			if (!p[i]) {
				fail("heap: allocation failed");
				return;
			}
			if (i % 3 == 0)
				for (size_t k = 0; k < n; k += STEP)
					if (p[i][k] || p[i][n - 1])
						fail("heap: calloc not zeroed");
			memset(p[i], i & 0xff, n);
		}
		for (int i = 0; i < NBLOCKS; i++) {
			size_t n = (size_t)(i * 37 % 5000) + 1;
			for (size_t k = 0; k < n; k += STEP)
				if (p[i][k] != (i & 0xff) ||
				    p[i][n - 1] != (i & 0xff)) {
					fail("heap: a block was overwritten");
					break;
				}
			free(p[i]);
		}
	}
}

static void check_format(void)
{
	char buf[64];

	snprintf(buf, sizeof buf, "%d|%5s|%-3x|%llu|%p", -42, "ab", 255u,
		 18446744073709551615ull, (void *)0x1000);
	if (strcmp(buf, "-42|   ab|ff |18446744073709551615|0x1000") != 0)
		fail("snprintf");
}

static void fired(struct loop_timer *t, void *arg)
{
	uint64_t ms = (kiln_mono_ns() - armed_at) / 1000000;

	kiln_printf("timer: fired after %llu ms\n", (unsigned long long)ms);
	if (ms < 200 || ms > 2000)
		fail("the 200 ms timer fired at the wrong time");
	if (!failed)
		kiln_printf("SUCCESS\n");
	kiln_exit(failed);
}

int kiln_main(int argc, char **argv)
{
	kiln_printf("wall: %llu\n",
		    (unsigned long long)(kiln_wall_ns() / 1000000000u));
	check_mono();
	check_entropy();
	check_heap();
	check_format();
	loop_timer_init(&timer, fired, NULL);
	armed_at = kiln_mono_ns();
	loop_timer_arm_in(&timer, 200000000u);
	return 0;
}
