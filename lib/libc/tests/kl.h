/*
 * Kiln's libc as the host unit tests see it: every public name with a kl_
 * prefix (tests/prefix.h renames them when the libc is compiled for the
 * host), next to glibc's, which the tests include as usual.
 */
#ifndef KILN_LIBC_TESTS_KL_H
#define KILN_LIBC_TESTS_KL_H

#include <stdarg.h>
#include <stddef.h>

void *kl_memcpy(void *dst, const void *src, size_t n);
void *kl_memmove(void *dst, const void *src, size_t n);
void *kl_memset(void *dst, int c, size_t n);
int kl_memcmp(const void *a, const void *b, size_t n);
void *kl_memchr(const void *s, int c, size_t n);
void *kl_memrchr(const void *s, int c, size_t n);
void *kl_memmem(const void *h, size_t hl, const void *n, size_t nl);
size_t kl_strlen(const char *s);
size_t kl_strnlen(const char *s, size_t max);
int kl_strcmp(const char *a, const char *b);
int kl_strncmp(const char *a, const char *b, size_t n);
char *kl_strchr(const char *s, int c);
char *kl_strrchr(const char *s, int c);
char *kl_strstr(const char *h, const char *n);
size_t kl_strspn(const char *s, const char *a);
size_t kl_strcspn(const char *s, const char *r);
char *kl_strpbrk(const char *s, const char *a);
char *kl_strcpy(char *d, const char *s);
char *kl_strncpy(char *d, const char *s, size_t n);
char *kl_strcat(char *d, const char *s);
char *kl_strncat(char *d, const char *s, size_t n);
size_t kl_strlcpy(char *d, const char *s, size_t size);
char *kl_strdup(const char *s);
char *kl_strndup(const char *s, size_t n);
int kl_strcasecmp(const char *a, const char *b);
int kl_strncasecmp(const char *a, const char *b, size_t n);
char *kl_strerror(int err);

int kl_snprintf(char *buf, size_t size, const char *fmt, ...);
int kl_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

void *kl_malloc(size_t size);
void *kl_calloc(size_t n, size_t size);
void *kl_realloc(void *p, size_t size);
void *kl_aligned_alloc(size_t align, size_t size);
void kl_free(void *p);
void libc_heap_init(void *start, void *end);
size_t libc_heap_free(void);

long kl_strtol(const char *s, char **end, int base);
unsigned long kl_strtoul(const char *s, char **end, int base);
long long kl_strtoll(const char *s, char **end, int base);
unsigned long long kl_strtoull(const char *s, char **end, int base);
void kl_qsort(void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *));
void *kl_bsearch(const void *key, const void *base, size_t n, size_t size,
		 int (*cmp)(const void *, const void *));
extern int kl_errno;

int kl_isalnum(int c);
int kl_isalpha(int c);
int kl_isblank(int c);
int kl_iscntrl(int c);
int kl_isdigit(int c);
int kl_isgraph(int c);
int kl_islower(int c);
int kl_isprint(int c);
int kl_ispunct(int c);
int kl_isspace(int c);
int kl_isupper(int c);
int kl_isxdigit(int c);
int kl_tolower(int c);
int kl_toupper(int c);

/* The one-line test protocol (HACKING.md). */
#include <stdio.h>
static int kl_fails;
#define CHECK(name, cond)                                                      \
	do {                                                                   \
		if (cond)                                                      \
			printf("ok - %s\n", name);                             \
		else {                                                         \
			printf("not ok - %s (%s:%d)\n", name, __FILE__,        \
			       __LINE__);                                      \
			kl_fails++;                                            \
		}                                                              \
	} while (0)

#endif
