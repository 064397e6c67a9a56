/*
 * Kiln's freestanding libc (lib/libc): what a bare target's binding calls
 * to set it up. Not for appliances: they use the standard headers in
 * lib/libc/include.
 */
#ifndef KILN_LIBC_H
#define KILN_LIBC_H

#include <stddef.h>

/*
 * Give the heap the region [start, end): malloc and friends allocate from
 * it and from nothing else. The region must be zero-filled (as the kvm
 * monitor leaves memory it did not load), which lets calloc skip clearing
 * memory that has never been handed out, and the allocator touches a
 * page only when it hands it out: on a nested-virtualisation host the
 * first touch of a page is an exit. Called once, before any allocation.
 */
void libc_heap_init(void *start, void *end);

/* Bytes of the heap region not yet handed out or handed back (free). */
size_t libc_heap_free(void);

#endif
