#!/bin/bash
# The sample site in a real browser: headless Chromium loads the page and
# its assets (CSS, an SVG, a PNG, a script that fetches /stats) from the
# web appliance and takes a screenshot, which must show the page rendered
# (tests/www_png.py checks pixels of the header and background).
#
# Where it can, the appliance runs on posix-direct, Kiln's own TCP/IP
# stack on a tap in a network namespace (tests/direct.sh), with Chromium
# in that namespace; otherwise (not root, no namespaces, or no
# posix-direct) on posix-socket over loopback. The check names say which.
# Chromium is large: it is installed here, only when missing and root.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/direct.sh"
. "$(dirname "$0")/www_lib.sh"
t_tmpdir

if ! command -v chromium >/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		echo "# installing chromium (apt-get; large)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends chromium >"$T_TMP/apt.log" 2>&1 ||
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends chromium \
				>"$T_TMP/apt.log" 2>&1; }
	fi
	if ! command -v chromium >/dev/null; then
		skip "www chromium: chromium is not installed and this is not root (apt-get install chromium): NOT TESTED"
		t_done
	fi
fi

# chrome URL NETNS-PREFIX...: screenshot and DOM of URL.
chrome() {
	url=$1; shift
	rm -rf "$T_TMP/ud"
	"$@" timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$T_TMP/ud" --virtual-time-budget=5000 \
		--screenshot="$T_TMP/shot.png" --window-size=1024,768 "$url" \
		>"$T_TMP/chrome.log" 2>&1
	rm -rf "$T_TMP/ud"
	"$@" timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$T_TMP/ud" --virtual-time-budget=5000 \
		--dump-dom "$url" >"$T_TMP/dom.html" 2>>"$T_TMP/chrome.log"
}

MODE=
if ns_require www_chromium >/dev/null && [ -x "$KILN" ] &&
	"$KILN" targets 2>/dev/null | grep -q '^posix-direct' &&
	d_build www-direct "$KILN_ROOT/examples/www" port=80 >/dev/null; then
	if d_net; then
		d_start "$T_TMP/www.out" "$IMG" --net kt0 ipv4=$D_APP_IP/24
		if d_wait_ping $D_APP_IP 10; then
			MODE="posix-direct in a network namespace"
			URL=http://$D_APP_IP/
			RUN=(ns_exec a)
		else
			d_stop
		fi
	fi
fi
if [ -z "$MODE" ]; then
	www_build || t_done
	www_start || t_done
	MODE="posix-socket on loopback (posix-direct unavailable here)"
	URL=$(WWW_URL /)
	RUN=()
fi
echo "# appliance: $MODE, $URL"
chrome "$URL" "${RUN[@]}"
size=$(stat -c %s "$T_TMP/shot.png" 2>/dev/null || echo 0)
if [ "$size" -gt 20000 ]; then
	ok "chromium: screenshot of $URL ($size bytes) [$MODE]"
else
	notok "chromium: screenshot of $URL: $size bytes [$MODE]: $(tail -c 400 "$T_TMP/chrome.log")"
fi
check "chromium: the screenshot shows the page rendered (header colour, background, detail) [$MODE]" \
	python3 "$KILN_ROOT/tests/www_png.py" "$T_TMP/shot.png"
sed -n 's/^/# /p' "$T_TMP/check.out"
contains "chromium: the script ran [$MODE]" "$(cat "$T_TMP/dom.html")" '<span id="status" class="ok">scripts ran</span>'
contains "chromium: the script fetched /stats [$MODE]" "$(cat "$T_TMP/dom.html")" '"connections_accepted":'
stats=$("${RUN[@]}" curl -s -m 5 "${URL}stats")
check "chromium: the appliance served the page and its assets [$MODE]" python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["responses_2xx"] >= 10, s   # twice: page, css, js, svg, png, /stats
assert s["responses_4xx"] + s["responses_5xx"] <= 2, s  # favicon.ico aside
' "$stats"
if [ -n "${KILN_KEEP_SHOT:-}" ]; then cp "$T_TMP/shot.png" "$KILN_KEEP_SHOT"; fi
d_stop
t_done
