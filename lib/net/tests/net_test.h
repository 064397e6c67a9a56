/*
 * The little harness lib/net's unit tests share: CHECK prints one line per
 * check in the Kiln test protocol (`ok - name` / `not ok - name: why`),
 * and net_test_done() turns the failures into the exit status.
 */
#ifndef KILN_NET_TEST_H
#define KILN_NET_TEST_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <kiln/addr.h>
#include <kiln/netbuf.h>
#include <kiln/view.h>

#include "drop.h"

static int net_test_failed;

#define CHECK(name, cond)                                                      \
	do {                                                                   \
		if (cond) {                                                    \
			printf("ok - %s\n", name);                             \
		} else {                                                       \
			printf("not ok - %s: %s (%s:%d)\n", name, #cond,       \
			       __FILE__, __LINE__);                            \
			net_test_failed++;                                     \
		}                                                              \
	} while (0)

/* A parser's verdict, with the reason named when it is not the expected. */
#define CHECK_DROP(name, got, want)                                            \
	do {                                                                   \
		enum net_drop got_ = (got), want_ = (want);                    \
		if (got_ == want_) {                                           \
			printf("ok - %s\n", name);                             \
		} else {                                                       \
			printf("not ok - %s: got %s, want %s (%s:%d)\n", name, \
			       net_drop_name(got_), net_drop_name(want_),      \
			       __FILE__, __LINE__);                            \
			net_test_failed++;                                     \
		}                                                              \
	} while (0)

static inline int net_test_done(void)
{
	return net_test_failed ? 1 : 0;
}

/* A netbuf over a caller's page-sized array, without the pool. */
static inline void net_test_netbuf(struct netbuf *nb, uint8_t *page)
{
	nb->buf = page;
	netbuf_reset(nb);
	nb->user = 0;
}

/* A view of a static test vector. */
#define VEC(a) view_make((a), sizeof(a))

#endif /* KILN_NET_TEST_H */
