/* Kiln's freestanding libc: strings.h (case-insensitive compares). */
#ifndef KILN_LIBC_STRINGS_H
#define KILN_LIBC_STRINGS_H

#include <stddef.h>

int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);

#endif
