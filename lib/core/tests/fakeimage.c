/*
 * A fake image: the symbols `kiln build` generates (image.h), with a few
 * keys of each type, two devices and a small sorted key-value store; and a
 * weak kiln_main that tests may replace with their own.
 */
#include <stddef.h>
#include <stdint.h>

#include <kiln/image.h>
#include <kiln/kiln.h>

#include "fakeplat.h"

const char image_app_name[] = "fakeapp";
const char image_target_name[] = "fake";

const struct image_key image_keys[] = {
	{"port", CFG_T_PORT, false, "8080"},
	{"addr", CFG_T_IPV4NET, true, "10.0.0.2/24"},
	{"gateway", CFG_T_IPV4, true, "10.0.0.1"},
	{"name", CFG_T_STRING, false, "hello world"},
	{"count", CFG_T_INT, false, "-42"},
	{"big", CFG_T_INT, false, "-9223372036854775808"},
	{"verbose", CFG_T_BOOL, false, "yes"},
	{"quiet", CFG_T_BOOL, true, "off"},
	{"lan", CFG_T_IPV4NET, false, "dhcp"},
	{"zone", CFG_T_FILES, false, "a.zone,b.zone"},
	{"retries", CFG_T_INT, true, "3"},
};
const size_t image_nkeys = sizeof(image_keys) / sizeof(image_keys[0]);

const struct image_dev image_devs[] = {
	{"net0", IMAGE_DEV_NET},
	{"disk0", IMAGE_DEV_BLOCK},
};
const size_t image_ndevs = sizeof(image_devs) / sizeof(image_devs[0]);

static const uint8_t index_html[] = "<h1>hi</h1>\n";
static const uint8_t a_css[] = "a{}";
static const uint8_t c_js[] = "x()";
static const uint8_t site_index[] = "<p>site</p>";
static const uint8_t sitemap[] = "<urlset/>";
static const uint8_t zone_a[] = "a. IN A 1.2.3.4";
static const uint8_t zone_b[] = "b. IN A 5.6.7.8";

#define E(n, d, t)                                                             \
	{                                                                      \
		n, d, sizeof(d) - 1, t                                         \
	}
/* Sorted by strcmp: "site/" < "sitemap.xml" because '/' < 'm'. */
const struct kv_entry image_kv[] = {
	E("index.html", index_html, 1700000000),
	E("site/a.css", a_css, 1700000001),
	E("site/b/c.js", c_js, 1700000002),
	E("site/index.html", site_index, 1700000003),
	E("sitemap.xml", sitemap, 1700000004),
	{"site~empty", NULL, 0, 0},
	E("zone/a.zone", zone_a, 1700000005),
	E("zone/b.zone", zone_b, 1700000006),
};
const size_t image_nkv = sizeof(image_kv) / sizeof(image_kv[0]);

int fake_main_calls;
int fake_main_argc;
char **fake_main_argv;
int fake_main_ret;
int (*fake_main_fn)(int argc, char **argv);

__attribute__((weak)) int kiln_main(int argc, char **argv)
{
	fake_main_calls++;
	fake_main_argc = argc;
	fake_main_argv = argv;
	if (fake_main_fn)
		return fake_main_fn(argc, argv);
	return fake_main_ret;
}
