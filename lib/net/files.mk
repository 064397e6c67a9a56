# lib/net: Kiln's own TCP/IP stack. Paths relative to the repository root.
#
# NET_WIRE_SRCS are the wire codecs (parse into / emit from plain structs)
# and the Internet checksum: pure, no state, no lib/core dependency beyond
# the inline view and netbuf helpers, so the fuzz targets link them alone
# (lib/net/fuzz/fuzz.mk). NET_SRCS is everything an image links; the
# stack proper (ARP cache, IPv4, sockets, DHCP client) adds its files here.
NET_WIRE_SRCS = \
	lib/net/arp_wire.c \
	lib/net/cksum.c \
	lib/net/dhcp_wire.c \
	lib/net/drop.c \
	lib/net/eth_wire.c \
	lib/net/icmp_wire.c \
	lib/net/ipv4_wire.c \
	lib/net/tcp_wire.c \
	lib/net/udp_wire.c

# TCP (tcp_*.c; tcp_int.h describes how the files divide the work).
NET_TCP_SRCS = \
	lib/net/tcp_api.c \
	lib/net/tcp_cc.c \
	lib/net/tcp_conn.c \
	lib/net/tcp_hs.c \
	lib/net/tcp_in.c \
	lib/net/tcp_out.c \
	lib/net/tcp_pool.c \
	lib/net/tcp_rack.c \
	lib/net/tcp_reasm.c \
	lib/net/tcp_sack.c \
	lib/net/tcp_send_close.c \
	lib/net/tcp_timer.c

# The stack proper: ethernet, ARP, IPv4 (+ reassembly), ICMP, UDP, DHCP.
NET_STACK_SRCS = \
	lib/net/arp.c \
	lib/net/dhcp.c \
	lib/net/eth.c \
	lib/net/icmp.c \
	lib/net/ipv4.c \
	lib/net/ipv4_frag.c \
	lib/net/net.c \
	lib/net/udp.c

NET_SRCS = $(NET_WIRE_SRCS) $(NET_STACK_SRCS) $(NET_TCP_SRCS)
