/*
 * The site generator: a build-time host program (manifest `generate`)
 * that turns a `dir` key's embedded files into struct http_site, with
 * everything about each file that does not change per request computed
 * here once: URL path, content type, ETag, Last-Modified, a gzip variant
 * (zlib, level 9) where it saves at least 5%, and the whole 200 header
 * block, plain and gzip. The image then answers a GET by copying one
 * string and the Date line.
 *
 * Folders: "d/index.html" is also served as "/d/", and "/d" answers 301
 * to "/d/" (so that relative links in the page resolve in the folder,
 * as nginx and Apache do).
 *
 * Runs as GEN KEYS KVLIST OUT.c (tools/manifest.h); errors go to stderr
 * as "FILE: problem" and fail the build.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

#include <kiln/http.h>

struct gfile {
	char *path;   /* URL path */
	char *kvname; /* kv entry */
	int src;      /* index of the file whose data this serves */
	char *redirect;
};

struct gsrc {
	char *kvname, *abs, *ctype, *etag, *etag_gz, *lastmod;
	unsigned char *data, *gz;
	size_t len, gz_len;
	int64_t mtime;
};

static const struct {
	const char *ext, *type;
} types[] = {
	{"html", "text/html; charset=utf-8"},
	{"htm", "text/html; charset=utf-8"},
	{"css", "text/css; charset=utf-8"},
	{"js", "text/javascript; charset=utf-8"},
	{"mjs", "text/javascript; charset=utf-8"},
	{"json", "application/json"},
	{"txt", "text/plain; charset=utf-8"},
	{"md", "text/markdown; charset=utf-8"},
	{"xml", "application/xml"},
	{"svg", "image/svg+xml"},
	{"png", "image/png"},
	{"jpg", "image/jpeg"},
	{"jpeg", "image/jpeg"},
	{"gif", "image/gif"},
	{"webp", "image/webp"},
	{"ico", "image/x-icon"},
	{"pdf", "application/pdf"},
	{"wasm", "application/wasm"},
	{"woff", "font/woff"},
	{"woff2", "font/woff2"},
};

static void die(const char *what, const char *why)
{
	fprintf(stderr, "%s: %s\n", what, why);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("site generator", "out of memory");
	return p;
}

static const char *ctype_of(const char *name)
{
	const char *dot = strrchr(name, '.'), *slash = strrchr(name, '/');

	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (strcasecmp(dot + 1, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

static unsigned char *slurp(const char *path, size_t *len, int64_t *mtime)
{
	FILE *f = fopen(path, "rb");
	struct stat st;

	if (!f || fstat(fileno(f), &st) != 0)
		die(path, strerror(errno));
	unsigned char *b = xrealloc(NULL, (size_t)st.st_size + 1);
	if (fread(b, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		die(path, "short read");
	fclose(f);
	*len = (size_t)st.st_size;
	*mtime = (int64_t)st.st_mtim.tv_sec;
	return b;
}

static unsigned char *gzip(const unsigned char *in, size_t len, size_t *out)
{
	z_stream z = {0};
	size_t cap = compressBound((uLong)len) + 64;
	unsigned char *b = xrealloc(NULL, cap);

	/* windowBits 15 + 16: a gzip wrapper; its MTIME stays 0, so the
	 * same files make the same image. */
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		die("zlib", "deflateInit2 failed");
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	z.next_out = b;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		die("zlib", "deflate did not finish");
	*out = z.total_out;
	deflateEnd(&z);
	return b;
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* A C string literal for arbitrary bytes. */
static void put_cstr(FILE *o, const char *s, size_t n)
{
	fputc('"', o);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			fprintf(o, "\\%c", ch);
		else if (ch >= 0x20 && ch < 0x7f && ch != '?')
			fputc(ch, o);
		else
			fprintf(o, "\\%03o", ch);
	}
	fputc('"', o);
}

static void put_str(FILE *o, const char *s)
{
	if (s)
		put_cstr(o, s, strlen(s));
	else
		fputs("NULL", o);
}

/* Percent-encode a path for a Location header (RFC 3986 3.3). */
static char *pct_encode(const char *p)
{
	char *o = xrealloc(NULL, strlen(p) * 3 + 1), *q = o;

	for (; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("/-._~", ch))
			*q++ = (char)ch;
		else
			q += sprintf(q, "%%%02X", ch);
	}
	*q = 0;
	return o;
}

static char *hdr200(const struct gsrc *s, bool gz, bool vary, size_t *len)
{
	char *h = NULL;
	int n = asprintf(&h,
			 "HTTP/1.1 200 OK\r\nServer: kiln\r\n"
			 "Content-Type: %s\r\nContent-Length: %zu\r\n"
			 "%sETag: %s\r\nLast-Modified: %s\r\n%s%s",
			 s->ctype, gz ? s->gz_len : s->len,
			 gz ? "Content-Encoding: gzip\r\n" : "",
			 gz ? s->etag_gz : s->etag, s->lastmod,
			 gz ? "" : "Accept-Ranges: bytes\r\n",
			 vary ? "Vary: Accept-Encoding\r\n" : "");
	if (n < 0)
		die("site generator", "out of memory");
	*len = (size_t)n;
	return h;
}

static int cmp_gfile(const void *a, const void *b)
{
	return strcmp(((const struct gfile *)a)->path,
		      ((const struct gfile *)b)->path);
}

static struct gfile *files;
static size_t nfiles;

static void add(const char *path, const char *kvname, int src,
		const char *redirect)
{
	files = xrealloc(files, (nfiles + 1) * sizeof *files);
	files[nfiles++] =
		(struct gfile){strdup(path), strdup(kvname), src,
			       redirect ? pct_encode(redirect) : NULL};
}

static void emit(FILE *o, struct gsrc *srcs, const char *sym)
{
	fprintf(o, "/* Generated by lib/http/gen/site_gen.c. */\n"
		   "#include <kiln/http.h>\n\n");
	/* gzip variants, once per source file */
	for (size_t k = 0; srcs[k].kvname; k++) {
		if (!srcs[k].gz)
			continue;
		fprintf(o, "static const unsigned char gz_%zu[%zu] = {", k,
			srcs[k].gz_len);
		for (size_t j = 0; j < srcs[k].gz_len; j++)
			fprintf(o, "%s%u,", j % 20 ? "" : "\n\t",
				srcs[k].gz[j]);
		fprintf(o, "\n};\n");
	}
	fprintf(o, "\nstatic const struct http_file files[%zu] = {\n",
		nfiles ? nfiles : 1);
	for (size_t i = 0; i < nfiles; i++) {
		struct gsrc *s = &srcs[files[i].src];
		bool vary = s->gz != NULL;
		size_t hl, gl = 0;
		char *h = hdr200(s, false, vary, &hl);
		char *g = s->gz ? hdr200(s, true, vary, &gl) : NULL;
		fprintf(o, "\t{\n\t\t.path = ");
		put_str(o, files[i].path);
		fprintf(o, ",\n\t\t.kvname = ");
		put_str(o, files[i].kvname);
		fprintf(o, ",\n\t\t.ctype = ");
		put_str(o, s->ctype);
		fprintf(o, ",\n\t\t.etag = ");
		put_str(o, s->etag);
		fprintf(o, ",\n\t\t.etag_gz = ");
		put_str(o, s->gz ? s->etag_gz : NULL);
		fprintf(o, ",\n\t\t.lastmod = ");
		put_str(o, s->lastmod);
		fprintf(o, ",\n\t\t.mtime = %" PRId64 ",\n\t\t.hdr200 = ",
			s->mtime);
		put_cstr(o, h, hl);
		fprintf(o, ",\n\t\t.hdr200_len = %zu,\n\t\t.hdr200_gz = ", hl);
		put_str(o, g);
		fprintf(o, ",\n\t\t.hdr200_gz_len = %zu,\n", gl);
		if (s->gz)
			fprintf(o, "\t\t.gz = gz_%d,\n\t\t.gz_len = %zu,\n",
				files[i].src, s->gz_len);
		fprintf(o, "\t\t.redirect = ");
		put_str(o, files[i].redirect);
		fprintf(o, ",\n\t},\n");
		free(h);
		free(g);
	}
	fprintf(o,
		"};\n\nstatic const struct kv_entry *kvs[%zu];\n\n"
		"const struct http_site %s = {files, %zu, kvs};\n",
		nfiles ? nfiles : 1, sym, nfiles);
}

int http_gen_main(int argc, char **argv, const char *key, const char *sym)
{
	char *line = NULL;
	size_t cap = 0, klen = strlen(key);
	struct gsrc *srcs = NULL;
	size_t nsrcs = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: %s KEYS KVLIST OUT.c\n", argv[0]);
		return 2;
	}
	FILE *kv = fopen(argv[2], "r");
	if (!kv)
		die(argv[2], strerror(errno));
	while (getline(&line, &cap, kv) >= 0) {
		line[strcspn(line, "\n")] = 0;
		char *tab = strchr(line, '\t');
		if (!tab || strncmp(line, key, klen) != 0 || line[klen] != '/')
			continue;
		*tab = 0;
		struct gsrc s = {0};
		s.kvname = strdup(line);
		s.abs = strdup(tab + 1);
		s.data = slurp(s.abs, &s.len, &s.mtime);
		s.ctype = strdup(ctype_of(s.kvname));
		uint64_t h = fnv1a(s.data, s.len);
		if (asprintf(&s.etag, "\"%zx-%016" PRIx64 "\"", s.len, h) < 0 ||
		    asprintf(&s.etag_gz, "\"%zx-%016" PRIx64 "-gz\"", s.len,
			     h) < 0)
			die("site generator", "out of memory");
		char d[64];
		time_t t = (time_t)s.mtime;
		strftime(d, sizeof d, "%a, %d %b %Y %H:%M:%S GMT", gmtime(&t));
		s.lastmod = strdup(d);
		s.gz = gzip(s.data, s.len, &s.gz_len);
		if (s.gz_len >= s.len - s.len / 20) {
			free(s.gz);
			s.gz = NULL;
		}
		srcs = xrealloc(srcs, (nsrcs + 2) * sizeof *srcs);
		srcs[nsrcs++] = s;
		srcs[nsrcs].kvname = NULL;
	}
	fclose(kv);
	free(line);
	if (!srcs)
		srcs = xrealloc(NULL, sizeof *srcs), srcs[0].kvname = NULL;
	for (size_t i = 0; i < nsrcs; i++) {
		const char *rel = srcs[i].kvname + klen; /* "/a/b.css" */
		add(rel, srcs[i].kvname, (int)i, NULL);
		size_t rl = strlen(rel);
		if (rl >= 11 && strcmp(rel + rl - 11, "/index.html") == 0) {
			char *dir = strndup(rel, rl - 10); /* "/a/" */
			add(dir, srcs[i].kvname, (int)i, NULL);
			if (strlen(dir) > 1) {
				dir[strlen(dir) - 1] = 0; /* "/a" -> "/a/" */
				char *to = NULL;
				if (asprintf(&to, "%s/", dir) < 0)
					die("site generator", "out of memory");
				add(dir, srcs[i].kvname, (int)i, to);
				free(to);
			}
			free(dir);
		}
	}
	qsort(files, nfiles, sizeof *files, cmp_gfile);
	for (size_t i = 1; i < nfiles; i++)
		if (strcmp(files[i - 1].path, files[i].path) == 0)
			die(files[i].kvname, "two files answer the same path");
	FILE *o = fopen(argv[3], "w");
	if (!o)
		die(argv[3], strerror(errno));
	emit(o, srcs, sym);
	if (fclose(o) != 0)
		die(argv[3], strerror(errno));
	return 0;
}
