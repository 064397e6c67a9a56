#!/bin/bash
# The same web appliance sources on Kiln's own TCP/IP stack: built for
# posix-direct and for kvm (where this build and machine can), started in
# a network namespace on tap kt0 (tests/direct.sh), and checked with curl
# from the Linux side: every site file by sha256, gzip, 304, a range,
# pipelining and /stats. A target that cannot run here is skipped loudly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/direct.sh"
t_tmpdir
d_require www_targets curl python3 || t_done
SITE=$KILN_ROOT/examples/www/site
APP=$D_APP_IP
d_net || { notok "www_targets: namespace with tap and bridge: setup failed"; t_done; }
sha() { sha256sum | cut -d' ' -f1; }

for target in posix-direct kvm; do
	if ! "$KILN" targets 2>/dev/null | grep -q "^$target .*implemented .*can run"; then
		skip "www on $target: $("$KILN" targets 2>/dev/null | grep "^$target " | tr -s ' ')"
		continue
	fi
	rm -rf "$T_TMP/www-$target" && cp -R "$KILN_ROOT/examples/www" "$T_TMP/www-$target"
	rm -rf "$T_TMP/www-$target/_build"
	if ! "$KILN" build -t $target "$T_TMP/www-$target" port=80 >"$T_TMP/b.log" 2>&1; then
		notok "www on $target: builds: $(tail -c 500 "$T_TMP/b.log" | tr '\n' ' ')"
		continue
	fi
	ok "www on $target: builds from the same sources"
	d_start "$T_TMP/$target.out" "$KILN" run -t $target "$T_TMP/www-$target" port=80 \
		--net kt0 ipv4=$APP/24
	if ! d_wait_ping $APP 20; then
		notok "www on $target: up: $(tail -c 500 "$T_TMP/$target.out")"
		d_stop
		continue
	fi
	for f in index.html style.css app.js img/logo.svg img/kiln.png docs/index.html; do
		eq "www on $target: GET /$f, sha256" \
			"$(ns_exec a curl -s -m 10 "http://$APP/$f" | sha)" "$(sha <"$SITE/$f")"
	done
	eq "www on $target: gzip decodes to the file" \
		"$(ns_exec a curl -s -m 10 --compressed "http://$APP/style.css" | sha)" "$(sha <"$SITE/style.css")"
	etag=$(ns_exec a curl -s -m 10 -o /dev/null -D - "http://$APP/" | grep -i '^etag:' | cut -d' ' -f2 | tr -d '\r')
	eq "www on $target: If-None-Match: 304" \
		"$(ns_exec a curl -s -m 10 -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "http://$APP/")" 304
	eq "www on $target: Range: 206, the bytes" \
		"$(ns_exec a curl -s -m 10 -r 10-59 "http://$APP/index.html" | sha)" "$(tail -c +11 "$SITE/index.html" | head -c 50 | sha)"
	check "www on $target: 200 pipelined requests on one connection" ns_exec a python3 -c '
import socket, sys, re
s = socket.create_connection((sys.argv[1], 80)); s.settimeout(20)
s.sendall(b"GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n" * 199 + b"GET /app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
d = b""
while True:
    b = s.recv(65536)
    if not b: break
    d += b
assert len(re.findall(rb"HTTP/1\.1 200 OK", d)) == 200, len(d)
' $APP
	check "www on $target: /stats is JSON" ns_exec a python3 -c '
import json, sys, urllib.request
s = json.load(urllib.request.urlopen("http://%s/stats" % sys.argv[1], timeout=10))
assert s["requests"] >= 210 and s["not_modified"] == 1 and s["partial"] == 1, s
' $APP
	d_stop
	[ $target = posix-direct ] || continue
	# The key tcp_initcwnd (TCP's initial window, segments): a larger one
	# serves the same bytes; one over the limit is refused at start.
	# Built first: a rebuild inside `kiln run` would eat the wait for ping
	# on a loaded machine.
	check "www on $target, tcp_initcwnd=64: builds" \
		"$KILN" build -t $target "$T_TMP/www-$target" port=80 tcp_initcwnd=64
	d_start "$T_TMP/iw.out" "$KILN" run -t $target "$T_TMP/www-$target" port=80 \
		tcp_initcwnd=64 --net kt0 ipv4=$APP/24
	if d_wait_ping $APP 30; then
		eq "www on $target, tcp_initcwnd=64: GET /img/kiln.png, sha256" \
			"$(ns_exec a curl -s -m 10 "http://$APP/img/kiln.png" | sha)" "$(sha <"$SITE/img/kiln.png")"
		contains "www on $target, tcp_initcwnd=64: the stack says so at start" \
			"$(cat "$T_TMP/iw.out")" "tcp: initial window 64 segments (key tcp_initcwnd)"
	else
		notok "www on $target, tcp_initcwnd=64: up: $(tail -c 500 "$T_TMP/iw.out")"
	fi
	d_stop
	out=$(ns_exec a timeout 90 "$KILN" run -t $target "$T_TMP/www-$target" port=80 \
		tcp_initcwnd=300 --net kt0 ipv4=$APP/24 2>&1); rc=$?
	if [ $rc -ne 0 ] && [[ $out == *"tcp_initcwnd=300: expected 0 (auto) to 256"* ]]; then
		ok "www on $target: tcp_initcwnd=300 is refused at start, naming the key"
	else
		notok "www on $target: tcp_initcwnd=300: status $rc: $(printf %s "$out" | tail -c 300)"
	fi
done
t_done
