/*
 * Helpers for the kiln command; see util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static void (*fail_hook)(void);

void kiln_on_fail(void (*fn)(void))
{
	fail_hook = fn;
}

static void run_fail_hook(void)
{
	void (*fn)(void) = fail_hook;

	fail_hook = NULL; /* once, even if the hook itself dies */
	if (fn)
		fn();
}

void kiln_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("kiln: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	run_fail_hook();
	exit(1);
}

void kiln_die_errno(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	fflush(stdout);
	fputs("kiln: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
	run_fail_hook();
	exit(1);
}

void kiln_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("kiln: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		kiln_die("out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		kiln_die("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		kiln_die("out of memory");
	va_end(ap);
	return s;
}

void *xappend(void *v, size_t *n, size_t sz)
{
	/*
	 * The capacity is implicit: the smallest power of two >= max(n, 4),
	 * so the array is reallocated only when n reaches one (linear cost).
	 */
	size_t k = *n;

	if (k == 0)
		v = xrealloc(v, 4 * sz);
	else if (k >= 4 && (k & (k - 1)) == 0)
		v = xrealloc(v, 2 * k * sz);
	memset((char *)v + k * sz, 0, sz);
	*n = k + 1;
	return v;
}

static void sb_grow(struct sbuf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	b->s = xrealloc(b->s, cap);
	b->cap = cap;
}

void sb_addn(struct sbuf *b, const char *s, size_t n)
{
	sb_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void sb_add(struct sbuf *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

void sb_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		kiln_die("bad format");
	sb_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_add_cstr(struct sbuf *b, const char *s)
{
	sb_add(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_addf(b, "\\%c", *p);
		else if (*p == '?') /* no trigraphs, whatever the compiler */
			sb_add(b, "\\?");
		else if (*p < 0x20 || *p >= 0x7f)
			/* three digits always, so a following digit is safe */
			sb_addf(b, "\\%03o", *p);
		else
			sb_addn(b, (const char *)p, 1);
	}
	sb_add(b, "\"");
}

const char *sb_str(struct sbuf *b)
{
	return b->s ? b->s : "";
}

void sb_free(struct sbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

char *path_join(const char *a, const char *b)
{
	size_t n = strlen(a);

	while (n > 1 && a[n - 1] == '/')
		n--;
	while (*b == '/')
		b++;
	if (n == 0)
		return xstrdup(b);
	if (*b == '\0')
		return xasprintf("%.*s", (int)n, a);
	if (n == 1 && a[0] == '/')
		return xasprintf("/%s", b);
	return xasprintf("%.*s/%s", (int)n, a, b);
}

char *path_abs(const char *base, const char *p)
{
	struct sbuf in = {0};
	char cwd[4096];

	if (p[0] != '/') {
		if (!base) {
			if (!getcwd(cwd, sizeof(cwd)))
				kiln_die_errno("getcwd");
			base = cwd;
		}
		if (base[0] != '/') {
			char *ab = path_abs(NULL, base);
			sb_add(&in, ab);
			free(ab);
		} else {
			sb_add(&in, base);
		}
		sb_add(&in, "/");
	}
	sb_add(&in, p);

	/* normalise component by component into out */
	char *out = xmalloc(in.len + 2);
	size_t olen = 0;
	const char *s = in.s;
	while (*s) {
		while (*s == '/')
			s++;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		size_t n = (size_t)(e - s);
		if (n == 0 || (n == 1 && s[0] == '.')) {
			/* nothing */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (olen > 0 && out[olen - 1] != '/')
				olen--;
			if (olen > 0)
				olen--; /* the slash */
		} else {
			out[olen++] = '/';
			memcpy(out + olen, s, n);
			olen += n;
		}
		s = e;
	}
	if (olen == 0)
		out[olen++] = '/';
	out[olen] = '\0';
	sb_free(&in);
	return out;
}

bool path_is_inside(const char *p)
{
	if (p[0] == '/' || p[0] == '\0')
		return false;
	for (const char *s = p; *s;) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return false;
		s += n;
		while (*s == '/')
			s++;
	}
	return true;
}

int mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			rc = -errno;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	if (rc == 0) {
		struct stat st;
		if (stat(path, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	return rc;
}

char *read_file(const char *path, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct sbuf b = {0};
	char chunk[8192];
	ssize_t n;

	if (fd < 0)
		return NULL;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			sb_free(&b);
			errno = e;
			return NULL;
		}
		sb_addn(&b, chunk, (size_t)n);
	}
	close(fd);
	if (!b.s)
		sb_add(&b, "");
	if (lenp)
		*lenp = b.len;
	return b.s;
}

int write_if_changed(const char *path, const char *data, size_t len)
{
	size_t old_len;
	char *old = read_file(path, &old_len);

	if (old && old_len == len && memcmp(old, data, len) == 0) {
		free(old);
		return 0;
	}
	free(old);

	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int rc = 1;
	if (fd < 0) {
		rc = -errno;
		goto out_free;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			close(fd);
			goto out_unlink;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0) {
		rc = -errno;
		goto out_unlink;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		goto out_unlink;
	}
	goto out_free;
out_unlink:
	unlink(tmp);
out_free:
	free(tmp);
	return rc;
}
