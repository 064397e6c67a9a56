# Helpers for the posix-direct tests (tests/posix_direct*.t), sourced after
# lib.sh and netns.sh.
#
# The topology every test starts from, all inside one namespace "a" that
# the test makes and removes:
#
#   appliance (Kiln's stack, 10.0.0.2) --fd-- kt0 (tap) --+
#                                                          br0 10.0.0.1/24
#   the Linux kernel's stack (ping, socat, echoload) ------+
#
# The appliance runs in the namespace (ip netns exec) and opens kt0 by name;
# the Linux side talks to it through the bridge. Nothing leaves the
# namespace: it has no other interface and no default route.

D_ECHOLOAD=$KILN_ROOT/build/tools/echoload
D_APP_IP=10.0.0.2
D_PEER_IP=10.0.0.1
D_PID=

# d_require NAME CMD...: skip (and return 1) unless this machine can run
# the test: root, namespaces, taps, bin/kiln, and each CMD on PATH.
d_require() {
	_dr_name=$1
	shift
	ns_require "$_dr_name" || return 1
	if [ ! -x "$KILN" ]; then
		skip "$_dr_name: $KILN is not built (run make)"
		return 1
	fi
	for _dr_c in "$@"; do
		if ! command -v "$_dr_c" >/dev/null 2>&1; then
			skip "$_dr_name: no '$_dr_c' (tests/deps.sh installs it)"
			return 1
		fi
	done
	return 0
}

# d_tool NAME: build tests/tools/NAME.c into build/tools/NAME if missing;
# prints its path. Returns 1 when it cannot be built.
d_tool() {
	_dt=$KILN_ROOT/build/tools/$1
	[ -x "$_dt" ] || make -s -C "$KILN_ROOT" "build/tools/$1" >/dev/null 2>&1
	[ -x "$_dt" ] || return 1
	echo "$_dt"
}

# d_build NAME APPDIR [KEY=VALUE...]: copy the appliance into the test's
# temp dir and build it for posix-direct; IMG is the image. One check.
d_build() {
	_db_n=$1 _db_src=$2
	shift 2
	rm -rf "${T_TMP:?}/$_db_n"
	cp -R "$_db_src" "$T_TMP/$_db_n"
	rm -rf "$T_TMP/$_db_n/_build"
	IMG=
	if "$KILN" build -t posix-direct "$T_TMP/$_db_n" "$@" \
		>"$T_TMP/$_db_n.build" 2>&1; then
		IMG=$(tail -n 1 "$T_TMP/$_db_n.build")
		if [ -x "$IMG" ]; then
			ok "$_db_n: builds for posix-direct"
			return 0
		fi
		notok "$_db_n: builds: last line '$IMG' is not an executable"
	else
		notok "$_db_n: builds for posix-direct: $(grep -E 'error|undefined|kiln:' "$T_TMP/$_db_n.build" | head -5 | tr '\n' ' ' | head -c 600)"
	fi
	IMG=
	return 1
}

# d_net: namespace a with tap kt0 on bridge br0, br0 = 10.0.0.1/24.
d_net() {
	ns_create a && ns_tap a kt0 && ns_bridge a br0 kt0 &&
		ns_addr a br0 $D_PEER_IP/24
}

# d_start LOG IMAGE ARGS...: start IMAGE in namespace a (stdout and stderr
# to LOG), D_PID its pid.
d_start() {
	_ds_log=$1
	shift
	ns_spawn a "$@" >"$_ds_log" 2>&1
	D_PID=$NS_PID
}

# d_stop: end the appliance started last (TERM) and reap it.
d_stop() {
	[ -n "$D_PID" ] || return 0
	kill "$D_PID" 2>/dev/null
	wait "$D_PID" 2>/dev/null
	D_PID=
}

# d_alive: true while the appliance started last runs.
d_alive() {
	[ -n "$D_PID" ] && kill -0 "$D_PID" 2>/dev/null
}

# d_wait_ping ADDR [SECONDS]: wait (default 5 s) until ADDR answers a ping
# from namespace a. Returns 1 on time-out.
d_wait_ping() {
	_dw_end=$((SECONDS + ${2:-5}))
	while ! ns_exec a ping -n -q -c 1 -W 0.3 "$1" >/dev/null 2>&1; do
		[ $SECONDS -ge $_dw_end ] && return 1
		d_alive || return 1
		sleep 0.05
	done
}

# d_pings ADDR COUNT [PING OPTIONS...]: ping ADDR COUNT times (10 ms
# apart) from namespace a; prints how many answers came back.
d_pings() {
	_dp_a=$1 _dp_n=$2
	shift 2
	ns_exec a timeout 30 ping -n -q -c "$_dp_n" -i 0.01 -W 1 "$@" "$_dp_a" 2>&1 |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# d_stats LOG: ask the appliance for its counters (SIGUSR1) and wait for
# them in LOG; prints the "stats:" lines. Returns 1 when none came.
d_stats() {
	_dst_before=$(grep -c '^stats: drops' "$1" 2>/dev/null)
	kill -USR1 "$D_PID" 2>/dev/null || return 1
	for _dst_i in $(seq 50); do
		if [ "$(grep -c '^stats: drops' "$1" 2>/dev/null)" -gt "$_dst_before" ]; then
			grep '^stats:' "$1" | tail -n 3
			return 0
		fi
		sleep 0.05
	done
	return 1
}
