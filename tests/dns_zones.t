#!/bin/bash
# Zones are read and checked at build time: a broken zone fails `kiln
# build` with FILE:LINE and leaves no image; every file of the corpus
# tests/dns/broken/ (first line "; expect: LINE: text") is refused with
# its own line and reason. Also: the sample zone builds, and the image
# answers `kiln run ... zone=my.zone` as the README shows.
. "$(dirname "$0")/lib.sh"
t_tmpdir
. "$KILN_ROOT/tests/dns/common.sh"

P=$(dns_free_port)
B=$KILN_ROOT/tests/dns/broken
cp "$B/cname-and-other.zone" "$T_TMP/bad.zone"
if dns_build "$P" zone="$T_TMP/bad.zone"; then
	notok "a broken zone fails the build"
else
	ok "a broken zone fails the build"
	contains "the build names FILE:LINE and the problem" "$(cat "$T_TMP/dns.build")" "bad.zone:7: CNAME and other data"
fi
[ -e "$T_TMP/dns/_build/posix-socket/dns" ] && notok "no image after a zone error" || ok "no image after a zone error"

# The generator itself, run the way mk/app.mk runs it, on each broken zone.
GEN=$T_TMP/dns/_build/posix-socket/gen/hostgen
if [ ! -x "$GEN" ]; then
	notok "the generator was built: $(tail -c 400 "$T_TMP/dns.build")"
	t_done
fi
: >"$T_TMP/kv.list"
for z in "$B"/*.zone; do
	n=$(basename "$z")
	want=$(sed -n '1s/^; expect: //p' "$z")
	printf 'zone=%s\nport=53\n' "$z" >"$T_TMP/keys"
	if "$GEN" "$T_TMP/keys" "$T_TMP/kv.list" "$T_TMP/out.c" 2>"$T_TMP/err"; then
		notok "broken zone refused: $n: the generator accepted it"
	else
		line=${want%%:*} why=${want#*: }
		err=$(head -n 1 "$T_TMP/err")
		case $err in
		"$z:$line: "*"$why"*) ok "broken zone refused with file:line: $n: $err" ;;
		*) notok "broken zone refused with file:line: $n: want '$z:$line: ...$why...', got '$err'" ;;
		esac
	fi
done

# Good zones: the test zones and the sample build; the sample answers.
printf 'zone=%s\n' "$DNS_ZONES" >"$T_TMP/keys"
check "the test zones compile" "$GEN" "$T_TMP/keys" "$T_TMP/kv.list" "$T_TMP/out.c"
if command -v kdig >/dev/null 2>&1; then
	cat >"$T_TMP/my.zone" <<'Z'
$ORIGIN my.test.
$TTL 300
@ SOA ns hostmaster 1 7200 3600 1209600 300
  NS ns
ns A 10.1.2.3
Z
	P=$(dns_free_port)
	cp -R "$KILN_ROOT/examples/dns" "$T_TMP/app"
	rm -rf "$T_TMP/app/_build"
	( cd "$T_TMP" && exec timeout 120 "$KILN" run -t posix-socket app zone=my.zone port="$P" >"$T_TMP/run.log" 2>&1 ) &
	echo $! >"$T_TMP/run.pid"
	for _i in $(seq 120); do wait_port "$P" && break; done
	if wait_port "$P"; then
		out=$(kdig @127.0.0.1 -p "$P" +short ns.my.test A)
		eq "kiln run examples/dns zone=my.zone port=N answers kdig" "$out" "10.1.2.3"
		contains "kiln run examples/dns: the start line names the zone to ask" \
			"$(cat "$T_TMP/run.log")" "try: kdig @127.0.0.1 -p $P my.test. SOA"
	else
		notok "kiln run examples/dns zone=my.zone: $(tail -c 400 "$T_TMP/run.log")"
	fi
	pkid=$(cat "$T_TMP/run.pid")
	img=$(pgrep -P "$pkid" 2>/dev/null)
	kill $img "$pkid" 2>/dev/null
	wait 2>/dev/null
else
	skip "kiln run examples/dns: no kdig (tests/deps.sh installs knot-dnsutils)"
fi
t_done
