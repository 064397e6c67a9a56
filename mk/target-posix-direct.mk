# posix-direct: the image is an ordinary Linux executable that runs Kiln's
# own TCP/IP stack (lib/net) on a tap device and seals itself with seccomp
# once started. Included by mk/app.mk.

include $(KILN_HOME)/bindings/posix/files.mk
include $(KILN_HOME)/bindings/posix-direct/files.mk
include $(KILN_HOME)/lib/net/files.mk

TARGET_SRCS = $(POSIX_SRCS) $(POSIX_DIRECT_SRCS) $(NET_SRCS)
TARGET_CFLAGS =
# -rdynamic: kiln_panic's backtrace can name the functions.
TARGET_LDFLAGS = -rdynamic
TARGET_LDLIBS =
