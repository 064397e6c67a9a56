#!/bin/bash
# The posix-socket target end to end: hello and echo built with `kiln
# build`, run as processes, echo driven by socat and build/tools/echoload
# over loopback (sequential, concurrent, bulk, UDP, a slow reader, peers
# that reset), plus the start line's refusals; and tests/apps/tcptest for
# what echo does not reach (connect, static sends, abort).
. "$(dirname "$0")/lib.sh"
t_tmpdir

if [ ! -x "$KILN" ]; then
	skip "posix-socket: $KILN is not built (run make)"
	t_done
fi
ECHOLOAD=$KILN_ROOT/build/tools/echoload
[ -x "$ECHOLOAD" ] || make -s -C "$KILN_ROOT" build/tools/echoload >/dev/null 2>&1
HAVE_SOCAT=1
command -v socat >/dev/null 2>&1 || HAVE_SOCAT=0

# build NAME APPDIR [KEY=VALUE...]: copy the appliance (builds go into its
# folder) and build it; the image's path is the last line printed.
build() {
	_n=$1 _src=$2; shift 2
	cp -R "$_src" "$T_TMP/$_n"
	rm -rf "$T_TMP/$_n/_build"
	if "$KILN" build -t posix-socket "$T_TMP/$_n" "$@" >"$T_TMP/$_n.build" 2>&1; then
		IMG=$(tail -n 1 "$T_TMP/$_n.build")
		if [ -x "$IMG" ]; then ok "$_n: builds"; return 0; fi
		notok "$_n: builds: last line '$IMG' is not an executable"
	else
		notok "$_n: builds: $(tail -c 600 "$T_TMP/$_n.build" | tr '\n' ' ')"
	fi
	return 1
}

# ---- hello ----------------------------------------------------------------
if build hello "$KILN_ROOT/examples/hello"; then
	HELLO=$IMG
	out=$("$HELLO" one "two three" 2>&1); rc=$?
	eq "hello: exit status 0" "$rc" 0
	eq "hello: prints target and args" "$out" "hello from Kiln on posix-socket
one two three"
	# $(...) drops trailing newlines: the final "." keeps them.
	out=$("$HELLO" 2>&1; echo .)
	eq "hello: no args: an empty second line" "$out" "hello from Kiln on posix-socket

."
	out=$("$HELLO" -- log=debug x 2>&1)
	eq "hello: args after -- are the appliance's" "$out" "hello from Kiln on posix-socket
log=debug x"
	out=$("$HELLO" log=loud 2>&1); rc=$?
	eq "hello: a start key of the wrong type: status 2" "$rc" 2
	contains "hello: a start key of the wrong type: names the key" "$out" "log"
	out=$("$HELLO" nosuchkey=1 2>&1); rc=$?
	eq "hello: an unknown start key: status 2" "$rc" 2
	out=$("$HELLO" --net tap0 2>&1); rc=$?
	eq "hello: --net without a net device: status 2" "$rc" 2
	out=$("$HELLO" --disk /dev/null 2>&1); rc=$?
	eq "hello: --disk without a block device: status 2" "$rc" 2
	contains "hello: --disk without a block device: says so" "$out" "no block device"
fi

port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
free_port() {
	_p=$((17000 + RANDOM % 900))
	while ! port_free $_p; do _p=$((_p + 1)); done
	echo $_p
}

# ---- tcptest: connect, refused, static sends, shutdown, abort --------------
if build tcptest "$KILN_ROOT/tests/apps/tcptest" port="$(free_port)"; then
	out=$(timeout 20 "$IMG" 2>&1); rc=$?
	eq "tcptest: exit status 0" "$rc" 0
	contains "tcptest: refused, transfer, abort all as tcp.h says" "$out" SUCCESS
fi

# ---- echo -----------------------------------------------------------------
PORT=$(free_port)

if ! build echo "$KILN_ROOT/examples/echo" port=$PORT; then
	t_done
fi
ECHO=$IMG
"$ECHO" >"$T_TMP/echo.out" 2>&1 &
ECHO_PID=$!
T_CLEANUP_HOOK='kill $ECHO_PID 2>/dev/null; wait $ECHO_PID 2>/dev/null'
if ! wait_port $PORT; then
	notok "echo: listens on $PORT: $(cat "$T_TMP/echo.out")"
	t_done
fi
ok "echo: listens on $PORT"
contains "echo: says how to reach it" "$(cat "$T_TMP/echo.out")" \
	"echo: serving TCP and UDP echo on port $PORT (try: socat - TCP:127.0.0.1:$PORT)"

alive() {
	if kill -0 $ECHO_PID 2>/dev/null; then ok "echo: alive after $1"
	else notok "echo: died after $1: $(tail -c 600 "$T_TMP/echo.out")"; fi
}

if [ $HAVE_SOCAT = 1 ]; then
	out=$(printf 'hello kiln\n' | timeout 10 socat -t 5 - TCP:127.0.0.1:$PORT 2>&1)
	eq "echo: TCP line via socat" "$out" "hello kiln"
	head -c 10000000 /dev/urandom >"$T_TMP/big"
	want=$(sha256sum <"$T_TMP/big")
	got=$(timeout 40 socat -t 30 - TCP:127.0.0.1:$PORT <"$T_TMP/big" | sha256sum)
	eq "echo: 10 MB over TCP, sha256" "$got" "$want"
	out=$(printf 'udp kiln\n' | timeout 10 socat -t 2 - UDP:127.0.0.1:$PORT 2>&1)
	eq "echo: UDP datagram via socat" "$out" "udp kiln"
else
	skip "echo: socat checks: socat is not installed (apt-get install socat)"
fi

if [ -x "$ECHOLOAD" ]; then
	check "echo: 1000 sequential connections" "$ECHOLOAD" -p $PORT -t 30 seq 1000
	check "echo: 100 concurrent connections" "$ECHOLOAD" -p $PORT -t 20 conc 100
	check "echo: 10 MB bulk, verified" "$ECHOLOAD" -p $PORT -t 20 bulk 10000000
	grep -o 'bulk: .*' "$T_TMP/check.out" | sed 's/^/# /'
	check "echo: 1000 UDP datagrams of 1..1400 bytes" "$ECHOLOAD" -p $PORT -t 20 udp 1000
	check "echo: back-pressure against a slow reader (RSS < 64 MiB)" \
		"$ECHOLOAD" -p $PORT -t 30 --pid $ECHO_PID slow
	grep -o 'slow: .*' "$T_TMP/check.out" | sed 's/^/# /'
	alive "a slow reader"
	check "echo: 50 peers that reset" "$ECHOLOAD" -p $PORT -t 20 reset 50
	alive "peers that reset"
else
	skip "echo: load checks: $ECHOLOAD missing (make test-tools)"
fi
if [ $HAVE_SOCAT = 1 ]; then
	out=$(printf 'still here\n' | timeout 10 socat -t 5 - TCP:127.0.0.1:$PORT 2>&1)
	eq "echo: answers after all that" "$out" "still here"
fi

# ---- echo's start-line and bind refusals ------------------------------------
out=$("$ECHO" 2>&1); rc=$?
eq "echo: port in use: status 1" "$rc" 1
contains "echo: port in use: says so" "$out" "already in use"
out=$("$ECHO" --net tap0 2>&1); rc=$?
eq "echo: --net refused on posix-socket: status 2" "$rc" 2
contains "echo: --net refused on posix-socket: says why" "$out" "posix-socket"
out=$("$ECHO" port=abc 2>&1); rc=$?
eq "echo: a key sealed at build time refused at start: status 2" "$rc" 2
contains "echo: a key refused at start: names it" "$out" "port"

# A privileged port as an unprivileged user: -EACCES, with the advice.
unpriv_start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && [ "$unpriv_start" -gt 7 ]; then
	if build echo7 "$KILN_ROOT/examples/echo" port=7; then
		chmod -R a+rX "$T_TMP"
		out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$IMG" 2>&1); rc=$?
		eq "echo: privileged port as nobody: status 1" "$rc" 1
		contains "echo: privileged port: suggests port=7000" "$out" "port=7000"
	fi
else
	skip "echo: privileged port refusal: needs root with setpriv and ip_unprivileged_port_start > 7"
fi
t_done
