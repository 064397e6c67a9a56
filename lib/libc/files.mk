# lib/libc: the freestanding C subset that bare targets (kvm) link instead
# of a host libc. Headers in lib/libc/include (the target's makefile puts
# them first on the include path, with -nostdinc and the compiler's own
# freestanding headers for stdint.h, stddef.h, stdarg.h, stdbool.h).
# Paths relative to the repository root.
LIBC_SRCS = \
	lib/libc/ctype.c \
	lib/libc/malloc.c \
	lib/libc/misc.c \
	lib/libc/printf.c \
	lib/libc/qsort.c \
	lib/libc/string.c \
	lib/libc/strtol.c
