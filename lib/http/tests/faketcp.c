/* The fake TCP of faketcp.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "faketcp.h"

static tcp_accept_fn acc;
static void *acc_arg;
static struct tcp_listener *the_listener = (struct tcp_listener *)&acc;

int tcp_listen(struct tcp_listener **out, const struct net_addr *local,
	       tcp_accept_fn accept, void *arg)
{
	acc = accept;
	acc_arg = arg;
	*out = the_listener;
	return 0;
}

void tcp_listener_close(struct tcp_listener *l)
{
}

void tcp_listener_client_first(struct tcp_listener *l)
{
}

struct tcp_conn *ftcp_accept(void)
{
	struct tcp_conn *c = calloc(1, sizeof *c);
	c->room = SIZE_MAX;
	acc(the_listener, c, acc_arg);
	return c;
}

void tcp_set_callbacks(struct tcp_conn *c, const struct tcp_callbacks *cbs,
		       void *arg)
{
	c->cbs = cbs;
	c->arg = arg;
}

static ssize_t take(struct tcp_conn *c, const void *p, size_t n)
{
	if (c->aborted)
		return -ENOTCONN;
	if (c->shut)
		return -EPIPE;
	size_t k = n < c->room ? n : c->room;
	if (c->out_len + k + 1 > c->out_cap) {
		c->out_cap = (c->out_len + k + 1) * 2;
		c->out = realloc(c->out, c->out_cap);
	}
	c->sends++;
	memcpy(c->out + c->out_len, p, k);
	c->out_len += k;
	c->out[c->out_len] = 0;
	if (c->room != SIZE_MAX)
		c->room -= k;
	if (k < n)
		c->want_writable = true;
	return (ssize_t)k;
}

ssize_t tcp_send(struct tcp_conn *c, const void *p, size_t n)
{
	return take(c, p, n);
}

ssize_t tcp_send_static(struct tcp_conn *c, const void *p, size_t n)
{
	c->static_calls++;
	return take(c, p, n);
}

/* As the contract says: tcp_send, then tcp_close if all was taken. */
ssize_t tcp_send_close(struct tcp_conn *c, const void *p, size_t n)
{
	ssize_t k = take(c, p, n);

	if (k == (ssize_t)n)
		tcp_close(c);
	return k;
}

size_t tcp_send_room(const struct tcp_conn *c)
{
	return c->room;
}

void tcp_recv_resume(struct tcp_conn *c)
{
	c->resumed = true;
}

void tcp_shutdown(struct tcp_conn *c)
{
	c->shut = true;
}

void tcp_close(struct tcp_conn *c)
{
	c->closed_req = true;
	c->shut = true;
}

void tcp_abort(struct tcp_conn *c)
{
	c->aborted = true;
}

void tcp_set_nodelay(struct tcp_conn *c, bool on)
{
}

size_t ftcp_recv(struct tcp_conn *c, const char *p, size_t n)
{
	return c->cbs->recv(c, view_make(p, n), c->arg);
}

void ftcp_room(struct tcp_conn *c, size_t room)
{
	c->room = room;
	if (c->want_writable) {
		c->want_writable = false;
		if (c->cbs->writable)
			c->cbs->writable(c, c->arg);
	}
}

void ftcp_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	c->cbs->closed(c, why, c->arg);
}
