/*
 * Network addresses as the TCP and UDP APIs see them.
 *
 * Kiln's stack speaks IPv4; addresses and ports are in host byte order
 * everywhere above the wire (the stack and the posix bindings convert).
 */
#ifndef KILN_ADDR_H
#define KILN_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_addr {
	uint32_t ip;   /* host byte order; 0 = any (only when listening) */
	uint16_t port; /* host byte order; 0 = any/ephemeral */
};

#define NET_IP4(a, b, c, d)                                                    \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 |      \
	 (uint32_t)(d))

/* Format "A.B.C.D:PORT" (or "A.B.C.D" when port is 0) into buf. */
const char *net_addr_fmt(const struct net_addr *a, char *buf, size_t len);

/* Parse "A.B.C.D" strictly (no leading zeros beyond "0", no spaces). */
bool net_ip4_parse(const char *s, uint32_t *ip);

#endif /* KILN_ADDR_H */
