/*
 * Hypercalls: the guest writes the GPA of a per-call struct to port
 * KVM_HC_PORT_BASE + n. Every handler copies the struct out of guest
 * memory through hc_gpa() (the one checked translation, which ends the
 * guest on a bad range), checks every address and length in it the same
 * way before any side effect, and copies the OUT fields back. Copying
 * rather than working in place means a guest cannot change a field
 * between its check and its use, and no unaligned access happens on a
 * struct the guest placed badly.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

#define HALT_MSG_MAX 4096
#define CONSOLE_MAX  65536

static const char *const names[KVM_HC_COUNT] = {
	[KVM_HC_HALT] = "HALT",
	[KVM_HC_CONSOLE] = "CONSOLE",
	[KVM_HC_WALLTIME] = "WALLTIME",
	[KVM_HC_POLL] = "POLL",
	[KVM_HC_NET_INFO] = "NET_INFO",
	[KVM_HC_NET_SEND] = "NET_SEND",
	[KVM_HC_NET_RECV] = "NET_RECV",
	[KVM_HC_BLOCK_INFO] = "BLOCK_INFO",
	[KVM_HC_BLOCK_READ] = "BLOCK_READ",
	[KVM_HC_BLOCK_WRITE] = "BLOCK_WRITE",
	[KVM_HC_BLOCK_FLUSH] = "BLOCK_FLUSH",
	[KVM_HC_NET_IO] = "NET_IO",
};

const char *hc_name(unsigned call)
{
	return call < KVM_HC_COUNT && names[call] ? names[call] : "?";
}

void hc_refuse(struct monitor *m, unsigned call, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	guest_fault(m, "%s in hypercall %s", why, hc_name(call));
}

void *hc_gpa(struct monitor *m, unsigned call, uint64_t gpa, uint64_t len)
{
	void *p = gpa_check(&m->g, gpa, len);

	if (!p)
		guest_fault(m,
			    "guest passed an out-of-range address 0x%" PRIx64
			    " (length %" PRIu64 ") to hypercall %s",
			    gpa, len, hc_name(call));
	return p;
}

/* Writes all of [p, p+len) to fd: 0 or -errno. */
static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t k = write(fd, p, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

static __attribute__((noreturn)) void hc_halt(struct monitor *m, uint32_t gpa)
{
	struct kvm_hc_halt h;

	memcpy(&h, hc_gpa(m, KVM_HC_HALT, gpa, sizeof h), sizeof h);
	if (h.status < 0 || h.status > 255)
		hc_refuse(m, KVM_HC_HALT, "exit status %d out of 0-255",
			  h.status);
	if (h.msg) {
		if (h.msg_len > HALT_MSG_MAX)
			hc_refuse(m, KVM_HC_HALT,
				  "message length %" PRIu64 " over %u",
				  h.msg_len, HALT_MSG_MAX);
		const uint8_t *msg = hc_gpa(m, KVM_HC_HALT, h.msg, h.msg_len);
		write_all(2, msg, h.msg_len);
		if (h.msg_len && msg[h.msg_len - 1] != '\n')
			write_all(2, (const uint8_t *)"\n", 1);
	}
	net_report(m);
	prof_report(m);
	mon_exit(h.status);
}

static void hc_console(struct monitor *m, uint32_t gpa)
{
	struct kvm_hc_console c;
	void *p = hc_gpa(m, KVM_HC_CONSOLE, gpa, sizeof c);

	memcpy(&c, p, sizeof c);
	if (c.len > CONSOLE_MAX)
		hc_refuse(m, KVM_HC_CONSOLE, "length %" PRIu64 " over %u",
			  c.len, CONSOLE_MAX);
	c.ret = write_all(1, hc_gpa(m, KVM_HC_CONSOLE, c.data, c.len),
			  (size_t)c.len);
	memcpy(p, &c, sizeof c);
}

static void hc_walltime(struct monitor *m, uint32_t gpa)
{
	struct kvm_hc_walltime w;
	struct timespec ts;
	void *p = hc_gpa(m, KVM_HC_WALLTIME, gpa, sizeof w);

	clock_gettime(CLOCK_REALTIME, &ts);
	w.ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	memcpy(p, &w, sizeof w);
}

static void hc_poll(struct monitor *m, uint32_t gpa)
{
	struct kvm_hc_poll q;
	void *p = hc_gpa(m, KVM_HC_POLL, gpa, sizeof q);

	memcpy(&q, p, sizeof q);
	net_poll(m, q.timeout_ns, &q.ready);
	memcpy(p, &q, sizeof q);
}

void hc_dispatch(struct monitor *m, unsigned call, uint32_t gpa)
{
	switch (call) {
	case KVM_HC_HALT:
		hc_halt(m, gpa);
	case KVM_HC_CONSOLE:
		return hc_console(m, gpa);
	case KVM_HC_WALLTIME:
		return hc_walltime(m, gpa);
	case KVM_HC_POLL:
		return hc_poll(m, gpa);
	case KVM_HC_NET_INFO:
		return net_info(m, gpa);
	case KVM_HC_NET_SEND:
		return net_send(m, gpa);
	case KVM_HC_NET_RECV:
		return net_recv(m, gpa);
	case KVM_HC_NET_IO:
		return net_io(m, gpa);
	case KVM_HC_BLOCK_INFO:
		return block_info(m, gpa);
	case KVM_HC_BLOCK_READ:
	case KVM_HC_BLOCK_WRITE:
	case KVM_HC_BLOCK_FLUSH:
		return block_io(m, call, gpa);
	default:
		guest_fault(m,
			    "guest called unknown hypercall %u (port 0x%x) "
			    "with 0x%" PRIx32,
			    call, KVM_HC_PORT_BASE + call, gpa);
	}
}
