#!/bin/bash
# Malformed frames against Kiln's stack on posix-direct: a corpus from the
# known bug classes of small stacks (build/tools/badframes --list: IHL
# below 5, total length past the frame, bad TCP data offset, TCP option
# length 0, 1 or past the header, UDP lengths, truncated ICMP-quoted
# headers, overlapping and oversized fragments, ...) written raw onto the
# bridge in front of the appliance's tap, one case at a time. Each must be
# dropped and counted under its reason (the appliance prints its counters
# on SIGUSR1), or for fragment cases, draw no echo reply; afterwards the
# appliance still answers ping and TCP. Runts under 14 bytes cannot be
# sent through a Linux tap at all (see badframes.c), so they are not here.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/direct.sh"

t_tmpdir
d_require posix_direct_malformed ping socat timeout || t_done
BAD=$(d_tool badframes) || { notok "badframes builds"; t_done; }
APP=$D_APP_IP
d_net || { notok "malformed: namespace with tap and bridge: setup failed"; t_done; }
d_build echo "$KILN_ROOT/examples/echo" || t_done
LOG=$T_TMP/echo.out
d_start "$LOG" "$IMG" --net kt0 ipv4=$APP/24
if ! d_wait_ping $APP 10; then
	notok "malformed: echo answers ping before the corpus: $(tail -c 600 "$LOG")"
	t_done
fi
MAC=$(ns_ip a neigh show $APP dev br0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')

# drops: the last "stats: drops" line of the log, as "name=value ...".
drops() {
	grep '^stats: drops' "$LOG" | tail -n 1 | sed 's/^stats: drops *//'
}
# count NAME DROPS: the value of NAME in DROPS (0 when absent).
count() {
	printf '%s\n' $2 | awk -F= -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'
}
total() {
	printf '%s\n' $1 | awk -F= '{ s += $2 } END { print s + 0 }'
}

d_stats "$LOG" >/dev/null || { notok "malformed: no counters on SIGUSR1: $(tail -c 400 "$LOG")"; t_done; }
while read -r name expect; do
	before=$(drops)
	out=$(ns_exec a "$BAD" -i br0 -m "$MAC" -s $D_PEER_IP -d $APP "$name" 2>&1) ||
		{ notok "malformed: $name: badframes failed: $out"; continue; }
	case $expect in
	reply | noreply)
		eq "malformed: $name: $expect" "$out" "$expect"
		continue ;;
	-)
		# nothing in particular to count (an ICMP error for no
		# connection is ignored): the check is that it survives
		if d_stats "$LOG" >/dev/null; then ok "malformed: $name: survived"
		else notok "malformed: $name: no counters after it (alive: $(d_alive && echo yes || echo no))"; fi
		continue ;;
	esac
	if ! d_stats "$LOG" >/dev/null; then
		notok "malformed: $name: no counters after SIGUSR1 (appliance alive: $(d_alive && echo yes || echo no))"
		continue
	fi
	after=$(drops)
	if [ "$expect" = "*" ]; then
		if [ "$(total "$after")" -gt "$(total "$before")" ]; then
			ok "malformed: $name: dropped and counted"
		else
			notok "malformed: $name: no drop counted (drops: $after)"
		fi
		continue
	fi
	good=
	for reason in ${expect//|/ }; do
		[ "$(count "$reason" "$after")" -gt "$(count "$reason" "$before")" ] && good=$reason
	done
	if [ -n "$good" ]; then ok "malformed: $name: dropped, counted as $good"
	else notok "malformed: $name: expected a drop counted as $expect; drops before: '$before', after: '$after'"; fi
done < <("$BAD" --list)

if d_alive; then ok "malformed: the appliance is alive after the corpus"
else notok "malformed: the appliance died: $(tail -c 800 "$LOG")"; fi
eq "malformed: ping still answered" "$(d_pings $APP 5)" 5
out=$(printf 'after the corpus\n' | ns_exec a timeout 10 socat -t 5 - TCP:$APP:7 2>&1)
eq "malformed: TCP still echoes" "$out" "after the corpus"
grep '^stats:' "$LOG" | tail -n 3 | sed 's/^/# /'
d_stop
t_done
