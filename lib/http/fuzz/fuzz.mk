# lib/http fuzzing, run from the repository root:
#
#   make -f lib/http/fuzz/fuzz.mk replay     replay the corpus under gcc
#                                           ASan+UBSan (no clang needed)
#   make -f lib/http/fuzz/fuzz.mk fuzzers    build the libFuzzer binary (clang)
#   make -f lib/http/fuzz/fuzz.mk fuzz-run FUZZ_TIME=60
#
# One target, the request-head parser (fuzz_request.c), with seeds in
# corpus/request/ (regenerate them with lib/http/fuzz/mkseeds.py). New
# inputs a run finds land in the corpus directory; keep the small ones
# that add coverage and commit them. The replay driver is lib/net's
# generic one.

CC ?= cc
FUZZ_CC ?= clang
HTTP_FUZZ_DIR = lib/http/fuzz
HTTP_FUZZ_SRCS = lib/http/parse.c $(HTTP_FUZZ_DIR)/fuzz_date_stub.c
HTTP_FUZZ_CFLAGS = -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Iinclude \
	-Ilib/http -Ilib/net/fuzz
HTTP_FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
HTTP_FUZZ_DEPS = $(HTTP_FUZZ_SRCS) lib/http/date.c lib/http/http_int.h \
	$(wildcard include/kiln/*.h)

replay: build/fuzz/replay_http_request
	@build/fuzz/replay_http_request $(HTTP_FUZZ_DIR)/corpus/request

fuzzers: build/fuzz/fuzz_http_request

build/fuzz/replay_http_request: $(HTTP_FUZZ_DIR)/fuzz_request.c lib/net/fuzz/replay.c $(HTTP_FUZZ_DEPS)
	@mkdir -p build/fuzz
	$(CC) $(HTTP_FUZZ_CFLAGS) $(HTTP_FUZZ_SAN) -o $@ lib/net/fuzz/replay.c $< $(HTTP_FUZZ_SRCS)

build/fuzz/fuzz_http_request: $(HTTP_FUZZ_DIR)/fuzz_request.c $(HTTP_FUZZ_DEPS)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(HTTP_FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $< $(HTTP_FUZZ_SRCS)

FUZZ_TIME ?= 60
fuzz-run: fuzzers
	@echo "fuzz_http_request: $(FUZZ_TIME) s"
	@build/fuzz/fuzz_http_request $(HTTP_FUZZ_DIR)/corpus/request \
		-max_total_time=$(FUZZ_TIME) -print_final_stats=1

.PHONY: replay fuzzers fuzz-run
