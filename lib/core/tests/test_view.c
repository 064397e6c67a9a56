/* Unit tests for checked views (view.h): every accessor at its edges. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <kiln/view.h>

#include "fakeplat.h"

static const uint8_t bytes[8] = {0x01, 0x02, 0x03, 0x04,
				 0x05, 0x06, 0x07, 0x08};

static void test_make(void)
{
	struct view v = view_make(NULL, 10);
	struct mview m = mview_make(NULL, 10);

	CHECK("view: NULL pointer gives empty view", v.len == 0 && m.len == 0);
	v = view_make(bytes, 8);
	CHECK("view: make", v.p == bytes && v.len == 8);
	CHECK("view: has edges",
	      view_has(v, 0, 8) && view_has(v, 8, 0) && !view_has(v, 8, 1) &&
		      !view_has(v, 9, 0) && view_has(v, 7, 1) &&
		      !view_has(v, 7, 2));
	CHECK("view: has SIZE_MAX overflow",
	      !view_has(v, 1, SIZE_MAX) && !view_has(v, SIZE_MAX, 1) &&
		      !view_has(v, SIZE_MAX, SIZE_MAX) &&
		      !view_has(v, 4, SIZE_MAX - 3));
}

static void test_getters(void)
{
	struct view v = view_make(bytes, 8);
	uint8_t b = 0xee;
	uint16_t h = 0xeeee;
	uint32_t w = 0xeeeeeeee;
	uint64_t q = 0;
	uint8_t out[8];

	CHECK("view: u8 at 0", view_u8(v, 0, &b) && b == 0x01);
	CHECK("view: u8 at len-1", view_u8(v, 7, &b) && b == 0x08);
	b = 0xee;
	CHECK("view: u8 at len fails untouched",
	      !view_u8(v, 8, &b) && b == 0xee);
	CHECK("view: u8 at SIZE_MAX fails", !view_u8(v, SIZE_MAX, &b));
	CHECK("view: be16", view_be16(v, 0, &h) && h == 0x0102);
	CHECK("view: be16 at len-2", view_be16(v, 6, &h) && h == 0x0708);
	h = 0xeeee;
	CHECK("view: be16 at len-1 fails", !view_be16(v, 7, &h) && h == 0xeeee);
	CHECK("view: be16 at SIZE_MAX fails", !view_be16(v, SIZE_MAX, &h));
	CHECK("view: be32", view_be32(v, 0, &w) && w == 0x01020304);
	CHECK("view: be32 at len-4", view_be32(v, 4, &w) && w == 0x05060708);
	w = 0xeeeeeeee;
	CHECK("view: be32 at len-3 fails",
	      !view_be32(v, 5, &w) && w == 0xeeeeeeee);
	CHECK("view: be32 at SIZE_MAX-1 fails",
	      !view_be32(v, SIZE_MAX - 1, &w));
	CHECK("view: be64", view_be64(v, 0, &q) && q == 0x0102030405060708ull);
	q = 7;
	CHECK("view: be64 at 1 fails", !view_be64(v, 1, &q) && q == 7);
	CHECK("view: be64 at SIZE_MAX fails", !view_be64(v, SIZE_MAX, &q));
	CHECK("view: copy_out",
	      view_copy_out(v, 2, out, 6) && out[0] == 3 && out[5] == 8);
	CHECK("view: copy_out 0 at len", view_copy_out(v, 8, out, 0));
	CHECK("view: copy_out past end fails", !view_copy_out(v, 3, out, 6));
	CHECK("view: copy_out SIZE_MAX fails",
	      !view_copy_out(v, 1, out, SIZE_MAX));
	CHECK("view: eq",
	      view_eq(v, view_make(bytes, 8)) &&
		      !view_eq(v, view_make(bytes, 7)) &&
		      view_eq(view_make(NULL, 0), view_make(bytes, 0)));
}

static void test_sub(void)
{
	struct view v = view_make(bytes, 8), s = {0, 0};
	struct mview m;
	uint8_t buf[4] = {0};
	uint8_t b;

	CHECK("view: sub middle",
	      view_sub(v, 2, 3, &s) && s.p == bytes + 2 && s.len == 3);
	CHECK("view: sub reads relative",
	      view_u8(s, 0, &b) && b == 3 && !view_u8(s, 3, &b));
	CHECK("view: sub empty at len", view_sub(v, 8, 0, &s) && s.len == 0);
	CHECK("view: sub past end fails",
	      !view_sub(v, 8, 1, &s) && !view_sub(v, 9, 0, &s));
	CHECK("view: sub SIZE_MAX fails",
	      !view_sub(v, 1, SIZE_MAX, &s) && !view_sub(v, SIZE_MAX, 2, &s));
	CHECK("view: tail", view_tail(v, 5, &s) && s.len == 3 && s.p[0] == 6);
	CHECK("view: tail at len", view_tail(v, 8, &s) && s.len == 0);
	CHECK("view: tail past len fails",
	      !view_tail(v, 9, &s) && !view_tail(v, SIZE_MAX, &s));
	CHECK("view: trunc",
	      view_trunc(v, 3).len == 3 && view_trunc(v, 100).len == 8);
	m = mview_make(buf, 4);
	CHECK("mview: sub",
	      mview_sub(m, 1, 3, &m) && m.len == 3 && !mview_sub(m, 1, 3, &m));
	m = mview_make(buf, 4);
	CHECK("mview: tail",
	      mview_tail(m, 4, &m) && m.len == 0 && !mview_tail(m, 1, &m));
	m = mview_make(buf, 4);
	CHECK("mview: view_of", view_of(m).p == buf && view_of(m).len == 4);
}

static void test_setters(void)
{
	uint8_t buf[9];
	struct mview m = mview_make(buf, 8); /* buf[8] is a guard */
	uint64_t q = 0;

	memset(buf, 0, sizeof(buf));
	CHECK("mview: set u8 at len-1",
	      mview_set_u8(m, 7, 0xaa) && buf[7] == 0xaa);
	CHECK("mview: set u8 at len fails",
	      !mview_set_u8(m, 8, 1) && buf[8] == 0);
	CHECK("mview: set u8 SIZE_MAX fails", !mview_set_u8(m, SIZE_MAX, 1));
	CHECK("mview: set be16",
	      mview_set_be16(m, 6, 0x1234) && buf[6] == 0x12 && buf[7] == 0x34);
	CHECK("mview: set be16 at len-1 fails",
	      !mview_set_be16(m, 7, 0xffff) && buf[7] == 0x34 && buf[8] == 0);
	CHECK("mview: set be32", mview_set_be32(m, 4, 0xdeadbeef) &&
					 buf[4] == 0xde && buf[7] == 0xef);
	CHECK("mview: set be32 at len-3 fails",
	      !mview_set_be32(m, 5, 0) && buf[5] == 0xad);
	CHECK("mview: set be32 SIZE_MAX fails",
	      !mview_set_be32(m, SIZE_MAX - 2, 0));
	CHECK("mview: set be64 roundtrip",
	      mview_set_be64(m, 0, 0x1122334455667788ull) &&
		      view_be64(view_of(m), 0, &q) &&
		      q == 0x1122334455667788ull);
	CHECK("mview: set be64 at 1 fails",
	      !mview_set_be64(m, 1, 0) && buf[1] == 0x22 && buf[8] == 0);
	CHECK("mview: copy_in",
	      mview_copy_in(m, 6, "xy", 2) && buf[6] == 'x' && buf[7] == 'y');
	CHECK("mview: copy_in past end fails",
	      !mview_copy_in(m, 7, "xy", 2) && buf[8] == 0);
	CHECK("mview: copy_in overlapping",
	      mview_copy_in(m, 1, buf, 4) && buf[1] == 0x11 && buf[2] == 0x22);
	CHECK("mview: fill", mview_fill(m, 0, 0x5a, 8) && buf[0] == 0x5a &&
				     buf[7] == 0x5a && buf[8] == 0);
	CHECK("mview: fill SIZE_MAX fails", !mview_fill(m, 1, 0, SIZE_MAX));
	CHECK("mview: fill 0 at len", mview_fill(m, 8, 1, 0) && buf[8] == 0);
}

static void test_cursor(void)
{
	struct vcur c = vcur_make(view_make(bytes, 8));
	struct view t;

	CHECK("vcur: u8", vcur_u8(&c) == 1 && vcur_left(&c) == 7);
	CHECK("vcur: be16", vcur_be16(&c) == 0x0203 && vcur_left(&c) == 5);
	CHECK("vcur: be32", vcur_be32(&c) == 0x04050607 && vcur_left(&c) == 1);
	CHECK("vcur: be16 past end is 0 and bad",
	      vcur_be16(&c) == 0 && c.bad && vcur_left(&c) == 0);
	CHECK("vcur: sticky: later u8 also 0", vcur_u8(&c) == 0 && c.bad);
	t = vcur_take(&c, 0);
	CHECK("vcur: take after bad is empty", t.len == 0 && t.p == NULL);

	c = vcur_make(view_make(bytes, 8));
	vcur_skip(&c, 3);
	t = vcur_take(&c, 5);
	CHECK("vcur: take to end",
	      !c.bad && t.len == 5 && t.p == bytes + 3 && vcur_left(&c) == 0);
	CHECK("vcur: u8 at end bad", vcur_u8(&c) == 0 && c.bad);
	c = vcur_make(view_make(bytes, 8));
	t = vcur_take(&c, SIZE_MAX);
	CHECK("vcur: take SIZE_MAX bad", c.bad && t.len == 0);
	c = vcur_make(view_make(bytes, 8));
	vcur_skip(&c, 9);
	CHECK("vcur: skip past end bad", c.bad && vcur_be32(&c) == 0);
	c = vcur_make(view_make(bytes, 3));
	CHECK("vcur: be32 on 3 bytes bad, nothing consumed",
	      vcur_be32(&c) == 0 && c.bad && c.off == 0);
}

int main(void)
{
	test_make();
	test_getters();
	test_sub();
	test_setters();
	test_cursor();
	return fake_done();
}
