# bindings/posix-socket: TCP and UDP (include/kiln/tcp.h, udp.h) on the host
# kernel's sockets, and this target's net-device hook for the posix start
# line. Paths are relative to the repository root.
POSIX_SOCKET_SRCS = \
	bindings/posix-socket/net.c \
	bindings/posix-socket/tcp_conn.c \
	bindings/posix-socket/tcp_exe.c \
	bindings/posix-socket/tcp_listen.c \
	bindings/posix-socket/tcp_send.c \
	bindings/posix-socket/tcp_tee.c \
	bindings/posix-socket/udp.c
