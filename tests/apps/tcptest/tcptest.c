/*
 * tcptest: the parts of the TCP contract (tcp.h) that an echo server does
 * not reach, checked against its own listener on 127.0.0.1:`port`:
 *
 *   refused    tcp_connect to a closed port: closed(REFUSED), never
 *              `connected`, and `closed` not called from inside the call
 *   transfer   a client sends 4 MiB by reference (tcp_send_static) and a
 *              tail by copy, then tcp_shutdown; the server consumes at most
 *              777 bytes per recv (the rest is offered again after
 *              tcp_recv_resume), checks every byte, answers "OK" on eof and
 *              closes; the client sees "OK", eof, and both sides end NORMAL
 *   abort      a client aborts as soon as it is connected: tcp_send then
 *              fails, its closed(ABORTED) comes later, from the loop; the
 *              server side ends with RESET
 *
 * Each connection must get exactly one `closed`. Prints SUCCESS and ends
 * (the loop runs dry) with status 0, or "FAILURE: why" and status 1; a
 * watchdog ends a hung run after 10 s.
 */
#include <kiln/config.h>
#include <kiln/kiln.h>
#include <kiln/loop.h>
#include <kiln/tcp.h>

#define BIG	    (4 * 1024 * 1024)
#define TAIL	    "-tail-"
#define SERVER_BITE 777

static uint8_t big[BIG]; /* filled once at start, never written again */
static struct tcp_listener *lst;
static struct net_addr self;
static struct loop_timer watchdog;
static bool in_call;
static int step;

static void fail(const char *what)
{
	kiln_printf("FAILURE: %s (step %d)\n", what, step);
	kiln_exit(1);
}

static void next(void);

/* ---- refused ------------------------------------------------------------ */

static void r_connected(struct tcp_conn *c, void *arg)
{
	fail("connected to a closed port");
}

static size_t r_recv(struct tcp_conn *c, struct view d, void *arg)
{
	return d.len;
}

static void r_closed(struct tcp_conn *c, enum tcp_close_reason why, void *a)
{
	if (in_call)
		fail("closed called from inside tcp_connect");
	if (why != TCP_CLOSED_REFUSED) {
		kiln_printf("refused: got %s\n", tcp_close_reason_name(why));
		fail("connect to a closed port not REFUSED");
		return;
	}
	next();
}

static const struct tcp_callbacks refused_cbs = {
	.connected = r_connected, .recv = r_recv, .closed = r_closed};

/* ---- transfer: server side ---------------------------------------------- */

static size_t srv_got;
static int srv_closed, cli_closed;

static uint8_t expected(size_t i)
{
	if (i < BIG)
		return big[i];
	return (uint8_t)TAIL[i - BIG];
}

static size_t s_recv(struct tcp_conn *c, struct view d, void *arg)
{
	size_t n = d.len < SERVER_BITE ? d.len : SERVER_BITE;

	for (size_t i = 0; i < n; i++)
		if (srv_got + i >= BIG + sizeof TAIL - 1 ||
		    d.p[i] != expected(srv_got + i)) {
			fail("server received a wrong byte");
			tcp_abort(c);
			return d.len;
		}
	srv_got += n;
	if (n < d.len)
		tcp_recv_resume(c); /* the rest again, from the loop */
	return n;
}

static void s_eof(struct tcp_conn *c, void *arg)
{
	if (srv_got != BIG + sizeof TAIL - 1)
		fail("server saw eof before all bytes");
	if (tcp_send(c, "OK", 2) != 2)
		fail("server could not send OK");
	tcp_close(c);
}

static void s_closed(struct tcp_conn *c, enum tcp_close_reason why, void *a)
{
	srv_closed++;
	if (step == 2 && why != TCP_CLOSED_NORMAL)
		fail("server side of transfer not NORMAL");
	if (step == 3 && why != TCP_CLOSED_RESET) {
		kiln_printf("abort: server got %s\n",
			    tcp_close_reason_name(why));
		fail("server side of an abort not RESET");
	}
	if (srv_closed == 1 && cli_closed == 1)
		next();
}

static const struct tcp_callbacks server_cbs = {
	.recv = s_recv, .eof = s_eof, .closed = s_closed};

static void on_accept(struct tcp_listener *l, struct tcp_conn *c, void *arg)
{
	tcp_set_callbacks(c, &server_cbs, NULL);
}

/* ---- transfer: client side ---------------------------------------------- */

static char cli_buf[8];
static size_t cli_got, big_sent;
static bool cli_eof;

static void c_push(struct tcp_conn *c)
{
	ssize_t n;

	while (big_sent < BIG) {
		n = tcp_send_static(c, big + big_sent, BIG - big_sent);
		if (n < 0) {
			fail("tcp_send_static failed");
			return;
		}
		if (n == 0)
			return; /* `writable` comes */
		big_sent += (size_t)n;
	}
	if (tcp_send(c, TAIL, sizeof TAIL - 1) != sizeof TAIL - 1)
		fail("tail not taken");
	tcp_shutdown(c);
	if (tcp_send(c, "x", 1) >= 0)
		fail("tcp_send after tcp_shutdown accepted");
}

static void c_connected(struct tcp_conn *c, void *arg)
{
	c_push(c);
}

static void c_writable(struct tcp_conn *c, void *arg)
{
	c_push(c);
}

static size_t c_recv(struct tcp_conn *c, struct view d, void *arg)
{
	if (cli_got + d.len > sizeof cli_buf) {
		fail("client received too much");
		return d.len;
	}
	for (size_t i = 0; i < d.len; i++)
		cli_buf[cli_got++] = (char)d.p[i];
	return d.len;
}

static void c_eof(struct tcp_conn *c, void *arg)
{
	cli_eof = true;
	if (cli_got != 2 || cli_buf[0] != 'O' || cli_buf[1] != 'K')
		fail("client did not get OK");
	tcp_close(c);
}

static void c_closed(struct tcp_conn *c, enum tcp_close_reason why, void *a)
{
	cli_closed++;
	if (why != TCP_CLOSED_NORMAL || !cli_eof) {
		kiln_printf("transfer: client got %s\n",
			    tcp_close_reason_name(why));
		fail("client side of transfer not NORMAL after eof");
	}
	if (srv_closed == 1 && cli_closed == 1)
		next();
}

static const struct tcp_callbacks client_cbs = {
	.connected = c_connected,
	.recv = c_recv,
	.eof = c_eof,
	.writable = c_writable,
	.closed = c_closed,
};

/* ---- abort -------------------------------------------------------------- */

static bool a_in_abort;

static void a_connected(struct tcp_conn *c, void *arg)
{
	a_in_abort = true;
	tcp_abort(c);
	if (tcp_send(c, "x", 1) >= 0)
		fail("tcp_send after tcp_abort accepted");
	tcp_close(c); /* idempotent, harmless */
	tcp_abort(c);
	a_in_abort = false;
}

static void a_closed(struct tcp_conn *c, enum tcp_close_reason why, void *a)
{
	cli_closed++;
	if (a_in_abort)
		fail("closed called from inside tcp_abort");
	if (why != TCP_CLOSED_ABORTED)
		fail("aborting side not ABORTED");
	if (srv_closed == 1 && cli_closed == 1)
		next();
}

static const struct tcp_callbacks abort_cbs = {
	.connected = a_connected, .recv = r_recv, .closed = a_closed};

/* ---- sequence ----------------------------------------------------------- */

static void start(const struct net_addr *to, const struct tcp_callbacks *cbs)
{
	struct tcp_conn *c;
	int r;

	in_call = true;
	r = tcp_connect(&c, to, cbs, NULL);
	in_call = false;
	if (r != 0)
		fail("tcp_connect did not start");
}

static void next(void)
{
	struct net_addr closed_port = {NET_IP4(127, 0, 0, 1), 1};

	srv_closed = cli_closed = 0;
	switch (++step) {
	case 1:
		start(&closed_port, &refused_cbs);
		break;
	case 2:
		start(&self, &client_cbs);
		break;
	case 3:
		start(&self, &abort_cbs);
		break;
	default:
		tcp_listener_close(lst);
		loop_timer_cancel(&watchdog);
		kiln_printf("SUCCESS\n");
	}
}

static void on_watchdog(struct loop_timer *t, void *arg)
{
	fail("timed out");
}

int kiln_main(int argc, char **argv)
{
	struct net_addr any = {0, (uint16_t)cfg_int("port")};
	uint32_t x = 12345;

	for (size_t i = 0; i < BIG; i++) {
		x = x * 1103515245u + 12345u;
		big[i] = (uint8_t)(x >> 16);
	}
	self.ip = NET_IP4(127, 0, 0, 1);
	self.port = any.port;
	if (tcp_listen(&lst, &any, on_accept, NULL) != 0) {
		kiln_printf("FAILURE: cannot listen on port %u\n", any.port);
		return 1;
	}
	loop_timer_init(&watchdog, on_watchdog, NULL);
	loop_timer_arm_in(&watchdog, 10ull * 1000000000u);
	next();
	return 0;
}
