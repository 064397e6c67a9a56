/*
 * Small helpers shared by the kiln command's modules: err(3)-style
 * reporting, allocation that cannot fail (a CLI has nothing better to do
 * than stop), a growing string buffer, and path and file helpers.
 */
#ifndef KILN_TOOLS_UTIL_H
#define KILN_TOOLS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Print "kiln: MESSAGE" on stderr, run the failure hook (kiln_on_fail) and
 * exit with status 1. For errors in what the user gave us.
 */
void kiln_die(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

/* Like kiln_die, but with ": strerror(errno)" appended, as err(3). */
void kiln_die_errno(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

/* Print "kiln: MESSAGE" on stderr and carry on. */
void kiln_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Register fn to run once when kiln_die ends the program (used by the
 * build to remove a stale image); NULL clears it.
 */
void kiln_on_fail(void (*fn)(void));

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Append one element to a growing array *v of *n elements of size sz. */
void *xappend(void *v, size_t *n, size_t sz);

/* A NUL-terminated string that grows; zero-initialise it. */
struct sbuf {
	char *s;
	size_t len, cap;
};

void sb_add(struct sbuf *b, const char *s);
void sb_addn(struct sbuf *b, const char *s, size_t n);
void sb_addf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append s as a C string literal, quotes included, every byte escaped. */
void sb_add_cstr(struct sbuf *b, const char *s);

/* The buffer's text ("" when empty); still owned by b. */
const char *sb_str(struct sbuf *b);
void sb_free(struct sbuf *b);

/* "a/b" from a and b, with exactly one slash between. Caller frees. */
char *path_join(const char *a, const char *b);

/*
 * An absolute, lexically normalised path for p (relative to base, or to
 * the current directory when base is NULL): no ".", "..", "//" or trailing
 * slash. The file need not exist; symlinks are not resolved.
 */
char *path_abs(const char *base, const char *p);

/* True when p is relative and never climbs out with "..". */
bool path_is_inside(const char *p);

/* mkdir -p. Returns 0 or -errno. */
int mkdir_p(const char *path);

/*
 * Read a whole file into a new NUL-terminated buffer. Returns it, or NULL
 * with errno set. *len (optional) gets the length without the NUL.
 */
char *read_file(const char *path, size_t *len);

/*
 * Write data to path only when the file does not already hold exactly
 * that, so that make sees an unchanged mtime when nothing changed. Writes
 * a temporary file and renames it. Returns 1 when written, 0 when already
 * current, -errno on failure.
 */
int write_if_changed(const char *path, const char *data, size_t len);

#endif /* KILN_TOOLS_UTIL_H */
