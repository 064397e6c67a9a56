/*
 * echoload: a load and correctness client for a TCP/UDP echo server.
 *
 *   echoload [-H HOST] -p PORT [-t SECONDS] [--pid PID] [-s SEED] MODE [ARG]
 *
 * Modes (ARG's default in brackets):
 *   seq N [1000]     N sequential connections, each echoes a random message
 *   conc N [100]     N connections at once, each echoes 4 KiB
 *   hold N [100]     as conc, but every connection stays open until all N
 *                    have echoed (N open at once on the server); with
 *                    --pid, prints the server's VmRSS then
 *   bulk BYTES [10M] one connection, sends seeded pseudo-random data while
 *                    reading the echo, verifies it, reports MB/s
 *   udp N [1000]     N datagrams of 1..1400 bytes, each echo checked (no
 *                    loss tolerated: loopback)
 *   slow BYTES [8M]  sends BYTES while reading nothing for 2 s (small socket
 *                    buffers, so the server feels it), then reads and
 *                    verifies everything; with --pid, the server's VmRSS
 *                    must stay under 64 MiB throughout
 *   reset N [50]     N connections that send, then reset (SO_LINGER 0);
 *                    then checks that the server still echoes
 *
 * Every mode has an overall deadline (-t, default 30 s). On success: one
 * summary line on stdout and status 0; on failure: "echoload: MODE: why"
 * on stderr and status 1. Status 2 is a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RSS_LIMIT_KB (64 * 1024)

static const char *mode = "?";
static struct sockaddr_in server;
static double deadline; /* monotonic seconds */
static uint64_t seed;
static int server_pid;

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "echoload: %s: ", mode);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int ms_left(void)
{
	double left = deadline - now();

	if (left <= 0)
		fail("timed out");
	return (int)(left * 1000) + 1;
}

/* xorshift64*: reproducible data, one stream per seed. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void rng_fill(uint64_t *s, uint8_t *p, size_t n)
{
	while (n > 0) {
		uint64_t x = rng_next(s);
		for (int k = 0; k < 8 && n > 0; k++, n--, x >>= 8)
			*p++ = (uint8_t)x;
	}
}

/*
 * A byte stream from the generator that is the same however it is cut:
 * the sending and the checking side fill buffers of different sizes.
 */
struct bstream {
	uint64_t s, word;
	int left; /* bytes of word not yet used */
};

static void bstream_fill(struct bstream *b, uint8_t *p, size_t n)
{
	while (n-- > 0) {
		if (b->left == 0) {
			b->word = rng_next(&b->s);
			b->left = 8;
		}
		*p++ = (uint8_t)b->word;
		b->word >>= 8;
		b->left--;
	}
}

static long rss_kb(void)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", server_pid);
	f = fopen(path, "r");
	if (!f)
		fail("server pid %d is gone (did it die?)", server_pid);
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void check_rss(long *peak)
{
	long kb;

	if (!server_pid)
		return;
	kb = rss_kb();
	if (kb > *peak)
		*peak = kb;
	if (kb > RSS_LIMIT_KB)
		fail("server VmRSS %ld KiB over the %d KiB limit", kb,
		     RSS_LIMIT_KB);
}

/* Wait for one poll event on fd or fail at the deadline. */
static void wait_fd(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};

	for (;;) {
		int r = poll(&p, 1, ms_left());
		if (r > 0)
			return;
		if (r < 0 && errno != EINTR)
			fail("poll: %s", strerror(errno));
	}
}

/* A connected, non-blocking TCP socket (bufsize 0: system default). */
static int tcp_open(int bufsize)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int err = 0;
	socklen_t len = sizeof err;

	if (fd < 0)
		fail("socket: %s", strerror(errno));
	if (bufsize) {
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof bufsize);
	}
	if (connect(fd, (struct sockaddr *)&server, sizeof server) == 0)
		return fd;
	if (errno != EINPROGRESS)
		fail("connect: %s", strerror(errno));
	wait_fd(fd, POLLOUT);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err)
		fail("connect: %s", strerror(err));
	return fd;
}

static void send_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EAGAIN) {
				wait_fd(fd, POLLOUT);
				continue;
			}
			if (errno == EINTR)
				continue;
			fail("send: %s", strerror(errno));
		}
		p += k;
		n -= (size_t)k;
	}
}

static void recv_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = recv(fd, p, n, 0);
		if (k < 0) {
			if (errno == EAGAIN) {
				wait_fd(fd, POLLIN);
				continue;
			}
			if (errno == EINTR)
				continue;
			fail("recv: %s", strerror(errno));
		}
		if (k == 0)
			fail("connection closed with %zu bytes missing", n);
		p += k;
		n -= (size_t)k;
	}
}

/* One connection: send a random message, read the echo, compare. */
static void echo_once(size_t len)
{
	uint8_t out[2048], in[2048];
	int fd = tcp_open(0);

	rng_fill(&seed, out, len);
	send_all(fd, out, len);
	recv_all(fd, in, len);
	if (memcmp(in, out, len) != 0)
		fail("echo differs from what was sent (%zu bytes)", len);
	close(fd);
}

static void mode_seq(long n)
{
	for (long i = 0; i < n; i++)
		echo_once(1 + rng_next(&seed) % 1024);
	printf("seq: %ld connections echoed\n", n);
}

struct cconn {
	int fd;
	size_t sent, got;
	uint8_t out[4096], in[4096];
};

static void mode_conc(long n, bool hold)
{
	struct cconn *cs = calloc((size_t)n, sizeof *cs);
	struct epoll_event ev, evs[64];
	int ep = epoll_create1(0);
	long done = 0;

	if (!cs || ep < 0)
		fail("out of memory");
	for (long i = 0; i < n; i++) {
		struct cconn *c = &cs[i];
		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (c->fd < 0)
			fail("socket: %s", strerror(errno));
		if (connect(c->fd, (struct sockaddr *)&server, sizeof server) &&
		    errno != EINPROGRESS)
			fail("connect: %s", strerror(errno));
		rng_fill(&seed, c->out, sizeof c->out);
		ev.events = EPOLLIN | EPOLLOUT;
		ev.data.ptr = c;
		epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	}
	while (done < n) {
		int k = epoll_wait(ep, evs, 64, ms_left());
		if (k < 0 && errno != EINTR)
			fail("epoll_wait: %s", strerror(errno));
		for (int j = 0; j < k; j++) {
			struct cconn *c = evs[j].data.ptr;
			ssize_t r;
			if (evs[j].events & EPOLLERR)
				fail("connection %ld failed", (long)(c - cs));
			if ((evs[j].events & EPOLLOUT) &&
			    c->sent < sizeof c->out) {
				r = send(c->fd, c->out + c->sent,
					 sizeof c->out - c->sent, MSG_NOSIGNAL);
				if (r < 0 && errno != EAGAIN)
					fail("send: %s", strerror(errno));
				if (r > 0)
					c->sent += (size_t)r;
				if (c->sent == sizeof c->out) {
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_MOD, c->fd,
						  &ev);
				}
			}
			if (evs[j].events & (EPOLLIN | EPOLLHUP)) {
				r = recv(c->fd, c->in + c->got,
					 sizeof c->in - c->got, 0);
				if (r == 0)
					fail("connection %ld closed early",
					     (long)(c - cs));
				if (r < 0 && errno != EAGAIN)
					fail("recv: %s", strerror(errno));
				if (r > 0)
					c->got += (size_t)r;
				if (c->got == sizeof c->in) {
					if (memcmp(c->in, c->out, sizeof c->in))
						fail("connection %ld: echo "
						     "differs",
						     (long)(c - cs));
					if (!hold)
						close(c->fd);
					done++;
				}
			}
		}
	}
	if (hold) {
		/* All N are open on the server now: its memory holds them. */
		long kb = server_pid ? rss_kb() : -1;
		for (long i = 0; i < n; i++)
			close(cs[i].fd);
		printf("hold: %ld connections open at once, each echoed 4 KiB",
		       n);
		if (kb >= 0)
			printf("; server VmRSS %ld KiB", kb);
		printf("\n");
	} else {
		printf("conc: %ld concurrent connections echoed 4 KiB each\n",
		       n);
	}
	close(ep);
	free(cs);
}

/*
 * Send total bytes of seeded data and verify the echo; stall_s > 0
 * reads nothing for that long first. Returns bytes sent during the stall.
 */
static size_t stream(size_t total, double stall_s, int bufsize, long *peak)
{
	struct bstream tx = {seed, 0, 0}, rx = {seed, 0, 0};
	uint8_t obuf[65536], ibuf[65536], want[65536];
	size_t sent = 0, got = 0, olen = 0, ooff = 0, stalled = 0;
	int fd = tcp_open(bufsize);
	double stall_end = now() + stall_s, last_rss = 0;
	bool shut = false;

	while (got < total) {
		bool reading = now() >= stall_end;
		struct pollfd p = {.fd = fd, .events = 0};

		if (!reading && stall_s > 0)
			stalled = sent;
		if (sent < total)
			p.events |= POLLOUT;
		if (reading)
			p.events |= POLLIN;
		if (peak && now() - last_rss > 0.1) {
			check_rss(peak);
			last_rss = now();
		}
		int wait = reading ? ms_left() : 50;
		if (poll(&p, 1, wait) < 0 && errno != EINTR)
			fail("poll: %s", strerror(errno));
		ms_left();
		if ((p.revents & (POLLOUT | POLLERR)) && sent < total) {
			if (ooff == olen) {
				olen = total - sent < sizeof obuf ? total - sent
								  : sizeof obuf;
				bstream_fill(&tx, obuf, olen);
				ooff = 0;
			}
			ssize_t k = send(fd, obuf + ooff, olen - ooff,
					 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k < 0 && errno != EAGAIN)
				fail("send after %zu bytes: %s", sent,
				     strerror(errno));
			if (k > 0) {
				ooff += (size_t)k;
				sent += (size_t)k;
			}
		}
		if (sent == total && !shut) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		if (reading && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t k = recv(fd, ibuf, sizeof ibuf, MSG_DONTWAIT);
			if (k < 0 && errno != EAGAIN)
				fail("recv after %zu bytes: %s", got,
				     strerror(errno));
			if (k == 0)
				fail("server closed after %zu of %zu bytes",
				     got, total);
			if (k > 0) {
				bstream_fill(&rx, want, (size_t)k);
				if (memcmp(ibuf, want, (size_t)k) != 0)
					fail("echo differs near byte %zu", got);
				got += (size_t)k;
			}
		}
	}
	/* The server ends the connection after the echo: FIN, no RST. */
	wait_fd(fd, POLLIN);
	if (recv(fd, ibuf, sizeof ibuf, 0) != 0)
		fail("expected the server's FIN after the echo");
	close(fd);
	return stalled;
}

static void mode_bulk(long bytes)
{
	double t0 = now();

	stream((size_t)bytes, 0, 0, NULL);
	double dt = now() - t0;
	printf("bulk: %ld bytes echoed and verified in %.3f s (%.1f MB/s)\n",
	       bytes, dt, (double)bytes / dt / 1e6);
}

static void mode_slow(long bytes)
{
	long peak = 0;
	size_t stalled = stream((size_t)bytes, 2.0, 32 * 1024, &peak);

	if (stalled >= (size_t)bytes)
		fail("all %ld bytes were taken while not reading: no "
		     "back-pressure reached the client",
		     bytes);
	printf("slow: %ld bytes verified; %zu taken while not reading for "
	       "2 s",
	       bytes, stalled);
	if (server_pid)
		printf("; server VmRSS peak %ld KiB", peak);
	printf("\n");
}

static void mode_udp(long n)
{
	uint8_t out[1400], in[2048];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&server, sizeof server))
		fail("udp socket: %s", strerror(errno));
	for (long i = 0; i < n; i++) {
		size_t len = 1 + (size_t)(rng_next(&seed) % sizeof out);
		rng_fill(&seed, out, len);
		if (send(fd, out, len, 0) != (ssize_t)len)
			fail("send: %s", strerror(errno));
		for (;;) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			int left = ms_left();
			if (poll(&p, 1, left < 2000 ? left : 2000) == 0)
				fail("datagram %ld (%zu bytes): no echo in 2 s",
				     i, len);
			ssize_t k = recv(fd, in, sizeof in, 0);
			if (k < 0)
				fail("recv: %s", strerror(errno));
			if ((size_t)k == len && memcmp(in, out, len) == 0)
				break;
			fail("datagram %ld: echo of %zd bytes differs (sent "
			     "%zu)",
			     i, k, len);
		}
	}
	close(fd);
	printf("udp: %ld datagrams echoed\n", n);
}

static void mode_reset(long n)
{
	uint8_t buf[4096];

	for (long i = 0; i < n; i++) {
		int fd = tcp_open(0);
		struct linger lg = {.l_onoff = 1, .l_linger = 0};

		rng_fill(&seed, buf, sizeof buf);
		send_all(fd, buf, sizeof buf);
		/* Every other one waits for some echo first, so that the
		 * RST finds the server with bytes queued or in flight. */
		if (i % 2) {
			wait_fd(fd, POLLIN);
			(void)recv(fd, buf, 100, 0);
		}
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		close(fd);
	}
	usleep(100 * 1000);
	echo_once(100);
	printf("reset: %ld connections reset; the server still echoes\n", n);
}

static long parse_size(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end == 'K' || *end == 'k')
		v *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		v *= 1024 * 1024, end++;
	if (*end || v <= 0) {
		fprintf(stderr, "echoload: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: echoload [-H HOST] -p PORT [-t SECONDS] "
		"[--pid PID] [-s SEED] seq|conc|hold|bulk|udp|slow|reset "
		"[N|BYTES]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1";
	double timeout = 30;
	int port = 0, i;

	seed = (uint64_t)time(NULL) * 2654435761u | 1;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "-H"))
			host = argv[++i];
		else if (!strcmp(argv[i], "-p"))
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-t"))
			timeout = atof(argv[++i]);
		else if (!strcmp(argv[i], "--pid"))
			server_pid = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-s"))
			seed = strtoull(argv[++i], NULL, 0) | 1;
		else
			usage();
	}
	if (port <= 0 || port > 65535 || i >= argc)
		usage();
	server.sin_family = AF_INET;
	server.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &server.sin_addr) != 1)
		usage();
	mode = argv[i];
	const char *arg = i + 1 < argc ? argv[i + 1] : NULL;
	deadline = now() + timeout;

	if (!strcmp(mode, "seq"))
		mode_seq(arg ? parse_size(arg) : 1000);
	else if (!strcmp(mode, "conc"))
		mode_conc(arg ? parse_size(arg) : 100, false);
	else if (!strcmp(mode, "hold"))
		mode_conc(arg ? parse_size(arg) : 100, true);
	else if (!strcmp(mode, "bulk"))
		mode_bulk(arg ? parse_size(arg) : 10 * 1000 * 1000);
	else if (!strcmp(mode, "udp"))
		mode_udp(arg ? parse_size(arg) : 1000);
	else if (!strcmp(mode, "slow"))
		mode_slow(arg ? parse_size(arg) : 8 * 1024 * 1024);
	else if (!strcmp(mode, "reset"))
		mode_reset(arg ? parse_size(arg) : 50);
	else
		usage();
	return 0;
}
