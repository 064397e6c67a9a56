/*
 * IPv4 address text: the strict parser and the formatter of addr.h.
 *
 * Pure C with no platform calls: the host `kiln` tool links this file too,
 * to check ipv4 and ipv4net keys at build time exactly as images do at
 * start.
 */
#include <stdio.h>

#include <kiln/addr.h>
#include <kiln/tcp.h>

/*
 * Parse one decimal octet at *s, advancing *s past it. Strict: 1-3 digits,
 * no leading zero unless the octet is "0", value 0..255.
 */
static bool ip4_octet(const char **s, uint32_t *out)
{
	const char *p = *s;
	uint32_t v = 0;
	int n = 0;

	while (*p >= '0' && *p <= '9') {
		if (n == 3)
			return false;
		v = v * 10 + (uint32_t)(*p - '0');
		p++;
		n++;
	}
	if (n == 0 || v > 255 || (n > 1 && **s == '0'))
		return false;
	*s = p;
	*out = v;
	return true;
}

bool net_ip4_parse(const char *s, uint32_t *ip)
{
	uint32_t acc = 0, oct;

	if (!s)
		return false;
	for (int i = 0; i < 4; i++) {
		if (i > 0 && *s++ != '.')
			return false;
		if (!ip4_octet(&s, &oct))
			return false;
		acc = acc << 8 | oct;
	}
	if (*s != '\0')
		return false;
	*ip = acc;
	return true;
}

const char *net_addr_fmt(const struct net_addr *a, char *buf, size_t len)
{
	uint32_t ip = a->ip;

	if (len == 0)
		return buf;
	if (a->port)
		snprintf(buf, len, "%u.%u.%u.%u:%u", ip >> 24, ip >> 16 & 255,
			 ip >> 8 & 255, ip & 255, (unsigned)a->port);
	else
		snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255,
			 ip >> 8 & 255, ip & 255);
	return buf;
}

/* Shared by both tcp.h implementations (kernel sockets, lib/net). */
const char *tcp_close_reason_name(enum tcp_close_reason why)
{
	switch (why) {
	case TCP_CLOSED_NORMAL:
		return "normal";
	case TCP_CLOSED_RESET:
		return "reset";
	case TCP_CLOSED_TIMEOUT:
		return "timeout";
	case TCP_CLOSED_REFUSED:
		return "refused";
	case TCP_CLOSED_UNREACH:
		return "unreachable";
	case TCP_CLOSED_ABORTED:
		return "aborted";
	case TCP_CLOSED_ERROR:
		return "error";
	}
	return "unknown";
}
