/*
 * The query side of the DNS wire format (RFC 1035 section 4.1, RFC 6891
 * section 6): what lib/dns reads from a client, parsed through checked
 * views. Internal to lib/dns (the fuzz target and unit tests use it too).
 */
#ifndef KILN_DNS_WIRE_H
#define KILN_DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kiln/view.h>

#define DNS_HDR	      12
#define DNS_NAME_MAX  255 /* RFC 1035 section 2.3.4, wire octets */
#define DNS_LABEL_MAX 63

/* Header flag bits (RFC 1035 section 4.1.1, RFC 4035 for AD and CD). */
#define DNS_F_QR      0x8000
#define DNS_F_AA      0x0400
#define DNS_F_TC      0x0200
#define DNS_F_RD      0x0100
#define DNS_F_CD      0x0010
#define DNS_OPCODE(f) (((f) >> 11) & 0xf)

enum dns_rcode {
	DNS_R_NOERROR = 0,
	DNS_R_FORMERR = 1,
	DNS_R_NXDOMAIN = 3,
	DNS_R_NOTIMP = 4,
	DNS_R_REFUSED = 5,
	DNS_R_BADVERS = 16, /* extended: OPT carries the upper 8 bits */
};

#define DNS_T_OPT  41
#define DNS_T_IXFR 251
#define DNS_T_AXFR 252
#define DNS_T_ANY  255
#define DNS_C_IN   1

/* What dns_parse_query made of a message. */
enum dns_verdict {
	DNS_V_OK,      /* a query to look up */
	DNS_V_DROP,    /* no answer at all: QR=1, shorter than a header */
	DNS_V_FORMERR, /* answer FORMERR, header only */
	DNS_V_NOTIMP,  /* an opcode other than QUERY (RFC 1035 4.1.1) */
	DNS_V_BADVERS, /* EDNS version other than 0 (RFC 6891 6.1.3) */
};

struct dns_query {
	uint16_t id, flags;
	uint16_t qtype, qclass;
	uint8_t qlen;		     /* wire length of the name */
	uint8_t lname[DNS_NAME_MAX]; /* lowercased, for the lookup */
	uint8_t qname[DNS_NAME_MAX]; /* as the client wrote it */
	bool edns;
	bool edns_do;	    /* the DO bit, copied back (RFC 3225 section 3) */
	uint16_t edns_size; /* the client's UDP payload size */
	uint8_t edns_version;
};

/*
 * Parse a query. Fills q as far as it got (id and flags whenever the
 * header was there, the question when it parsed) and says what to do.
 * Compression pointers must point strictly backwards, so a chain always
 * ends; a label type other than 0 or 3 (pointer), a name over 255 octets,
 * counts that promise more than the message holds, a second OPT or one
 * not owned by the root: FORMERR.
 */
enum dns_verdict dns_parse_query(struct view msg, struct dns_query *q);

/*
 * Read the (possibly compressed) name at *off of msg: on success returns
 * true, stores its uncompressed wire form in out (DNS_NAME_MAX bytes),
 * its length in *len, and moves *off past the name as it lies at *off.
 */
bool dns_read_name(struct view msg, size_t *off, uint8_t *out, size_t *len);

#endif /* KILN_DNS_WIRE_H */
