# Helpers for the DNS appliance's tests (sourced after tests/lib.sh and
# t_tmpdir). Zones and query sets live in tests/dns/.
DNS_DIR=$KILN_ROOT/tests/dns
DNS_ZONES="$DNS_DIR/zones/example.com.zone,$DNS_DIR/zones/2.0.192.in-addr.arpa.zone"
DNS_PIDS=""

# A free port for both UDP and TCP on 127.0.0.1.
dns_free_port() {
	python3 - <<'P'
import socket, random
while True:
    p = random.randint(20000, 40000)
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p))
        t = socket.socket(); t.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
P
}

# dns_build PORT [KEY=VALUE...]: build examples/dns on posix-socket into
# $T_TMP/dns; the image's path goes to DNS_IMG. Returns non-zero on failure
# (the build's output is in $T_TMP/dns.build).
dns_build() {
	_port=$1; shift
	rm -rf "$T_TMP/dns"
	cp -R "$KILN_ROOT/examples/dns" "$T_TMP/dns"
	rm -rf "$T_TMP/dns/_build"
	"$KILN" build -t posix-socket "$T_TMP/dns" port="$_port" \
		zone="$DNS_ZONES" "$@" >"$T_TMP/dns.build" 2>&1 || return 1
	DNS_IMG=$(tail -n 1 "$T_TMP/dns.build")
	[ -x "$DNS_IMG" ]
}

# dns_start IMG PORT: run the image in its own process group until the
# test ends; waits until TCP PORT accepts.
dns_start() {
	setsid "$1" >"$T_TMP/dns.log" 2>&1 &
	DNS_PIDS="$DNS_PIDS $!"
	wait_port "$2"
}

# nsd_start PORT: NSD on 127.0.0.1:PORT with the same zones, no rate
# limit, in the foreground of its own process group (NSD forks: main,
# xfrd, server; the group is what we stop).
nsd_start() {
	_d=$T_TMP/nsd
	mkdir -p "$_d"
	{
		printf 'server:\n\tip-address: 127.0.0.1@%s\n\tport: %s\n' "$1" "$1"
		printf '\tusername: ""\n\tchroot: ""\n\tdatabase: ""\n'
		printf '\tzonesdir: "%s"\n\tzonelistfile: "%s/zone.list"\n' "$DNS_DIR/zones" "$_d"
		printf '\txfrdfile: "%s/xfrd.state"\n\tpidfile: "%s/nsd.pid"\n' "$_d" "$_d"
		printf '\tlogfile: "%s/nsd.log"\n\tserver-count: 1\n\trrl-ratelimit: 0\n' "$_d"
		printf '\tverbosity: 0\n\thide-version: yes\nremote-control:\n\tcontrol-enable: no\n'
		for z in example.com 2.0.192.in-addr.arpa; do
			printf 'zone:\n\tname: %s\n\tzonefile: %s.zone\n' "$z" "$z"
		done
	} >"$_d/nsd.conf"
	setsid nsd -d -c "$_d/nsd.conf" >"$_d/out" 2>&1 &
	DNS_PIDS="$DNS_PIDS $!"
	wait_port "$1"
}

# Stop what dns_start and nsd_start began: each by its process group.
dns_stop() {
	for p in $DNS_PIDS; do kill -TERM -- "-$p" 2>/dev/null; done
	for p in $DNS_PIDS; do wait "$p" 2>/dev/null; done
	DNS_PIDS=""
}
T_CLEANUP_HOOK="dns_stop"
