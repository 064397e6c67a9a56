/* Unit tests for the network buffer pool (netbuf.h). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <kiln/netbuf.h>

#include "fakeplat.h"

#define POOL 8

static void do_free(void *arg)
{
	netbuf_free(arg);
}

static void do_init(void *arg)
{
	netbuf_pool_init(4);
}

static void test_pool(void)
{
	struct netbuf *nb[POOL + 1];
	struct netbuf bogus;
	int i, st = 0;
	bool aligned = true, distinct = true, fresh = true;

	netbuf_pool_init(POOL);
	CHECK("netbuf: total", netbuf_total() == POOL);
	CHECK("netbuf: all free", netbuf_avail() == POOL);
	for (i = 0; i < POOL; i++) {
		nb[i] = netbuf_alloc();
		if (!nb[i] || ((uintptr_t)nb[i]->buf % NETBUF_SIZE) != 0)
			aligned = false;
		else if (netbuf_headroom(nb[i]) != NETBUF_HEADROOM ||
			 nb[i]->len != 0 || nb[i]->next || nb[i]->user)
			fresh = false;
		if (i > 0 && nb[i] && nb[i]->buf == nb[i - 1]->buf)
			distinct = false;
	}
	CHECK("netbuf: page-aligned buffers", aligned);
	CHECK("netbuf: fresh buffers reset", fresh);
	CHECK("netbuf: distinct buffers", distinct);
	CHECK("netbuf: avail 0 when exhausted", netbuf_avail() == 0);
	nb[POOL] = netbuf_alloc();
	CHECK("netbuf: exhausted pool returns NULL", nb[POOL] == NULL);
	/* Use the whole page: ASan catches a short allocation. */
	memset(nb[0]->buf, 0xab, NETBUF_SIZE);
	nb[3]->user = 7;
	nb[3]->len = 100;
	netbuf_free(nb[3]);
	CHECK("netbuf: free restores", netbuf_avail() == 1);
	nb[3] = netbuf_alloc();
	CHECK("netbuf: realloc is reset",
	      nb[3] && nb[3]->user == 0 && nb[3]->len == 0 &&
		      netbuf_headroom(nb[3]) == NETBUF_HEADROOM);
	netbuf_free(NULL);
	CHECK("netbuf: free NULL ignored", netbuf_avail() == 0);

	nb[0]->next = nb[1];
	nb[1]->next = nb[2];
	netbuf_free_chain(nb[0]);
	CHECK("netbuf: free chain", netbuf_avail() == 3);

	fake_console_clear();
	CHECK("netbuf: double free panics",
	      fake_catch_exit(do_free, nb[1], &st) && st == 134 &&
		      fake_console_has("PANIC at ") &&
		      fake_console_has("double free") &&
		      fake_console_has("[backtrace]"));
	CHECK("netbuf: double free left the pool intact", netbuf_avail() == 3);
	fake_console_clear();
	CHECK("netbuf: foreign pointer panics",
	      fake_catch_exit(do_free, &bogus, &st) && st == 134 &&
		      fake_console_has("not a pool buffer"));
	CHECK("netbuf: interior pointer panics",
	      fake_catch_exit(do_free, (char *)nb[4] + 1, &st) && st == 134);
	CHECK("netbuf: second pool_init panics",
	      fake_catch_exit(do_init, NULL, &st) && st == 134);
	for (i = 3; i < POOL; i++)
		netbuf_free(nb[i]);
	CHECK("netbuf: all back", netbuf_avail() == POOL);
}

static void test_ops(void)
{
	struct netbuf *nb = netbuf_alloc();
	struct mview m;
	size_t room;

	CHECK("netbuf: alloc for ops", nb != NULL);
	if (!nb)
		return;
	CHECK("netbuf: tailroom",
	      netbuf_tailroom(nb) == NETBUF_SIZE - NETBUF_HEADROOM);
	CHECK("netbuf: put 10", netbuf_put(nb, 10, &m) && m.len == 10 &&
					m.p == nb->data && nb->len == 10);
	CHECK("netbuf: write through put view", mview_fill(m, 0, 'x', 10));
	CHECK("netbuf: push 20",
	      netbuf_push(nb, 20, &m) && m.len == 20 && nb->len == 30 &&
		      netbuf_headroom(nb) == NETBUF_HEADROOM - 20);
	CHECK("netbuf: push beyond headroom fails",
	      !netbuf_push(nb, NETBUF_HEADROOM - 19, &m) && nb->len == 30);
	CHECK("netbuf: push exactly headroom",
	      netbuf_push(nb, NETBUF_HEADROOM - 20, &m) &&
		      netbuf_headroom(nb) == 0);
	CHECK("netbuf: push 0 at no headroom", netbuf_push(nb, 0, &m));
	CHECK("netbuf: push 1 at no headroom fails", !netbuf_push(nb, 1, &m));
	CHECK("netbuf: push SIZE_MAX fails", !netbuf_push(nb, SIZE_MAX, &m));
	CHECK("netbuf: pull too much fails",
	      !netbuf_pull(nb, nb->len + 1) && nb->len == NETBUF_HEADROOM + 10);
	CHECK("netbuf: pull SIZE_MAX fails", !netbuf_pull(nb, SIZE_MAX));
	CHECK("netbuf: pull headers", netbuf_pull(nb, NETBUF_HEADROOM) &&
					      nb->len == 10 &&
					      nb->data[0] == 'x');
	room = netbuf_tailroom(nb);
	CHECK("netbuf: put beyond tailroom fails",
	      !netbuf_put(nb, room + 1, &m) && nb->len == 10);
	CHECK("netbuf: put SIZE_MAX fails", !netbuf_put(nb, SIZE_MAX, &m));
	CHECK("netbuf: put exactly tailroom",
	      netbuf_put(nb, room, &m) && netbuf_tailroom(nb) == 0 &&
		      mview_fill(m, 0, 0, room));
	netbuf_trim(nb, 5);
	CHECK("netbuf: trim", nb->len == 5);
	netbuf_trim(nb, 50);
	CHECK("netbuf: trim longer is no-op", nb->len == 5);
	CHECK("netbuf: view",
	      netbuf_view(nb).len == 5 && netbuf_view(nb).p == nb->data);
	CHECK("netbuf: pull all", netbuf_pull(nb, 5) && nb->len == 0);
	netbuf_reset(nb);
	CHECK("netbuf: reset",
	      nb->len == 0 && netbuf_headroom(nb) == NETBUF_HEADROOM);
	netbuf_free(nb);
}

int main(void)
{
	test_pool();
	test_ops();
	return fake_done();
}
