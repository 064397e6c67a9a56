#!/bin/bash
# DHCP on posix-direct: dnsmasq serves leases on br0 (10.0.0.1/24) in the
# test's namespace; echo starts with ipv4=dhcp, takes a lease from
# 10.0.0.50-99 (seen in dnsmasq's lease file, for the appliance's MAC) and
# answers ping and TCP on it. Needs root, /dev/net/tun, dnsmasq, ping,
# socat.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/direct.sh"

t_tmpdir
d_require posix_direct_dhcp dnsmasq ping socat timeout || t_done
d_net || { notok "dhcp: namespace with tap and bridge: setup failed"; t_done; }
d_build echo "$KILN_ROOT/examples/echo" || t_done
ECHO=$IMG

LEASES=$T_TMP/leases
: >"$LEASES"
ns_spawn a dnsmasq --no-daemon --conf-file=/dev/null --user=root \
	--interface=br0 --bind-interfaces --port=0 \
	--dhcp-range=10.0.0.50,10.0.0.99,2m --dhcp-leasefile="$LEASES" \
	--pid-file="$T_TMP/dnsmasq.pid" --log-dhcp \
	--log-facility="$T_TMP/dnsmasq.log" 2>"$T_TMP/dnsmasq.err"
DNSMASQ_PID=$NS_PID
sleep 0.3
if ! kill -0 $DNSMASQ_PID 2>/dev/null; then
	notok "dhcp: dnsmasq starts: $(cat "$T_TMP/dnsmasq.err" "$T_TMP/dnsmasq.log" 2>/dev/null | tail -c 400)"
	t_done
fi
ok "dhcp: dnsmasq serves 10.0.0.50-99 on br0"

d_start "$T_TMP/echo.out" "$ECHO" --net kt0 ipv4=dhcp
# The lease file gets "EXPIRY MAC IP HOST CLIENTID" once dnsmasq ACKs.
lease=
for i in $(seq 200); do
	lease=$(awk '{ print $2, $3 }' "$LEASES" | head -n 1)
	[ -n "$lease" ] && break
	d_alive || break
	sleep 0.05
done
mac=${lease% *} ip=${lease#* }
case $ip in
10.0.0.[5-9][0-9]) ok "dhcp: the appliance took a lease: $ip for $mac" ;;
*)
	notok "dhcp: no lease within 10 s: leases '$lease'; dnsmasq: $(grep -i dhcp "$T_TMP/dnsmasq.log" | tail -n 5 | tr '\n' ' ' | head -c 500); echo: $(tail -c 300 "$T_TMP/echo.out")"
	t_done ;;
esac
case $mac in
02:*) ok "dhcp: the lease is for the appliance's MAC" ;;
*) notok "dhcp: lease for '$mac', not a Kiln MAC (02:...)" ;;
esac
if d_wait_ping "$ip" 10; then ok "dhcp: answers ping at the leased $ip"
else notok "dhcp: no answer to ping at $ip: $(tail -c 400 "$T_TMP/echo.out")"; fi
eq "dhcp: 10 pings at $ip" "$(d_pings "$ip" 10)" 10
out=$(printf 'leased\n' | ns_exec a timeout 10 socat -t 5 - TCP:"$ip":7 2>&1)
eq "dhcp: TCP echo at $ip" "$out" "leased"
grep -E 'DHCP(DISCOVER|OFFER|REQUEST|ACK)' "$T_TMP/dnsmasq.log" | head -n 4 | sed 's/^/# /'
d_stop
kill $DNSMASQ_PID 2>/dev/null
wait $DNSMASQ_PID 2>/dev/null
t_done
