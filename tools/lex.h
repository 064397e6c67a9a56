/*
 * The manifest's tokenizer (lex.c), used by the manifest reader.
 */
#ifndef KILN_TOOLS_LEX_H
#define KILN_TOOLS_LEX_H

#include <stddef.h>

/*
 * Split one line of len bytes (without its newline) into tokens, appended
 * to the array *tok of *ntok strings (each allocated; the caller frees
 * them). A token is a run of non-blanks (blank: space, tab, CR), or a
 * "quoted" string with \" and \\ as its only escapes, which must be
 * followed by a blank, a comment or the end of the line; "" is an empty
 * token. `#` outside quotes starts a comment. Returns 0, or -1 with the
 * reason (no file or line) in why; tokens appended before the error are
 * left for the caller to free.
 */
int mf_lex_line(const char *s, size_t len, char ***tok, size_t *ntok, char *why,
		size_t whylen);

#endif /* KILN_TOOLS_LEX_H */
