# bindings/kvm: Kiln as a bare x86-64 VM under kiln-kvm (monitor/). Paths
# relative to the repository root. mk/target-kvm.mk adds lib/libc, lib/net
# and the linker script kvm.ld.
KVM_SRCS = \
	bindings/kvm/start.S \
	bindings/kvm/main.c \
	bindings/kvm/trap.c \
	bindings/kvm/exit.c \
	bindings/kvm/clock.c \
	bindings/kvm/console.c \
	bindings/kvm/entropy.c \
	bindings/kvm/wait.c \
	bindings/kvm/netif.c \
	bindings/kvm/block.c
