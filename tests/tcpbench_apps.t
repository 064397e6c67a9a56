#!/bin/bash
# bench/net.sh's appliance and client stay working: tests/apps/tcpbench
# (sink and source) built for posix-socket and driven over loopback by
# build/tools/tcpbench, and, where root and /dev/net/tun allow, built for
# posix-direct on a tap in a namespace (tests/direct.sh's picture). Small
# transfers, the source's bytes checked, the sink's count read from its
# log=info line, a short connections-per-second run, and a bad count
# refused.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/direct.sh"

t_tmpdir
if [ ! -x "$KILN" ]; then
	skip "tcpbench_apps: $KILN is not built (run make)"
	t_done
fi
TB=$(d_tool tcpbench) || { notok "tcpbench (tests/tools/tcpbench.c) builds"; t_done; }

# drive NAME HOST LOG CMD...: the checks against one running appliance
# (sink on port P_SINK, source on P_SRC) whose log=info output goes to LOG;
# the clients run under CMD (env, or ns_exec a).
drive() {
	_n=$1 _h=$2 _log=$3
	shift 3
	out=$("$@" "$TB" -H "$_h" -p $P_SINK -t 30 send 3000000 2>&1)
	contains "$_n: sink takes 3 MB (client sees its FIN)" "$out" "send bytes=3000000 "
	for _i in $(seq 50); do
		grep -q 'sink: 3000000 bytes, normal' "$_log" && break
		sleep 0.1
	done
	contains "$_n: the sink counted 3000000 bytes and closed normally" \
		"$(grep 'sink:' "$_log")" "sink: 3000000 bytes, normal"
	out=$("$@" "$TB" -H "$_h" -p $P_SRC -t 30 -c recv 5000000 2>&1)
	contains "$_n: source sends 5 MB, every byte checked" "$out" "recv bytes=5000000 "
	out=$("$@" "$TB" -H "$_h" -p $P_SRC -t 30 -c recv 1 2>&1)
	contains "$_n: source sends 1 byte" "$out" "recv bytes=1 "
	out=$("$@" "$TB" -H "$_h" -p $P_SINK -t 30 -n 8 cps 1 2>&1)
	case $out in
	"cps conns="[1-9]*"errors=0") ok "$_n: connections per second for 1 s, no errors (${out#cps })" ;;
	*) notok "$_n: cps for 1 s: $(printf %s "$out" | tr '\n' ' ')" ;;
	esac
	out=$("$@" "$TB" -H "$_h" -p $P_SRC -t 30 -c recv 1s 2>&1)
	contains "$_n: source streams for 1 s until the client closes" "$out" "recv bytes="
	out=$(printf 'x12\n' | "$@" timeout 10 socat -t 5 - TCP:"$_h":$P_SRC 2>&1 | head -c 10 | wc -c)
	eq "$_n: a count that is not a number gets nothing" "$out" 0
	out=$("$@" "$TB" -H "$_h" -p $P_SRC -t 30 -c recv 100k 2>&1)
	contains "$_n: still serves after that" "$out" "recv bytes=100000 "
}

# ---- posix-socket, loopback -----------------------------------------------
rm -rf "$T_TMP/app" && cp -R "$KILN_ROOT/tests/apps/tcpbench" "$T_TMP/app" && rm -rf "$T_TMP/app/_build"
# ports of its own, so that a parallel run does not collide
P_SINK=$((20000 + RANDOM % 20000))
P_SINK=$((P_SINK - P_SINK % 2)) P_SRC=$((P_SINK + 1))
if "$KILN" build -t posix-socket "$T_TMP/app" sink_port=$P_SINK source_port=$P_SRC \
	>"$T_TMP/socket.build" 2>&1; then
	ok "posix-socket: tcpbench builds"
	IMG=$(tail -n 1 "$T_TMP/socket.build")
	if (exec 3<>/dev/tcp/127.0.0.1/$P_SINK) 2>/dev/null ||
		(exec 3<>/dev/tcp/127.0.0.1/$P_SRC) 2>/dev/null; then
		skip "posix-socket: port $P_SINK or $P_SRC is taken on 127.0.0.1"
	else
		"$IMG" log=info >"$T_TMP/socket.out" 2>&1 &
		SPID=$!
		if wait_port $P_SRC; then
			drive posix-socket 127.0.0.1 "$T_TMP/socket.out" env
		else
			notok "posix-socket: tcpbench does not listen: $(tail -c 300 "$T_TMP/socket.out")"
		fi
		kill $SPID 2>/dev/null
		wait $SPID 2>/dev/null
	fi
else
	notok "posix-socket: tcpbench builds: $(tail -c 600 "$T_TMP/socket.build" | tr '\n' ' ')"
fi

# ---- posix-direct, tap in a namespace ----------------------------------------
d_require tcpbench_apps-posix-direct socat || t_done
d_net || { notok "posix-direct: namespace with tap and bridge: setup failed"; t_done; }
P_SINK=5001 P_SRC=5002 # the manifest's defaults: the namespace is ours
d_build tcpbench "$KILN_ROOT/tests/apps/tcpbench" || t_done
d_start "$T_TMP/direct.out" "$IMG" --net kt0 ipv4=$D_APP_IP/24 log=info
if d_wait_ping $D_APP_IP 10; then
	drive posix-direct $D_APP_IP "$T_TMP/direct.out" ns_exec a
else
	notok "posix-direct: no answer to ping at $D_APP_IP: $(tail -c 400 "$T_TMP/direct.out")"
fi
if d_alive; then ok "posix-direct: alive after the load"; else notok "posix-direct: died: $(tail -c 400 "$T_TMP/direct.out")"; fi
d_stop
t_done
