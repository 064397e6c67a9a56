# lib/net fuzzing, run from the repository root:
#
#   make -f lib/net/fuzz/fuzz.mk replay      replay every corpus under gcc
#                                           ASan+UBSan (no clang needed)
#   make -f lib/net/fuzz/fuzz.mk fuzzers     build libFuzzer binaries (clang)
#   build/fuzz/fuzz_tcp lib/net/fuzz/corpus/tcp -max_total_time=60
#
# One target per parser: lib/net/fuzz/fuzz_X.c with seeds in corpus/X/
# (regenerate the seeds with lib/net/tests/mkvectors.py). New inputs a run
# finds land in the corpus directory given first; keep the small ones that
# add coverage and commit them.

include lib/net/files.mk

CC ?= cc
FUZZ_CC ?= clang
NET_FUZZ = eth arp ipv4 icmp udp tcp dhcp stack
FUZZ_DIR = lib/net/fuzz
FUZZ_CFLAGS = -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Iinclude -Ilib/net
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
FUZZ_DEPS = $(NET_WIRE_SRCS) $(wildcard lib/net/*.h include/kiln/*.h) \
	    $(FUZZ_DIR)/fuzz.h

replay: $(NET_FUZZ:%=build/fuzz/replay_%)
	@for t in $(NET_FUZZ); do \
		build/fuzz/replay_$$t $(FUZZ_DIR)/corpus/$$t || exit 1; \
	done

fuzzers: $(NET_FUZZ:%=build/fuzz/fuzz_%)

build/fuzz/replay_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DIR)/replay.c $(FUZZ_DEPS)
	@mkdir -p build/fuzz
	$(CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -o $@ $(FUZZ_DIR)/replay.c $< $(NET_WIRE_SRCS)

build/fuzz/fuzz_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DEPS)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $< $(NET_WIRE_SRCS)

# The whole-stack target (fuzz_stack.c, which has its own fake platform)
# links the stack itself, lib/core, the fake image and the fake netif;
# seeds: mkstack.py.
include lib/core/files.mk
STACK_FUZZ_SRCS = $(NET_SRCS) $(CORE_SRCS) lib/core/tests/fakeimage.c \
	lib/net/tests/fakenet.c
STACK_FUZZ_CFLAGS = $(FUZZ_CFLAGS) -Ilib/core -Ilib/core/tests -Ilib/net/tests
STACK_FUZZ_DEPS = $(STACK_FUZZ_SRCS) $(FUZZ_DEPS) $(wildcard lib/core/*.h \
	lib/core/tests/*.h lib/net/tests/*.h)

build/fuzz/replay_stack: $(FUZZ_DIR)/fuzz_stack.c $(FUZZ_DIR)/replay.c $(STACK_FUZZ_DEPS)
	@mkdir -p build/fuzz
	$(CC) $(STACK_FUZZ_CFLAGS) $(FUZZ_SAN) -o $@ $(FUZZ_DIR)/replay.c $< \
		$(STACK_FUZZ_SRCS)

build/fuzz/fuzz_stack: $(FUZZ_DIR)/fuzz_stack.c $(STACK_FUZZ_DEPS)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(STACK_FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $< $(STACK_FUZZ_SRCS)

FUZZ_TIME ?= 60
fuzz-run: fuzzers
	@for t in $(NET_FUZZ); do \
		echo "fuzz_$$t: $(FUZZ_TIME) s"; \
		build/fuzz/fuzz_$$t $(FUZZ_DIR)/corpus/$$t \
			-max_total_time=$(FUZZ_TIME) -print_final_stats=1 || exit 1; \
	done

.PHONY: replay fuzzers fuzz-run
