/* Unit tests for the key-value store (kv.h) over the fake image. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <kiln/image.h>
#include <kiln/kv.h>

#include "fakeplat.h"

static void test_find(void)
{
	const struct kv_entry *e;
	struct view v;
	size_t i;
	bool all = true;

	for (i = 0; i < image_nkv; i++)
		if (kv_find(image_kv[i].name) != &image_kv[i])
			all = false;
	CHECK("kv: every entry found by name", all);
	e = kv_find("site/index.html");
	CHECK("kv: find returns bytes",
	      e && e->len == 11 && memcmp(e->data, "<p>site</p>", 11) == 0 &&
		      e->mtime == 1700000003);
	CHECK("kv: absent name", kv_find("site/nope") == NULL);
	CHECK("kv: absent before first",
	      kv_find("") == NULL && kv_find("a") == NULL);
	CHECK("kv: absent after last", kv_find("zzz") == NULL);
	CHECK("kv: prefix of a name is not a match",
	      kv_find("site") == NULL && kv_find("zone/a") == NULL);
	CHECK("kv: longer name is not a match", kv_find("index.html2") == NULL);
	CHECK("kv: NULL name", kv_find(NULL) == NULL);
	v = kv_get("zone/b.zone");
	CHECK("kv: get view", v.len == 15 && memcmp(v.p, "b. IN A", 7) == 0);
	v = kv_get("nope");
	CHECK("kv: get absent is empty", v.len == 0 && v.p == NULL);
	v = kv_get("site~empty");
	CHECK("kv: empty file", v.len == 0 && kv_find("site~empty"));
}

static void test_find_n(void)
{
	const char buf[] = "site/a.cssXYZ";
	const char nul[] = "index.html\0x";

	CHECK("kv: find_n with counted name",
	      kv_find_n(buf, 10) == kv_find("site/a.css"));
	CHECK("kv: find_n shorter is absent", kv_find_n(buf, 9) == NULL);
	CHECK("kv: find_n longer is absent", kv_find_n(buf, 11) == NULL);
	CHECK("kv: find_n with NUL inside is absent",
	      kv_find_n(nul, 12) == NULL && kv_find_n(nul, 11) == NULL);
	CHECK("kv: find_n NUL at len ok", kv_find_n(nul, 10) == &image_kv[0]);
	CHECK("kv: find_n empty", kv_find_n("", 0) == NULL);
}

static void test_prefix(void)
{
	size_t first = 99, n;

	n = kv_prefix("site/", &first);
	CHECK("kv: prefix site/",
	      n == 3 && first == 1 &&
		      strcmp(kv_at(first)->name, "site/a.css") == 0);
	n = kv_prefix("site", &first);
	CHECK("kv: prefix site includes sitemap and site~empty",
	      n == 5 && first == 1);
	n = kv_prefix("zone/", &first);
	CHECK("kv: prefix at the end", n == 2 && first == 6);
	n = kv_prefix("", &first);
	CHECK("kv: empty prefix is everything", n == image_nkv && first == 0);
	n = kv_prefix("index.html", &first);
	CHECK("kv: prefix equal to a name", n == 1 && first == 0);
	n = kv_prefix("nothing", &first);
	CHECK("kv: absent prefix", n == 0);
	n = kv_prefix("zzz", &first);
	CHECK("kv: absent prefix past the end", n == 0 && first == image_nkv);
	n = kv_prefix("site/b/", NULL);
	CHECK("kv: prefix with NULL first", n == 1);
}

static void test_at(void)
{
	CHECK("kv: count", kv_count() == 8);
	CHECK("kv: at 0", kv_at(0) == &image_kv[0]);
	CHECK("kv: at last", kv_at(7) == &image_kv[7]);
	CHECK("kv: at past end", kv_at(8) == NULL && kv_at(SIZE_MAX) == NULL);
}

int main(void)
{
	test_find();
	test_find_n();
	test_prefix();
	test_at();
	return fake_done();
}
