#!/bin/bash
# TCP echo on kvm through a bad link: tests/posix_direct_lossy.t with the
# same appliance (examples/echo) built for kvm and run under kiln-kvm.
# build/tools/faultrelay plays the link between the guest's bridge and the
# Linux peer's, with seeded loss from 1% to 10% plus duplication,
# reordering and corruption (this machine's kernel has no netem). All in
# one namespace a:
#
#   kiln-kvm (echo) -- kt0 --+-- br1 -- rA ==faultrelay== rB -- br0 10.0.0.1/24
#
# For each loss rate, LOSSY_MB megabytes (default 50) go each way through
# echo, compared by sha256, within LOSSY_SECS seconds (default 90) per
# rate; LOSSY_RATES, the rates. LOSSY_MEM is the guest's memory in MiB
# (default 4, the size echo is meant to serve in: the stack's reassembly of
# out-of-order segments must fit there too).
#
# Measured 2026-11-27 (2 cores shared with other work), 100 MB each way in
# 4 MiB: 1% 12.6 s, 5% 21.5 s, 10% 43.3 s, the whole file 93 s. In 4 MiB
# the guest's echo moves about 14 MB/s on a clean link (tests/
# kvm_guest_net.t), so even 1% costs 7 s per 50 MB; 50 MB keeps the file
# near 50 s within `make test`'s budget, and LOSSY_MB=100 runs issue 3's
# full size. Before SACK recovery by RACK-TLP and PRR (lib/net/tcp_rack.c)
# this test moved 2 MB, in 0.7 s, 2.6 s and 28.7 s (the file 50 s), the
# 10% case bound by retransmission time-outs.
# Needs root, /dev/kvm, /dev/net/tun, iproute2, ping, socat.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/direct.sh"
. "$KILN_ROOT/tests/kvm_monitor_lib.sh"

MB=${LOSSY_MB:-50}
SECS=${LOSSY_SECS:-90}
RATES=${LOSSY_RATES:-"1 5 10"}
MEM=${LOSSY_MEM:-4}

t_tmpdir
d_require kvm_guest_lossy ping socat sha256sum timeout || t_done
kvm_prepare kvm_guest_lossy || t_done
KVM=$KILN_ROOT/bin/kiln-kvm
RELAY=$(d_tool faultrelay) || { notok "faultrelay builds"; t_done; }
APP=$D_APP_IP

rm -rf "$T_TMP/echo"
cp -R "$KILN_ROOT/examples/echo" "$T_TMP/echo"
rm -rf "$T_TMP/echo/_build"
if "$KILN" build -t kvm "$T_TMP/echo" >"$T_TMP/echo.build" 2>&1; then
	ECHO=$(tail -n 1 "$T_TMP/echo.build")
	ok "echo: builds for kvm"
else
	notok "echo: builds for kvm: $(grep -E 'error|undefined|kiln:' "$T_TMP/echo.build" | head -5 | tr '\n' ' ')"
	t_done
fi

ns_create a || { notok "lossy: namespace: cannot create"; t_done; }
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
# each (its taps go away with it, so the bridges are rebuilt each time);
# the guest keeps running on kt0 throughout.
for rate in $RATES; do
	ns_spawn a "$RELAY" --a rA --b rB --create --duration $((SECS + 60)) \
		--loss "$rate" --dup 1 --reorder 2 --corrupt 1 --seed "$rate" \
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
		d_start "$T_TMP/echo.out" "$KVM" --mem=$MEM --net=kt0 "$ECHO" ipv4=$APP/24
	else
		ns_bridge_add a br1 rA && ns_bridge_add a br0 rB
	fi
	if ! d_wait_ping $APP 20; then
		notok "lossy $rate%: echo on kvm answers ping through the relay: $(tail -c 400 "$T_TMP/echo.out")"
		stop_relay
		d_alive || break
		continue
	fi
	t0=$(date +%s%N)
	got=$(ns_exec a timeout "$SECS" socat -t "$SECS" -b 65536 - TCP:$APP:7,connect-timeout=10 \
		<"$T_TMP/send" 2>"$T_TMP/socat.err" | sha256sum)
	ms=$((($(date +%s%N) - t0) / 1000000))
	stop_relay
	if [ "$got" = "$want" ]; then
		ok "lossy $rate% (+1% dup, 2% reorder, 1% corrupt): $MB MB each way intact in $ms ms (kvm, $MEM MiB)"
	else
		notok "lossy $rate%: $MB MB each way: sha256 differs or timed out after $ms ms (bound ${SECS}s): $(head -c 300 "$T_TMP/socat.err")"
	fi
	echo "# relay at $rate%: $(tr '\n' ' ' <"$T_TMP/stats.$rate")"
	if ! d_alive; then
		notok "lossy $rate%: the guest died: $(tail -c 600 "$T_TMP/echo.out")"
		break
	fi
done
# kiln-kvm prints no counters (posix-direct's SIGUSR1): the monitor's own
# output, a fault report if any, is what there is to show.
if d_alive; then
	ok "lossy: echo on kvm alive and done after all rates"
fi
d_stop
if ! kvm_sane "$(cat "$T_TMP/echo.out")"; then
	notok "lossy: the monitor reports a crash: $(tail -c 600 "$T_TMP/echo.out")"
fi
t_done
