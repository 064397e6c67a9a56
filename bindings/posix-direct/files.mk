# bindings/posix-direct: Kiln's own TCP/IP stack (lib/net) on a Linux tap
# device, in a process sealed with seccomp once started. Paths are relative
# to the repository root.
POSIX_DIRECT_SRCS = \
	bindings/posix-direct/netif_tap.c \
	bindings/posix-direct/seccomp.c \
	bindings/posix-direct/start.c \
	bindings/posix-direct/stats.c \
	bindings/posix-direct/tap_rxoff.c
