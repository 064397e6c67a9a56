/*
 * Keys given on the command line (KEY=VALUE) and key naming: the checks
 * that turn a mistyped key or value into one clear message before anything
 * is built or started.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "util.h"

bool manifest_valid_key_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > MANIFEST_NAME_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

char *manifest_macro_name(const char *key)
{
	char *s = xasprintf("CFG_%s", key);

	for (char *p = s + 4; *p; p++) {
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
		else if (*p == '-')
			*p = '_';
	}
	return s;
}

struct mf_key *manifest_key(struct manifest *m, const char *name)
{
	for (size_t i = 0; i < m->nkeys; i++)
		if (strcmp(m->keys[i].name, name) == 0)
			return &m->keys[i];
	return NULL;
}

size_t manifest_ndevs(const struct manifest *m, enum image_dev_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < m->ndevs; i++)
		n += m->devs[i].kind == kind;
	return n;
}

/*
 * The stack's built-in keys: name, type, default, settable at start (see
 * manifest.h). The addresses differ per instance; the pool sizes are
 * sealed, 0 meaning "the stack decides" (lib/net/tcp_pool.c: fixed
 * defaults on the posix targets, a share of the guest's memory on kvm).
 */
static const struct {
	const char *name;
	enum cfg_type type;
	const char *def;
	bool start;
} stack_keys[] = {
	{"ipv4", CFG_T_IPV4NET, "10.0.0.2/24", true},
	{"gateway", CFG_T_IPV4, "0.0.0.0", true},
	{"tcp_conns", CFG_T_INT, "0", false},
	{"tcp_sndpool", CFG_T_INT, "0", false},
	{"tcp_sndbuf", CFG_T_INT, "65536", false},
	{"tcp_initcwnd", CFG_T_INT, "10", false},
	{"netbufs", CFG_T_INT, "0", false},
};

int manifest_add_stack_keys(struct manifest *m, char *err, size_t errlen)
{
	if (manifest_ndevs(m, IMAGE_DEV_NET) == 0)
		return 0;
	for (size_t i = 0; i < sizeof(stack_keys) / sizeof(stack_keys[0]);
	     i++) {
		struct mf_key *k = manifest_key(m, stack_keys[i].name);
		if (k && k->type != stack_keys[i].type) {
			snprintf(err, errlen,
				 "%s:%d: key %s: Kiln's TCP/IP stack reads "
				 "it as %s, not %s (declare it as %s, or "
				 "leave it out to get the built-in one, "
				 "default %s)",
				 m->file, k->line, k->name,
				 cfg_type_name(stack_keys[i].type),
				 cfg_type_name(k->type),
				 cfg_type_name(stack_keys[i].type),
				 stack_keys[i].def);
			return -1;
		}
		if (k)
			continue;
		m->keys = xappend(m->keys, &m->nkeys, sizeof(*m->keys));
		m->keys[m->nkeys - 1] =
			(struct mf_key){.name = xstrdup(stack_keys[i].name),
					.type = stack_keys[i].type,
					.value = xstrdup(stack_keys[i].def),
					.start = stack_keys[i].start,
					.builtin = true};
	}
	return 0;
}

/* The built-in key's values are the levels of log.h. */
static bool log_level_ok(const char *v)
{
	return strcmp(v, "error") == 0 || strcmp(v, "warn") == 0 ||
	       strcmp(v, "info") == 0 || strcmp(v, "debug") == 0;
}

int manifest_set_key(struct manifest *m, const char *kv, bool check_only,
		     char *err, size_t errlen)
{
	const char *eq = strchr(kv, '=');
	char why[256];

	if (!eq || eq == kv) {
		snprintf(err, errlen, "expected KEY=VALUE, got '%s'", kv);
		return -1;
	}
	char *name = xasprintf("%.*s", (int)(eq - kv), kv);
	const char *val = eq + 1;
	struct mf_key *k = manifest_key(m, name);
	if (!k) {
		/* list the appliance's own keys; `log` is in every image */
		struct sbuf b = {0};
		for (size_t i = 0; i < m->nkeys; i++) {
			if (m->keys[i].builtin)
				continue;
			sb_addf(&b, "%s%s", b.len ? ", " : "", m->keys[i].name);
		}
		bool stack = manifest_key(m, "ipv4") &&
			     manifest_key(m, "ipv4")->builtin;
		snprintf(
			err, errlen,
			"unknown key '%s' (keys: %s); every image also has "
			"'log'%s",
			name, b.len ? sb_str(&b) : "none",
			stack ? ", and this one the stack's 'ipv4', 'gateway', "
				"'tcp_conns', 'tcp_sndpool', 'tcp_sndbuf', "
				"'tcp_initcwnd' and 'netbufs'"
			      : "");
		sb_free(&b);
		free(name);
		return -1;
	}
	if (k->builtin && strcmp(k->name, "log") == 0 && !log_level_ok(val)) {
		snprintf(err, errlen,
			 "key log: expected error, warn, info or debug, got "
			 "'%s'",
			 val);
		free(name);
		return -1;
	}
	if (!cfg_check(k->type, val, why, sizeof(why))) {
		snprintf(err, errlen, "key %s: %s", name, why);
		free(name);
		return -1;
	}
	free(name);
	if (!check_only) {
		free(k->value);
		k->value = xstrdup(val);
		k->from_cmdline = true;
	}
	return 0;
}
