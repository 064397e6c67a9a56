/* Fuzz arp_parse: an accepted packet re-emits as its first 28 bytes. */
#include <string.h>

#include "arp_wire.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arp_pkt p;
	uint8_t out[ARP_LEN];

	if (arp_parse(view_make(data, size), &p) != NET_DROP_NONE)
		return 0;
	FUZZ_CHECK(size >= ARP_LEN);
	FUZZ_CHECK(arp_emit(&p, mview_make(out, sizeof(out))) == ARP_LEN);
	FUZZ_CHECK(!memcmp(out, data, ARP_LEN));
	return 0;
}
