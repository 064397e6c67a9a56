/*
 * Fuzz dhcp_parse: an accepted message re-emits within DHCP_EMIT_MAX_LEN
 * and parses back to the same values.
 */
#include <string.h>

#include "dhcp_wire.h"
#include "fuzz.h"

static int msg_eq(const struct dhcp_msg *a, const struct dhcp_msg *b)
{
	return a->op == b->op && a->hops == b->hops && a->xid == b->xid &&
	       a->secs == b->secs && a->flags == b->flags &&
	       a->ciaddr == b->ciaddr && a->yiaddr == b->yiaddr &&
	       a->siaddr == b->siaddr && a->giaddr == b->giaddr &&
	       eth_addr_eq(&a->chaddr, &b->chaddr) && a->type == b->type &&
	       a->has == b->has && a->subnet_mask == b->subnet_mask &&
	       a->router == b->router && a->requested_ip == b->requested_ip &&
	       a->lease_time == b->lease_time && a->t1 == b->t1 &&
	       a->t2 == b->t2 && a->server_id == b->server_id &&
	       a->ndns == b->ndns &&
	       !memcmp(a->dns, b->dns, a->ndns * sizeof(a->dns[0]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp_msg m, back;
	uint8_t out[DHCP_EMIT_MAX_LEN];

	if (dhcp_parse(view_make(data, size), &m) != NET_DROP_NONE)
		return 0;
	FUZZ_CHECK(m.type != 0 && m.ndns <= DHCP_MAX_DNS);
	int n = dhcp_emit(&m, mview_make(out, sizeof(out)));
	FUZZ_CHECK(n >= (int)DHCP_MIN_LEN && n <= (int)DHCP_EMIT_MAX_LEN);
	FUZZ_CHECK(dhcp_parse(view_make(out, (size_t)n), &back) ==
		   NET_DROP_NONE);
	FUZZ_CHECK(msg_eq(&m, &back));
	return 0;
}
