#!/bin/bash
# TCP echo on posix-direct through a bad link: build/tools/faultrelay plays
# the link between the appliance's bridge and the Linux peer's, with
# seeded loss from 1% to 10% plus duplication, reordering, delay and corruption
# (this machine's kernel has no netem). All in one namespace a:
#
#   appliance -- kt0 --+-- br1 -- rA ==faultrelay== rB -- br0 10.0.0.1/24
#
# For each loss rate, LOSSY_MB megabytes (default 100, issue 3's size) go
# each way through echo, compared by sha256, within LOSSY_SECS seconds
# (default 150) per rate. Every frame is also delayed LOSSY_DELAY ms with
# jitter (default 0.2:0.1, each way; the jitter reorders too): with a 1 ms
# delay the 64 KiB send buffer bounds echo near 25 MB/s and 10% loss takes
# minutes, too long for `make test`; 0.2 ms took 5 s, 12 s and 42 s for the
# three rates (one run, otherwise idle machine).
#
# Measured 2026-11-27 (2 cores shared with other work; one run each, about
# +-20% between runs), 100 MB each way: 1% 4.1 s, 5% 5.9 s, 10% 11.4 s; the
# whole file 33 s. Before SACK recovery by RACK-TLP and PRR (lib/net/
# tcp_rack.c) the stack recovered mostly by retransmission time-outs: 4 MB
# took 0.1 s, 5.3 s and 29-53 s, so this test moved only 2 MB. Linux to
# Linux, the same relay moves 5 MB at 5% loss in under a second (tests/
# faultrelay.t): echo sends only what it has received, so Kiln's flight is
# bounded by its 64 KB send buffer and every loss also stalls the other
# direction.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/direct.sh"

MB=${LOSSY_MB:-100}
SECS=${LOSSY_SECS:-150}
RATES=${LOSSY_RATES:-"1 5 10"}
DELAY=${LOSSY_DELAY:-0.2:0.1} # ms and jitter, each way

t_tmpdir
d_require posix_direct_lossy ping socat sha256sum timeout || t_done
RELAY=$(d_tool faultrelay) || { notok "faultrelay builds"; t_done; }
APP=$D_APP_IP

ns_create a || { notok "lossy: namespace: cannot create"; t_done; }
d_build echo "$KILN_ROOT/examples/echo" || t_done
head -c $((MB * 1000000)) /dev/urandom >"$T_TMP/send"
want=$(sha256sum <"$T_TMP/send")

RELAY_PID=
stop_relay() {
	[ -n "$RELAY_PID" ] || return 0
	kill "$RELAY_PID" 2>/dev/null
	wait "$RELAY_PID" 2>/dev/null
	RELAY_PID=
}

# One topology for all rates: the relay is restarted with new faults for
# each (its taps go away with it, so the bridges are rebuilt each time).
for rate in $RATES; do
	ns_spawn a "$RELAY" --a rA --b rB --create --duration $((SECS + 60)) \
		--loss "$rate" --dup 1 --reorder 2 --corrupt 1 --delay "$DELAY" --seed "$rate" \
		--stats "$T_TMP/stats.$rate" 2>"$T_TMP/relay.err"
	RELAY_PID=$NS_PID
	if ! { ns_wait_link a rA && ns_wait_link a rB; }; then
		notok "lossy $rate%: relay taps: $(cat "$T_TMP/relay.err")"
		stop_relay
		continue
	fi
	if [ "$rate" = "${RATES%% *}" ]; then
		ns_tap a kt0 && ns_bridge a br1 kt0 rA && ns_bridge a br0 rB &&
			ns_addr a br0 $D_PEER_IP/24 ||
			{ notok "lossy: bridges: setup failed"; t_done; }
		d_start "$T_TMP/echo.out" "$IMG" --net kt0 ipv4=$APP/24
	else
		ns_bridge_add a br1 rA && ns_bridge_add a br0 rB
	fi
	if ! d_wait_ping $APP 20; then
		notok "lossy $rate%: echo answers ping through the relay: $(tail -c 400 "$T_TMP/echo.out")"
		stop_relay
		continue
	fi
	t0=$(date +%s%N)
	got=$(ns_exec a timeout "$SECS" socat -t "$SECS" -b 65536 - TCP:$APP:7,connect-timeout=10 \
		<"$T_TMP/send" 2>"$T_TMP/socat.err" | sha256sum)
	ms=$((($(date +%s%N) - t0) / 1000000))
	stop_relay
	if [ "$got" = "$want" ]; then
		ok "lossy $rate% (+1% dup, 2% reorder, 1% corrupt, ${DELAY} ms delay): $MB MB each way intact in $ms ms"
	else
		notok "lossy $rate%: $MB MB each way: sha256 differs or timed out after $ms ms (bound ${SECS}s): $(head -c 300 "$T_TMP/socat.err")"
	fi
	echo "# relay at $rate%: $(tr '\n' ' ' <"$T_TMP/stats.$rate")"
	if ! d_alive; then
		notok "lossy $rate%: the appliance died: $(tail -c 600 "$T_TMP/echo.out")"
		break
	fi
done
if d_alive && st=$(d_stats "$T_TMP/echo.out"); then
	printf '%s\n' "$st" | sed 's/^/# /'
fi
d_stop
t_done
