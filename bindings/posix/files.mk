# bindings/posix: what both posix targets (posix-socket, posix-direct)
# share. Paths are relative to the repository root.
POSIX_SRCS = \
	bindings/posix/main.c \
	bindings/posix/clock.c \
	bindings/posix/console.c \
	bindings/posix/entropy.c \
	bindings/posix/exit.c \
	bindings/posix/wait.c \
	bindings/posix/block.c
