/*
 * The netbuf pool without netbuf_pool_init: the first alloc sets up the
 * default pool (a binary of its own, since the pool is set up once).
 */
#include <stdbool.h>

#include <kiln/netbuf.h>

#include "fakeplat.h"

int main(void)
{
	struct netbuf *nb;

	CHECK("netbuf: no pool before first alloc",
	      netbuf_total() == 0 && netbuf_avail() == 0);
	nb = netbuf_alloc();
	CHECK("netbuf: first alloc sets up the default pool",
	      nb && netbuf_total() == NETBUF_DEFAULT_COUNT &&
		      netbuf_avail() == NETBUF_DEFAULT_COUNT - 1);
	netbuf_free(nb);
	CHECK("netbuf: default pool free",
	      netbuf_avail() == NETBUF_DEFAULT_COUNT);
	return fake_done();
}
