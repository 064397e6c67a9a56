/*
 * libFuzzer target for lib/http's request parser: http_scan and
 * http_parse on arbitrary bytes, plus http_field, percent-decoding and
 * HTTP-dates on whatever the parse yields. Checks that what the server
 * relies on holds for every input:
 *  - scanning in two pieces (as a head arriving in two receives is)
 *    finds the same end or the same error as scanning it whole;
 *  - every view the parser returns lies inside the head;
 *  - an accepted request has a method bit or 0, version 1.0 or 1.1, a
 *    path starting with '/' or "*", and Host rules met.
 * Links with replay.c (lib/net/fuzz/replay.c, a generic driver) for the
 * corpus replay under gcc, or with libFuzzer under clang.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz check failed: %s (%s:%d)\n",     \
				#cond, __FILE__, __LINE__);                    \
			abort();                                               \
		}                                                              \
	} while (0)

static void inside(struct view head, struct view v)
{
	if (v.len == 0)
		return;
	FUZZ_CHECK(v.p >= head.p && v.p + v.len <= head.p + head.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct view in = view_make(data, size);
	struct http_scan a = {0}, b = {0};
	int whole = http_scan(in, &a);

	/* The same bytes in two receives. */
	size_t cut = size ? data[0] % (size + 1) : 0;
	int part = http_scan(view_trunc(in, cut), &b);
	if (part == 0)
		part = http_scan(in, &b);
	FUZZ_CHECK(part == whole || (part < 0 && whole < 0) ||
		   (part > 0 && (size_t)part <= cut));
	if (whole <= 0)
		return 0;

	struct view head = view_trunc(in, (size_t)whole);
	struct http_head h;
	int st = http_parse(head, &h);
	if (st != 0) {
		FUZZ_CHECK(st == 400 || st == 411 || st == 501 || st == 505);
		return 0;
	}
	inside(head, h.target);
	inside(head, h.query);
	inside(head, h.fields);
	inside(head, h.inm);
	inside(head, h.ims);
	inside(head, h.range);
	inside(head, h.ae);
	FUZZ_CHECK(h.minor <= 1);
	FUZZ_CHECK(h.nhost <= 1 && (h.minor == 0 || h.nhost == 1));
	FUZZ_CHECK(!h.has_te);
	FUZZ_CHECK(h.path.len > 0 &&
		   (h.path.p[0] == '/' || h.path.p[0] == '*'));

	uint8_t path[HTTP_LINE_MAX];
	size_t plen;
	if (http_pct_decode(h.path, path, sizeof path, &plen))
		FUZZ_CHECK(plen <= h.path.len);
	struct view v;
	if (http_field(h.fields, "host", &v))
		inside(head, v);
	int64_t t;
	if (h.has_ims)
		(void)http_date_parse(h.ims, &t);
	return 0;
}
