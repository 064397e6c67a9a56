# lib/dns: the authoritative DNS server (include/kiln/dns.h). Paths are
# relative to the repository root.
#
# DNS_SRCS is what an image links: query parsing, answering from the
# compiled table, and the UDP/TCP server. Freestanding: string.h and
# Kiln's headers only, no allocation, the same objects on every target.
DNS_SRCS = \
	lib/dns/answer.c \
	lib/dns/server.c \
	lib/dns/wire.c

# DNS_HOST_SRCS build the generator (the manifest's `generate`): the zone
# reader, the checks, the template compiler and the C emitter. Host C
# with stdio and malloc; never linked into an image. wire.h's constants
# are shared, so answers and templates agree on the wire format.
DNS_HOST_SRCS = \
	lib/dns/compile.c \
	lib/dns/gen.c \
	lib/dns/pack.c \
	lib/dns/tmpl.c \
	lib/dns/zone_lex.c \
	lib/dns/zone_model.c \
	lib/dns/zone_name.c \
	lib/dns/zone_rdata.c \
	lib/dns/zone_read.c
DNS_HOST_LDLIBS =
