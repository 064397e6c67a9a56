/*
 * TCP on host sockets: listening and accepting, connecting, per-connection
 * options and addresses. Data transfer and closing are in tcp_conn.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <kiln/log.h>

#include "tcp_int.h"

#define TCP_BACKLOG	      1024
#define TCP_ACCEPTS_PER_EVENT 128 /* fairness: the rest on the next pass */

struct tcp_listener {
	struct posix_fd pf;
	struct net_addr local; /* as bound (port 0 resolved) */
	tcp_accept_fn accept;
	void *arg;
	bool closed;
	bool client_first; /* TCP_DEFER_ACCEPT: read right after accept */
	struct loop_defer free_d; /* freed on the loop: may close itself */
};

/* Connections refused past TCP_MAX_CONNS or for lack of descriptors. */
static unsigned long tcp_dropped_accepts;
/* A descriptor held back to accept-and-close when out of descriptors,
 * rather than leave the listener ready and spin. */
static int spare_fd = -1;

static void to_sockaddr(const struct net_addr *a, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(a->ip);
	sa->sin_port = htons(a->port);
}

static void from_sockaddr(const struct sockaddr_in *sa, struct net_addr *a)
{
	a->ip = ntohl(sa->sin_addr.s_addr);
	a->port = ntohs(sa->sin_port);
}

static int errno_result(int err)
{
	switch (err) {
	case EADDRINUSE:
		return -EADDRINUSE;
	case EACCES:
	case EPERM:
		return -EACCES;
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		return -ENOSPC;
	default:
		return -EINVAL;
	}
}

static void set_int(int fd, int level, int opt, int val)
{
	(void)setsockopt(fd, level, opt, &val, sizeof val);
}

static void count_drop(const char *why)
{
	/* Log the 1st, 2nd, 4th, 8th... drop: visible, but bounded. */
	tcp_dropped_accepts++;
	if ((tcp_dropped_accepts & (tcp_dropped_accepts - 1)) == 0)
		log_warn("tcp: dropped an incoming connection (%s); %lu so far",
			 why, tcp_dropped_accepts);
}

static void accept_one(struct tcp_listener *l, int fd,
		       const struct sockaddr_in *peer)
{
	struct tcp_conn *c;

	if (tcp_nconns >= TCP_MAX_CONNS) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		close(fd);
		count_drop("connection table full");
		return;
	}
	c = tcp_conn_new(fd, TCP_S_OPEN);
	if (!c) {
		close(fd);
		count_drop("out of memory");
		return;
	}
	/* TCP_NODELAY comes from the listener (Linux copies it to accepted
	 * sockets), and the local address from its bound one: a close-per-
	 * request load pays for every system call here. A wildcard address
	 * is looked up only if the appliance asks (tcp_local_addr). */
	from_sockaddr(peer, &c->remote);
	c->local = l->local;
	c->local_known = l->local.ip != 0;
	l->accept(l, c, l->arg);
	if (c->state == TCP_S_DEAD)
		return;
	if (!c->cbs || !c->cbs->recv || !c->cbs->closed) {
		log_warn("tcp: accept callback set no callbacks; aborting");
		c->cbs = NULL;
		tcp_abort(c);
		return;
	}
	/* Only where the request has come already: elsewhere the read
	 * would mostly find nothing, a system call for each connection. */
	if (l->client_first)
		tcp_conn_read(c);
	tcp_conn_sync(c);
}

/* Out of descriptors: take the connection off the queue and refuse it. */
static void accept_refuse(struct tcp_listener *l)
{
	if (spare_fd < 0)
		return;
	close(spare_fd);
	int fd = accept(l->pf.fd, NULL, NULL);
	if (fd >= 0)
		close(fd);
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	count_drop("out of descriptors");
}

static void listener_ready(struct posix_fd *pf, uint32_t events)
{
	struct tcp_listener *l = (struct tcp_listener *)pf;

	for (int k = 0; k < TCP_ACCEPTS_PER_EVENT && !l->closed; k++) {
		struct sockaddr_in peer;
		socklen_t pl = sizeof peer;
		int fd = accept4(l->pf.fd, (struct sockaddr *)&peer, &pl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				accept_refuse(l);
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("tcp: accept: %s", strerror(errno));
			return;
		}
		accept_one(l, fd, &peer);
	}
}

static void listener_free(struct loop_defer *d, void *arg)
{
	free(arg);
}

int tcp_listen(struct tcp_listener **out, const struct net_addr *local,
	       tcp_accept_fn accept, void *arg)
{
	struct tcp_listener *l;
	struct sockaddr_in sa;
	int fd, err;

	if (!out || !local || !accept)
		return -EINVAL;
	if (spare_fd < 0)
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno_result(errno);
	set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1); /* inherited by accepts */
	to_sockaddr(local, &sa);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fd, TCP_BACKLOG) != 0) {
		err = errno_result(errno);
		goto err_close;
	}
	l = calloc(1, sizeof *l);
	if (!l) {
		err = -ENOSPC;
		goto err_close;
	}
	socklen_t sl = sizeof sa;
	l->local = *local;
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		from_sockaddr(&sa, &l->local);
	l->pf.fd = fd;
	l->pf.events = EPOLLIN;
	l->pf.ready = listener_ready;
	l->accept = accept;
	l->arg = arg;
	loop_defer_init(&l->free_d, listener_free, l);
	if (posix_fd_add(&l->pf) != 0) {
		free(l);
		err = -ENOSPC;
		goto err_close;
	}
	loop_ref();
	*out = l;
	return 0;

err_close:
	close(fd);
	return err;
}

/*
 * TCP_DEFER_ACCEPT: the kernel completes the accept when the request
 * comes, so tcp_conn_read right after it finds bytes. The value is how
 * long (seconds) the kernel holds a silent handshake before giving up on
 * the client's first bytes.
 */
void tcp_listener_client_first(struct tcp_listener *l)
{
	set_int(l->pf.fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 5);
	l->client_first = true;
}

void tcp_listener_close(struct tcp_listener *l)
{
	if (!l || l->closed)
		return;
	l->closed = true;
	posix_fd_del(&l->pf);
	close(l->pf.fd);
	l->pf.fd = -1;
	loop_unref();
	loop_defer(&l->free_d);
}

int tcp_connect(struct tcp_conn **out, const struct net_addr *remote,
		const struct tcp_callbacks *cbs, void *arg)
{
	struct sockaddr_in sa;
	struct tcp_conn *c;
	int fd;

	if (!out || !remote || !cbs || !cbs->recv || !cbs->closed ||
	    remote->ip == 0 || remote->port == 0)
		return -EINVAL;
	if (tcp_nconns >= TCP_MAX_CONNS)
		return -ENOSPC;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -ENOSPC;
	set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
	to_sockaddr(remote, &sa);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 &&
	    errno != EINPROGRESS) {
		int err = errno;
		if (err == ENETUNREACH || err == EADDRNOTAVAIL ||
		    err == EAGAIN) {
			close(fd);
			return err == ENETUNREACH ? -ENETUNREACH : -ENOSPC;
		}
		/* Refused at once (loopback can): still a connection whose
		 * `closed` comes later, as the contract says. */
		c = tcp_conn_new(fd, TCP_S_CONNECTING);
		if (!c) {
			close(fd);
			return -ENOSPC;
		}
		tcp_set_callbacks(c, cbs, arg);
		c->remote = *remote;
		tcp_conn_finish(c, tcp_errno_reason(err));
		*out = c;
		return 0;
	}
	c = tcp_conn_new(fd, TCP_S_CONNECTING);
	if (!c) {
		close(fd);
		return -ENOSPC;
	}
	tcp_set_callbacks(c, cbs, arg);
	c->remote = *remote;
	tcp_conn_sync(c);
	*out = c;
	return 0;
}

void tcp_set_callbacks(struct tcp_conn *c, const struct tcp_callbacks *cbs,
		       void *arg)
{
	c->cbs = cbs;
	c->arg = arg;
}

void tcp_set_nodelay(struct tcp_conn *c, bool on)
{
	if (c->state != TCP_S_DEAD)
		set_int(c->pf.fd, IPPROTO_TCP, TCP_NODELAY, on);
}

void tcp_set_keepalive(struct tcp_conn *c, unsigned idle_s)
{
	if (c->state == TCP_S_DEAD)
		return;
	set_int(c->pf.fd, SOL_SOCKET, SO_KEEPALIVE, idle_s > 0);
	if (idle_s > 0)
		set_int(c->pf.fd, IPPROTO_TCP, TCP_KEEPIDLE,
			idle_s > 32767 ? 32767 : (int)idle_s);
}

void tcp_local_addr(const struct tcp_conn *c, struct net_addr *out)
{
	if (!c->local_known && c->pf.fd >= 0) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof sa;
		if (getsockname(c->pf.fd, (struct sockaddr *)&sa, &sl) == 0) {
			/* A cache in an object that is never const itself. */
			struct tcp_conn *m = (struct tcp_conn *)c;
			from_sockaddr(&sa, &m->local);
			m->local_known = true;
		}
	}
	*out = c->local;
}

void tcp_remote_addr(const struct tcp_conn *c, struct net_addr *out)
{
	*out = c->remote;
}
