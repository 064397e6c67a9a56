/* Unit tests for configuration values (config.h, cfg_set_start). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <kiln/addr.h>
#include <kiln/config.h>
#include <kiln/log.h>
#include <kiln/platform.h>

#include "core.h"
#include "fakeplat.h"

static void test_sealed(void)
{
	uint32_t a = 0;
	unsigned p = 0;

	CHECK("cfg: has", cfg_has("port") && cfg_has("retries"));
	CHECK("cfg: has not", !cfg_has("nope") && !cfg_has("") &&
				      !cfg_has(NULL) && !cfg_has("por") &&
				      !cfg_has("ports"));
	CHECK("cfg: port", cfg_int("port") == 8080);
	CHECK("cfg: negative int", cfg_int("count") == -42);
	CHECK("cfg: INT64_MIN", cfg_int("big") == INT64_MIN);
	CHECK("cfg: string", strcmp(cfg_str("name"), "hello world") == 0);
	CHECK("cfg: files as text",
	      strcmp(cfg_str("zone"), "a.zone,b.zone") == 0);
	CHECK("cfg: bool yes", cfg_bool("verbose") == true);
	CHECK("cfg: bool off", cfg_bool("quiet") == false);
	CHECK("cfg: ipv4", cfg_ipv4("gateway") == NET_IP4(10, 0, 0, 1));
	CHECK("cfg: ipv4net", cfg_ipv4net("addr", &a, &p) &&
				      a == NET_IP4(10, 0, 0, 2) && p == 24);
	CHECK("cfg: ipv4net dhcp", !cfg_ipv4net("lan", &a, &p));
}

static char why[256];

static int set(const char *kv)
{
	why[0] = '\0';
	return cfg_set_start(kv, why, sizeof(why));
}

static void test_start_overrides(void)
{
	char addr[] = "addr=192.168.1.9/16";
	uint32_t a = 0;
	unsigned p = 0;

	CHECK("cfg: set settable ipv4net", set(addr) == 0);
	CHECK("cfg: override seen", cfg_ipv4net("addr", &a, &p) &&
					    a == NET_IP4(192, 168, 1, 9) &&
					    p == 16);
	CHECK("cfg: override points into the start line",
	      strcmp(cfg_str("zone"), "a.zone,b.zone") == 0);
	CHECK("cfg: set to dhcp",
	      set("addr=dhcp") == 0 && !cfg_ipv4net("addr", &a, &p));
	CHECK("cfg: set bool", set("quiet=yes") == 0 && cfg_bool("quiet"));
	CHECK("cfg: set int",
	      set("retries=-7") == 0 && cfg_int("retries") == -7);
	CHECK("cfg: set ipv4",
	      set("gateway=1.2.3.4") == 0 &&
		      cfg_ipv4("gateway") == NET_IP4(1, 2, 3, 4));

	CHECK("cfg: sealed key refused", set("port=9000") == -EPERM);
	CHECK("cfg: sealed message",
	      strcmp(why, "key port is sealed at build time; "
			  "rebuild with port=9000") == 0);
	CHECK("cfg: sealed value kept", cfg_int("port") == 8080);
	CHECK("cfg: unknown key",
	      set("prot=80") == -ENOENT && strstr(why, "prot") != NULL);
	CHECK("cfg: wrong type", set("gateway=1.2.3") == -EINVAL &&
					 strstr(why, "key gateway: ") == why &&
					 strstr(why, "'1.2.3'") != NULL);
	CHECK("cfg: wrong type keeps old value",
	      cfg_ipv4("gateway") == NET_IP4(1, 2, 3, 4));
	CHECK("cfg: bad bool",
	      set("quiet=maybe") == -EINVAL && strstr(why, "bool") != NULL);
	CHECK("cfg: no '='", set("quiet") == -EINVAL);
	CHECK("cfg: empty name", set("=1") == -EINVAL);
	CHECK("cfg: NULL why tolerated",
	      cfg_set_start("port=1", NULL, 0) == -EPERM);
	CHECK("cfg: small why buffer cut safely",
	      cfg_set_start("port=1", why, 8) == -EPERM && strlen(why) == 7);

	cfg_start_reset();
	CHECK("cfg: reset restores sealed",
	      cfg_int("retries") == 3 && !cfg_bool("quiet"));
}

static void test_log_key(void)
{
	CHECK("cfg: log=debug",
	      set("log=debug") == 0 && log_current_level == LOG_DEBUG);
	CHECK("cfg: log=error",
	      set("log=error") == 0 && log_current_level == LOG_ERROR);
	CHECK("cfg: log=loud refused", set("log=loud") == -EINVAL &&
					       strstr(why, "key log") &&
					       log_current_level == LOG_ERROR);
	log_set_level(LOG_INFO);
}

/* Wrong name or type panics. */
static void bad_name(void *arg)
{
	(void)cfg_int("nope");
}
static void bad_type(void *arg)
{
	(void)cfg_str("port");
}
static void bad_type2(void *arg)
{
	(void)cfg_bool("name");
}
static void bad_type3(void *arg)
{
	uint32_t a;
	unsigned p;

	(void)cfg_ipv4net("gateway", &a, &p);
}

static void test_panics(void)
{
	int st = 0;

	fake_console_clear();
	CHECK("cfg: unknown key panics",
	      fake_catch_exit(bad_name, NULL, &st) && st == 134 &&
		      fake_console_has("no key called 'nope'"));
	fake_console_clear();
	CHECK("cfg: wrong type panics",
	      fake_catch_exit(bad_type, NULL, &st) && st == 134 &&
		      fake_console_has("key port is of type port, not string"));
	CHECK("cfg: bool of a string panics",
	      fake_catch_exit(bad_type2, NULL, &st) && st == 134);
	CHECK("cfg: ipv4net of an ipv4 panics",
	      fake_catch_exit(bad_type3, NULL, &st) && st == 134);
}

int main(void)
{
	test_sealed();
	test_start_overrides();
	test_log_key();
	test_panics();
	return fake_done();
}
