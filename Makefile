# Kiln: the top-level build. See README.md.
#
#   make            build the commands into bin/
#   make run        build and start the default appliance on posix-socket
#   make test       install missing test peers (apt-get), then run every test
#   make unit       build the host unit tests (ASan + UBSan) into build/unit/
#   make bench      run the benchmarks in bench/ (not tests)
#   make fuzz       run every libFuzzer target for FUZZ_TIME s (needs clang)
#   make install PREFIX=/usr/local
#   make format     clang-format every C file in place; make format-check

CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=
APP ?= examples/www

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wno-unused-parameter
HOST_CFLAGS = -O2 -g -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
      -fno-omit-frame-pointer
UNIT_CFLAGS = -O1 -g -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude $(SAN)

# The host-side pieces of lib/core that the kiln command shares with images.
TOOL_CORE = lib/core/cfgtype.c lib/core/addr.c
TOOL_MAIN = tools/main.c
TOOL_LIB = $(filter-out $(TOOL_MAIN),$(wildcard tools/*.c))
TOOL_HDRS = $(wildcard tools/*.h) $(wildcard include/kiln/*.h)

include lib/core/files.mk
include lib/http/files.mk
include lib/libc/files.mk

# kiln-kvm, the kvm target's monitor; build/kiln-kvm-asan for its tests.
MON_SRCS = $(wildcard monitor/*.c)
MON_HDRS = $(wildcard monitor/*.h) include/kiln/kvm_abi.h

all: bin/kiln bin/kiln-kvm

bin/kiln-kvm: $(MON_SRCS) $(MON_HDRS)
	@mkdir -p bin
	$(CC) $(HOST_CFLAGS) -o $@.tmp $(MON_SRCS)
	mv $@.tmp $@

build/kiln-kvm-asan: $(MON_SRCS) $(MON_HDRS)
	@mkdir -p build
	$(CC) $(UNIT_CFLAGS) -o $@ $(MON_SRCS)

bin/kiln: $(TOOL_MAIN) $(TOOL_LIB) $(TOOL_CORE) $(TOOL_HDRS)
	@mkdir -p bin
	$(CC) $(HOST_CFLAGS) -Itools -o $@.tmp $(TOOL_MAIN) $(TOOL_LIB) $(TOOL_CORE)
	mv $@.tmp $@

# ---- unit tests (host, sanitizers) -------------------------------------
# lib/core/tests/test_X.c  -> build/unit/test_core_X   (with the fake platform)
# lib/net/tests/test_X.c   -> build/unit/test_net_X
# lib/http/tests/test_X.c  -> build/unit/test_http_X   (with a fake TCP)
# tools/tests/test_X.c     -> build/unit/test_tools_X
# lib/libc/tests/test_X.c  -> build/unit/test_libc_X   (Kiln's libc, renamed
#                             kl_*, beside glibc: see lib/libc/tests/prefix.h)
CORE_TESTS = $(patsubst lib/core/tests/test_%.c,build/unit/test_core_%,$(wildcard lib/core/tests/test_*.c))
NET_TESTS = $(patsubst lib/net/tests/test_%.c,build/unit/test_net_%,$(wildcard lib/net/tests/test_*.c))
HTTP_TESTS = $(patsubst lib/http/tests/test_%.c,build/unit/test_http_%,$(wildcard lib/http/tests/test_*.c))
DNS_TESTS = $(patsubst lib/dns/tests/test_%.c,build/unit/test_dns_%,$(wildcard lib/dns/tests/test_*.c))
TOOL_TESTS = $(patsubst tools/tests/test_%.c,build/unit/test_tools_%,$(wildcard tools/tests/test_*.c))
UNIT_SUPPORT = $(filter-out $(wildcard lib/core/tests/test_*.c),$(wildcard lib/core/tests/*.c))
NET_SRCS_ALL = $(wildcard lib/net/*.c)
UNIT_DEPS = $(wildcard include/kiln/*.h lib/core/*.h lib/net/*.h lib/core/tests/*.h)

LIBC_TESTS = $(patsubst lib/libc/tests/test_%.c,build/unit/test_libc_%,$(wildcard lib/libc/tests/test_*.c))

HTTP_UNIT_SRCS = $(filter-out lib/http/gen/%,$(HTTP_SRCS)) \
	$(filter-out $(wildcard lib/http/tests/test_*.c),$(wildcard lib/http/tests/*.c))

unit: $(CORE_TESTS) $(NET_TESTS) $(DNS_TESTS) $(HTTP_TESTS) $(TOOL_TESTS) $(LIBC_TESTS)

build/unit/test_core_%: lib/core/tests/test_%.c $(CORE_SRCS) $(UNIT_SUPPORT) $(UNIT_DEPS)
	@mkdir -p build/unit
	$(CC) $(UNIT_CFLAGS) -Ilib/core -Ilib/core/tests -o $@ $< $(CORE_SRCS) $(UNIT_SUPPORT)

# lib/net's test helpers: every non-test_ .c in lib/net/tests/ (the fake netif).
NET_TEST_SUPPORT = $(filter-out $(wildcard lib/net/tests/test_*.c),$(wildcard lib/net/tests/*.c))
build/unit/test_net_%: lib/net/tests/test_%.c $(CORE_SRCS) $(UNIT_SUPPORT) $(NET_SRCS_ALL) $(NET_TEST_SUPPORT) $(UNIT_DEPS) $(wildcard lib/net/tests/*.h)
	@mkdir -p build/unit
	$(CC) $(UNIT_CFLAGS) -Ilib/core -Ilib/core/tests -Ilib/net -Ilib/net/tests -o $@ $< $(CORE_SRCS) $(UNIT_SUPPORT) $(NET_SRCS_ALL) $(NET_TEST_SUPPORT)

build/unit/test_http_%: lib/http/tests/test_%.c $(CORE_SRCS) $(UNIT_SUPPORT) $(HTTP_UNIT_SRCS) $(UNIT_DEPS) $(wildcard lib/http/*.h lib/http/tests/*.h)
	@mkdir -p build/unit
	$(CC) $(UNIT_CFLAGS) -Ilib/core -Ilib/core/tests -Ilib/http -o $@ $< $(CORE_SRCS) $(UNIT_SUPPORT) $(HTTP_UNIT_SRCS)

# lib/dns/tests/test_X.c -> build/unit/test_dns_X: the answering code and
# the build-time half (zone reader, compiler), not the server (sockets).
DNS_UNIT_SRCS = $(filter-out lib/dns/server.c,$(wildcard lib/dns/*.c))
build/unit/test_dns_%: lib/dns/tests/test_%.c $(DNS_UNIT_SRCS) $(wildcard lib/dns/*.h lib/dns/tests/*.h) $(UNIT_DEPS)
	@mkdir -p build/unit
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(DNS_UNIT_SRCS)

build/unit/test_tools_%: tools/tests/test_%.c $(TOOL_LIB) $(TOOL_CORE) $(TOOL_HDRS)
	@mkdir -p build/unit
	$(CC) $(UNIT_CFLAGS) -Itools -o $@ $< $(TOOL_LIB) $(TOOL_CORE)

# The freestanding libc compiled for the host, as on a bare target (its own
# headers, no host libc) but with every public name prefixed kl_.
LIBC_HOST_CFLAGS = -O1 -g -std=c11 $(WARN) -ffreestanding -fno-builtin \
	-nostdinc -isystem lib/libc/include \
	-isystem $(shell $(CC) -print-file-name=include) -Iinclude \
	-include lib/libc/tests/prefix.h $(SAN)
LIBC_HOST_OBJS = $(patsubst lib/libc/%.c,build/unit/libc/%.o,$(LIBC_SRCS))
.SECONDARY: $(LIBC_HOST_OBJS)
LIBC_TEST_SUPPORT = $(filter-out $(wildcard lib/libc/tests/test_*.c),$(wildcard lib/libc/tests/*.c))

build/unit/libc/%.o: lib/libc/%.c $(wildcard lib/libc/include/*.h lib/libc/include/sys/*.h lib/libc/*.h) lib/libc/tests/prefix.h
	@mkdir -p build/unit/libc
	$(CC) $(LIBC_HOST_CFLAGS) -c -o $@ $<

build/unit/test_libc_%: lib/libc/tests/test_%.c $(LIBC_HOST_OBJS) $(LIBC_TEST_SUPPORT) $(wildcard lib/libc/tests/*.h)
	@mkdir -p build/unit
	$(CC) $(UNIT_CFLAGS) -Ilib/libc/tests -o $@ $< $(LIBC_TEST_SUPPORT) $(LIBC_HOST_OBJS)

# ---- test tools (host programs the integration tests drive) -------------
TEST_TOOLS = $(patsubst tests/tools/%.c,build/tools/%,$(wildcard tests/tools/*.c))
test-tools: $(TEST_TOOLS)
build/tools/%: tests/tools/%.c
	@mkdir -p build/tools
	$(CC) -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -o $@ $<

# ---- the quick start ------------------------------------------------------
run: all
	bin/kiln run -t posix-socket $(APP)

test: all
	tests/deps.sh
	$(MAKE) -j$$(nproc) unit test-tools
	tests/run

bench: all
	bench/run

# Coverage-guided fuzzing with libFuzzer (clang): FUZZ_TIME seconds each.
FUZZ_TIME ?= 60
fuzz:
	@for mk in lib/*/fuzz/fuzz.mk; do \
		$(MAKE) -f $$mk fuzzers FUZZ_TIME=$(FUZZ_TIME) || exit 1; \
		$(MAKE) -f $$mk fuzz-run FUZZ_TIME=$(FUZZ_TIME) || exit 1; \
	done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/kiln
	install -m 755 bin/kiln $(DESTDIR)$(PREFIX)/bin/kiln
	install -m 755 bin/kiln-kvm $(DESTDIR)$(PREFIX)/bin/kiln-kvm
	cp -R include lib bindings mk $(DESTDIR)$(PREFIX)/share/kiln/
	find $(DESTDIR)$(PREFIX)/share/kiln -name tests -type d -prune -exec rm -rf {} +

C_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(C_FILES)
format-check:
	clang-format --dry-run -Werror $(C_FILES)

clean:
	rm -rf bin build examples/*/_build

.PHONY: all unit test-tools run test bench fuzz install format format-check clean
.DELETE_ON_ERROR:
