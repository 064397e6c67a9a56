#!/bin/bash
# Slow clients against the web appliance: `slowhttptest -H` (slowloris:
# 2,000 connections that send their heads a line every few seconds) for
# 30 s, while a probe asks for a page every half second and must get
# every answer within 2 s. The appliance holds at most 128 half-sent
# heads (and 1,024 connections): a new one evicts the oldest, so the
# attack costs bounded memory and ordinary requests, which arrive whole,
# are served. SLOW_SECS changes the duration.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/www_lib.sh"
t_tmpdir
SECS=${SLOW_SECS:-30}
if ! command -v slowhttptest >/dev/null; then
	skip "www slowloris: slowhttptest is not installed (tests/deps.sh installs it as root)"
	t_done
fi
www_build || t_done
www_start || t_done
ulimit -n 8192 2>/dev/null
slowhttptest -H -c 2000 -r 400 -i 5 -x 24 -p 2 -l "$SECS" \
	-u "$(WWW_URL /)" -o "$T_TMP/slow" -g >"$T_TMP/slow.log" 2>&1 &
SLOW_PID=$!
T_CLEANUP_HOOK='kill $SLOW_PID $WWW_PID 2>/dev/null; wait $SLOW_PID $WWW_PID 2>/dev/null'
sleep 2 # let the attack fill the table first
asked=0 answered=0 slowest=0
end=$((SECONDS + SECS - 3))
while [ $SECONDS -lt $end ]; do
	t=$(curl -s -m 2 -o "$T_TMP/probe" -w '%{http_code} %{time_total}' "$(WWW_URL /style.css)")
	asked=$((asked + 1))
	if [ "${t%% *}" = 200 ] && cmp -s "$T_TMP/probe" "$SITE/style.css"; then
		answered=$((answered + 1))
		slowest=$(awk -v a="$slowest" -v b="${t#* }" 'BEGIN{print (b > a) ? b : a}')
	fi
	sleep 0.5
done
eq "probe answered every time during ${SECS} s of slowloris ($asked asks, slowest ${slowest}s)" "$answered" "$asked"
stats=$(curl -s "$(WWW_URL /stats)")
wait $SLOW_PID 2>/dev/null
check "slow heads were cut off (evicted), connections bounded" python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["connections_evicted"] > 0, s
assert s["connections_active"] <= 1024, s
print("# accepted %d, evicted %d, active %d" % (s["connections_accepted"], s["connections_evicted"], s["connections_active"]))
' "$stats"
grep -o '^# .*' "$T_TMP/check.out"
www_alive "slowloris"
t_done
