/*
 * HTTP-dates (RFC 9110 5.6.7) without the C library's time functions,
 * which a bare target does not have: civil-date arithmetic after Howard
 * Hinnant's days_from_civil / civil_from_days. And the Date header,
 * formatted once per wall-clock second rather than once per response.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <kiln/kiln.h>
#include <kiln/loop.h>

#include "http_int.h"

static const char wdays[7][4] = {"Thu", "Fri", "Sat", "Sun",
				 "Mon", "Tue", "Wed"}; /* 1970-01-01: Thu */
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

void http_date_fmt(int64_t secs, char out[HTTP_DATE_LEN + 1])
{
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400, y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	memcpy(out, wdays[((days % 7) + 7) % 7], 3);
	memcpy(out + 3, ", ", 2);
	put2(out + 5, d);
	out[7] = ' ';
	memcpy(out + 8, months[m - 1], 3);
	out[11] = ' ';
	put2(out + 12, (unsigned)(y / 100));
	put2(out + 14, (unsigned)(y % 100));
	out[16] = ' ';
	put2(out + 17, (unsigned)(rem / 3600));
	out[19] = ':';
	put2(out + 20, (unsigned)(rem / 60 % 60));
	out[22] = ':';
	put2(out + 23, (unsigned)(rem % 60));
	memcpy(out + 25, " GMT", 5); /* with the NUL */
}

/* A fixed-width decimal at p[0..n); false if not all digits. */
static bool num(const uint8_t *p, size_t n, unsigned *out)
{
	unsigned x = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		x = x * 10 + (unsigned)(p[i] - '0');
	}
	*out = x;
	return true;
}

static bool month(const uint8_t *p, unsigned *m)
{
	for (unsigned i = 0; i < 12; i++)
		if (memcmp(p, months[i], 3) == 0) {
			*m = i + 1;
			return true;
		}
	return false;
}

/* "HH:MM:SS" */
static bool hms(const uint8_t *p, int64_t *s)
{
	unsigned h, mi, se;

	if (p[2] != ':' || p[5] != ':' || !num(p, 2, &h) ||
	    !num(p + 3, 2, &mi) || !num(p + 6, 2, &se) || h > 23 || mi > 59 ||
	    se > 60)
		return false;
	*s = (int64_t)h * 3600 + mi * 60 + se;
	return true;
}

bool http_date_parse(struct view v, int64_t *secs)
{
	const uint8_t *p = v.p;
	unsigned d, m, y;
	int64_t t;

	if (v.len == 29 && p[3] == ',') {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		if (p[4] != ' ' || !num(p + 5, 2, &d) || p[7] != ' ' ||
		    !month(p + 8, &m) || p[11] != ' ' || !num(p + 12, 4, &y) ||
		    p[16] != ' ' || !hms(p + 17, &t) ||
		    memcmp(p + 25, " GMT", 4) != 0)
			return false;
	} else if (v.len == 24 && p[3] == ' ') {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		if (!month(p + 4, &m) || p[7] != ' ' || p[10] != ' ' ||
		    !(p[8] == ' ' ? num(p + 9, 1, &d) : num(p + 8, 2, &d)) ||
		    !hms(p + 11, &t) || p[19] != ' ' || !num(p + 20, 4, &y))
			return false;
	} else {
		/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
		const uint8_t *c = memchr(p, ',', v.len);
		size_t i = c ? (size_t)(c - p) + 1 : v.len;
		if (v.len != i + 23 || p[i] != ' ' || !num(p + i + 1, 2, &d) ||
		    p[i + 3] != '-' || !month(p + i + 4, &m) ||
		    p[i + 7] != '-' || !num(p + i + 8, 2, &y) ||
		    p[i + 10] != ' ' || !hms(p + i + 11, &t) ||
		    memcmp(p + i + 19, " GMT", 4) != 0)
			return false;
		/* RFC 9110 5.6.7: a two-digit year more than 50 years
		 * ahead is in the past century. */
		y += y < 70 ? 2000 : 1900;
	}
	if (d < 1 || d > 31)
		return false;
	*secs = days_from_civil(y, m, d) * 86400 + t;
	return true;
}

static char date_line[] = "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n";
static uint64_t date_next; /* loop_now() when the second changes */

struct view http_date_line(void)
{
	uint64_t now = loop_now();

	if (now >= date_next) {
		uint64_t wall = kiln_wall_ns();
		char d[HTTP_DATE_LEN + 1];
		http_date_fmt((int64_t)(wall / 1000000000u), d);
		memcpy(date_line + 6, d, HTTP_DATE_LEN);
		date_next = now + (1000000000u - wall % 1000000000u);
	}
	return view_make(date_line, sizeof date_line - 1);
}
