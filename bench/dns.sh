#!/bin/bash
# The DNS appliance against NSD, Knot and BIND (authoritative only) and a
# no-work responder, side by side in one run (issue 5).
#
# dnsperf saturates its own core near 150k queries/s here, so every server
# gets the same fixed offered rate (RATE, default 100k/s) and is compared by
# CPU time per query: utime + stime of the server's whole process group from
# /proc/PID/stat, over the run, divided by the queries answered. Servers are
# pinned to one core with taskset (Knot re-pinned with taskset -a -p, it
# pins its own threads), dnsperf to the other. Most of that time is the
# kernel's, so each server is also shown as a ratio to its I/O path's floor:
# a responder that does no DNS work (recvmmsg/sendmmsg on a UDP socket).
#
# Zones of 100 and 10,000 names are generated here; the query mix is 80%
# existing names (A, AAAA, MX), 10% NXDOMAIN, 10% NODATA.
#
# The tap path (posix-direct and kvm, Kiln's own stack): the server on tap
# kt0 (10.0.0.2) in a network namespace of its own, dnsperf in the same
# namespace on bridge br0 (10.0.0.1), as tests/direct.sh sets it up
# (bridge netfilter off, as in bench/net.sh), at the same offered rate.
# Its floor is bench/dns_tap_floor.c: one read and one write per frame, no
# DNS work. For kvm the CPU time is the monitor process's (bin/kiln-kvm),
# which includes the guest's. Needs root and /dev/net/tun (kvm: a usable
# /dev/kvm, `bin/kiln targets`); otherwise those rows say why.
#
# When dnsperf cannot offer RATE (a busy machine), queries/s shows what it
# reached; CPU per query is still measured over the same queries for all.
#
# REPS (default 1) runs every server that many times, in rounds (each
# round runs them all, so a burst of load elsewhere hits every row alike),
# and shows the median with the range: on a shared 2-core machine one run
# of a server can be off by 20%.
#
# ROWS (default: all) limits the run to the rows it names, e.g.
# ROWS="floor-tap kiln-kvm" while working on one path.
#
# PERF_EVENTS (default: none) counts perf events in each row's server
# during its run, per query answered, on stderr, e.g.
# PERF_EVENTS=syscalls:sys_enter_ioctl,syscalls:sys_enter_readv (kvm exits
# and tap reads).
#
# PERF_RECORD=PREFIX records a profile of each row's server during its
# run into PREFIX.ROW (perf record -g; read it with perf report -i).
#
# Usage: bench/dns.sh   (RATE=100000 SECS=5 SIZES="100 10000" REPS=1 ROWS= PERF_EVENTS= PERF_RECORD=)
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
RATE=${RATE:-100000}
SECS=${SECS:-5}
SIZES=${SIZES:-100 10000}
REPS=${REPS:-1}
ROWS=${ROWS:-}
PERF_EVENTS=${PERF_EVENTS:-}
PERF_RECORD=${PERF_RECORD:-}
KVM_OPTS=${KVM_OPTS:-}
W=$(mktemp -d /tmp/kiln-bench-dns.XXXXXX)
PIDS=""
NS_TAG=dnsbench
source tests/netns.sh
cleanup() {
	for p in $PIDS; do kill -TERM -- "-$p" 2>/dev/null; done
	sleep 0.3
	for p in $PIDS; do kill -KILL -- "-$p" 2>/dev/null; done
	ns_cleanup
	rm -rf "$W"
}
# netns.sh's trap (set at the first ns_create) calls t_cleanup
t_cleanup() { cleanup; }
trap cleanup EXIT INT TERM

# Bench-only peers are installed here, not by tests/deps.sh.
need=""
for pair in dnsperf:dnsperf nsd:nsd knotd:knot named:bind9 kdig:knot-dnsutils; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || need="$need ${pair#*:}"
done
if [ -n "$need" ] && [ "$(id -u)" = 0 ]; then
	echo "dns bench: installing$need"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null 2>&1 ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null 2>&1; }
fi
command -v dnsperf >/dev/null 2>&1 || { echo "dns bench: skipped: no dnsperf"; exit 0; }
[ -x bin/kiln ] || make -s bin/kiln

NCPU=$(nproc)
SRV_CPU=$((NCPU > 1 ? 1 : 0))
PERF_CPU=0
HZ=$(getconf CLK_TCK)

# ---- the no-work floor: answer each datagram by echoing it with QR set ---
cat >"$W/floor.c" <<'C'
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
int main(int argc, char **argv)
{
	enum { B = 32 };
	static char buf[B][2048];
	static struct sockaddr_in src[B];
	static struct iovec iov[B];
	static struct mmsghdr m[B];
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])),
				.sin_addr.s_addr = htonl(0x7f000001)};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (bind(fd, (struct sockaddr *)&a, sizeof a))
		return 1;
	for (;;) {
		for (int i = 0; i < B; i++) {
			iov[i] = (struct iovec){buf[i], sizeof buf[i]};
			m[i].msg_hdr = (struct msghdr){.msg_name = &src[i], .msg_namelen = sizeof src[i],
						       .msg_iov = &iov[i], .msg_iovlen = 1};
		}
		int n = recvmmsg(fd, m, B, MSG_WAITFORONE, NULL);
		for (int i = 0; i < n; i++) {
			buf[i][2] |= 0x80;
			iov[i].iov_len = m[i].msg_len;
		}
		if (n > 0)
			sendmmsg(fd, m, n, 0);
	}
}
C
cc -O2 -o "$W/floor" "$W/floor.c" || { echo "dns bench: floor does not build"; exit 1; }

# ---- zones and queries ----------------------------------------------------
mkzone() { # N FILE QUERIES
	{
		printf '$ORIGIN bench.test.\n$TTL 3600\n'
		printf '@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n  NS ns1\n  NS ns2\n'
		printf 'ns1 A 192.0.2.1\nns2 A 192.0.2.2\n@ MX 10 mail\nmail A 192.0.2.3\n'
		awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) {
			printf "h%d A 10.%d.%d.%d\n", i, int(i / 65536) % 256, int(i / 256) % 256, i % 256
			if (i % 2 == 0) printf "h%d AAAA 2001:db8::%x\n", i, i } }'
	} >"$2"
	awk -v n="$1" 'BEGIN { srand(42); for (i = 0; i < 100000; i++) {
		r = rand(); k = int(rand() * n)
		if (r < 0.6) printf "h%d.bench.test A\n", k
		else if (r < 0.75) printf "h%d.bench.test AAAA\n", k - k % 2
		else if (r < 0.8) printf "bench.test MX\n"
		else if (r < 0.9) printf "nx%d.bench.test A\n", k
		else printf "h%d.bench.test TXT\n", k } }' >"$3"
}

port() { echo $((30000 + RANDOM % 20000)); }
KILN_PORT=$(port)

# CPU ticks of a process group (utime + stime of every member).
group_ticks() {
	local t=0 f
	for f in /proc/[0-9]*/stat; do
		{ read -r -a s <"$f"; } 2>/dev/null || continue
		# fields after the ")" of comm: pgrp is field 5, utime 14, stime 15
		local rest=${s[*]}; rest=${rest#*) }
		read -r -a r <<<"$rest"
		[ "${r[2]}" = "$1" ] && t=$((t + r[11] + r[12]))
	done
	echo $t
}

# ---- servers: each start_X PORT ZONEFILE starts one, pinned, in its own
# process group, and prints the group id -----------------------------------
start_floor() { setsid taskset -c $SRV_CPU "$W/floor" "$1" >/dev/null 2>&1 & echo $!; }
# The posix-socket image is built once per zone (and port: the port is
# sealed in), then reused by every round.
start_kiln() {
	local d=$W/app-posix-socket-$N-$1
	if [ ! -x "$d.img" ]; then
		rm -rf "$d"; cp -R examples/dns "$d"; rm -rf "$d/_build"
		bin/kiln build -t posix-socket "$d" zone="$2" port="$1" >"$d.build" 2>&1 || { echo "kiln build failed" >&2; return 1; }
		ln -sf "$(tail -n 1 "$d.build")" "$d.img"
	fi
	setsid taskset -c $SRV_CPU "$d.img" >/dev/null 2>&1 & echo $!
}
start_nsd() {
	mkdir -p "$W/nsd"
	printf 'server:\n ip-address: 127.0.0.1@%s\n port: %s\n username: ""\n chroot: ""\n database: ""\n zonelistfile: "%s/nsd/zl"\n xfrdfile: "%s/nsd/x"\n pidfile: "%s/nsd/pid"\n server-count: 1\n rrl-ratelimit: 0\n verbosity: 0\nremote-control:\n control-enable: no\nzone:\n name: bench.test\n zonefile: %s\n' \
		"$1" "$1" "$W" "$W" "$W" "$2" >"$W/nsd/nsd.conf"
	setsid taskset -c $SRV_CPU nsd -d -c "$W/nsd/nsd.conf" >/dev/null 2>&1 & echo $!
}
start_knot() {
	mkdir -p "$W/knot"
	printf 'server:\n listen: 127.0.0.1@%s\n udp-workers: 1\n tcp-workers: 1\n background-workers: 1\n rundir: "%s/knot"\ndatabase:\n storage: "%s/knot"\nzone:\n - domain: bench.test\n   file: "%s"\n   journal-content: none\n   zonefile-load: whole\n' \
		"$1" "$W" "$W" "$2" >"$W/knot/knot.conf"
	setsid taskset -c $SRV_CPU knotd -c "$W/knot/knot.conf" >/dev/null 2>&1 &
	local p=$!
	sleep 1
	taskset -a -p -c $SRV_CPU "$p" >/dev/null 2>&1
	echo $p
}
start_bind() {
	mkdir -p "$W/bind"
	printf 'options { directory "%s/bind"; listen-on port %s { 127.0.0.1; }; listen-on-v6 { none; }; recursion no; pid-file none; rate-limit { responses-per-second 0; }; };\nzone "bench.test" { type primary; file "%s"; };\n' \
		"$W" "$1" "$2" >"$W/bind/named.conf"
	setsid taskset -c $SRV_CPU named -g -n 1 -U 1 -c "$W/bind/named.conf" >"$W/bind/log" 2>&1 & echo $!
}

# ---- the tap path: namespace d, tap kt0 on bridge br0 ----------------------
TAP_IP=10.0.0.2
TAP_WHY=""
if ! ns_require dns-bench-tap >/dev/null; then
	TAP_WHY=$NS_SKIP_WHY
elif ! { ns_create d && ns_tap d kt0 && ns_bridge d br0 kt0 && ns_addr d br0 10.0.0.1/24; }; then
	TAP_WHY="namespace, tap and bridge: setup failed"
elif ! cc -O2 -o "$W/tap_floor" bench/dns_tap_floor.c; then
	TAP_WHY="bench/dns_tap_floor.c does not build"
else
	ns_exec d sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-arptables=0 2>/dev/null
fi
NSD=$(ns_name d)
can_run() { bin/kiln targets 2>/dev/null | grep -q "^$1 .*implemented .*can run"; }

# build_tap TARGET N ZONE: the appliance for TARGET with ZONE, in the
# background (its pid added to BP); its image will be
# $W/app-TARGET-N/_build/TARGET/dns.
BP=()
build_tap() {
	local d=$W/app-$1-$2
	rm -rf "$d"; cp -R examples/dns "$d"; rm -rf "$d/_build"
	bin/kiln build -t "$1" "$d" zone="$3" port=53 >"$d.build" 2>&1 &
	BP+=($!)
}
tap_img() { echo "$W/app-$1-$N/_build/$1/dns"; }
# Started in namespace d on kt0; `ip netns exec` and setsid exec (no
# fork), so $! is the server's pid and its process group.
start_tap_floor() {
	ip netns exec "$NSD" setsid taskset -c $SRV_CPU "$W/tap_floor" kt0 $TAP_IP >/dev/null 2>&1 & echo $!
}
start_direct() {
	[ -x "$(tap_img posix-direct)" ] || { echo "posix-direct build failed" >&2; return 1; }
	ip netns exec "$NSD" setsid taskset -c $SRV_CPU "$(tap_img posix-direct)" --net kt0 ipv4=$TAP_IP/24 >"$W/direct.out" 2>&1 & echo $!
}
start_kvm() {
	[ -x "$(tap_img kvm)" ] || { echo "kvm build failed" >&2; return 1; }
	ip netns exec "$NSD" setsid taskset -c $SRV_CPU bin/kiln-kvm $KVM_OPTS --net=kt0 "$(tap_img kvm)" ipv4=$TAP_IP/24 >"$W/kvm.out" 2>&1 & echo $!
}

# run NAME START ZONE QUERIES: one measurement; prints "NAME QPS US_PER_Q".
# With AT=NETNS/ADDR:PORT the server is there (start gets PORT); else on
# 127.0.0.1 at a free port.
AT=""
run() {
	local name=$1 start=$2 zone=$3 q=$4 p pg t0 t1 out qps done_q a=127.0.0.1 x=()
	p=$(port)
	if [ -n "$AT" ]; then
		x=(ip netns exec "${AT%%/*}"); a=${AT#*/}; p=${a#*:}; a=${a%:*}
	fi
	[ "$name" = kiln-posix-socket ] && [ -z "$AT" ] && p=$KILN_PORT
	pg=$($start "$p" "$zone") || { echo "$name - -"; return; }
	PIDS="$PIDS $pg"
	for _ in $(seq 50); do
		"${x[@]}" kdig @"$a" -p "$p" +short +timeout=1 +retry=0 bench.test SOA >/dev/null 2>&1 && break
		[ "$name" = floor ] && break
		sleep 0.2
	done
	t0=$(group_ticks "$pg")
	local ps=""
	if [ -n "$PERF_EVENTS" ] && wanted "$name"; then
		perf stat -e "$PERF_EVENTS" -p "$pg" -o "$W/$name.perf" & ps=$!
	fi
	local pr=""
	if [ -n "$PERF_RECORD" ] && wanted "$name"; then
		perf record -q -g -p "$pg" -o "$PERF_RECORD.$name" 2>/dev/null & pr=$!
	fi
	out=$("${x[@]}" taskset -c $PERF_CPU dnsperf -s "$a" -p "$p" -d "$q" -Q "$RATE" -l "$SECS" -c 4 -q 2000 2>&1)
	t1=$(group_ticks "$pg")
	[ -n "$pr" ] && { kill -INT "$pr"; wait "$pr"; }
	if [ -n "$ps" ]; then
		kill -INT "$ps"; wait "$ps"
		awk -v n="$(printf %s "$out" | awk '/Queries completed/ {print $3}')" -v s="$name" \
			'$1 ~ /^[0-9,.]+$/ { c = $1; gsub(",", "", c); printf "  %s: %s %.3f per query\n", s, $2, c / n }' "$W/$name.perf" >&2
	fi
	kill -TERM -- "-$pg" 2>/dev/null; sleep 0.3; kill -KILL -- "-$pg" 2>/dev/null
	while kill -0 "$pg" 2>/dev/null; do sleep 0.1; done # the tap is free again
	qps=$(printf %s "$out" | awk '/Queries per second/ {printf "%d", $4}')
	done_q=$(printf %s "$out" | awk '/Queries completed/ {print $3}')
	if [ -z "$done_q" ] || [ "$done_q" = 0 ]; then echo "$name - -"; return; fi
	echo "$name $qps $(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="$done_q" 'BEGIN { printf "%.2f", t / hz / n * 1e6 }')"
}

# why NAME: empty when NAME can run here, else why not.
why() {
	case $1 in
	nsd) command -v nsd >/dev/null || echo "not installed" ;;
	knot) command -v knotd >/dev/null || echo "not installed" ;;
	bind) command -v named >/dev/null || echo "not installed" ;;
	kiln-posix-direct) can_run posix-direct || bin/kiln targets | grep '^posix-direct ' | tr -s ' ' ;;
	kiln-kvm) can_run kvm || bin/kiln targets | grep '^kvm ' | tr -s ' ' ;;
	esac
}

# wanted NAME: whether ROWS (default: all) names this row.
wanted() { [ -z "$ROWS" ] || [[ " $ROWS " == *" $1 "* ]]; }

# median LIST: the median of numbers ("-" when none); range LIST: min-max.
median() { printf '%s\n' "$@" | grep -v '^-$' | sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { printf '%s\n' "$@" | grep -v '^-$' | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR > 1) printf "%s-%s", lo, hi }'; }

# table FLOOR NAME:START...: REPS rounds of every server, then a row per
# server (medians) with the ratio to FLOOR's median.
table() {
	local floor_name=$1 s name r us floor qps
	shift
	declare -A Q U
	printf '%-22s %12s %12s %10s %s\n' server "queries/s" "us CPU/query" "x floor" "$([ "$REPS" -gt 1 ] && echo "  (us range, $REPS runs)")"
	for r in $(seq "$REPS"); do
		for s in "$@"; do
			name=${s%%:*}
			[ -n "$(why "$name")" ] && continue
			wanted "$name" || continue
			read -r _ qps us <<<"$(run "$name" "${s#*:}" "$W/bench$N.zone" "$W/q$N.txt")"
			Q[$name]="${Q[$name]:-} $qps"
			U[$name]="${U[$name]:-} $us"
		done
	done
	floor=$(median ${U[$floor_name]:-})
	for s in "$@"; do
		name=${s%%:*}
		wanted "$name" || continue
		r=$(why "$name")
		[ -n "$r" ] && { echo "$name: $r"; continue; }
		us=$(median ${U[$name]})
		printf '%-22s %12s %12s %10s %s\n' "$name" "$(median ${Q[$name]} | cut -d. -f1)" "$us" \
			"$(awk -v a="$us" -v b="$floor" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }')" \
			"$([ "$REPS" -gt 1 ] && echo "  ($(range ${U[$name]}))")"
	done
}

echo "dns bench: offered $RATE queries/s for $SECS s per server, $REPS round(s); servers on CPU $SRV_CPU, dnsperf on CPU $PERF_CPU"
for n in $SIZES; do
	N=$n
	mkzone "$n" "$W/bench$n.zone" "$W/q$n.txt"
	# the tap-path images first, side by side, before anything is measured
	if [ -z "$TAP_WHY" ]; then
		BP=()
		for t in posix-direct kvm; do can_run $t && build_tap $t "$n" "$W/bench$n.zone"; done
		for b in "${BP[@]}"; do wait "$b"; done
	fi
	echo
	echo "zone of $n names (posix-socket path; floor = no-work UDP responder, recvmmsg/sendmmsg)"
	table floor floor:start_floor kiln-posix-socket:start_kiln nsd:start_nsd knot:start_knot bind:start_bind

	echo
	echo "zone of $n names (tap path: Kiln's stack on a tap in a namespace; floor = no-work tap responder, one read and one write per frame)"
	if [ -n "$TAP_WHY" ]; then
		echo "tap path: skipped: $TAP_WHY"
		continue
	fi
	AT=$NSD/$TAP_IP:53
	table floor-tap floor-tap:start_tap_floor kiln-posix-direct:start_direct kiln-kvm:start_kvm
	AT=""
done
echo
echo "goals (issue 5): every Kiln row at most 1.15x its path's floor; kvm (the monitor's CPU, guest included) too"
