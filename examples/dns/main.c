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
	kiln_printf("dns: serving %u zone%s on UDP and TCP port %u "
		    "(try: kdig @127.0.0.1 -p %u %s)\n",
		    (unsigned)dns_zone_table.nzones,
		    dns_zone_table.nzones == 1 ? "" : "s", port, port,
		    "example.org SOA");
	return 0;
}
