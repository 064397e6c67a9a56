/*
 * The floor for bench/www.sh: an HTTP responder that parses nothing. It
 * answers each request (counted by its blank line) with one fixed
 * response, from one epoll loop on one core, and ends the connection
 * (FIN, then close on the client's FIN) when a request says
 * "Connection: close". What it costs per request is what the kernel
 * costs: any server on this machine pays at least that.
 *
 * With FILE, the body is FILE's first BODY_BYTES bytes, sent with
 * sendfile(2) after the head (which goes by send, with TCP_NODELAY: its own
 * segment, as nginx's writev-then-sendfile): the floor of a server that
 * sends a file by reference, which copying cannot reach for large bodies.
 *
 *   www_floor PORT BODY_BYTES [FILE]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: www_floor PORT BODY_BYTES [FILE]\n");
		return 2;
	}
	int ffd = argc == 4 ? open(argv[3], O_RDONLY) : -1;
	if (argc == 4 && ffd < 0) {
		perror("www_floor: open");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN); /* sendfile has no MSG_NOSIGNAL */
	int port = atoi(argv[1]);
	size_t body = (size_t)atol(argv[2]);
	char *resp = malloc(body + 256);
	int hl = sprintf(resp,
			 "HTTP/1.1 200 OK\r\nServer: floor\r\nContent-Type: "
			 "text/plain\r\nContent-Length: %zu\r\n\r\n",
			 body);
	memset(resp + hl, 'x', body);
	size_t rlen = (size_t)hl + body;

	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_ANY)};
	if (bind(l, (struct sockaddr *)&sa, sizeof sa) || listen(l, 1024)) {
		perror("www_floor: bind");
		return 1;
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = l}, evs[256];
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	static char buf[65536];
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == l) {
				int c;
				/* Blocking sockets: epoll says when to read,
				 * and a send then writes the whole answer. */
				while ((c = accept4(l, NULL, NULL, 0)) >= 0) {
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY,
						   &one, sizeof one);
					ev.data.fd = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			ssize_t k = recv(fd, buf, sizeof buf - 1, 0);
			if (k <= 0) {
				close(fd);
				continue;
			}
			buf[k] = 0;
			/* One response per blank line. */
			for (char *p = buf; (p = strstr(p, "\r\n\r\n"));
			     p += 4) {
				if (ffd < 0) {
					(void)send(fd, resp, rlen,
						   MSG_NOSIGNAL);
					continue;
				}
				(void)send(fd, resp, (size_t)hl, MSG_NOSIGNAL);
				off_t off = 0;
				while ((size_t)off < body &&
				       sendfile(fd, ffd, &off,
						body - (size_t)off) > 0)
					;
			}
			/* A graceful end, as a real server does: FIN now,
			 * close once the client's FIN arrives. */
			if (strcasestr(buf, "connection: close"))
				shutdown(fd, SHUT_WR);
		}
	}
}
