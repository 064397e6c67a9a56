/*
 * The manifest's tokenizer: one line at a time, blanks between tokens,
 * "quoted" tokens with two escapes, `#` comments. Kept apart from the
 * directives so that each file stays about one thing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lex.h"
#include "util.h"

/* Format the reason into why; returns -1 for the caller to return. */
__attribute__((format(printf, 3, 4))) static int
lex_err(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Split one line (without its newline), appending to *tok. A token is a run of
 * non-blanks, or a "quoted" string with \" and \\ escapes that must be
 * followed by a blank, a comment or the end of the line. `#` outside
 * quotes ends the line.
 */
int mf_lex_line(const char *s, size_t len, char ***tok, size_t *ntok, char *why,
		size_t whylen)
{
	const char *end = s + len;

	while (s < end) {
		if (*s == ' ' || *s == '\t' || *s == '\r') {
			s++;
			continue;
		}
		if (*s == '#')
			break;
		struct sbuf t = {0};
		if (*s == '"') {
			for (s++;; s++) {
				if (s == end) {
					sb_free(&t);
					return lex_err(why, whylen,
						       "unterminated quoted "
						       "token (expected a "
						       "closing '\"')");
				}
				if (*s == '"')
					break;
				if (*s == '\\') {
					if (s + 1 == end ||
					    (s[1] != '"' && s[1] != '\\')) {
						sb_free(&t);
						return lex_err(
							why, whylen,
							"expected \\\" or "
							"\\\\ after '\\' "
							"in a quoted token");
					}
					s++;
				}
				sb_addn(&t, s, 1);
			}
			s++;
			if (s < end && *s != ' ' && *s != '\t' && *s != '\r' &&
			    *s != '#') {
				sb_free(&t);
				return lex_err(why, whylen,
					       "expected a blank after a "
					       "quoted token, got '%c'",
					       *s);
			}
			sb_add(&t, ""); /* "" is a token too */
		} else {
			const char *b = s;
			while (s < end && *s != ' ' && *s != '\t' &&
			       *s != '\r' && *s != '#') {
				if (*s == '"') {
					sb_free(&t);
					return lex_err(why, whylen,
						       "stray '\"' inside a "
						       "token (quote the "
						       "whole token)");
				}
				s++;
			}
			sb_addn(&t, b, (size_t)(s - b));
		}
		if (memchr(t.s, '\0', t.len)) {
			sb_free(&t);
			return lex_err(why, whylen, "NUL byte in a token");
		}
		*tok = xappend(*tok, ntok, sizeof(**tok));
		(*tok)[*ntok - 1] = t.s;
	}
	return 0;
}
