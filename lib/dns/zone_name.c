/*
 * Domain names in wire form, for the build-time half: parsing the
 * presentation form (RFC 1035 section 5.1: "@", relative names, \X and
 * \DDD escapes), comparison without regard to ASCII case (RFC 4343), and
 * printing for messages.
 */
#include <stdio.h>
#include <string.h>

#include "zone.h"

static uint8_t lc(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

bool wname_eq(const struct wname *a, const struct wname *b)
{
	if (a->len != b->len)
		return false;
	for (size_t i = 0; i < a->len; i++)
		if (lc(a->b[i]) != lc(b->b[i]))
			return false;
	return true;
}

bool wname_under(const struct wname *n, const struct wname *apex)
{
	size_t off = 0;

	/* Walk label boundaries so that "xexample.com" is not under
	 * "example.com". */
	while (n->len - off >= apex->len) {
		if (n->len - off == apex->len) {
			for (size_t i = 0; i < apex->len; i++)
				if (lc(n->b[off + i]) != lc(apex->b[i]))
					return false;
			return true;
		}
		if (n->b[off] == 0)
			return false;
		off += 1u + n->b[off];
	}
	return false;
}

bool wname_parent(const struct wname *n, struct wname *out)
{
	size_t skip;

	if (n->len <= 1)
		return false;
	skip = 1u + n->b[0];
	out->len = (uint8_t)(n->len - skip);
	memmove(out->b, n->b + skip, out->len);
	return true;
}

int wname_labels(const struct wname *n)
{
	int k = 0;

	for (size_t off = 0; off < n->len && n->b[off]; off += 1u + n->b[off])
		k++;
	return k;
}

void wname_lower(const struct wname *n, struct wname *out)
{
	out->len = n->len;
	for (size_t i = 0; i < n->len; i++)
		out->b[i] = lc(n->b[i]);
}

const char *wname_str(const struct wname *n, char *buf, size_t len)
{
	size_t o = 0, off = 0;

	if (len < 5)
		return "?";
	if (n->len <= 1) {
		snprintf(buf, len, ".");
		return buf;
	}
	while (off < n->len && n->b[off] && o + 6 < len) {
		uint8_t l = n->b[off++];
		for (uint8_t i = 0; i < l && o + 6 < len; i++) {
			uint8_t c = n->b[off++];
			if (c == '.' || c == '\\' || c == '"' || c == ';')
				o += (size_t)snprintf(buf + o, len - o, "\\%c",
						      c);
			else if (c <= ' ' || c >= 0x7f)
				o += (size_t)snprintf(buf + o, len - o,
						      "\\%03u", c);
			else
				buf[o++] = (char)c;
		}
		buf[o++] = '.';
	}
	buf[o] = 0;
	return buf;
}

const char *wname_parse(const char *s, size_t len, const struct wname *origin,
			struct wname *out)
{
	size_t o = 0, lab = 0, i = 0;

	if (len == 1 && s[0] == '@') {
		if (!origin)
			return "'@' with no $ORIGIN known";
		*out = *origin;
		return NULL;
	}
	if (len == 1 && s[0] == '.') {
		out->len = 1;
		out->b[0] = 0;
		return NULL;
	}
	if (len == 0)
		return "an empty name";
	out->b[0] = 0;
	o = 1;
	lab = 0;
	while (i < len) {
		unsigned c = (unsigned char)s[i++];

		if (c == '.') {
			if (o - lab - 1 == 0)
				return "an empty label in a name";
			out->b[lab] = (uint8_t)(o - lab - 1);
			if (i == len) {
				/* absolute: close with the root label */
				if (o + 1 > DNS_NAME_MAX)
					return "a name longer than 255 octets";
				out->b[o++] = 0;
				out->len = (uint8_t)o;
				return NULL;
			}
			lab = o++;
			if (o > DNS_NAME_MAX)
				return "a name longer than 255 octets";
			continue;
		}
		if (c == '\\') {
			if (i >= len)
				return "a backslash at the end of a name";
			if (s[i] >= '0' && s[i] <= '9') {
				if (i + 3 > len || s[i + 1] < '0' ||
				    s[i + 1] > '9' || s[i + 2] < '0' ||
				    s[i + 2] > '9')
					return "\\DDD needs three digits";
				c = (unsigned)(s[i] - '0') * 100 +
				    (unsigned)(s[i + 1] - '0') * 10 +
				    (unsigned)(s[i + 2] - '0');
				if (c > 255)
					return "\\DDD above 255";
				i += 3;
			} else {
				c = (unsigned char)s[i++];
			}
		}
		if (o - lab - 1 >= DNS_LABEL_MAX)
			return "a label longer than 63 octets";
		if (o + 1 >= DNS_NAME_MAX)
			return "a name longer than 255 octets";
		out->b[o++] = (uint8_t)c;
	}
	/* relative: the last label, then the origin */
	out->b[lab] = (uint8_t)(o - lab - 1);
	if (!origin)
		return "a relative name with no $ORIGIN known";
	if (o + origin->len > DNS_NAME_MAX)
		return "a name longer than 255 octets";
	memcpy(out->b + o, origin->b, origin->len);
	out->len = (uint8_t)(o + origin->len);
	return NULL;
}
