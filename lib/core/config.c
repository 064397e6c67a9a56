/*
 * Configuration values at run time (config.h, platform.h's cfg_set_start).
 *
 * The sealed values live in image_keys, as text the build already checked.
 * A key the manifest marks settable may be given again on the start line;
 * the override is a pointer to the start line's own text (which lives for
 * the whole run), held in a table indexed like image_keys. Every accessor
 * parses the text it returns with the same rules as cfg_check, so sealed
 * and overridden values are read one way.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <kiln/addr.h>
#include <kiln/config.h>
#include <kiln/image.h>
#include <kiln/log.h>
#include <kiln/platform.h>

#include "core.h"

/* Start-line overrides, by index in image_keys; NULL: the sealed value. */
static const char *start_value[CFG_START_MAX];

void cfg_start_reset(void)
{
	memset(start_value, 0, sizeof(start_value));
}

static long key_index_n(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < image_nkeys; i++) {
		const char *k = image_keys[i].name;
		if (strncmp(k, name, len) == 0 && k[len] == '\0')
			return (long)i;
	}
	return -1;
}

static long key_index(const char *name)
{
	return name ? key_index_n(name, strlen(name)) : -1;
}

bool cfg_has(const char *key)
{
	return key_index(key) >= 0;
}

/*
 * The current text of key, which must have one of the types in the mask
 * (a bit per enum cfg_type), checked again with cfg_check.
 */
static const char *value_of(const char *key, unsigned types, const char *want)
{
	char why[128];
	const struct image_key *k;
	const char *text;
	long i = key_index(key);

	if (i < 0)
		kiln_panic("cfg: no key called '%s'", key ? key : "(null)");
	k = &image_keys[i];
	if ((unsigned)k->type >= 32 || !(types & (1u << k->type)))
		kiln_panic("cfg: key %s is of type %s, not %s", k->name,
			   cfg_type_name(k->type) ? cfg_type_name(k->type)
						  : "?",
			   want);
	text = i < CFG_START_MAX && start_value[i] ? start_value[i] : k->value;
	if (!cfg_check(k->type, text, why, sizeof(why)))
		kiln_panic("cfg: key %s: %s", k->name, why);
	return text;
}

#define T(x) (1u << (x))

const char *cfg_str(const char *key)
{
	return value_of(key,
			T(CFG_T_STRING) | T(CFG_T_FILE) | T(CFG_T_FILES) |
				T(CFG_T_DIR),
			"string");
}

int64_t cfg_int(const char *key)
{
	const char *s = value_of(key, T(CFG_T_INT) | T(CFG_T_PORT), "int");
	bool neg = false;
	uint64_t v = 0;

	/* cfg_check accepted it: an optional sign and digits, in range. */
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	/* Negate in unsigned arithmetic so that INT64_MIN does not overflow. */
	return neg ? (int64_t)(0 - v) : (int64_t)v;
}

bool cfg_bool(const char *key)
{
	const char *s = value_of(key, T(CFG_T_BOOL), "bool");

	return strcmp(s, "true") == 0 || strcmp(s, "yes") == 0 ||
	       strcmp(s, "on") == 0 || strcmp(s, "1") == 0;
}

uint32_t cfg_ipv4(const char *key)
{
	const char *s = value_of(key, T(CFG_T_IPV4), "ipv4");
	uint32_t ip = 0;

	if (!net_ip4_parse(s, &ip))
		kiln_panic("cfg: key %s: bad ipv4 '%s'", key, s);
	return ip;
}

bool cfg_ipv4net(const char *key, uint32_t *addr, unsigned *prefix)
{
	const char *s = value_of(key, T(CFG_T_IPV4NET), "ipv4net");
	const char *slash;
	char ip[16];
	size_t n;
	unsigned p = 0;

	if (strcmp(s, "dhcp") == 0)
		return false;
	slash = strchr(s, '/');
	if (!slash || (n = (size_t)(slash - s)) >= sizeof(ip))
		kiln_panic("cfg: key %s: bad ipv4net '%s'", key, s);
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (!net_ip4_parse(ip, addr))
		kiln_panic("cfg: key %s: bad ipv4net '%s'", key, s);
	for (s = slash + 1; *s; s++)
		p = p * 10 + (unsigned)(*s - '0');
	*prefix = p;
	return true;
}

/* snprintf through vsnprintf, tolerating a NULL or empty buffer. */
static void say(char *why, unsigned long whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *why, unsigned long whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/*
 * The built-in key `log` (log.h) is handled here so that the start line
 * has one way to set anything. Should a manifest declare a key called
 * `log` itself, that key wins and the built-in is out of reach.
 */
int cfg_set_start(const char *kv, char *why, unsigned long whylen)
{
	const char *eq = kv ? strchr(kv, '=') : NULL;
	const char *val;
	const struct image_key *k;
	char cwhy[128];
	enum log_level level;
	size_t nlen;
	long i;

	if (!eq || eq == kv) {
		say(why, whylen, "'%s' is not KEY=VALUE", kv ? kv : "(null)");
		return -EINVAL;
	}
	nlen = (size_t)(eq - kv);
	val = eq + 1;
	/* `log` is the built-in level key of every image (the build tool
	 * refuses a manifest key of that name and emits it into image_keys
	 * itself, settable at start); its value must be a level. */
	i = key_index_n(kv, nlen);
	if (nlen == 3 && strncmp(kv, "log", 3) == 0) {
		if (!log_level_parse(val, &level)) {
			say(why, whylen,
			    "key log: expected error, warn, info or debug, "
			    "got '%s'",
			    val);
			return -EINVAL;
		}
		log_set_level(level);
		if (i >= 0 && i < CFG_START_MAX)
			start_value[i] = val;
		return 0;
	}
	if (i < 0) {
		say(why, whylen, "key %.*s: no such key", (int)nlen, kv);
		return -ENOENT;
	}
	k = &image_keys[i];
	if (!k->settable) {
		say(why, whylen,
		    "key %s is sealed at build time; rebuild with %s=%s",
		    k->name, k->name, val);
		return -EPERM;
	}
	if (i >= CFG_START_MAX) {
		say(why, whylen, "key %s: too many keys to set at start (%d)",
		    k->name, CFG_START_MAX);
		return -ENOSPC;
	}
	if (!cfg_check(k->type, val, cwhy, sizeof(cwhy))) {
		say(why, whylen, "key %s: %s", k->name, cwhy);
		return -EINVAL;
	}
	start_value[i] = val;
	return 0;
}
