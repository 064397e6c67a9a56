#!/bin/bash
# faultrelay between two Linux stacks: the relay (build/tools/faultrelay)
# runs in namespace r and creates taps rA and rB there; rA then moves to
# namespace a (10.200.1.1) and rB to namespace b (10.200.1.2). The tap
# fds stay valid across the move, so every frame between a and b crosses
# the relay and meets its faults. Needs root, iproute2, iputils-ping,
# socat. Everything runs inside namespaces this test makes and removes.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"

RELAY=$KILN_ROOT/build/tools/faultrelay
A_IP=10.200.1.1 B_IP=10.200.1.2

t_tmpdir
ns_require faultrelay || t_done
for cmd in ping socat sha256sum timeout ss; do
	if ! command -v $cmd >/dev/null; then
		skip "faultrelay: no '$cmd' (tests/deps.sh installs it)"
		t_done
	fi
done
if [ ! -x "$RELAY" ]; then
	make -C "$KILN_ROOT" -s build/tools/faultrelay >/dev/null 2>&1 ||
		{ notok "faultrelay builds: make build/tools/faultrelay failed"; t_done; }
fi

ns_create r && ns_create a && ns_create b ||
	{ notok "faultrelay: namespaces: cannot create"; t_done; }

RELAY_PID=
# start_relay OPTS...: relay in r with OPTS, rA to a, rB to b, addresses up.
start_relay() {
	rm -f "$T_TMP/stats"
	ns_spawn r "$RELAY" --a rA --b rB --create --duration 80 \
		--stats "$T_TMP/stats" "$@" 2>"$T_TMP/relay.err"
	RELAY_PID=$NS_PID
	ns_wait_link r rA && ns_wait_link r rB &&
		ns_move r rA a && ns_move r rB b &&
		ns_addr a rA $A_IP/24 && ns_addr b rB $B_IP/24 &&
		ns_wait_up a rA && ns_wait_up b rB || return 1
	[ "${STATIC_NEIGH:-0}" = 1 ] || return 0
	# No ARP: then the frames crossing are exactly the test's own.
	ns_ip a neigh replace $B_IP lladdr "$(mac b rB)" dev rA nud permanent &&
		ns_ip b neigh replace $A_IP lladdr "$(mac a rA)" dev rB nud permanent
}

# mac SHORT IF: IF's Ethernet address.
mac() {
	ns_ip "$1" link show dev "$2" | awk '/link\/ether/ { print $2 }'
}

# stop_relay: TERM the relay; it writes $T_TMP/stats and its taps vanish.
stop_relay() {
	[ -n "$RELAY_PID" ] || return 0
	kill "$RELAY_PID" 2>/dev/null
	wait "$RELAY_PID"
	RELAY_PID=
}

# rstat KEY: KEY summed over both directions in the last stats file.
rstat() {
	awk -v k="$1" '{ for (i = 2; i <= NF; i++) { split($i, kv, "=");
		if (kv[1] == k) s += kv[2] } } END { print s + 0 }' "$T_TMP/stats"
}

# pings COUNT: ping b from a, COUNT at 10 ms; prints how many were answered.
pings() {
	ns_exec a timeout 20 ping -n -q -c "$1" -i 0.01 -W 1 $B_IP 2>&1 |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# (1) a clean relay: every ping answered.
if start_relay; then
	got=$(pings 50)
	stop_relay
	eq "faultrelay: no faults, 50 pings answered" "$got" 50
	eq "faultrelay: no faults, nothing dropped" "$(rstat dropped)" 0
else
	notok "faultrelay: no faults: setup failed: $(cat "$T_TMP/relay.err")"
	stop_relay
fi

# (2) 20% loss each way: some pings lost, not all; the relay counts drops.
if start_relay --loss 20 --seed 1; then
	got=$(pings 50)
	stop_relay
	if [ -n "$got" ] && [ "$got" -gt 0 ] && [ "$got" -lt 50 ]; then
		ok "faultrelay: 20% loss, $got of 50 pings answered"
	else
		notok "faultrelay: 20% loss: got '$got' of 50 answers"
	fi
	d=$(rstat dropped)
	if [ "$d" -gt 0 ]; then ok "faultrelay: 20% loss, relay dropped $d"
	else notok "faultrelay: 20% loss: relay counted no drops: $(cat "$T_TMP/stats")"; fi
else
	notok "faultrelay: loss: setup failed: $(cat "$T_TMP/relay.err")"
	stop_relay
fi

# (2b) reproducible: with static neighbours the frames crossing are just
# the 50 requests and their answers, so the same seed gives the same fate.
runs=
for i in 1 2; do
	if STATIC_NEIGH=1 start_relay --loss 20 --seed 3; then
		got=$(pings 50)
		stop_relay
		runs="$runs|$got $(awk '{ print $1, $2, $3, $4 }' "$T_TMP/stats" | tr '\n' ' ')"
	else
		stop_relay
		runs="$runs|setup failed: $(cat "$T_TMP/relay.err")"
	fi
done
r1=${runs#|}; r1=${r1%%|*}; r2=${runs##*|}
eq "faultrelay: same seed, same losses ($r1)" "$r2" "$r1"

# (3) 5 MB over TCP through loss, duplication, reordering, corruption and
# delay with jitter: Linux TCP recovers and the bytes arrive intact.
head -c 5242880 /dev/urandom >"$T_TMP/send"
if start_relay --loss 5 --dup 1 --reorder 2 --corrupt 1 --delay 2:1 --seed 7
then
	rm -f "$T_TMP/recv"
	ns_spawn b timeout 60 socat -u \
		TCP-LISTEN:5001,bind=$B_IP,reuseaddr CREATE:"$T_TMP/recv" \
		2>"$T_TMP/socat-b.err"
	rx=$NS_PID
	if ns_wait_tcp b 5001; then
		t0=$SECONDS
		ns_exec a timeout 60 socat -u OPEN:"$T_TMP/send" \
			TCP:$B_IP:5001,connect-timeout=5 2>"$T_TMP/socat-a.err"
		wait $rx
		secs=$((SECONDS - t0))
	else
		kill $rx 2>/dev/null
		wait $rx
	fi
	stop_relay
	want=$(sha256sum <"$T_TMP/send")
	got=$(sha256sum <"$T_TMP/recv" 2>/dev/null)
	if [ "$got" = "$want" ]; then
		ok "faultrelay: 5 MB over TCP through faults intact (${secs}s)"
	else
		notok "faultrelay: 5 MB over TCP: received $(stat -c %s "$T_TMP/recv" 2>/dev/null || echo no) bytes, sha256 differs: $(cat "$T_TMP/socat-a.err" "$T_TMP/socat-b.err" | head -c 400)"
	fi
	echo "# relay counters: $(tr '\n' ' ' <"$T_TMP/stats")"
	miss=
	for k in dropped duplicated reordered corrupted; do
		[ "$(rstat $k)" -gt 0 ] || miss="$miss $k"
	done
	if [ -z "$miss" ]; then ok "faultrelay: every kind of fault injected"
	else notok "faultrelay: faults not seen:$miss: $(cat "$T_TMP/stats")"; fi
	# every frame is accounted for: in + dup = out + lost + full + errors + queued
	lhs=$(($(rstat in) + $(rstat duplicated)))
	rhs=$(($(rstat out) + $(rstat dropped) + $(rstat overflow) + $(rstat errors) + $(rstat queued)))
	eq "faultrelay: counters add up" "$lhs" "$rhs"
else
	notok "faultrelay: TCP: setup failed: $(cat "$T_TMP/relay.err")"
	stop_relay
fi

# (3b) --rate 8 with a 64-frame queue: 1 MB takes about a second, the
# queue overflows (tail drop) and wraps its ring, TCP still delivers it.
head -c 1048576 /dev/urandom >"$T_TMP/send"
if start_relay --rate 8 --queue 64; then
	rm -f "$T_TMP/recv"
	ns_spawn b timeout 30 socat -u \
		TCP-LISTEN:5001,bind=$B_IP,reuseaddr CREATE:"$T_TMP/recv" \
		2>"$T_TMP/socat-b.err"
	rx=$NS_PID
	ms=0
	if ns_wait_tcp b 5001; then
		t0=$(date +%s%N)
		ns_exec a timeout 30 socat -u OPEN:"$T_TMP/send" \
			TCP:$B_IP:5001,connect-timeout=5 2>"$T_TMP/socat-a.err"
		wait $rx
		ms=$((($(date +%s%N) - t0) / 1000000))
	else
		kill $rx 2>/dev/null
		wait $rx
	fi
	stop_relay
	if cmp -s "$T_TMP/send" "$T_TMP/recv" && [ $ms -ge 900 ] && [ $ms -lt 20000 ]; then
		ok "faultrelay: --rate 8, 1 MB intact in $ms ms"
	else
		notok "faultrelay: --rate 8: $ms ms (want 900..20000), intact: $(cmp "$T_TMP/send" "$T_TMP/recv" 2>&1 || true)"
	fi
	echo "# relay counters: $(tr '\n' ' ' <"$T_TMP/stats")"
else
	notok "faultrelay: rate: setup failed: $(cat "$T_TMP/relay.err")"
	stop_relay
fi

# (4) the way Kiln's tests will use it: the relay's taps on bridges, a
# veth standing in for the appliance's tap on br1, the peer's address on
# br0. Exercises netns.sh's bridge and veth helpers.
ns_create c
if ns_spawn r "$RELAY" --a rA --b rB --create --duration 30 \
	--stats "$T_TMP/stats" 2>"$T_TMP/relay.err"
	RELAY_PID=$NS_PID
	ns_wait_link r rA && ns_wait_link r rB &&
	ns_move r rA a && ns_move r rB b &&
	ns_veth c kt0 a app0 && ns_bridge a br1 rA app0 &&
	ns_bridge b br0 rB && ns_addr c kt0 10.200.2.1/24 &&
	ns_addr b br0 10.200.2.2/24 && ns_wait_up a br1 && ns_wait_up b br0
then
	got=$(ns_exec c timeout 20 ping -n -q -c 10 -i 0.01 -W 1 10.200.2.2 2>&1 |
		sed -n 's/.* \([0-9]*\) received.*/\1/p')
	eq "faultrelay: through bridges br1 and br0, 10 pings answered" "$got" 10
else
	notok "faultrelay: bridges: setup failed: $(cat "$T_TMP/relay.err")"
fi
stop_relay

# (5) cleanup leaves none of our namespaces behind.
ns_cleanup
left=$(ip netns list | grep -F "kiln-$NS_TAG-$$-")
eq "faultrelay: cleanup leaves no namespace" "$left" ""
t_done
