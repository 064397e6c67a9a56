/*
 * What lib/net's fuzz targets share. Each fuzz_X.c defines the libFuzzer
 * entry point for one parser; the same file links either with libFuzzer
 * (clang -fsanitize=fuzzer) or with replay.c, which feeds it saved inputs
 * under gcc's sanitizers. Targets parse, and when the input is accepted
 * emit it again and check that the round trip agrees: a disagreement is a
 * bug, reported by fuzz_fail() (abort, so both drivers stop on it).
 *
 * Host-only code: stdio and abort are fine here, unlike in lib/net.
 */
#ifndef KILN_NET_FUZZ_H
#define KILN_NET_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <kiln/view.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
	abort();
}

#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond))                                                   \
			fuzz_fail(#cond, __FILE__, __LINE__);                  \
	} while (0)

/* A view lies inside the input (parsers hand out only sub-views). */
static inline int fuzz_inside(struct view v, const uint8_t *data, size_t size)
{
	if (v.len == 0)
		return 1;
	return v.p >= data && v.len <= size &&
	       (size_t)(v.p - data) <= size - v.len;
}

#endif /* KILN_NET_FUZZ_H */
