/*
 * Unit tests for HTTP-dates (date.c): formatting, the three forms a
 * recipient must parse (RFC 9110 5.6.7), and the cached Date line.
 */
#include <string.h>

#include <kiln/loop.h>

#include "fakeplat.h"
#include "http_int.h"

#define S(lit) view_make(lit, sizeof(lit) - 1)

int main(void)
{
	char d[HTTP_DATE_LEN + 1];
	int64_t t;

	http_date_fmt(784111777, d);
	CHECK("fmt: RFC example",
	      strcmp(d, "Sun, 06 Nov 1994 08:49:37 GMT") == 0);
	http_date_fmt(0, d);
	CHECK("fmt: the epoch",
	      strcmp(d, "Thu, 01 Jan 1970 00:00:00 GMT") == 0);
	http_date_fmt(951782400, d); /* 2000-02-29 */
	CHECK("fmt: a leap day",
	      strcmp(d, "Tue, 29 Feb 2000 00:00:00 GMT") == 0);
	CHECK("parse: IMF-fixdate",
	      http_date_parse(S("Sun, 06 Nov 1994 08:49:37 GMT"), &t) &&
		      t == 784111777);
	CHECK("parse: RFC 850",
	      http_date_parse(S("Sunday, 06-Nov-94 08:49:37 GMT"), &t) &&
		      t == 784111777);
	CHECK("parse: asctime",
	      http_date_parse(S("Sun Nov  6 08:49:37 1994"), &t) &&
		      t == 784111777);
	CHECK("parse: garbage refused",
	      !http_date_parse(S("yesterday"), &t) &&
		      !http_date_parse(S("Sun, 06 Nov 1994 08:49:37 UTC"),
				       &t) &&
		      !http_date_parse(S("Sun, 36 Nov 1994 08:49:37 GMT"),
				       &t) &&
		      !http_date_parse(S(""), &t));
	for (int64_t x = 0; x < 4102444800; x += 86400 * 37 + 3671) {
		http_date_fmt(x, d);
		if (!http_date_parse(view_make(d, HTTP_DATE_LEN), &t) ||
		    t != x) {
			CHECK("round trip fmt/parse to 2100", false);
			return fake_done();
		}
	}
	CHECK("round trip fmt/parse to 2100", true);
	fake_wall_offset = 784111777ull * 1000000000u - fake_mono;
	struct view l = http_date_line();
	CHECK("Date line", l.len == 37 && memcmp(l.p,
						 "Date: Sun, 06 Nov 1994 "
						 "08:49:37 GMT\r\n",
						 37) == 0);
	return fake_done();
}
