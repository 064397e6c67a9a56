/*
 * tcpbench: the Linux end of bench/net.sh and tests/tcpbench_apps.t,
 * against the sink and source of tests/apps/tcpbench.
 *
 *   tcpbench [-H HOST] -p PORT [-t SECS] [-c] [-n CONC] [-B ADDR,...] MODE ARG
 *
 * Modes:
 *   send SIZE   to a sink: connect, send SIZE bytes, shut down the sending
 *               side and wait for the sink's FIN (it closes only after it
 *               has read everything), timing connect to FIN
 *   recv SIZE   from a source: connect, ask for SIZE bytes ("N\n"), read
 *               until its FIN and check the count (-c: and every byte,
 *               byte k being k % 251)
 *   cps SECS    connections per second to a sink for SECS seconds: CONC
 *               (-n, default 16) connections in flight, each connects,
 *               sends 16 bytes and closes; counts the connections that
 *               got as far as sending
 *
 * SIZE is bytes with an optional k, M or G suffix (powers of 1000), or a
 * duration "10s": send for that long, or stream ("0\n") and read for that
 * long, then close. -B lists local addresses to connect from, in turn
 * (the cps mode leaves each connection in TIME-WAIT on this side: several
 * addresses give more ports than one).
 *
 * One result line on stdout, key=value for scripts:
 *   send bytes=N secs=S gbit_s=G
 *   recv bytes=N secs=S gbit_s=G
 *   cps conns=N secs=S conn_s=R errors=E [first_error=...]
 * Failure: "tcpbench: MODE: why" on stderr, status 1. Usage: status 2. The
 * whole run is bounded by -t (default: 60 s more than a timed run).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
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

#define PERIOD	 251u
#define BUF_LEN	 (PERIOD * 4096u) /* a whole number of pattern periods */
#define MAX_BIND 64
#define MAX_CONC 4096

static const char *mode = "?";
static struct sockaddr_in server;
static struct sockaddr_in binds[MAX_BIND];
static int nbinds, next_bind;
static bool check_bytes;
static uint8_t buf[BUF_LEN];

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tcpbench: %s: ", mode);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void on_alarm(int sig)
{
	static const char msg[] = "tcpbench: timed out (-t)\n";

	(void)sig;
	(void)!write(2, msg, sizeof msg - 1);
	_exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* SIZE: bytes (k, M, G: powers of 1000) or "Ns"; *secs > 0 for the latter. */
static bool parse_size(const char *s, uint64_t *bytes, double *secs)
{
	char *end;
	double v = strtod(s, &end);

	*bytes = 0;
	*secs = 0;
	if (end == s || v < 0)
		return false;
	switch (*end) {
	case 0:
		break;
	case 'k':
		v *= 1e3;
		break;
	case 'M':
		v *= 1e6;
		break;
	case 'G':
		v *= 1e9;
		break;
	case 's':
		if (end[1] || v <= 0)
			return false;
		*secs = v;
		return true;
	default:
		return false;
	}
	if (*end && end[1])
		return false;
	*bytes = (uint64_t)v;
	return true;
}

static int open_conn(bool nonblock, int *err)
{
	int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0),
			0);
	int one = 1;

	if (fd < 0)
		fail("socket: %s", strerror(errno));
	if (nbinds > 0) {
		/* The port is picked at connect, per destination: more
		 * tuples than bind() alone would give. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
			   sizeof one);
		if (bind(fd, (struct sockaddr *)&binds[next_bind++ % nbinds],
			 sizeof binds[0]) < 0)
			fail("bind: %s", strerror(errno));
	}
	if (connect(fd, (struct sockaddr *)&server, sizeof server) < 0 &&
	    !(nonblock && errno == EINPROGRESS)) {
		*err = errno;
		close(fd);
		return -1;
	}
	*err = 0;
	return fd;
}

static int connect_or_fail(void)
{
	int err, fd = open_conn(false, &err);

	if (fd < 0)
		fail("connect to %s:%u: %s", inet_ntoa(server.sin_addr),
		     ntohs(server.sin_port), strerror(err));
	return fd;
}

static void report(uint64_t bytes, double secs)
{
	printf("%s bytes=%llu secs=%.3f gbit_s=%.3f\n", mode,
	       (unsigned long long)bytes, secs,
	       secs > 0 ? (double)bytes * 8 / secs / 1e9 : 0.0);
}

/* ---- send: to a sink ---- */

static void run_send(uint64_t want, double secs)
{
	int fd = connect_or_fail();
	double t0 = now(), t_end = t0 + secs;
	uint64_t sent = 0;

	for (;;) {
		size_t n = BUF_LEN;

		if (secs > 0) {
			if (now() >= t_end)
				break;
		} else {
			if (sent == want)
				break;
			if (n > want - sent)
				n = (size_t)(want - sent);
		}
		ssize_t k = write(fd, buf, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			fail("write after %llu bytes: %s",
			     (unsigned long long)sent, strerror(errno));
		}
		sent += (uint64_t)k;
	}
	if (shutdown(fd, SHUT_WR) < 0)
		fail("shutdown: %s", strerror(errno));
	/* The sink sends nothing; its FIN says it has read every byte. */
	for (;;) {
		ssize_t k = read(fd, buf, BUF_LEN);
		if (k == 0)
			break;
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			fail("waiting for the sink's FIN: %s", strerror(errno));
		fail("the sink sent %zd bytes", k);
	}
	report(sent, now() - t0);
	close(fd);
}

/* ---- recv: from a source ---- */

static void run_recv(uint64_t want, double secs)
{
	int fd = connect_or_fail();
	double t0 = now(), t_end = t0 + secs;
	uint64_t got = 0;
	char req[32];
	int len = snprintf(req, sizeof req, "%llu\n",
			   (unsigned long long)(secs > 0 ? 0 : want));

	if (want == 0 && secs == 0)
		fail("a count of 0 bytes asks for a stream: give a duration");
	if (write(fd, req, (size_t)len) != len)
		fail("write of the count: %s", strerror(errno));
	for (;;) {
		if (secs > 0 && now() >= t_end)
			break;
		ssize_t k = read(fd, buf, BUF_LEN);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			fail("read after %llu bytes: %s",
			     (unsigned long long)got, strerror(errno));
		if (k == 0) {
			if (secs > 0)
				fail("the source closed a stream after %llu "
				     "bytes",
				     (unsigned long long)got);
			break;
		}
		if (check_bytes)
			for (ssize_t i = 0; i < k; i++)
				if (buf[i] !=
				    (uint8_t)((got + (uint64_t)i) % PERIOD))
					fail("byte %llu is %u, want %u",
					     (unsigned long long)(got + i),
					     buf[i],
					     (unsigned)((got + i) % PERIOD));
		got += (uint64_t)k;
	}
	double t = now() - t0;

	if (secs == 0 && got != want)
		fail("got %llu bytes, asked for %llu", (unsigned long long)got,
		     (unsigned long long)want);
	report(got, t);
	close(fd); /* a stream: unread bytes make this a reset, as meant */
}

/* ---- cps: connections per second ---- */

static int ep, inflight, first_err;
static uint64_t conns, errors;

static void cps_start(void)
{
	int err, fd = open_conn(true, &err);

	if (fd < 0) {
		errors++;
		if (!first_err)
			first_err = err;
		return;
	}
	struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		fail("epoll_ctl: %s", strerror(errno));
	inflight++;
}

static void run_cps(double secs, int conc)
{
	static const char msg[16] = "tcpbench cps...";
	struct epoll_event evs[256];
	double t0 = now(), t_end = t0 + secs, t;

	ep = epoll_create1(0);
	if (ep < 0)
		fail("epoll_create1: %s", strerror(errno));
	while ((t = now()) < t_end) {
		for (int i = inflight; i < conc; i++)
			cps_start();
		int n = epoll_wait(ep, evs, 256, inflight ? 100 : 1);
		if (n < 0 && errno != EINTR)
			fail("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd, err = 0;
			socklen_t el = sizeof err;

			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
			if (!err && write(fd, msg, sizeof msg) != sizeof msg)
				err = errno ? errno : EIO;
			if (err) {
				errors++;
				if (!first_err)
					first_err = err;
			} else {
				conns++;
			}
			close(fd); /* graceful: FIN after the 16 bytes */
			inflight--;
		}
	}
	t = now() - t0;
	printf("cps conns=%llu secs=%.3f conn_s=%.0f errors=%llu",
	       (unsigned long long)conns, t, (double)conns / t,
	       (unsigned long long)errors);
	if (first_err)
		printf(" first_error=\"%s\"", strerror(first_err));
	printf("\n");
	if (conns == 0)
		fail("no connection completed");
}

static void usage(void)
{
	fprintf(stderr,
		"usage: tcpbench [-H HOST] -p PORT [-t SECONDS] [-c] "
		"[-n CONC] [-B ADDR,...] send|recv SIZE | cps SECONDS\n"
		"  SIZE: bytes (suffix k, M, G) or a duration like 10s\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1";
	int port = 0, conc = 16, opt;
	double timeout = 0;

	while ((opt = getopt(argc, argv, "H:p:t:cn:B:")) != -1) {
		switch (opt) {
		case 'H':
			host = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 't':
			timeout = atof(optarg);
			break;
		case 'c':
			check_bytes = true;
			break;
		case 'n':
			conc = atoi(optarg);
			break;
		case 'B':
			for (char *s = strtok(optarg, ","); s;
			     s = strtok(NULL, ",")) {
				if (nbinds == MAX_BIND)
					usage();
				binds[nbinds].sin_family = AF_INET;
				if (inet_pton(AF_INET, s,
					      &binds[nbinds].sin_addr) != 1)
					usage();
				nbinds++;
			}
			break;
		default:
			usage();
		}
	}
	if (port <= 0 || port > 65535 || conc < 1 || conc > MAX_CONC ||
	    optind + 2 != argc)
		usage();
	server.sin_family = AF_INET;
	server.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &server.sin_addr) != 1)
		usage();
	mode = argv[optind];

	uint64_t bytes = 0;
	double secs = 0;

	if (strcmp(mode, "cps") == 0) {
		secs = atof(argv[optind + 1]);
		if (secs <= 0)
			usage();
	} else if (!parse_size(argv[optind + 1], &bytes, &secs)) {
		usage();
	}
	if (timeout <= 0)
		timeout = secs + 60;
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)timeout + 1);
	for (uint32_t i = 0; i < BUF_LEN; i++)
		buf[i] = (uint8_t)(i % PERIOD);

	if (strcmp(mode, "send") == 0)
		run_send(bytes, secs);
	else if (strcmp(mode, "recv") == 0)
		run_recv(bytes, secs);
	else if (strcmp(mode, "cps") == 0)
		run_cps(secs, conc);
	else
		usage();
	return 0;
}
