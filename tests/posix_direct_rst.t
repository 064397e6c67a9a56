#!/bin/bash
# RFC 5961 on posix-direct: a blind RST inside the window but not at the
# exact sequence number must not reset a connection (Kiln's stack answers
# with a challenge ACK), while an RST at exactly RCV.NXT does.
# build/tools/blindrst makes an echo connection from the Linux side, learns
# the appliance's sequence numbers by watching br0 (AF_PACKET), and forges
# the resets through a raw socket; it prints its own ok/not ok lines.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/direct.sh"

t_tmpdir
d_require posix_direct_rst ping timeout || t_done
BLINDRST=$(d_tool blindrst) || { notok "blindrst builds"; t_done; }
APP=$D_APP_IP
d_net || { notok "rst: namespace with tap and bridge: setup failed"; t_done; }
d_build echo "$KILN_ROOT/examples/echo" || t_done
d_start "$T_TMP/echo.out" "$IMG" --net kt0 ipv4=$APP/24
if ! d_wait_ping $APP 10; then
	notok "rst: echo answers ping: $(tail -c 600 "$T_TMP/echo.out")"
	t_done
fi
ns_exec a timeout 30 "$BLINDRST" -i br0 $APP 7
rc=$?
[ $rc -le 1 ] || notok "rst: blindrst ended with status $rc"
# twice more, so that a lucky pass is unlikely (different ports and ISNs)
for i in 2 3; do
	out=$(ns_exec a timeout 30 "$BLINDRST" -i br0 $APP 7 2>&1)
	case $out in
	*"not ok"*) notok "rst: run $i: $(printf '%s' "$out" | grep 'not ok' | head -n 2 | tr '\n' ' ')" ;;
	*) ok "rst: run $i: every check passed again" ;;
	esac
done
if d_alive; then ok "rst: the appliance is alive"; else notok "rst: the appliance died: $(tail -c 600 "$T_TMP/echo.out")"; fi
d_stop
t_done
