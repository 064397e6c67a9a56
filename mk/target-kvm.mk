# kvm: the image is a static x86-64 ELF that runs as a bare virtual
# machine under kiln-kvm (monitor/): no kernel, no host libc. It links
# Kiln's freestanding libc (lib/libc) and Kiln's TCP/IP stack (lib/net) on
# the monitor's hypercalls (bindings/kvm). Included by mk/app.mk.
#
# Compiler flags, and why:
#   -ffreestanding -nostdinc -isystem lib/libc/include -isystem <gcc's>
#       the standard headers are lib/libc's, plus the compiler's own
#       freestanding ones (stdint.h, stddef.h, stdarg.h, stdbool.h, cpuid.h)
#   -fbuiltin        back after -ffreestanding: memcpy of 8 bytes is a mov
#   -fno-pie -mcmodel=small   linked at a fixed low address
#   -fno-stack-protector      no TLS canary on a bare VM
#   -mno-red-zone    exceptions push onto the interrupted stack (ours use
#                    IST, but code that ever enables interrupts must not
#                    lose data below RSP)
#   -fno-omit-frame-pointer   plat_backtrace and the fault reports walk RBP
#   -fno-asynchronous-unwind-tables   no .eh_frame: nothing unwinds
#   -march=x86-64 -mtune=generic -mgeneral-regs-only
#                    baseline x86-64 (the guest CPU here has no SSE3, SSE4,
#                    AVX), and no SSE or x87 at all: on a host whose KVM
#                    emulates guest instructions (this nested one), SSE
#                    and x87 instructions cannot be emulated and stop the
#                    guest. Kiln has no floating point; an appliance that
#                    uses float or double does not build for kvm.
#   -mstringop-strategy=unrolled_loop   copies and fills the compiler
#                    inlines use plain moves, never "rep movs/stos": on a
#                    host whose KVM emulates guest code each of those is an
#                    exit (10-15 µs measured here; lib/libc/string.c)
# lib/libc is also built with -fno-tree-loop-distribute-patterns, so that
# the compiler never turns a loop inside memset & co. into a call to it.

include $(KILN_HOME)/bindings/kvm/files.mk
include $(KILN_HOME)/lib/libc/files.mk
include $(KILN_HOME)/lib/net/files.mk

TARGET_SRCS = $(KVM_SRCS) $(LIBC_SRCS) $(NET_SRCS)
# gen/kiln_kvm.c: the .note.kiln device list and the net hook, written by
# kiln build from the manifest (tools/gen_kvm.c).
TARGET_GEN_SRCS = kiln_kvm.c

KVM_CC_INCLUDE := $(shell $(CC) -print-file-name=include)
TARGET_CFLAGS = -ffreestanding -fbuiltin -nostdinc \
	-isystem $(KILN_HOME)/lib/libc/include -isystem $(KVM_CC_INCLUDE) \
	-fno-pie -mcmodel=small -fno-stack-protector -mno-red-zone \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-march=x86-64 -mtune=generic -mgeneral-regs-only \
	-mstringop-strategy=unrolled_loop
$(BUILD_DIR)/obj/kiln/lib/libc/%.c.o: KILN_CFLAGS += \
	-fno-tree-loop-distribute-patterns

# --wrap=kiln_main: see bindings/kvm/main.c (the stack attaches after the
# start keys, before the appliance's kiln_main). -z noexecstack and
# --build-id=none keep the image to the segments kvm.ld names.
TARGET_LDFLAGS = -static -nostdlib -no-pie \
	-Wl,-T,$(KILN_HOME)/bindings/kvm/kvm.ld -Wl,--wrap=kiln_main \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=4096 \
	-Wl,-z,norelro
# libgcc for what the compiler may call behind our back (none today).
TARGET_LDLIBS = -lgcc

# A changed linker script relinks the image.
$(IMAGE): $(KILN_HOME)/bindings/kvm/kvm.ld
