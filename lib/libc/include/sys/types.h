/* Kiln's freestanding libc: sys/types.h, the few types Kiln's headers use. */
#ifndef KILN_LIBC_SYS_TYPES_H
#define KILN_LIBC_SYS_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef long ssize_t;
typedef long off_t;
typedef long time_t;

#endif
