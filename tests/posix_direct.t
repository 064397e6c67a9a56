#!/bin/bash
# The posix-direct target end to end: echo built for posix-direct runs
# Kiln's own TCP/IP stack on tap kt0 in a network namespace, and the Linux
# kernel's stack on bridge br0 (10.0.0.1) is its peer (tests/direct.sh has
# the picture). ARP, ping (with fragments both ways), UDP echo and ICMP
# port unreachable, TCP echo under sequential, concurrent and bulk load,
# the counters on SIGUSR1, `kiln run` with --net and ipv4=, start errors,
# and the seccomp seal killing a forbidden call (tests/apps/sealtest).
# Needs root, /dev/net/tun, iproute2, iputils ping and arping, socat.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/direct.sh"

t_tmpdir
d_require posix_direct ping arping socat sha256sum timeout || t_done
ECHOLOAD=$(d_tool echoload) || { notok "echoload builds"; t_done; }
UDPPROBE=$(d_tool udpprobe) || { notok "udpprobe builds"; t_done; }
PORT=7
APP=$D_APP_IP

d_net || { notok "posix_direct: namespace with tap and bridge: setup failed"; t_done; }

# ---- the seal: a forbidden system call after start kills the image ----------
if d_build sealtest "$KILN_ROOT/tests/apps/sealtest"; then
	SEAL=$IMG
	out=$(ns_exec a timeout 10 "$SEAL" --net kt0 -- allowed 2>&1); rc=$?
	eq "seal: allowed calls (console, clock, entropy): status 0" "$rc" 0
	contains "seal: allowed calls work" "$out" "sealtest: clock ok, wall ok, entropy ok"
	# issue 3's allow-list: no memory calls either (brk, mmap), since the
	# stack allocates nothing after start (lib/net/tcp_pool.c); no
	# getrandom (kiln_entropy is a generator in the image), no sleep (the
	# console waits in epoll), only two clocks, only the image's own
	# descriptors (writefd, readfd: descriptors opened before the seal)
	for call in open socket mmapexec mmap brk malloc getrandom nanosleep \
		usleep cpuclock writefd readfd; do
		out=$(ns_exec a timeout 10 "$SEAL" --net kt0 -- $call 2>&1); rc=$?
		eq "seal: $call(2) after start kills with SIGSYS (status 159)" "$rc" 159
		case $out in
		*"NOT SEALED"*) notok "seal: $call(2) was not stopped: $out" ;;
		*"started, mode $call"*) ok "seal: $call(2) killed after start-up, not before" ;;
		*) notok "seal: $call: did not start: $out" ;;
		esac
	done
	# the crash handler works under the seal: it never returns, so the
	# seal needs no rt_sigreturn
	out=$(ns_exec a timeout 10 "$SEAL" --net kt0 -- crash 2>&1); rc=$?
	eq "seal: a crash after start is reported, SIGSEGV (status 139)" "$rc" 139
	contains "seal: the crash handler prints under the seal" "$out" \
		"PANIC: sealtest: fatal signal 11 (SEGV)"
	contains "seal: and a backtrace (writev to stdout)" "$out" "(loop_run+"
	# a full non-blocking stdout: the console waits for room in epoll
	if SLOWPIPE=$(d_tool slowpipe); then
		out=$(ns_exec a timeout 20 "$SLOWPIPE" 1500 "$SEAL" --net kt0 -- flood 2>&1); rc=$?
		eq "seal: 2000 lines into a full non-blocking pipe: status 0" "$rc" 0
		eq "seal: every line arrives, none dropped" \
			"$(printf '%s\n' "$out" | grep -c '^sealtest: flood line')" 2000
		contains "seal: and the end" "$out" "SUCCESS"
	else
		notok "seal: slowpipe builds"
	fi
	# the start errors, before any seal
	out=$(ns_exec a "$SEAL" -- allowed 2>&1); rc=$?
	eq "start: no --net: status 2" "$rc" 2
	contains "start: no --net: says a tap is needed" "$out" "needs a tap device: --net TAP"
	out=$(ns_exec a "$SEAL" --net nosuch0 -- allowed 2>&1); rc=$?
	eq "start: a tap that does not exist: status 2" "$rc" 2
	contains "start: a missing tap named, with how to make it" "$out" \
		"no tap device 'nosuch0' in this network namespace (make it first: ip tuntap add nosuch0 mode tap"
	out=$(ns_exec a "$SEAL" --net kt0 ipv4=10.0.0.999/24 -- allowed 2>&1); rc=$?
	eq "start: a bad ipv4= refused: status 2" "$rc" 2
	contains "start: a bad ipv4= names the key" "$out" "ipv4"
fi

# ---- echo on kt0 ---------------------------------------------------------------
d_build echo "$KILN_ROOT/examples/echo" || t_done
ECHO=$IMG
d_start "$T_TMP/echo.out" "$ECHO" --net kt0 ipv4=$APP/24
if d_wait_ping $APP 10; then
	ok "echo: up, answers a ping at $APP"
else
	notok "echo: no answer to ping at $APP within 10 s: $(tail -c 600 "$T_TMP/echo.out")"
	t_done
fi
contains "echo: says it serves" "$(cat "$T_TMP/echo.out")" "echo: serving TCP and UDP echo on port $PORT"

# ---- ARP and ICMP ------------------------------------------------------------------
out=$(ns_exec a timeout 10 arping -c 3 -w 5 -I br0 $APP 2>&1); rc=$?
if [ $rc = 0 ] && printf '%s' "$out" | grep -q 'Received 3 response'; then
	ok "arp: 3 arping requests, 3 replies"
else
	notok "arp: arping -c 3: status $rc: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
fi
mac=$(ns_ip a neigh show $APP dev br0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
case $mac in
02:*) ok "arp: the appliance's MAC is locally administered ($mac)" ;;
*) notok "arp: neighbour entry for $APP: '$mac' (want 02:...)" ;;
esac
eq "ping: 20 plain pings answered" "$(d_pings $APP 20)" 20
eq "ping: 1472-byte pings (a full 1500-byte frame, DF) answered" \
	"$(d_pings $APP 5 -s 1472 -M do)" 5
eq "ping: 4000-byte pings (fragmented both ways) answered" \
	"$(d_pings $APP 5 -s 4000)" 5
eq "ping: 8000-byte pings answered" "$(d_pings $APP 3 -s 8000)" 3
eq "ping: a flood of 500 answered" \
	"$(ns_exec a timeout 20 ping -n -q -f -c 500 -W 1 $APP 2>&1 | sed -n 's/.* \([0-9]*\) received.*/\1/p')" 500

# ---- UDP -------------------------------------------------------------------------------
out=$(printf 'udp kiln\n' | ns_exec a timeout 10 socat -t 2 - UDP:$APP:$PORT 2>&1)
eq "udp: echo via socat" "$out" "udp kiln"
out=$(ns_exec a timeout 10 "$UDPPROBE" $APP $PORT 2)
eq "udp: echo of a datagram from a connected socket" "$out" "reply 9 bytes"
out=$(ns_exec a timeout 10 "$UDPPROBE" $APP 9999 2); rc=$?
eq "udp: a closed port draws ICMP port unreachable, seen by Linux" "$out" \
	"icmp type 3 code 3 from $APP"
check "udp: 1000 datagrams of 1..1400 bytes echoed" \
	ns_exec a "$ECHOLOAD" -H $APP -p $PORT -t 30 udp 1000

# ---- TCP -------------------------------------------------------------------------------
out=$(printf 'hello kiln\n' | ns_exec a timeout 10 socat -t 5 - TCP:$APP:$PORT 2>&1)
eq "tcp: a line via socat" "$out" "hello kiln"
check "tcp: 1000 sequential connections" \
	ns_exec a "$ECHOLOAD" -H $APP -p $PORT -t 60 seq 1000
check "tcp: 200 concurrent connections" \
	ns_exec a "$ECHOLOAD" -H $APP -p $PORT -t 60 conc 200
# All 200 open at once, after the seal that forbids brk and mmap: had the
# stack anything left to allocate, the kernel would kill it (SIGSYS).
check "tcp: 200 connections open at once, sealed without brk/mmap" \
	ns_exec a "$ECHOLOAD" -H $APP -p $PORT -t 60 --pid $D_PID hold 200
grep -o 'hold: .*' "$T_TMP/check.out" | sed 's/^/# /'
check "tcp: 100 MB each way, verified (echoload bulk)" \
	ns_exec a "$ECHOLOAD" -H $APP -p $PORT -t 180 bulk 100000000
grep -o 'bulk: .*' "$T_TMP/check.out" | sed 's/^/# /'
head -c 100000000 /dev/urandom >"$T_TMP/big"
want=$(sha256sum <"$T_TMP/big")
t0=$SECONDS
got=$(ns_exec a timeout 180 socat -t 30 -b 65536 - TCP:$APP:$PORT <"$T_TMP/big" | sha256sum)
eq "tcp: 100 MB each way via socat, sha256 ($((SECONDS - t0)) s)" "$got" "$want"
rm -f "$T_TMP/big"
check "tcp: 50 peers that reset" ns_exec a "$ECHOLOAD" -H $APP -p $PORT -t 30 reset 50
out=$(printf 'still here\n' | ns_exec a timeout 10 socat -t 5 - TCP:$APP:$PORT 2>&1)
eq "tcp: answers after all that" "$out" "still here"
if d_alive; then ok "echo: alive after the load"; else notok "echo: died: $(tail -c 600 "$T_TMP/echo.out")"; fi

# ---- counters on SIGUSR1 -------------------------------------------------------------------
if st=$(d_stats "$T_TMP/echo.out"); then
	contains "stats: SIGUSR1 prints the tap's counters" "$st" "stats: net0 tap kt0 rx_frames="
	contains "stats: and the stack's" "$st" "stats: stack rx_frames="
	# The bulk transfers above went out as offload frames (netbuf.h: one
	# write of up to 64 KiB that the kernel delivers or cuts), intact.
	off=$(printf '%s\n' "$st" | sed -n 's/.*tap kt0 .* tx_offload=\([0-9]*\).*/\1/p')
	if [ "${off:-0}" -gt 100 ]; then
		ok "tcp: segmentation offload used on the tap ($off frames)"
	else
		notok "tcp: segmentation offload: tx_offload=${off:-missing} after 200 MB (IFF_VNET_HDR refused?)"
	fi
	# and came in as receive offload frames, cut by tap_rxoff.c.
	cut=$(printf '%s\n' "$st" | sed -n 's/.*tap kt0 .* rx_cut=\([0-9]*\).*/\1/p')
	if [ "${cut:-0}" -gt 100 ]; then
		ok "tcp: receive offload used on the tap ($cut frames cut into segments)"
	else
		notok "tcp: receive offload: rx_cut=${cut:-missing} after 200 MB (TUNSETOFFLOAD refused?)"
	fi
	printf '%s\n' "$st" | sed 's/^/# /'
else
	notok "stats: no counters after SIGUSR1: $(tail -c 400 "$T_TMP/echo.out")"
fi
d_stop

# ---- kiln run -t posix-direct APPDIR --net TAP ipv4=... ----------------------------------
# A second tap on the bridge, a second address given at start.
ns_tap a kt1 && ns_bridge_add a br0 kt1
ns_spawn a "$KILN" run -t posix-direct "$T_TMP/echo" --net kt1 ipv4=10.0.0.3/24 \
	>"$T_TMP/run.out" 2>&1
D_PID=$NS_PID
if d_wait_ping 10.0.0.3 20; then
	ok "kiln run: echo on kt1 answers ping at 10.0.0.3 (ipv4= at start)"
	out=$(printf 'via kiln run\n' | ns_exec a timeout 10 socat -t 5 - TCP:10.0.0.3:$PORT 2>&1)
	eq "kiln run: TCP echo at 10.0.0.3" "$out" "via kiln run"
	out=$(ns_exec a ping -n -q -c 1 -W 0.5 $APP 2>&1 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	eq "kiln run: nobody answers at the default address any more" "$out" 0
else
	notok "kiln run: no answer at 10.0.0.3: $(tail -c 600 "$T_TMP/run.out")"
fi
d_stop

t_done
