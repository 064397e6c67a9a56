/*
 * The manifest reader: tokens, directives, and the checks that make every
 * mistake an error naming file, line and what was expected. The format is
 * documented in manifest.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lex.h"
#include "manifest.h"
#include "util.h"

/* The state of one parse: where we are, and where errors go. */
struct mf_ctx {
	struct manifest *m;
	int line;
	char **tok;
	size_t ntok;
	char *err;
	size_t errlen;
};

/* Format "FILE:LINE: message" into the error buffer; returns false. */
__attribute__((format(printf, 2, 3))) static bool perr(struct mf_ctx *c,
						       const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->err, c->errlen, "%s:%d: ", c->m->file, c->line);

	if (n < 0 || (size_t)n >= c->errlen)
		return false;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

static void free_tokens(struct mf_ctx *c)
{
	for (size_t i = 0; i < c->ntok; i++)
		free(c->tok[i]);
	free(c->tok);
	c->tok = NULL;
	c->ntok = 0;
}

/* Split one line into c->tok; errors get the file and line. */
static bool lex_line(struct mf_ctx *c, const char *s, size_t len)
{
	char why[256];

	if (mf_lex_line(s, len, &c->tok, &c->ntok, why, sizeof(why)) == 0)
		return true;
	return perr(c, "%s", why);
}

/* True when s is [a-z] followed by [a-z0-9] and the extra chars. */
static bool name_ok(const char *s, const char *extra, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 1; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      strchr(extra, ch)))
			return false;
	}
	return true;
}

/* Argument i of the directive, or an error naming what was expected. */
static const char *arg(struct mf_ctx *c, size_t i, const char *what)
{
	if (i < c->ntok)
		return c->tok[i];
	perr(c, "expected %s after '%s', got end of line", what, c->tok[0]);
	return NULL;
}

/* No more arguments than max. */
static bool no_more(struct mf_ctx *c, size_t max, const char *what)
{
	if (c->ntok <= max)
		return true;
	return perr(c, "unexpected '%s' after %s", c->tok[max], what);
}

static bool do_name(struct mf_ctx *c)
{
	struct manifest *m = c->m;
	const char *n = arg(c, 1, "the appliance name");

	if (!n || !no_more(c, 2, "the name"))
		return false;
	if (m->name)
		return perr(c, "duplicate 'name' (first at line %d)",
			    m->name_line);
	if (!name_ok(n, "_-", MANIFEST_NAME_MAX))
		return perr(c,
			    "expected a name of [a-z][a-z0-9_-]*, at most "
			    "%d characters, got '%s'",
			    MANIFEST_NAME_MAX, n);
	if (strcmp(n, "gen") == 0 || strcmp(n, "obj") == 0)
		return perr(c,
			    "the name '%s' is reserved (the build uses "
			    "_build/TARGET/%s/)",
			    n, n);
	m->name = xstrdup(n);
	m->name_line = c->line;
	return true;
}

/* A source path: inside APPDIR, make-safe characters, .c/.S/.s, exists. */
static bool source_ok(struct mf_ctx *c, const char *p)
{
	const char *dot = strrchr(p, '.');
	struct stat st;

	for (const char *s = p; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
			    "YZ"
			    "0123456789._+/-",
			    *s))
			return perr(
				c,
				"expected a source path of [A-Za-z0-9._+/-], "
				"got '%s'",
				p);
	if (!path_is_inside(p))
		return perr(c,
			    "expected a source path inside the appliance "
			    "directory, got '%s'",
			    p);
	if (!dot || strchr(dot, '/') ||
	    (strcmp(dot, ".c") && strcmp(dot, ".S") && strcmp(dot, ".s")))
		return perr(c, "expected a .c, .S or .s source, got '%s'", p);
	char *full = path_join(c->m->appdir, p);
	int rc = stat(full, &st);
	int e = errno;
	free(full);
	if (rc < 0)
		return perr(c, "source '%s': %s", p, strerror(e));
	if (!S_ISREG(st.st_mode))
		return perr(c, "source '%s' is not a regular file", p);
	return true;
}

static bool do_sources(struct mf_ctx *c)
{
	struct manifest *m = c->m;

	if (!arg(c, 1, "one or more source files"))
		return false;
	for (size_t i = 1; i < c->ntok; i++) {
		const char *p = c->tok[i];
		if (!source_ok(c, p))
			return false;
		for (size_t j = 0; j < m->nsrcs; j++)
			if (strcmp(m->srcs[j].path, p) == 0)
				return perr(c,
					    "duplicate source '%s' (first "
					    "at line %d)",
					    p, m->srcs[j].line);
		m->srcs = xappend(m->srcs, &m->nsrcs, sizeof(*m->srcs));
		m->srcs[m->nsrcs - 1].path = xstrdup(p);
		m->srcs[m->nsrcs - 1].line = c->line;
	}
	return true;
}

/*
 * generate FILE...: the C sources of a build-time generator, a host
 * program that turns the sealed keys and embedded files into C compiled
 * into the image (a zone into precomputed answers, a site into headers).
 */
static bool do_generate(struct mf_ctx *c)
{
	struct manifest *m = c->m;

	if (!arg(c, 1, "one or more generator source files"))
		return false;
	for (size_t i = 1; i < c->ntok; i++) {
		const char *p = c->tok[i];
		const char *dot = strrchr(p, '.');

		if (!dot || strcmp(dot, ".c") != 0)
			return perr(c,
				    "expected a .c generator source, got '%s'",
				    p);
		if (!source_ok(c, p))
			return false;
		for (size_t j = 0; j < m->ngens; j++)
			if (strcmp(m->gens[j].path, p) == 0)
				return perr(c,
					    "duplicate generator source '%s' "
					    "(first at line %d)",
					    p, m->gens[j].line);
		m->gens = xappend(m->gens, &m->ngens, sizeof(*m->gens));
		m->gens[m->ngens - 1].path = xstrdup(p);
		m->gens[m->ngens - 1].line = c->line;
	}
	return true;
}

static bool do_device(struct mf_ctx *c)
{
	struct manifest *m = c->m;
	const char *kind = arg(c, 1, "a device kind (net or block)");
	enum image_dev_kind k;

	if (!kind)
		return false;
	if (strcmp(kind, "net") == 0)
		k = IMAGE_DEV_NET;
	else if (strcmp(kind, "block") == 0)
		k = IMAGE_DEV_BLOCK;
	else
		return perr(c,
			    "expected a device kind (net or block), got '%s'",
			    kind);
	const char *n = arg(c, 2, "a device name");
	if (!n || !no_more(c, 3, "the device name"))
		return false;
	if (!name_ok(n, "_", MANIFEST_NAME_MAX))
		return perr(c,
			    "expected a device name of [a-z][a-z0-9_]*, at "
			    "most %d characters, got '%s'",
			    MANIFEST_NAME_MAX, n);
	for (size_t j = 0; j < m->ndevs; j++)
		if (strcmp(m->devs[j].name, n) == 0)
			return perr(c,
				    "duplicate device '%s' (first at line "
				    "%d)",
				    n, m->devs[j].line);
	m->devs = xappend(m->devs, &m->ndevs, sizeof(*m->devs));
	m->devs[m->ndevs - 1].name = xstrdup(n);
	m->devs[m->ndevs - 1].kind = k;
	m->devs[m->ndevs - 1].line = c->line;
	return true;
}

static bool do_key(struct mf_ctx *c)
{
	struct manifest *m = c->m;
	const char *n = arg(c, 1, "a key name");
	char why[256];

	if (!n)
		return false;
	if (!manifest_valid_key_name(n))
		return perr(c,
			    "expected a key name of [a-z][a-z0-9_-]*, at "
			    "most %d characters, got '%s'",
			    MANIFEST_NAME_MAX, n);
	if (strcmp(n, "log") == 0)
		return perr(c, "the key 'log' is built in (string, start, "
			       "default info); choose another name");
	if (strncmp(n, "t_", 2) == 0 || strncmp(n, "t-", 2) == 0)
		return perr(c,
			    "key names starting with 't_' or 't-' are "
			    "reserved (CFG_T_* are the type constants of "
			    "<kiln/config.h>); got '%s'",
			    n);
	char *macro = manifest_macro_name(n);
	for (size_t j = 0; j < m->nkeys; j++) {
		char *other = manifest_macro_name(m->keys[j].name);
		bool same = strcmp(macro, other) == 0;
		free(other);
		if (!same)
			continue;
		if (strcmp(m->keys[j].name, n) == 0) {
			free(macro);
			return perr(c, "duplicate key '%s' (first at line %d)",
				    n, m->keys[j].line);
		}
		perr(c,
		     "key '%s' clashes with key '%s' (line %d): both "
		     "would be %s",
		     n, m->keys[j].name, m->keys[j].line, macro);
		free(macro);
		return false;
	}
	free(macro);
	const char *tname = arg(c, 2,
				"a key type (bool, int, port, string, ipv4, "
				"ipv4net, file, files, dir)");
	if (!tname)
		return false;
	enum cfg_type t = cfg_type_parse(tname);
	if (!t)
		return perr(c,
			    "expected a key type (bool, int, port, string, "
			    "ipv4, ipv4net, file, files, dir), got '%s'",
			    tname);
	const char *def = arg(c, 3, "a default value");
	if (!def)
		return false;
	bool start = false;
	if (c->ntok > 4) {
		if (strcmp(c->tok[4], "start") != 0)
			return perr(c,
				    "expected 'start' or the end of the "
				    "line after the default, got '%s'",
				    c->tok[4]);
		if (!no_more(c, 5, "'start'"))
			return false;
		start = true;
	}
	if (!cfg_check(t, def, why, sizeof(why)))
		return perr(c, "key %s: %s", n, why);
	if (start && (t == CFG_T_FILE || t == CFG_T_FILES || t == CFG_T_DIR))
		return perr(c,
			    "key %s: a %s key is embedded at build time and "
			    "cannot be set at start",
			    n, tname);
	m->keys = xappend(m->keys, &m->nkeys, sizeof(*m->keys));
	struct mf_key *k = &m->keys[m->nkeys - 1];
	k->name = xstrdup(n);
	k->type = t;
	k->value = xstrdup(def);
	k->start = start;
	k->line = c->line;
	return true;
}

/* KVPREFIX: /-separated parts of [A-Za-z0-9._-], none empty, . or .. */
static bool prefix_ok(const char *p)
{
	if (*p == '\0')
		return false;
	for (const char *s = p;;) {
		size_t n = strcspn(s, "/");
		if (n == 0 || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		for (size_t i = 0; i < n; i++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
				    "QRSTUVWXYZ0123456789._-",
				    s[i]))
				return false;
		if (s[n] == '\0')
			return true;
		s += n + 1;
	}
}

static bool do_embed(struct mf_ctx *c)
{
	struct manifest *m = c->m;
	const char *pre = arg(c, 1, "a key-value prefix (e.g. static)");
	struct stat st;

	if (!pre)
		return false;
	if (!prefix_ok(pre))
		return perr(c,
			    "expected a key-value prefix of /-separated "
			    "parts of [A-Za-z0-9._-], got '%s'",
			    pre);
	const char *p = arg(c, 2, "a file or directory to embed");
	if (!p || !no_more(c, 3, "the path"))
		return false;
	if (*p == '\0')
		return perr(c, "expected a file or directory to embed, got ''");
	char *full = p[0] == '/' ? xstrdup(p) : path_join(m->appdir, p);
	int rc = stat(full, &st);
	int e = errno;
	free(full);
	if (rc < 0)
		return perr(c, "embed %s: '%s': %s", pre, p, strerror(e));
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return perr(c,
			    "embed %s: '%s' is neither a file nor a "
			    "directory",
			    pre, p);
	m->embeds = xappend(m->embeds, &m->nembeds, sizeof(*m->embeds));
	m->embeds[m->nembeds - 1].prefix = xstrdup(pre);
	m->embeds[m->nembeds - 1].path = xstrdup(p);
	m->embeds[m->nembeds - 1].line = c->line;
	return true;
}

static bool do_uses(struct mf_ctx *c)
{
	struct manifest *m = c->m;

	if (!arg(c, 1, "one or more library names"))
		return false;
	for (size_t i = 1; i < c->ntok; i++) {
		const char *n = c->tok[i];
		if (!name_ok(n, "_", MANIFEST_NAME_MAX))
			return perr(c,
				    "expected a library name of "
				    "[a-z][a-z0-9_]*, got '%s'",
				    n);
		if (strcmp(n, "core") == 0)
			return perr(c, "lib/core is always linked; do not list "
				       "it in 'uses'");
		for (size_t j = 0; j < m->nuses; j++)
			if (strcmp(m->uses[j].name, n) == 0)
				return perr(c,
					    "duplicate library '%s' (first "
					    "at line %d)",
					    n, m->uses[j].line);
		m->uses = xappend(m->uses, &m->nuses, sizeof(*m->uses));
		m->uses[m->nuses - 1].name = xstrdup(n);
		m->uses[m->nuses - 1].line = c->line;
	}
	return true;
}

static bool do_line(struct mf_ctx *c)
{
	static const struct {
		const char *name;
		bool (*fn)(struct mf_ctx *c);
	} dirs[] = {
		{"name", do_name},	   {"sources", do_sources},
		{"device", do_device},	   {"key", do_key},
		{"embed", do_embed},	   {"uses", do_uses},
		{"generate", do_generate},
	};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strcmp(c->tok[0], dirs[i].name) == 0)
			return dirs[i].fn(c);
	return perr(c,
		    "unknown directive '%s' (expected name, sources, "
		    "device, key, embed, uses or generate)",
		    c->tok[0]);
}

int manifest_parse(struct manifest *m, const char *file, const char *appdir,
		   const char *text, char *err, size_t errlen)
{
	struct mf_ctx c = {.m = m, .err = err, .errlen = errlen};

	memset(m, 0, sizeof(*m));
	m->file = xstrdup(file);
	m->appdir = xstrdup(appdir);
	m->appdir_abs = path_abs(NULL, appdir);

	/* the built-in key comes first, so image_keys[0] is `log` */
	m->keys = xappend(m->keys, &m->nkeys, sizeof(*m->keys));
	m->keys[0] = (struct mf_key){.name = xstrdup("log"),
				     .type = CFG_T_STRING,
				     .value = xstrdup("info"),
				     .start = true,
				     .builtin = true};

	for (const char *s = text; *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		bool good;

		c.line++;
		good = lex_line(&c, s, len) && (c.ntok == 0 || do_line(&c));
		free_tokens(&c);
		if (!good)
			return -1;
		s += len + (nl != NULL);
	}
	c.line = 0;
	if (!m->name) {
		snprintf(err, errlen,
			 "%s: no 'name' line (expected 'name NAME')", file);
		return -1;
	}
	if (m->nsrcs == 0) {
		snprintf(err, errlen,
			 "%s: no 'sources' line (expected "
			 "'sources FILE.c...')",
			 file);
		return -1;
	}
	return 0;
}

int manifest_load(struct manifest *m, const char *appdir, char *err,
		  size_t errlen)
{
	char *file = strcmp(appdir, ".") == 0
			     ? xstrdup(MANIFEST_FILE)
			     : path_join(appdir, MANIFEST_FILE);
	size_t len;
	char *text = read_file(file, &len);
	int rc;

	if (!text) {
		int e = errno;
		memset(m, 0, sizeof(*m));
		snprintf(err, errlen, "%s: %s%s", file, strerror(e),
			 e == ENOENT ? " (is this an appliance directory?)"
				     : "");
		free(file);
		return -1;
	}
	if (memchr(text, '\0', len)) {
		memset(m, 0, sizeof(*m));
		snprintf(err, errlen, "%s: NUL byte in the manifest", file);
		free(text);
		free(file);
		return -1;
	}
	rc = manifest_parse(m, file, appdir, text, err, errlen);
	free(text);
	free(file);
	return rc;
}

void manifest_free(struct manifest *m)
{
	for (size_t i = 0; i < m->nsrcs; i++)
		free(m->srcs[i].path);
	for (size_t i = 0; i < m->ngens; i++)
		free(m->gens[i].path);
	free(m->gens);
	for (size_t i = 0; i < m->ndevs; i++)
		free(m->devs[i].name);
	for (size_t i = 0; i < m->nkeys; i++) {
		free(m->keys[i].name);
		free(m->keys[i].value);
	}
	for (size_t i = 0; i < m->nembeds; i++) {
		free(m->embeds[i].prefix);
		free(m->embeds[i].path);
	}
	for (size_t i = 0; i < m->nuses; i++)
		free(m->uses[i].name);
	free(m->srcs);
	free(m->devs);
	free(m->keys);
	free(m->embeds);
	free(m->uses);
	free(m->file);
	free(m->appdir);
	free(m->appdir_abs);
	free(m->name);
	memset(m, 0, sizeof(*m));
}
