/* Fuzz eth_parse: views stay inside the frame; the header re-emits. */
#include <string.h>

#include "eth_wire.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eth_hdr h, back;
	uint8_t out[ETH_HDR_LEN + ETH_VLAN_TAG_LEN];

	if (eth_parse(view_make(data, size), &h) != NET_DROP_NONE)
		return 0;
	size_t hl = eth_hdr_len(&h);
	FUZZ_CHECK(fuzz_inside(h.payload, data, size));
	FUZZ_CHECK(h.payload.len == size - hl);
	FUZZ_CHECK(eth_emit(&h, mview_make(out, sizeof(out))) == (int)hl);
	/* Byte-exact but for the TPID (an 802.1ad tag re-emits as 802.1Q). */
	FUZZ_CHECK(!memcmp(out, data, 12) &&
		   !memcmp(out + hl - 2, data + hl - 2, 2));
	FUZZ_CHECK(eth_parse(view_make(out, hl), &back) == NET_DROP_NONE);
	FUZZ_CHECK(back.type == h.type && back.vlan == h.vlan &&
		   back.vlan_tci == h.vlan_tci && back.payload.len == 0);
	return 0;
}
