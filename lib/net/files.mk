# lib/net: Kiln's own TCP/IP stack. Paths relative to the repository root.
# So far the wire codecs (parse into / emit from plain structs) and the
# Internet checksum; the stack proper (ARP cache, sockets) comes later.
NET_SRCS = \
	lib/net/arp_wire.c \
	lib/net/cksum.c \
	lib/net/dhcp_wire.c \
	lib/net/drop.c \
	lib/net/eth_wire.c \
	lib/net/icmp_wire.c \
	lib/net/ipv4_wire.c \
	lib/net/tcp_wire.c \
	lib/net/udp_wire.c
