# posix-direct: the image is an ordinary Linux executable that runs Kiln's
# own TCP/IP stack (lib/net) on a tap device and seals itself with seccomp
# once started. Included by mk/app.mk.

include $(KILN_HOME)/bindings/posix/files.mk
include $(KILN_HOME)/bindings/posix-direct/files.mk
include $(KILN_HOME)/lib/net/files.mk

TARGET_SRCS = $(POSIX_SRCS) $(POSIX_DIRECT_SRCS) $(NET_SRCS)
TARGET_CFLAGS =
# -rdynamic: kiln_panic's backtrace can name the functions.
# --wrap=kiln_main: core_start's call to kiln_main goes to the binding's
# __wrap_kiln_main (bindings/posix-direct/start.c), which attaches the
# stack once the start keys are applied, calls the appliance's kiln_main,
# and seals the process before the loop runs. See start.c for why.
TARGET_LDFLAGS = -rdynamic -Wl,--wrap=kiln_main
TARGET_LDLIBS =
