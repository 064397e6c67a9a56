/*
 * dns: an authoritative DNS server for the zones sealed into the image
 * (the key `zone`), on UDP and TCP port `port`. The zones were parsed,
 * checked and turned into response templates when the image was built
 * (gen.c, lib/dns): at start there is nothing left to parse, and each
 * query is a lookup and a copy (include/kiln/dns.h).
 */
#include <kiln/config.h>
#include <kiln/dns.h>
#include <kiln/kiln.h>

int kiln_main(int argc, char **argv)
{
	unsigned port = (unsigned)cfg_int("port");
	int64_t idle = cfg_int("tcp_idle");
	uint32_t ip = 0x7f000001; /* posix-socket: the host's addresses */
	unsigned prefix;
	char apex[256];
	int err;

	err = dns_serve(&dns_zone_table, (uint16_t)port,
			idle > 0 ? (unsigned)idle : 1u);
	if (err == -EACCES) {
		kiln_printf("dns: cannot serve port %u: permission denied "
			    "(ports below 1024 need privileges; rebuild "
			    "with port=5353)\n",
			    port);
		return 1;
	}
	if (err < 0) {
		kiln_printf("dns: cannot serve port %u: %s\n", port,
			    err == -EADDRINUSE ? "already in use" : "error");
		return 1;
	}
	/* Kiln's own stack has an address of its own: show that one. */
	if (cfg_has("ipv4") && !cfg_ipv4net("ipv4", &ip, &prefix))
		ip = 0;
	(void)dns_zone_name(&dns_zone_table, 0, apex, sizeof apex);
	kiln_printf("dns: serving %u zone%s on UDP and TCP port %u "
		    "(try: kdig @%u.%u.%u.%u -p %u %s SOA)\n",
		    (unsigned)dns_zone_table.nzones,
		    dns_zone_table.nzones == 1 ? "" : "s", port, ip >> 24,
		    ip >> 16 & 255, ip >> 8 & 255, ip & 255, port, apex);
	return 0;
}
