# lib/core: the target-independent runtime, linked into every image and into
# the core unit tests. Paths are relative to the repository root.
# cfgtype.c and addr.c are also linked into the host `kiln` tool (TOOL_CORE).
CORE_SRCS = \
	lib/core/loop.c \
	lib/core/log.c \
	lib/core/panic.c \
	lib/core/kv.c \
	lib/core/config.c \
	lib/core/start.c \
	lib/core/netbuf.c \
	lib/core/cfgtype.c \
	lib/core/addr.c \
	lib/core/block.c \
	lib/core/chacha20.c \
	lib/core/rng.c
