# posix-socket: the image is an ordinary Linux executable; Kiln's TCP/UDP
# API maps straight onto the host kernel's sockets. Included by mk/app.mk.

include $(KILN_HOME)/bindings/posix/files.mk
include $(KILN_HOME)/bindings/posix-socket/files.mk

TARGET_SRCS = $(POSIX_SRCS) $(POSIX_SOCKET_SRCS)
TARGET_CFLAGS =
# -rdynamic: kiln_panic's backtrace can name the functions
TARGET_LDFLAGS = -rdynamic
TARGET_LDLIBS =
