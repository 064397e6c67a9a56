/*
 * www: the web appliance. lib/http serves the site the build sealed in
 * (see gen.c); this file configures it from the keys and adds /stats, a
 * dynamic route that reports the server's counters as JSON.
 */
#include <kiln/config.h>
#include <kiln/http.h>
#include <kiln/kiln.h>

extern const struct http_site www_site;

static void stats_request(struct http_req *r, void *arg)
{
	char buf[2048];
	size_t n = http_stats_json(buf, sizeof buf);

	if (n >= sizeof buf)
		n = sizeof buf - 1;
	(void)http_respond(r, 200, "application/json",
			   "Cache-Control: no-store\r\n", buf, n);
}

static const struct http_route_ops stats_ops = {
	.request = stats_request,
};

static unsigned key_uint(const char *name)
{
	int64_t v = cfg_int(name);

	return v < 0 ? 0 : v > 86400 ? 86400 : (unsigned)v;
}

int kiln_main(int argc, char **argv)
{
	struct http_config cfg = {
		.port = (uint16_t)cfg_int("port"),
		.site = &www_site,
		.header_timeout_s = key_uint("header_timeout"),
		.idle_timeout_s = key_uint("idle_timeout"),
		.send_timeout_s = key_uint("send_timeout"),
		.max_requests = (unsigned)cfg_int("max_requests"),
		.max_body = (uint64_t)cfg_int("max_body"),
	};
	uint32_t ip = 0x7f000001; /* posix-socket: the host's addresses */
	unsigned prefix;
	int err;

	if (http_route("/stats", HTTP_GET, &stats_ops, NULL) != 0)
		kiln_panic("www: cannot add the /stats route");
	err = http_start(&cfg);
	if (err == -EACCES) {
		kiln_printf("www: cannot listen on port %u: permission denied "
			    "(ports below 1024 need root; rebuild with "
			    "port=8080)\n",
			    cfg.port);
		return 1;
	}
	if (err == -EADDRINUSE) {
		kiln_printf("www: cannot listen on port %u: the port is "
			    "already in use (rebuild with another port=)\n",
			    cfg.port);
		return 1;
	}
	if (err < 0) {
		kiln_printf("www: cannot start: error %d\n", -err);
		return 1;
	}
	/* Kiln's own stack has an address of its own: show that one. */
	if (cfg_has("ipv4") && !cfg_ipv4net("ipv4", &ip, &prefix))
		ip = 0;
	kiln_printf("www: serving %zu paths on port %u: open "
		    "http://%u.%u.%u.%u:%u/ in a browser\n",
		    www_site.nfiles, cfg.port, ip >> 24, ip >> 16 & 255,
		    ip >> 8 & 255, ip & 255, cfg.port);
	return 0;
}
