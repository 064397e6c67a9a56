#!/bin/bash
# Kiln's TCP on posix-direct (its own stack on a tap) against posix-socket
# (the host kernel's stack), side by side in one run (issue 3): bulk
# throughput Linux -> appliance and appliance -> Linux, and connections
# per second. The appliance is tests/apps/tcpbench (a sink and a
# zero-copy source), the client build/tools/tcpbench.
#
#   posix-socket  the appliance in namespace "s" on veth 10.201.0.1, the
#                 client in namespace "c" on its peer 10.201.0.2: both
#                 sides of the kernel path cross a namespace boundary
#   posix-direct  the appliance on tap kt0 (10.0.0.2) in namespace "d",
#                 the client on bridge br0 (10.0.0.1) in the same
#                 namespace (tests/direct.sh's picture)
#
# Both links keep MTU 1500 and the kernel's defaults (offloads included:
# that is what the kernel path is), but for one artefact of the test
# bridge: with br_netfilter loaded, bridged frames go through the iptables
# hooks (net.bridge.bridge-nf-call-iptables=1), which a veth does not pay
# and which the tap's write(2) pays in the appliance's own time (perf:
# about a fifth of it). Namespace "d" turns that off. Each figure runs SECS seconds:
#   sink     tcpbench send SECSs: one connection sends for SECS seconds,
#            then waits for the sink's FIN (it has read every byte)
#   source   tcpbench recv SECSs: one connection reads a stream
#   conn/s   tcpbench cps: 32 connections in flight, each connects, sends
#            16 bytes and closes, from 8 client addresses. The client
#            namespaces keep no TIME-WAIT (tcp_max_tw_buckets=0): with it,
#            Linux's connect() scans ever longer for a free port once about
#            14k are taken (it prefers even ports), ~3 ms a call, and
#            measures that instead of the server.
# Before each run the bench waits until the appliance's CPU time stops
# growing: a stream's end is a reset, and a stack may still be sending.
# The appliance is pinned to CPU 1 and the client to CPU 0 (taskset); the
# appliance's CPU time (utime + stime from /proc/PID/stat) is given per GB
# and per connection, and as a share of the run (100% = one core busy).
#
# Goal (issue 3): posix-direct at least 1 Gbit/s and at least 30% of the
# kernel path, each direction. A benchmark: it prints, it does not fail.
# Needs root, /dev/net/tun and iproute2; otherwise it says why and stops.
#
# Usage: bench/net.sh   (NET_BENCH_SECS=10; NET_BENCH_CONC=32)
#   bench/run net       also keeps the output in build/bench/net.txt
set -u
cd "$(dirname "$0")/.." || exit 2
source tests/lib.sh
source tests/netns.sh
SECS=${NET_BENCH_SECS:-10}
CONC=${NET_BENCH_CONC:-32}
HZ=$(getconf CLK_TCK)
NCPU=$(nproc)
CPU_APP=$((NCPU > 1 ? 1 : 0))
CPU_CLI=0

t_tmpdir
if ! ns_require net-bench >/dev/null; then
	echo "net bench: skipped: $NS_SKIP_WHY"
	exit 0
fi
[ "$NCPU" -ge 2 ] || echo "net bench: one CPU: appliance and client share it (figures are pessimistic)"
make -s bin/kiln build/tools/tcpbench >/dev/null || { echo "net bench: build of bin/kiln or tcpbench failed"; exit 0; }
TB=$KILN_ROOT/build/tools/tcpbench

# build TARGET: the appliance for TARGET, from a copy; prints the image.
build() {
	rm -rf "$T_TMP/app-$1" && cp -R tests/apps/tcpbench "$T_TMP/app-$1" &&
		rm -rf "$T_TMP/app-$1/_build"
	"$KILN" build -t "$1" "$T_TMP/app-$1" >"$T_TMP/build-$1.log" 2>&1 ||
		{ echo "net bench: $1 build failed: $(tail -c 400 "$T_TMP/build-$1.log")" >&2; return 1; }
	tail -n 1 "$T_TMP/build-$1.log"
}

# cps_addrs NET HOST: the client's addresses for cps, NET.HOST and the
# seven extra ones NET.11 to NET.17 (added to its interface below).
cps_addrs() {
	local a=$1.$2 i
	for i in $(seq 11 17); do a="$a,$1.$i"; done
	echo "$a"
}

# ---- posix-socket: appliance in s, client in c, veth between ------------
S_IP=10.201.0.1
S_PID=
if S_IMG=$(build posix-socket); then
	if ns_create s && ns_create c && ns_veth s vs c vc &&
		ns_addr s vs $S_IP/24 && ns_addr c vc 10.201.0.2/24; then
		for i in $(seq 11 17); do ns_ip c addr add 10.201.0.$i/24 dev vc; done
		ns_exec c sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_max_tw_buckets=0
		ns_spawn s taskset -c $CPU_APP "$S_IMG" >"$T_TMP/socket.out" 2>&1
		S_PID=$NS_PID
		if ! ns_wait_tcp s 5002 10; then
			echo "net bench: posix-socket appliance did not start: $(tail -c 300 "$T_TMP/socket.out")"
			S_PID=
		fi
		S_BIND=$(cps_addrs 10.201.0 2)
	else
		echo "net bench: posix-socket: namespaces and veth: setup failed"
	fi
fi

# ---- posix-direct: tap kt0 on bridge br0 in d --------------------------
D_IP=10.0.0.2
D_PID=
if D_IMG=$(build posix-direct); then
	if ns_create d && ns_tap d kt0 && ns_bridge d br0 kt0 && ns_addr d br0 10.0.0.1/24; then
		for i in $(seq 11 17); do ns_ip d addr add 10.0.0.$i/24 dev br0; done
		ns_exec d sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_max_tw_buckets=0
		ns_exec d sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-arptables=0 2>/dev/null
		ns_spawn d taskset -c $CPU_APP "$D_IMG" --net kt0 ipv4=$D_IP/24 >"$T_TMP/direct.out" 2>&1
		D_PID=$NS_PID
		up=0
		for _ in $(seq 100); do
			ns_exec d ping -n -q -c 1 -W 0.2 $D_IP >/dev/null 2>&1 && { up=1; break; }
			kill -0 "$D_PID" 2>/dev/null || break
			sleep 0.1
		done
		if [ $up = 0 ]; then
			echo "net bench: posix-direct appliance did not answer ping: $(tail -c 300 "$T_TMP/direct.out")"
			D_PID=
		fi
		D_BIND=$(cps_addrs 10.0.0 1)
	else
		echo "net bench: posix-direct: namespace, tap and bridge: setup failed"
	fi
fi

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# cpustat N: "busy total" jiffies of CPU N so far (busy: not idle, iowait)
cpustat() { awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }
busy() { awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
	if (y[2] > x[2]) printf "%.0f%%", (y[1] - x[1]) / (y[2] - x[2]) * 100; else print "-" }'; }

# settle PID: wait (at most 5 s) until PID's CPU time stops growing for
# 0.2 s; says so when it did not.
settle() {
	local a b i
	a=$(ticks "$1")
	for i in $(seq 25); do
		sleep 0.2
		b=$(ticks "$1")
		[ "$a" = "$b" ] && return 0
		a=$b
	done
	echo "# pid $1 still busy after 5 s" >>"$T_TMP/raw"
}

# measure ROW NS PID IP BIND METRIC: one run; sets R_<METRIC>_<ROW> (the
# figure) and C_<METRIC>_<ROW> (the appliance's CPU seconds over it).
measure() {
	local row=$1 ns=$2 pid=$3 ip=$4 bind=$5 metric=$6 out t0 t1
	local -a cmd
	case $metric in
	sink) cmd=(-p 5001 send "${SECS}s") ;;
	source) cmd=(-p 5002 recv "${SECS}s") ;;
	cps) cmd=(-p 5001 -n "$CONC" -B "$bind" cps "$SECS") ;;
	esac
	local ca0 cc0
	settle "$pid"
	ca0=$(cpustat $CPU_APP) cc0=$(cpustat $CPU_CLI)
	t0=$(ticks "$pid")
	out=$(ns_exec "$ns" taskset -c $CPU_CLI "$TB" -H "$ip" -t $((SECS + 60)) "${cmd[@]}" 2>&1)
	t1=$(ticks "$pid")
	printf -v "BA_${metric}_$row" %s "$(busy "$ca0" "$(cpustat $CPU_APP)")"
	printf -v "BC_${metric}_$row" %s "$(busy "$cc0" "$(cpustat $CPU_CLI)")"
	echo "# $row $metric: $out" >>"$T_TMP/raw"
	local fig bytes secs
	secs=$(sed -n 's/.* secs=\([0-9.]*\).*/\1/p' <<<"$out")
	case $metric in
	cps) fig=$(sed -n 's/.* conn_s=\([0-9]*\).*/\1/p' <<<"$out")
		bytes=$(sed -n 's/.* conns=\([0-9]*\).*/\1/p' <<<"$out") ;;
	*) fig=$(sed -n 's/.* gbit_s=\([0-9.]*\).*/\1/p' <<<"$out")
		bytes=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' <<<"$out") ;;
	esac
	if [ -z "$fig" ]; then
		echo "net bench: $row $metric failed: $(tail -c 300 <<<"$out")"
		return
	fi
	printf -v "R_${metric}_$row" %s "$fig"
	printf -v "N_${metric}_$row" %s "$bytes"
	printf -v "T_${metric}_$row" %s "$secs"
	printf -v "C_${metric}_$row" %s "$(awk -v t=$((t1 - t0)) -v hz="$HZ" 'BEGIN { printf "%.3f", t / hz }')"
}

# warm both paths (ARP, caches) and check the bytes once
[ -n "$S_PID" ] && { ns_exec c "$TB" -H $S_IP -p 5002 -c -t 30 recv 10M >/dev/null ||
	echo "net bench: posix-socket: a checked 10 MB from the source failed"; }
[ -n "$D_PID" ] && { ns_exec d "$TB" -H $D_IP -p 5002 -c -t 30 recv 10M >/dev/null ||
	echo "net bench: posix-direct: a checked 10 MB from the source failed"; }

echo "net bench: ${SECS} s per figure; appliance on CPU $CPU_APP, client on CPU $CPU_CLI; MTU 1500; load average $(cut -d' ' -f1-3 /proc/loadavg) before"
echo "  posix-socket: kernel stack, appliance and client in two namespaces, veth between"
echo "  posix-direct: Kiln's stack on a tap, client on a bridge in the tap's namespace"
for metric in sink source cps; do
	[ -n "$S_PID" ] && measure socket c "$S_PID" $S_IP "$S_BIND" $metric
	[ -n "$D_PID" ] && measure direct d "$D_PID" $D_IP "$D_BIND" $metric
done

v() { local n=$1; echo "${!n:--}"; }
# per-unit CPU: C / (N / unit); share: C / T
cpu_per() { awk -v c="$(v C_$1_$2)" -v n="$(v N_$1_$2)" -v u="$3" -v s="$4" \
	'BEGIN { if (c == "-" || n == "-" || n == 0) print "-"; else printf "%.*f", s, c / (n / u) * (u == 1 ? 1e6 : 1) }'; }
share() { awk -v c="$(v C_$1_$2)" -v t="$(v T_$1_$2)" \
	'BEGIN { if (c == "-" || t == "-" || t == 0) print "-"; else printf "%.0f%%", c / t * 100 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
row() { printf '%-34s %14s %14s %10s\n' "$@"; }

echo
row "" posix-socket posix-direct direct/socket
for m in sink:"Linux -> appliance, Gbit/s" source:"appliance -> Linux, Gbit/s" cps:"connections/s"; do
	k=${m%%:*}
	a=$(v R_${k}_socket) b=$(v R_${k}_direct)
	row "${m#*:}" "$a" "$b" "$(ratio "$b" "$a")"
done
for k in sink source; do
	a=$(cpu_per $k socket 1e9 2) b=$(cpu_per $k direct 1e9 2)
	row "  appliance CPU s/GB ($k)" "$a" "$b" "$(ratio "$b" "$a")"
done
a=$(cpu_per cps socket 1 1) b=$(cpu_per cps direct 1 1)
row "  appliance CPU us/conn" "$a" "$b" "$(ratio "$b" "$a")"
for k in sink source cps; do
	row "  appliance process busy ($k)" "$(share $k socket)" "$(share $k direct)" ""
	row "    CPU $CPU_APP busy, all processes" "$(v BA_${k}_socket)" "$(v BA_${k}_direct)" ""
	row "    CPU $CPU_CLI (client, softirqs) busy" "$(v BC_${k}_socket)" "$(v BC_${k}_direct)" ""
done
sed 's/^/  /' "$T_TMP/raw" 2>/dev/null

echo
for k in sink:"Linux -> appliance" source:"appliance -> Linux"; do
	m=${k%%:*}
	a=$(v R_${m}_socket) b=$(v R_${m}_direct)
	if [ "$b" = - ]; then
		echo "goal (issue 3), ${k#*:}: no posix-direct figure"
		continue
	fi
	awk -v a="$a" -v b="$b" -v what="${k#*:}" 'BEGIN {
		abs = b >= 1; rel = (a == "-") ? -1 : (b >= 0.3 * a)
		printf "goal (issue 3), %s: posix-direct %.2f Gbit/s (>= 1: %s)", what, b, abs ? "yes" : "no"
		if (rel < 0) printf ", no posix-socket figure to compare"
		else printf ", %.0f%% of posix-socket (>= 30%%: %s)", b / a * 100, rel ? "yes" : "no"
		printf ": %s\n", (abs && rel == 1) ? "MET" : "NOT MET" }'
done
