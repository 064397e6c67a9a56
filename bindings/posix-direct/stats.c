/*
 * Counters on demand: `kill -USR1 PID` makes a posix-direct image print
 * its devices' and its stack's counters, including every drop reason
 * (lib/net/drop.h) that has counted something:
 *
 *   stats: net0 tap kt0 rx_frames=12 rx_bytes=1130 rx_drops=0 ...
 *   stats: stack rx_frames=12 tx_frames=9 ip_in=8 ... icmp_out=4
 *   stats: drops ipv4_bad_ihl=1 tcp_bad_option=3
 *
 * preceded, at log=info, by lib/net's own report (net_stats_log).
 *
 * The signal arrives through a signalfd on the loop, not a handler, so
 * the printing runs as an ordinary callback between two steps of the
 * stack, never in the middle of one, and needs no extra system calls
 * under the seccomp seal (a read on this fd and writes to stdout).
 *
 * The stack's counters are lib/net's `struct net_stack net` (stack.h):
 * this is the one place a binding reads lib/net's internals, for
 * diagnostics only.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <kiln/kiln.h>
#include <kiln/log.h>

#include "../../lib/net/stack.h"
#include "../posix/posix.h"
#include "direct.h"

static struct posix_fd sig_pf = {.fd = -1};

/* Print a "stats: ..." line built with at most this many bytes. */
#define LINE_MAX_BYTES 2048

struct line {
	char buf[LINE_MAX_BYTES];
	size_t len;
};

static void __attribute__((format(printf, 2, 3)))
add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= sizeof l->buf)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, sizeof l->buf - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
	if (l->len >= sizeof l->buf)
		l->len = sizeof l->buf - 1;
}

static void put(struct line *l)
{
	kiln_printf("%s\n", l->buf);
	l->len = 0;
	l->buf[0] = '\0';
}

void direct_stats_print(void)
{
	static const char *const tap_drop_names[] = {DIRECT_TAP_DROPS};
	struct line l = {.len = 0};
	uint64_t d[DIRECT_TAP_NDROPS];

	/* The stack's own report (at log=info): every counter, the events
	 * of its policies included (ARP conflicts, overlapping fragments,
	 * ...). The "stats:" lines below repeat the main ones in one
	 * machine-readable form, "stats: drops" last (tests wait for it). */
	net_stats_log();

	for (size_t i = 0; i < direct_ntaps(); i++) {
		const struct netif *n = direct_tap_netif(i);

		add(&l,
		    "stats: %s tap %s rx_frames=%llu rx_bytes=%llu "
		    "rx_drops=%llu tx_frames=%llu tx_bytes=%llu tx_drops=%llu "
		    "tx_offload=%llu",
		    n->name, direct_tap_name(i),
		    (unsigned long long)n->rx_frames,
		    (unsigned long long)n->rx_bytes,
		    (unsigned long long)n->rx_drops,
		    (unsigned long long)n->tx_frames,
		    (unsigned long long)n->tx_bytes,
		    (unsigned long long)n->tx_drops,
		    (unsigned long long)n->tx_offload);
		const struct tap_rxoff_stats *ro = direct_tap_rxoff(i);
		if (ro)
			add(&l,
			    " rx_cut=%llu rx_csum=%llu rx_offload_bad=%llu "
			    "rx_offload_nobuf=%llu",
			    (unsigned long long)ro->cut,
			    (unsigned long long)ro->csum,
			    (unsigned long long)ro->bad,
			    (unsigned long long)ro->nobuf);
		direct_tap_drops(i, d);

		for (size_t k = 0; k < DIRECT_TAP_NDROPS; k++)
			add(&l, " %s=%llu", tap_drop_names[k],
			    (unsigned long long)d[k]);
		put(&l);
	}
	add(&l,
	    "stats: stack rx_frames=%llu tx_frames=%llu ip_in=%llu "
	    "ip_out=%llu ip_frag_out=%llu ip_reasm_ok=%llu "
	    "ip_reasm_fail=%llu icmp_in=%llu icmp_out=%llu udp_in=%llu "
	    "udp_out=%llu tcp_in=%llu tcp_out=%llu",
	    (unsigned long long)net.rx_frames,
	    (unsigned long long)net.tx_frames, (unsigned long long)net.ip_in,
	    (unsigned long long)net.ip_out, (unsigned long long)net.ip_frag_out,
	    (unsigned long long)net.ip_reasm_ok,
	    (unsigned long long)net.ip_reasm_fail,
	    (unsigned long long)net.icmp_in, (unsigned long long)net.icmp_out,
	    (unsigned long long)net.udp_in, (unsigned long long)net.udp_out,
	    (unsigned long long)net.tcp_in, (unsigned long long)net.tcp_out);
	put(&l);
	add(&l, "stats: drops");
	for (int k = 1; k < NET_DROP_COUNT; k++)
		if (net.drops[k])
			add(&l, " %s=%llu", net_drop_name((enum net_drop)k),
			    (unsigned long long)net.drops[k]);
	put(&l);
}

static void stats_ready(struct posix_fd *pf, uint32_t events)
{
	struct signalfd_siginfo si;
	bool any = false;

	/* Several signals may have merged into one; print once per wakeup. */
	while (read(pf->fd, &si, sizeof si) == (ssize_t)sizeof si)
		any = true;
	if (any)
		direct_stats_print();
}

int direct_stats_init(char *why, size_t whylen)
{
	sigset_t set;
	int err;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) {
		snprintf(why, whylen, "sigprocmask: %s", strerror(errno));
		return -1;
	}
	sig_pf.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sig_pf.fd < 0) {
		snprintf(why, whylen, "signalfd: %s", strerror(errno));
		return -1;
	}
	sig_pf.events = EPOLLIN;
	sig_pf.ready = stats_ready;
	/* No loop reference: the counters alone do not keep an image up. */
	err = posix_fd_add(&sig_pf);
	if (err < 0) {
		snprintf(why, whylen, "signalfd: epoll: %s", strerror(-err));
		close(sig_pf.fd);
		sig_pf.fd = -1;
		return -1;
	}
	return 0;
}

int direct_stats_fd(void)
{
	return sig_pf.fd;
}
