/*
 * libFuzzer target: one DNS message into dns_answer, against the table of
 * tests/dns/zones compiled at the first call (run from the repository
 * root). Over UDP and TCP limits alike, the answer must stay within its
 * limit and be a response (QR=1) when there is one.
 */
#include <stdlib.h>

#include "../tests/dns_test.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_table t;
	static bool ready;
	static uint8_t out[DNS_TCP_MAX];

	if (!ready) {
		t = test_table();
		ready = true;
	}
	for (int tcp = 0; tcp < 2; tcp++) {
		size_t cap = tcp ? sizeof out : DNS_EDNS_SIZE;
		size_t n = dns_answer(&t, view_make(data, size), tcp,
				      mview_make(out, cap));
		if (n > cap || (n && (n < 12 || !(out[2] & 0x80))))
			abort();
	}
	return 0;
}
