# lib/dns fuzzing, run from the repository root:
#
#   make -f lib/dns/fuzz/fuzz.mk replay      replay every corpus under gcc
#                                           ASan+UBSan (no clang needed)
#   make -f lib/dns/fuzz/fuzz.mk fuzzers     build libFuzzer binaries (clang)
#   make -f lib/dns/fuzz/fuzz.mk fuzz-run    run each for FUZZ_TIME seconds
#
# Two targets: fuzz_query (the wire parser and dns_answer, against the
# test zones) with seeds in corpus/query (good queries and the malformed
# corpus of tests/dns/malformed), and fuzz_zone (the zone reader and its
# checks) with seeds in corpus/zone (the test zones and the broken ones).

CC ?= cc
FUZZ_CC ?= clang
DNS_FUZZ = query zone
FUZZ_DIR = lib/dns/fuzz
# Everything but the server (sockets): the answering code and the
# build-time half, which fuzz_query uses to compile its table.
DNS_FUZZ_SRCS = $(filter-out lib/dns/server.c,$(wildcard lib/dns/*.c))
FUZZ_CFLAGS = -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Iinclude
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
FUZZ_DEPS = $(DNS_FUZZ_SRCS) $(wildcard lib/dns/*.h lib/dns/tests/*.h \
	    include/kiln/*.h)

replay: $(DNS_FUZZ:%=build/fuzz/replay_dns_%)
	@for t in $(DNS_FUZZ); do \
		build/fuzz/replay_dns_$$t $(FUZZ_DIR)/corpus/$$t 2>/dev/null || exit 1; \
	done

fuzzers: $(DNS_FUZZ:%=build/fuzz/fuzz_dns_%)

build/fuzz/replay_dns_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DIR)/replay.c $(FUZZ_DEPS)
	@mkdir -p build/fuzz
	$(CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -o $@ $(FUZZ_DIR)/replay.c $< $(DNS_FUZZ_SRCS)

build/fuzz/fuzz_dns_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DEPS)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $< $(DNS_FUZZ_SRCS)

FUZZ_TIME ?= 60
fuzz-run: fuzzers
	@for t in $(DNS_FUZZ); do \
		echo "fuzz_dns_$$t: $(FUZZ_TIME) s"; \
		build/fuzz/fuzz_dns_$$t $(FUZZ_DIR)/corpus/$$t \
			-max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			2>&1 | grep -v '^/tmp/kiln-fuzz' || exit 1; \
	done

.PHONY: replay fuzzers fuzz-run
