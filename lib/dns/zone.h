/*
 * Build-time half of lib/dns (host only, linked into the generator as
 * DNS_HOST_SRCS): the zone reader, the zone model with its checks, the
 * response-template writer and the emitter of the compiled table.
 *
 * Names are kept in wire form (length-prefixed labels, root included):
 * `name` as written in the zone (letter case kept, for output), compared
 * case-insensitively (RFC 4343).
 */
#ifndef KILN_DNS_ZONE_H
#define KILN_DNS_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* RR types with a presentation format of their own. */
enum {
	T_A = 1,
	T_NS = 2,
	T_CNAME = 5,
	T_SOA = 6,
	T_PTR = 12,
	T_MX = 15,
	T_TXT = 16,
	T_AAAA = 28,
	T_SRV = 33,
	T_DS = 43,
	T_CAA = 257,
};

struct wname {
	uint8_t len;
	uint8_t b[DNS_NAME_MAX];
};

struct zrr {
	struct wname owner;
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t *rdata; /* uncompressed wire form */
	const char *file;
	int line;
};

struct zone {
	const char *file; /* the file named by the key */
	struct wname apex;
	struct zrr *rrs;
	size_t nrrs, cap;
	int soa_index; /* in rrs, or -1 */
};

/* Errors: "FILE:LINE: problem" on stderr; the generator fails at the end
 * when any was printed (so one run reports every problem it can). */
void zerr(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
extern unsigned zerr_count;

/* ---- names (zone_name.c) ---- */
bool wname_eq(const struct wname *a, const struct wname *b);
/* True when n is at or below apex. */
bool wname_under(const struct wname *n, const struct wname *apex);
/* The parent (first label removed); false for the root. */
bool wname_parent(const struct wname *n, struct wname *out);
int wname_labels(const struct wname *n);
void wname_lower(const struct wname *n, struct wname *out);
/* Presentation form, for messages ("www.example.com."). */
const char *wname_str(const struct wname *n, char *buf, size_t len);
/*
 * Text to wire: escapes (\X, \DDD), "@" for origin, relative names
 * completed with origin (NULL: none known). Returns NULL or a reason.
 */
const char *wname_parse(const char *s, size_t len, const struct wname *origin,
			struct wname *out);

/* ---- reading (zone_lex.c, zone_read.c, zone_rdata.c) ---- */

/* A token of an entry; text is raw (escapes not yet interpreted). */
struct ztok {
	const char *s;
	size_t len;
	bool quoted;
	int line;
};

/* Lexer state over one file's bytes. */
struct zlex {
	const char *file;
	const char *p, *end;
	int line;
};

/*
 * The next entry (one logical line: parentheses joined). Returns the
 * number of tokens (0 at end of file), -1 after an error (reported).
 * *blank says the entry began with a blank (the owner is omitted).
 */
int zlex_entry(struct zlex *lx, struct ztok *toks, int max, bool *blank,
	       int *line);

/*
 * Read a master file into z (z->file set by the caller). Returns 0, or -1
 * when an error was reported. origin may be NULL (then the file must set
 * $ORIGIN or use absolute names).
 */
int zone_read(struct zone *z, const struct wname *origin);

/* Parse the rdata of one RR from tokens; 0 or -1 after zerr. */
int zone_rdata(struct zrr *rr, const struct ztok *t, int n,
	       const struct wname *origin);

/* Type mnemonic / TYPEnnn to number (0 when unknown), and back. */
uint16_t zone_type_parse(const char *s, size_t len);
const char *zone_type_name(uint16_t t, char *buf, size_t len);

/* A TTL: decimal seconds or BIND units (1w2d3h4m5s). */
bool zone_ttl_parse(const char *s, size_t len, uint32_t *out);

/* ---- the checked model and the templates (zone_model.c, compile.c) ---- */

/* Check a zone as nsd-checkzone does; 0, or -1 after zerr. */
int zone_check(struct zone *z);

/* Free what zone_read allocated (the fuzz target reads many zones). */
void zone_free(struct zone *z);

struct dns_out; /* the compiled table being built (compile.h) */

#endif /* KILN_DNS_ZONE_H */
