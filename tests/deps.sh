#!/bin/sh
# Install the test peers `make test` needs, with apt-get, where missing.
# Runs as root on a fresh Debian 12 machine; as another user it only
# reports what is missing (tests that need a missing peer say so loudly).
set -e
# command:package pairs
need="socat:socat curl:curl sha256sum:coreutils timeout:coreutils
ip:iproute2 ping:iputils-ping awk:gawk gcc:gcc make:make bash:bash
od:coreutils cmp:diffutils clang-format:clang-format
arping:iputils-arping dnsmasq:dnsmasq-base ss:iproute2
nsd:nsd kdig:knot-dnsutils dig:dnsutils python3:python3
slowhttptest:slowhttptest tcpdump:tcpdump"
missing=""
for pair in $need; do
	cmd=${pair%%:*} pkg=${pair#*:}
	command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
done
# zlib for lib/http's build-time site generator (gzip variants)
[ -e /usr/include/zlib.h ] || missing="$missing zlib1g-dev"
# libc headers for the unit tests' sanitizers
[ -e /usr/lib/gcc/x86_64-linux-gnu/12/libasan.so ] || missing="$missing libasan8"
[ -e /usr/lib/gcc/x86_64-linux-gnu/12/libubsan.so ] || missing="$missing libubsan1"
missing=$(printf '%s\n' $missing | sort -u | tr '\n' ' ')
[ -z "${missing# }" ] && { echo "deps: all test peers present"; exit 0; }
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (not root: cannot install; tests that need them will fail or skip loudly)" >&2
	exit 0
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || apt-get update
apt-get install -y -qq --no-install-recommends $missing
