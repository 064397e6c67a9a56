/*
 * tcpbench: a TCP sink and a TCP source, the appliance end of bench/net.sh
 * (bulk throughput and connections per second, posix-socket against
 * posix-direct) and of tests/tcpbench_apps.t. build/tools/tcpbench
 * (tests/tools/tcpbench.c) is the Linux end.
 *
 *   sink    port `sink_port` (5001): every received byte is consumed and
 *           dropped, so the receive path is all that is measured. On the
 *           peer's FIN it closes; its own FIN then tells the client that
 *           every byte has arrived (the client times the transfer up to
 *           it).
 *   source  port `source_port` (5002): the client sends a decimal byte
 *           count and '\n' (at most 20 digits); the source sends that many
 *           bytes and closes. "0\n" streams until the peer closes or
 *           resets. Anything the client sends after the count is dropped.
 *           Byte k of the stream is k % 251 (251 is prime: a lost, doubled
 *           or misplaced segment changes the pattern), so the client can
 *           check it.
 *
 * The source sends with tcp_send_static from one buffer that lives as long
 * as the image, filled once at start: no copy into the stack, the way a
 * real appliance sends its embedded files. The buffer is a whole number of
 * pattern periods, so sending it again and again continues the pattern.
 *
 * At log=info each connection ends with one line: "sink: N bytes, why" or
 * "source: N bytes, why" (the test checks the sink's count there). At the
 * default level nothing is printed per connection: bench/net.sh measures
 * the stack, not the console.
 *
 * Per-connection state comes from a fixed pool (no allocation per
 * connection); a connection that finds it empty is aborted and counted.
 */
#include <kiln/config.h>
#include <kiln/kiln.h>
#include <kiln/log.h>
#include <kiln/tcp.h>

#define PERIOD	  251u
#define SRC_LEN	  (PERIOD * 4096u) /* about 1 MiB */
#define POOL_SIZE 1024u		   /* the stacks' connection tables */
#define HDR_MAX	  20u		   /* digits of a uint64_t */

struct bconn {
	struct tcp_conn *c;
	struct bconn *next_free;
	uint64_t bytes; /* received (sink) or queued to send (source) */
	uint64_t left;	/* source: still to queue, unless forever */
	uint32_t off;	/* source: where in src_buf the next send starts */
	uint8_t hlen;	/* source: digits of the count seen so far */
	bool forever;	/* source: "0\n", stream until the peer closes */
	bool streaming; /* source: the count has arrived */
	bool done;	/* source: tcp_close called */
	char hdr[HDR_MAX];
};

static uint8_t src_buf[SRC_LEN]; /* filled at start, never written again */
static struct bconn pool[POOL_SIZE];
static struct bconn *free_list;
static uint64_t pool_empty;

static struct bconn *bconn_get(struct tcp_conn *c)
{
	struct bconn *b = free_list;

	if (!b) {
		if (pool_empty++ == 0)
			log_warn("tcpbench: more than %u connections at once; "
				 "aborting newcomers",
				 POOL_SIZE);
		return NULL;
	}
	free_list = b->next_free;
	*b = (struct bconn){.c = c};
	return b;
}

static void bconn_put(struct bconn *b)
{
	b->c = NULL;
	b->next_free = free_list;
	free_list = b;
}

/* ---- sink ---------------------------------------------------------------- */

static size_t sink_recv(struct tcp_conn *c, struct view data, void *arg)
{
	struct bconn *b = arg;

	b->bytes += data.len;
	return data.len;
}

static void sink_closed(struct tcp_conn *c, enum tcp_close_reason why,
			void *arg)
{
	struct bconn *b = arg;

	log_info("sink: %llu bytes, %s", (unsigned long long)b->bytes,
		 tcp_close_reason_name(why));
	bconn_put(b);
}

/* `eof` is left to its default, tcp_close: our FIN follows theirs. */
static const struct tcp_callbacks sink_cbs = {
	.recv = sink_recv,
	.closed = sink_closed,
};

static void sink_accept(struct tcp_listener *l, struct tcp_conn *c, void *arg)
{
	struct bconn *b = bconn_get(c);

	if (!b) {
		tcp_abort(c);
		return;
	}
	tcp_set_callbacks(c, &sink_cbs, b);
}

/* ---- source -------------------------------------------------------------- */

/*
 * Queue as much as the connection takes, by reference. A short count
 * means the queue is full: `writable` calls again. When the count is
 * reached, close (the FIN follows the queued bytes).
 */
static void source_pump(struct bconn *b)
{
	while (!b->done && (b->forever || b->left > 0)) {
		size_t n = SRC_LEN - b->off;

		if (!b->forever && n > b->left)
			n = (size_t)b->left;
		ssize_t k = tcp_send_static(b->c, src_buf + b->off, n);
		if (k <= 0)
			return; /* full (writable follows) or ending */
		b->off = (uint32_t)((b->off + (size_t)k) % SRC_LEN);
		b->bytes += (uint64_t)k;
		if (!b->forever)
			b->left -= (uint64_t)k;
		if ((size_t)k < n)
			return;
	}
	if (!b->done) {
		b->done = true;
		tcp_close(b->c);
	}
}

/* The count: digits then '\n'. Anything else aborts the connection. */
static size_t source_recv(struct tcp_conn *c, struct view data, void *arg)
{
	struct bconn *b = arg;
	size_t i;

	if (b->streaming)
		return data.len;
	for (i = 0; i < data.len; i++) {
		uint8_t ch = data.p[i];

		if (ch == '\n')
			break;
		if (ch < '0' || ch > '9' || b->hlen == HDR_MAX) {
			log_info("source: a bad count; aborting");
			tcp_abort(c);
			return data.len;
		}
		b->hdr[b->hlen++] = (char)ch;
	}
	if (i == data.len)
		return data.len; /* the rest of the count comes later */
	if (b->hlen == 0) {
		tcp_abort(c);
		return data.len;
	}
	uint64_t n = 0;
	for (unsigned k = 0; k < b->hlen; k++)
		n = n * 10 + (uint64_t)(b->hdr[k] - '0');
	b->streaming = true;
	b->forever = n == 0;
	b->left = n;
	source_pump(b);
	return data.len;
}

static void source_writable(struct tcp_conn *c, void *arg)
{
	struct bconn *b = arg;

	if (b->streaming)
		source_pump(b);
}

/* The peer will send nothing more: finish a counted transfer, end a
 * stream (a peer that stops reading closes, it does not half-close). */
static void source_eof(struct tcp_conn *c, void *arg)
{
	struct bconn *b = arg;

	if (b->streaming && !b->forever && b->left > 0)
		return; /* source_pump closes when the count is queued */
	if (!b->done) {
		b->done = true;
		tcp_close(c);
	}
}

static void source_closed(struct tcp_conn *c, enum tcp_close_reason why,
			  void *arg)
{
	struct bconn *b = arg;

	log_info("source: %llu bytes, %s", (unsigned long long)b->bytes,
		 tcp_close_reason_name(why));
	bconn_put(b);
}

static const struct tcp_callbacks source_cbs = {
	.recv = source_recv,
	.eof = source_eof,
	.writable = source_writable,
	.closed = source_closed,
};

static void source_accept(struct tcp_listener *l, struct tcp_conn *c, void *arg)
{
	struct bconn *b = bconn_get(c);

	if (!b) {
		tcp_abort(c);
		return;
	}
	tcp_set_callbacks(c, &source_cbs, b);
}

/* ---- start -----------------------------------------------------------------
 */

static int listen_on(unsigned port, tcp_accept_fn fn, const char *what)
{
	struct net_addr any = {.ip = 0, .port = (uint16_t)port};
	struct tcp_listener *l;
	int err = tcp_listen(&l, &any, fn, NULL);

	if (err < 0)
		kiln_printf("tcpbench: cannot listen for the %s on TCP port "
			    "%u: error %d\n",
			    what, port, -err);
	return err;
}

int kiln_main(int argc, char **argv)
{
	unsigned sink_port = (unsigned)cfg_int("sink_port");
	unsigned source_port = (unsigned)cfg_int("source_port");

	for (uint32_t i = 0; i < SRC_LEN; i++)
		src_buf[i] = (uint8_t)(i % PERIOD);
	for (unsigned i = POOL_SIZE; i-- > 0;)
		bconn_put(&pool[i]);
	if (listen_on(sink_port, sink_accept, "sink") < 0 ||
	    listen_on(source_port, source_accept, "source") < 0)
		return 1;
	kiln_printf("tcpbench: sink on TCP port %u, source on TCP port %u\n",
		    sink_port, source_port);
	return 0;
}
