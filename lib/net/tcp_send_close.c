/*
 * tcp_send_close on Kiln's stack (include/kiln/tcp.h): tcp_send, then
 * tcp_close once everything was taken. Its own file so that the stack's
 * send path is untouched; whether the FIN rides with the last bytes is up
 * to the stack's output, which sends what is queued when it runs.
 */
#include <kiln/tcp.h>

ssize_t tcp_send_close(struct tcp_conn *c, const void *data, size_t len)
{
	ssize_t n = tcp_send(c, data, len);

	if (n == (ssize_t)len)
		tcp_close(c);
	return n;
}
