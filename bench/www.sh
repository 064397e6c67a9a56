#!/bin/bash
# The web appliance against nginx and against the floor, side by side in
# one run: wrk (one thread, 50 connections) for a 1 KiB and a 100 KiB
# file, with keep-alive and with a connection per request. Each server is
# pinned to CPU 0 and wrk to CPU 1; the server's CPU time per request
# comes from /proc/PID/stat (utime + stime) over the run.
#
#   kiln   examples/www on posix-socket, site = the two files
#   nginx  one process (master_process off: one worker), sendfile on,
#          access_log off, the same files
#   floor  bench/www_floor.c: a fixed response per request, no parsing
#   sfloor (100k only) the same, its body sent with sendfile from the
#          file: the floor of sending by reference, as kiln (posix-socket
#          sends image bytes with sendfile) and nginx do
#   direct examples/www on posix-direct (Kiln's own TCP/IP stack) on tap
#          kt0 (10.0.0.2) in a network namespace the script makes and
#          removes, kt0 on bridge br0 (10.0.0.1) as tests/direct.sh sets
#          it up (bridge netfilter off); wrk runs in that namespace
#   kvm    the same on kvm: bin/kiln-kvm --net=kt0; its CPU time is the
#          monitor process's, which includes the guest's
#
# direct and kvm are built with tcp_initcwnd=72 (WWW_BENCH_IW): the
# 100 KiB file in one flight. nginx on loopback has a 65483-byte MSS, so
# its default window of 10 segments is 640 KB; on the tap's 1500-byte MTU
# the default 10 segments are 14.5 KB and a 100 KiB response takes four
# round trips of slow start, each with its ACK frames through the tap.
# WWW_BENCH_IW=10 measures the default.
#
# direct and kvm need root and /dev/net/tun (kvm: a usable /dev/kvm,
# `bin/kiln targets`); otherwise their rows say why.
#
# Goals (issue 6): kiln's CPU per request at most 0.67x nginx's and at
# most 1.3x the floor's; kvm at least nginx's requests/s. WWW_BENCH_SECS
# (default 5) sets each run's length; REPS (default 1) runs each server
# that many times in a row per case, and the ratios use the medians (one
# run of a server on this shared 2-core machine can be off by 15-20%);
# WWW_BENCH_TAP=0 leaves out direct
# and kvm, WWW_BENCH_TARGETS="kvm" runs only that one; KVM_OPTS are
# options for kiln-kvm (e.g. --coalesce=0); PERF_RECORD=PREFIX records a
# profile of every run's server into PREFIX.NAME.FILE.MODE (perf record -g);
# PERF_EVENTS=EV,... counts perf events in the server per request.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
NS_TAG=wwwbench
source tests/netns.sh
SRV_PIDS=""
cleanup() {
	for p in $SRV_PIDS; do kill "$p" 2>/dev/null; done
	for p in $SRV_PIDS; do wait "$p" 2>/dev/null; done
	SRV_PIDS=""
	ns_cleanup
}
# netns.sh's trap (set at the first ns_create) calls t_cleanup
t_cleanup() { cleanup; }
trap cleanup EXIT INT TERM
SECS=${WWW_BENCH_SECS:-5}
REPS=${REPS:-1}
TAP_TARGETS=${WWW_BENCH_TARGETS:-posix-direct kvm}
KVM_OPTS=${KVM_OPTS:-}
IW=${WWW_BENCH_IW:-72}
PERF_RECORD=${PERF_RECORD:-}
PERF_EVENTS=${PERF_EVENTS:-}
B=$ROOT/build/bench/www
mkdir -p "$B"
for t in wrk nginx taskset; do
	command -v $t >/dev/null || { echo "www: $t is not installed: skipped (apt-get install wrk nginx-light util-linux)"; exit 0; }
done
[ "$(nproc)" -ge 2 ] || echo "www: fewer than 2 CPUs: server and wrk share one (figures are pessimistic)"
CPU_SRV=0 CPU_WRK=$(($(nproc) > 1 ? 1 : 0))

# The files: the same bytes for every server.
rm -rf "$B/site" && mkdir -p "$B/site"
head -c 768 /dev/urandom | base64 -w 64 | head -c 1024 >"$B/site/1k.txt"
head -c 76800 /dev/urandom | base64 -w 64 | head -c 102400 >"$B/site/100k.txt"
chmod -R a+rX "$B" # nginx's workers may run as another user

free_port() {
	p=$((21000 + RANDOM % 3000))
	while (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; do p=$((p + 1)); done
	echo $p
}
KPORT=$(free_port)
make -s bin/kiln >/dev/null || exit 1
rm -rf "$B/www" && cp -R examples/www "$B/www" && rm -rf "$B/www/_build"
"$ROOT/bin/kiln" build -t posix-socket "$B/www" site="$B/site" port=$KPORT \
	max_requests=100000000 >"$B/build.log" 2>&1 || { echo "www: build failed"; tail "$B/build.log"; exit 1; }
KIMG=$(tail -1 "$B/build.log")
cc -O2 -o "$B/floor" bench/www_floor.c || exit 1

NPORT=$(free_port)
cat >"$B/nginx.conf" <<NGX
daemon off;
master_process off;
worker_processes 1;
error_log $B/nginx.err;
pid $B/nginx.pid;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush off;
	keepalive_requests 100000000;
	types { text/plain txt; }
	server {
		listen 127.0.0.1:$NPORT;
		root $B/site;
	}
}
NGX

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run NAME PID URL [wrk args]: one wrk run against the server PID (wrk
# in the namespace WRK_NS when it is set).
WRK_NS=""
run() {
	name=$1 pid=$2 url=$3; shift 3
	x=()
	[ -n "$WRK_NS" ] && x=(ip netns exec "$WRK_NS")
	"${x[@]}" taskset -c $CPU_WRK wrk -t1 -c50 -d3s "$@" "$url" >/dev/null 2>&1 # warm up
	c0=$(cpu_ticks "$pid")
	pr="" ps=""
	if [ -n "$PERF_EVENTS" ]; then
		perf stat -e "$PERF_EVENTS" -p "$pid" -o "$B/perf.txt" &
		ps=$!
	fi
	if [ -n "$PERF_RECORD" ]; then
		perf record -q -g -p "$pid" -o "$PERF_RECORD.$name.$F.$MODE" 2>/dev/null &
		pr=$!
	fi
	out=$("${x[@]}" taskset -c $CPU_WRK wrk -t1 -c50 -d${SECS}s "$@" "$url" 2>&1)
	c1=$(cpu_ticks "$pid")
	[ -n "$pr" ] && { kill -INT "$pr"; wait "$pr"; }
	if [ -n "$ps" ]; then
		kill -INT "$ps"; wait "$ps"
		awk -v n="$(printf '%s\n' "$out" | awk '/requests in/ {print $1}')" -v s="$name $F $MODE" \
			'$1 ~ /^[0-9,.]+$/ { c = $1; gsub(",", "", c); printf "  %s: %s %.2f per request\n", s, $2, c / n }' "$B/perf.txt"
	fi
	reqs=$(printf '%s\n' "$out" | awk '/requests in/ {print $1}')
	rps=$(printf '%s\n' "$out" | awk '/Requests\/sec/ {print $2}')
	errs=$(printf '%s\n' "$out" | awk '/Socket errors|Non-2xx/ {printf "%s ", $0}')
	us=$(awk -v c=$((c1 - c0)) -v r="${reqs:-0}" -v hz="$(getconf CLK_TCK)" \
		'BEGIN{ if (r > 0) printf "%.2f", c / hz * 1e6 / r; else print "nan" }')
	printf '%-6s %-6s %-10s %10s req/s %8s us CPU/req %s\n' "$name" "$F" "$MODE" "$rps" "$us" "$errs"
	# every run's figures, and their medians for the ratios
	local key=${name}_${F}_${MODE//-/_} l
	eval "RPSL_$key=\"\${RPSL_$key:-} $rps\" USL_$key=\"\${USL_$key:-} $us\""
	l=RPSL_$key
	eval "RPS_$key=$(median ${!l})"
	l=USL_$key
	eval "US_$key=$(median ${!l})"
}

# median X...: the middle value (the mean of the two middle ones).
median() {
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 }
		END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

start() { # start NAME CMD...: pinned to CPU_SRV, PID in SPID
	taskset -c $CPU_SRV "$@" >"$B/$1.out" 2>&1 &
	SPID=$!
}
ulimit -n 8192

echo "wrk -t1 -c50 -d${SECS}s; servers on CPU $CPU_SRV, wrk on CPU $CPU_WRK; CPU per request from /proc/PID/stat"
taskset -c $CPU_SRV "$KIMG" >"$B/kiln.out" 2>&1 &
KPID=$!
taskset -c $CPU_SRV nginx -c "$B/nginx.conf" >"$B/nginx.out" 2>&1 &
NGPID=$!
SRV_PIDS="$KPID $NGPID"
sleep 0.5
for F in 1k 100k; do
	FPORT=$(free_port)
	size=$([ $F = 1k ] && echo 1024 || echo 102400)
	taskset -c $CPU_SRV "$B/floor" $FPORT $size >"$B/floor.out" 2>&1 &
	FPID=$!
	SPID=""
	if [ $F = 100k ]; then
		SPORT=$(free_port)
		[ "$SPORT" = "$FPORT" ] && SPORT=$((SPORT + 1))
		taskset -c $CPU_SRV "$B/floor" $SPORT $size "$B/site/$F.txt" >"$B/sfloor.out" 2>&1 &
		SPID=$!
	fi
	sleep 0.3
	for MODE in keepalive close; do
		args=()
		[ $MODE = close ] && args=(-H "Connection: close")
		for _rep in $(seq "$REPS"); do
			run kiln $KPID "http://127.0.0.1:$KPORT/$F.txt" "${args[@]}"
			run nginx $NGPID "http://127.0.0.1:$NPORT/$F.txt" "${args[@]}"
			run floor $FPID "http://127.0.0.1:$FPORT/$F.txt" "${args[@]}"
			[ -n "$SPID" ] && run sfloor $SPID "http://127.0.0.1:$SPORT/$F.txt" "${args[@]}"
		done
	done
	kill $FPID $SPID; wait $FPID $SPID 2>/dev/null
done
kill $KPID $NGPID; wait $KPID $NGPID 2>/dev/null
SRV_PIDS=""

# The tap path: one namespace, tap kt0 on bridge br0; each target in turn
# opens kt0 (a tap has one reader) and serves every file and mode.
TAP_IP=10.0.0.2
TAP_WHY=""
if [ "${WWW_BENCH_TAP:-1}" = 0 ]; then
	TAP_WHY="WWW_BENCH_TAP=0"
elif ! ns_require www-bench-tap >/dev/null; then
	TAP_WHY=$NS_SKIP_WHY
elif ! { ns_create d && ns_tap d kt0 && ns_bridge d br0 kt0 && ns_addr d br0 10.0.0.1/24; }; then
	TAP_WHY="namespace, tap and bridge: setup failed"
else
	ns_exec d sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-arptables=0 2>/dev/null
fi
NSD=$(ns_name d)
can_run() { "$ROOT/bin/kiln" targets 2>/dev/null | grep -q "^$1 .*implemented .*can run"; }
TAP_NAMES=""
for T in $TAP_TARGETS; do
	name=$([ $T = kvm ] && echo kvm || echo direct)
	if [ -n "$TAP_WHY" ]; then
		echo "$name: skipped: $TAP_WHY"
		continue
	fi
	if ! can_run $T; then
		echo "$name: skipped: $("$ROOT/bin/kiln" targets 2>/dev/null | grep "^$T " | tr -s ' ')"
		continue
	fi
	rm -rf "$B/www-$T" && cp -R examples/www "$B/www-$T" && rm -rf "$B/www-$T/_build"
	if ! "$ROOT/bin/kiln" build -t $T "$B/www-$T" site="$B/site" port=80 \
		max_requests=100000000 tcp_initcwnd=$IW >"$B/build-$T.log" 2>&1; then
		echo "$name: skipped: build failed: $(tail -3 "$B/build-$T.log" | tr '\n' ' ')"
		continue
	fi
	img=$(tail -1 "$B/build-$T.log")
	# `ip netns exec` and taskset exec: $! is the server's (or monitor's) pid
	if [ $T = kvm ]; then
		ip netns exec "$NSD" taskset -c $CPU_SRV "$ROOT/bin/kiln-kvm" $KVM_OPTS --net=kt0 "$img" \
			ipv4=$TAP_IP/24 >"$B/$name.out" 2>&1 &
	else
		ip netns exec "$NSD" taskset -c $CPU_SRV "$img" --net kt0 ipv4=$TAP_IP/24 \
			>"$B/$name.out" 2>&1 &
	fi
	TPID=$!
	SRV_PIDS=$TPID
	up=0
	for _ in $(seq 100); do
		kill -0 $TPID 2>/dev/null || break
		ns_exec d ping -n -q -c 1 -W 0.3 $TAP_IP >/dev/null 2>&1 && { up=1; break; }
		sleep 0.1
	done
	if [ $up = 0 ]; then
		echo "$name: skipped: not up: $(tail -c 300 "$B/$name.out" | tr '\n' ' ')"
		kill $TPID 2>/dev/null; wait $TPID 2>/dev/null; SRV_PIDS=""
		continue
	fi
	WRK_NS=$NSD
	for F in 1k 100k; do
		for MODE in keepalive close; do
			args=()
			[ $MODE = close ] && args=(-H "Connection: close")
			for _rep in $(seq "$REPS"); do
				run $name $TPID "http://$TAP_IP/$F.txt" "${args[@]}"
			done
		done
	done
	WRK_NS=""
	kill $TPID 2>/dev/null; wait $TPID 2>/dev/null; SRV_PIDS=""
	while kill -0 $TPID 2>/dev/null; do sleep 0.1; done # kt0 is free again
	TAP_NAMES="$TAP_NAMES $name"
done
ns_cleanup

echo
echo "ratios (CPU per request; requests/s; medians of $REPS run(s) each):"
for F in 1k 100k; do
	for MODE in keepalive close; do
		k=US_kiln_${F}_$MODE n=US_nginx_${F}_$MODE f=US_floor_${F}_$MODE
		kr=RPS_kiln_${F}_$MODE nr=RPS_nginx_${F}_$MODE
		awk -v k="${!k}" -v n="${!n}" -v f="${!f}" -v kr="${!kr}" -v nr="${!nr}" \
			-v F=$F -v M=$MODE 'BEGIN{
			printf "%-5s %-10s kiln/nginx CPU %.2fx (goal <= 0.67)  kiln/floor CPU %.2fx (goal <= 1.3)  kiln/nginx req/s %.2fx\n",
				F, M, k / n, k / f, kr / nr }'
	done
done
for MODE in keepalive close; do
	k=US_kiln_100k_$MODE n=US_nginx_100k_$MODE s=US_sfloor_100k_$MODE
	awk -v k="${!k}" -v n="${!n}" -v s="${!s:-nan}" -v M=$MODE 'BEGIN{
		printf "100k  %-10s kiln/sfloor CPU %.2fx  sfloor/nginx CPU %.2fx (what sending by reference itself costs)\n", M, k / s, s / n }'
done
if [ -n "$TAP_NAMES" ]; then
	echo
	echo "tap path, against nginx (wrk in the namespace over the bridge; built with tcp_initcwnd=$IW; kvm: the monitor's CPU, guest included):"
	for F in 1k 100k; do
		for MODE in keepalive close; do
			n=US_nginx_${F}_$MODE nr=RPS_nginx_${F}_$MODE
			for name in $TAP_NAMES; do
				k=US_${name}_${F}_$MODE kr=RPS_${name}_${F}_$MODE
				goal=""
				[ $name = kvm ] && goal=" (goal >= 1)"
				awk -v k="${!k:-nan}" -v n="${!n}" -v kr="${!kr:-0}" -v nr="${!nr}" \
					-v F=$F -v M=$MODE -v N=$name -v G="$goal" 'BEGIN{
					printf "%-5s %-10s %-6s %10s req/s %8s us CPU/req  %s/nginx req/s %.2fx%s  %s/nginx CPU %.2fx\n",
						F, M, N, kr, k, N, kr / nr, G, N, k / n }'
			done
		done
	done
fi
