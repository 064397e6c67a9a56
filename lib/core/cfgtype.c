/*
 * Configuration key types: names, and the check of a value's text.
 *
 * Pure C with no platform calls: the host `kiln` tool links this file to
 * check values at build time, and images link it to check KEY=VALUE at
 * start, so both refuse exactly the same text with the same words.
 */
#include <stdio.h>
#include <string.h>

#include <kiln/addr.h>
#include <kiln/config.h>

static const char *const type_names[] = {
	[CFG_T_BOOL] = "bool", [CFG_T_INT] = "int",
	[CFG_T_PORT] = "port", [CFG_T_STRING] = "string",
	[CFG_T_IPV4] = "ipv4", [CFG_T_IPV4NET] = "ipv4net",
	[CFG_T_FILE] = "file", [CFG_T_FILES] = "files",
	[CFG_T_DIR] = "dir",
};

/* What each type accepts, as the error message words it. */
static const char *const type_expect[] = {
	[CFG_T_BOOL] = "bool (true, false, yes, no, on, off, 1, 0)",
	[CFG_T_INT] = "int (a decimal integer in int64 range)",
	[CFG_T_PORT] = "port (1-65535)",
	[CFG_T_STRING] = "string",
	[CFG_T_IPV4] = "ipv4 (A.B.C.D)",
	[CFG_T_IPV4NET] = "ipv4net (A.B.C.D/N with N 0-32, or dhcp)",
	[CFG_T_FILE] = "file (a path)",
	[CFG_T_FILES] = "files (comma-separated paths)",
	[CFG_T_DIR] = "dir (a path)",
};

#define NTYPES (sizeof(type_names) / sizeof(type_names[0]))

const char *cfg_type_name(enum cfg_type t)
{
	if ((unsigned)t >= NTYPES)
		return NULL;
	return type_names[t];
}

enum cfg_type cfg_type_parse(const char *name)
{
	if (!name)
		return 0;
	for (unsigned i = 1; i < NTYPES; i++)
		if (type_names[i] && strcmp(type_names[i], name) == 0)
			return (enum cfg_type)i;
	return 0;
}

/*
 * Parse a decimal integer with optional sign into *out, refusing empty
 * text, stray characters and anything outside int64. Written out by hand
 * (no strtoll) so that it needs no errno and no locale.
 */
static bool parse_i64(const char *s, int64_t *out)
{
	bool neg = false;
	uint64_t v = 0, lim;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s == '\0')
		return false;
	/* |INT64_MIN| = INT64_MAX + 1 */
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return true;
}

static bool check_bool(const char *s)
{
	static const char *const words[] = {"true", "false", "yes", "no",
					    "on",   "off",   "1",   "0"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i]) == 0)
			return true;
	return false;
}

static bool check_port(const char *s)
{
	int64_t v;

	/* digits only: "+80" and " 80" are not ports */
	if (*s < '0' || *s > '9' || !parse_i64(s, &v))
		return false;
	return v >= 1 && v <= 65535;
}

/* "A.B.C.D/N", N 0..32 without leading zeros, or "dhcp". */
static bool check_ipv4net(const char *s)
{
	char ip[16];
	const char *slash = strchr(s, '/');
	size_t n;
	uint32_t addr;

	if (strcmp(s, "dhcp") == 0)
		return true;
	if (!slash || (n = (size_t)(slash - s)) >= sizeof(ip))
		return false;
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (!net_ip4_parse(ip, &addr))
		return false;
	const char *p = slash + 1;
	if (p[0] < '0' || p[0] > '9')
		return false;
	if (p[1] == '\0')
		return true;
	if (p[0] == '0' || p[1] < '0' || p[1] > '9' || p[2] != '\0')
		return false;
	return (p[0] - '0') * 10 + (p[1] - '0') <= 32;
}

/* Comma-separated, every element non-empty. */
static bool check_files(const char *s)
{
	if (*s == '\0' || *s == ',')
		return false;
	for (; *s; s++)
		if (*s == ',' && (s[1] == ',' || s[1] == '\0'))
			return false;
	return true;
}

bool cfg_check(enum cfg_type t, const char *text, char *why, size_t whylen)
{
	bool good;
	int64_t i;
	uint32_t ip;

	if (!text)
		text = "";
	switch (t) {
	case CFG_T_BOOL:
		good = check_bool(text);
		break;
	case CFG_T_INT:
		good = parse_i64(text, &i);
		break;
	case CFG_T_PORT:
		good = check_port(text);
		break;
	case CFG_T_STRING:
		/* One line: values travel in line-based files (the build's
		 * generator input) and log lines. */
		good = strpbrk(text, "\n\r") == NULL;
		break;
	case CFG_T_IPV4:
		good = net_ip4_parse(text, &ip);
		break;
	case CFG_T_IPV4NET:
		good = check_ipv4net(text);
		break;
	case CFG_T_FILE:
	case CFG_T_DIR:
		good = *text != '\0';
		break;
	case CFG_T_FILES:
		good = check_files(text);
		break;
	default:
		if (why && whylen)
			snprintf(why, whylen, "no such key type (%d)", (int)t);
		return false;
	}
	if (!good && why && whylen) {
		/* long values are cut so that the message stays one line */
		size_t n = strlen(text);
		snprintf(why, whylen, "expected %s, got '%.*s%s'",
			 type_expect[t], n > 64 ? 60 : (int)n, text,
			 n > 64 ? "..." : "");
	}
	return good;
}
