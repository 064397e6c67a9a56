/*
 * A fake TCP (include/kiln/tcp.h) for lib/http's unit tests: no sockets;
 * a test accepts connections, hands them bytes and reads what the server
 * sent. The room the "stack" offers can be limited, to drive the server's
 * back-pressure paths (short sends, spill, writable), which loopback
 * tests rarely reach.
 */
#ifndef KILN_HTTP_FAKETCP_H
#define KILN_HTTP_FAKETCP_H

#include <stdbool.h>
#include <stddef.h>

#include <kiln/tcp.h>

struct tcp_conn {
	const struct tcp_callbacks *cbs;
	void *arg;
	char *out; /* what the server sent (grows) */
	size_t out_len, out_cap;
	size_t sends; /* tcp_send and tcp_send_static calls */
	size_t room;  /* bytes the next sends may take in all */
	size_t static_calls;
	bool resumed, closed_req, aborted, shut;
	bool want_writable;
};

/* A new connection, accepted by the server's listener. */
struct tcp_conn *ftcp_accept(void);
/* Offer bytes to the server's recv; returns what it consumed. */
size_t ftcp_recv(struct tcp_conn *c, const char *p, size_t n);
/* Give the stack more room and call `writable` if a send was short. */
void ftcp_room(struct tcp_conn *c, size_t room);
/* End the connection as the stack would (calls `closed`). */
void ftcp_closed(struct tcp_conn *c, enum tcp_close_reason why);

#endif
