/*
 * Names of the drop reasons in drop.h.
 *
 * A designated-initializer table keeps each name next to its value, so a
 * reason added to the enum without a name shows up as "unknown" in the
 * counters (and fails test_drop) rather than shifting every later name.
 */
#include "drop.h"

static const char *const drop_names[NET_DROP_COUNT] = {
	[NET_DROP_NONE] = "none",

	[NET_DROP_ETH_RUNT] = "eth_runt",
	[NET_DROP_ETH_VLAN] = "eth_vlan",
	[NET_DROP_ETH_NOT_FOR_US] = "eth_not_for_us",
	[NET_DROP_ETH_UNKNOWN_TYPE] = "eth_unknown_type",

	[NET_DROP_ARP_SHORT] = "arp_short",
	[NET_DROP_ARP_BAD_HW] = "arp_bad_hw",
	[NET_DROP_ARP_BAD_PROTO] = "arp_bad_proto",
	[NET_DROP_ARP_BAD_OP] = "arp_bad_op",

	[NET_DROP_IPV4_SHORT] = "ipv4_short",
	[NET_DROP_IPV4_BAD_VERSION] = "ipv4_bad_version",
	[NET_DROP_IPV4_BAD_IHL] = "ipv4_bad_ihl",
	[NET_DROP_IPV4_BAD_LEN] = "ipv4_bad_len",
	[NET_DROP_IPV4_TRUNCATED] = "ipv4_truncated",
	[NET_DROP_IPV4_BAD_CSUM] = "ipv4_bad_csum",
	[NET_DROP_IPV4_FRAGMENT] = "ipv4_fragment",
	[NET_DROP_IPV4_NOT_FOR_US] = "ipv4_not_for_us",

	[NET_DROP_ICMP_SHORT] = "icmp_short",
	[NET_DROP_ICMP_BAD_CSUM] = "icmp_bad_csum",
	[NET_DROP_ICMP_BAD_QUOTE] = "icmp_bad_quote",

	[NET_DROP_UDP_SHORT] = "udp_short",
	[NET_DROP_UDP_BAD_LEN] = "udp_bad_len",
	[NET_DROP_UDP_BAD_CSUM] = "udp_bad_csum",
	[NET_DROP_UDP_NO_PORT] = "udp_no_port",

	[NET_DROP_TCP_SHORT] = "tcp_short",
	[NET_DROP_TCP_BAD_DOFF] = "tcp_bad_doff",
	[NET_DROP_TCP_BAD_CSUM] = "tcp_bad_csum",
	[NET_DROP_TCP_BAD_OPTION] = "tcp_bad_option",

	[NET_DROP_DHCP_SHORT] = "dhcp_short",
	[NET_DROP_DHCP_BAD_HW] = "dhcp_bad_hw",
	[NET_DROP_DHCP_BAD_COOKIE] = "dhcp_bad_cookie",
	[NET_DROP_DHCP_BAD_OPTION] = "dhcp_bad_option",
	[NET_DROP_DHCP_NO_TYPE] = "dhcp_no_type",
};

const char *net_drop_name(enum net_drop why)
{
	if ((unsigned)why >= NET_DROP_COUNT || !drop_names[why])
		return "unknown";
	return drop_names[why];
}
