# Helpers for the web appliance's tests (sourced after tests/lib.sh and
# t_tmpdir): build examples/www with keys into the test's folder, start
# it on a free port, stop it at exit.

www_free_port() {
	_p=$((18000 + RANDOM % 2000))
	while (exec 3<>/dev/tcp/127.0.0.1/$_p) 2>/dev/null; do _p=$((_p + 1)); done
	echo $_p
}

# www_build [KEY=VALUE...]: build a copy of examples/www on posix-socket;
# sets WWW_IMG and WWW_PORT (port= is added unless given). Prints a
# not-ok line and returns 1 when the build fails.
www_build() {
	WWW_PORT=$(www_free_port)
	rm -rf "$T_TMP/www"
	cp -a "$KILN_ROOT/examples/www" "$T_TMP/www"
	rm -rf "$T_TMP/www/_build"
	if "$KILN" build -t posix-socket "$T_TMP/www" port=$WWW_PORT "$@" \
		>"$T_TMP/www.build" 2>&1; then
		WWW_IMG=$(tail -n 1 "$T_TMP/www.build")
		[ -x "$WWW_IMG" ] && return 0
	fi
	notok "www: builds: $(tail -c 600 "$T_TMP/www.build" | tr '\n' ' ')"
	return 1
}

# www_start: run WWW_IMG in the background (WWW_PID), wait for its port.
# Raises the descriptor limit: the appliance holds up to 1024 connections.
www_start() {
	ulimit -n 8192 2>/dev/null || ulimit -n 4096 2>/dev/null
	"$WWW_IMG" >"$T_TMP/www.out" 2>&1 &
	WWW_PID=$!
	T_CLEANUP_HOOK='kill $WWW_PID 2>/dev/null; wait $WWW_PID 2>/dev/null'
	if ! wait_port "$WWW_PORT"; then
		notok "www: listens on $WWW_PORT: $(tail -c 400 "$T_TMP/www.out")"
		return 1
	fi
	return 0
}

www_alive() {
	if kill -0 "$WWW_PID" 2>/dev/null; then ok "www: alive after $1"
	else notok "www: died after $1: $(tail -c 600 "$T_TMP/www.out")"; fi
}

WWW_URL() { echo "http://127.0.0.1:$WWW_PORT$1"; }
SITE=$KILN_ROOT/examples/www/site
