/*
 * The master-file lexer (RFC 1035 section 5.1), as NSD's and BIND's read
 * it: blanks separate tokens; ";" starts a comment to the end of the line;
 * "(" and ")" join lines into one entry; "..." quotes blanks, ";" and
 * parentheses; a backslash escapes the next character (or starts \DDD),
 * inside quotes and out, so `semi\;colon` is one token. A line that
 * begins with a blank omits its owner. Tokens keep their raw text: what
 * an escape means depends on the field (names, strings), zone_read's job.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "zone.h"

unsigned zerr_count;

void zerr(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	zerr_count++;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Skip an escape at p (p[0] == '\\'); returns the next position. */
static const char *skip_escape(const char *p, const char *end)
{
	p++;
	if (p < end)
		p++;
	return p;
}

int zlex_entry(struct zlex *lx, struct ztok *toks, int max, bool *blank_start,
	       int *line)
{
	int n = 0, depth = 0, open_line = 0;
	/* Whether the physical line that holds the first token began with a
	 * blank: entries start at line starts, so track it per line. */
	bool lead_blank = lx->p < lx->end && blank(*lx->p);

	for (;;) {
		const char *p = lx->p, *q;
		struct ztok *t;

		if (p >= lx->end) {
			if (depth > 0) {
				zerr(lx->file, open_line,
				     "'(' is not closed before the end of "
				     "the file");
				return -1;
			}
			return n;
		}
		if (*p == '\n') {
			lx->p = p + 1;
			lx->line++;
			if (depth == 0 && n > 0)
				return n;
			lead_blank = lx->p < lx->end && blank(*lx->p);
			continue;
		}
		if (blank(*p)) {
			lx->p = p + 1;
			continue;
		}
		if (*p == ';') {
			while (p < lx->end && *p != '\n')
				p++;
			lx->p = p;
			continue;
		}
		if (*p == '(' || *p == ')') {
			if (*p == ')' && depth == 0) {
				zerr(lx->file, lx->line,
				     "')' without a matching '('");
				return -1;
			}
			if (*p == '(' && depth++ == 0)
				open_line = lx->line;
			if (*p == ')')
				depth--;
			lx->p = p + 1;
			continue;
		}
		if (n == max) {
			zerr(lx->file, lx->line,
			     "too many fields in one entry");
			return -1;
		}
		if (n == 0) {
			*line = lx->line;
			*blank_start = lead_blank;
		}
		t = &toks[n++];
		t->line = lx->line;
		if (*p == '"') {
			q = p + 1;
			while (q < lx->end && *q != '"') {
				if (*q == '\\') {
					q = skip_escape(q, lx->end);
					continue;
				}
				if (*q == '\n')
					lx->line++;
				q++;
			}
			if (q >= lx->end) {
				zerr(lx->file, t->line,
				     "a quoted string is not closed");
				return -1;
			}
			t->s = p + 1;
			t->len = (size_t)(q - p - 1);
			t->quoted = true;
			lx->p = q + 1;
			continue;
		}
		q = p;
		while (q < lx->end && !blank(*q) && *q != '\n' && *q != ';' &&
		       *q != '(' && *q != ')' && *q != '"') {
			if (*q == '\\')
				q = skip_escape(q, lx->end);
			else
				q++;
		}
		t->s = p;
		t->len = (size_t)(q - p);
		t->quoted = false;
		lx->p = q;
	}
}
