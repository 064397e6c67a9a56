/*
 * Kiln's freestanding libc: stdlib.h.
 *
 * The heap (malloc.c) lives in one region that the target hands over at
 * start (libc_heap_init, lib/libc/libc.h); it never grows. When it is
 * exhausted the allocation functions return NULL.
 */
#ifndef KILN_LIBC_STDLIB_H
#define KILN_LIBC_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void *aligned_alloc(size_t align, size_t size);
void free(void *p);

long strtol(const char *restrict s, char **restrict end, int base);
unsigned long strtoul(const char *restrict s, char **restrict end, int base);
long long strtoll(const char *restrict s, char **restrict end, int base);
unsigned long long strtoull(const char *restrict s, char **restrict end,
			    int base);
int atoi(const char *s);
long atol(const char *s);

void qsort(void *base, size_t n, size_t size,
	   int (*cmp)(const void *, const void *));
void *bsearch(const void *key, const void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *));

int abs(int v);
long labs(long v);
long long llabs(long long v);

/* Ends the image: a panic (status 134) with a backtrace. */
_Noreturn void abort(void);

#endif
