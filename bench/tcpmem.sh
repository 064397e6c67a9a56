#!/bin/bash
# Memory per TCP connection on the targets with Kiln's own stack, in one
# run: examples/echo behind tap kt0 in a network namespace (tests/netns.sh),
# `echoload hold N` keeping N connections open at once, each having echoed
# 4 KiB (tests/tools/echoload.c):
#
#   posix-direct  the process's VmRSS idle and with 200 held, and the
#                 difference per connection;
#   kvm           the same for the kiln-kvm process (guest pages touched
#                 included) in --mem=4, and the most connections held at
#                 once in 4 MiB among 25, 50, 100, 200, 300 (a try fails
#                 when echoload's 20 s deadline passes; each try starts a
#                 fresh VM).
#
# Figures, not a test: they drift with what else runs. To compare with an
# older tree, copy this script and tests/tools/echoload.c (its hold mode)
# into that tree and run it there.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
B=$ROOT/build/bench/tcpmem
mkdir -p "$B"
make -s bin/kiln bin/kiln-kvm build/tools/echoload >/dev/null || exit 1
EL=$ROOT/build/tools/echoload

build() { # TARGET: examples/echo for TARGET; prints the image path
	rm -rf "${B:?}/echo-$1" && cp -R examples/echo "$B/echo-$1" &&
		rm -rf "$B/echo-$1/_build"
	bin/kiln build -t "$1" "$B/echo-$1" >"$B/echo-$1.build" 2>&1 &&
		tail -n 1 "$B/echo-$1.build"
}

. tests/lib.sh >/dev/null 2>&1
source tests/netns.sh
t_tmpdir
NS_TAG=benchtcpmem
if ! ns_require bench-tcpmem >"$B/ns.why"; then
	echo "tcpmem: skipped: $(sed 's/^skip - [^:]*: //' "$B/ns.why")"
	exit 0
fi
ns_create a && ns_tap a kt0 && ns_bridge a br0 kt0 && ns_addr a br0 10.0.0.1/24 ||
	{ echo "tcpmem: skipped: the namespace with tap and bridge could not be made"; exit 0; }

PID=
start() { # CMD...: start the appliance in the namespace, wait for a ping
	ns_spawn a "$@" >"$B/app.out" 2>&1
	PID=$NS_PID
	for _ in $(seq 200); do
		ns_exec a ping -n -q -c 1 -W 0.3 10.0.0.2 >/dev/null 2>&1 && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "tcpmem: $1 did not answer: $(tail -c 300 "$B/app.out")"
	return 1
}
stop() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$PID/status"; }
hold() { # N: echoload hold N; prints the server's VmRSS (KiB) or fails
	ns_exec a "$EL" -H 10.0.0.2 -p 7 -t 20 --pid "$PID" hold "$1" 2>/dev/null |
		sed -n 's/.*server VmRSS \([0-9]*\) KiB.*/\1/p' | grep .
}
per_conn() { # LABEL IDLE HELD N
	awk -v l="$1" -v i="$2" -v h="$3" -v n="$4" 'BEGIN {
		printf "%s: VmRSS idle %d KiB, %d connections held %d KiB: %.1f KiB a connection\n",
			l, i, n, h, (h - i) / n }'
}

if PD=$(build posix-direct); then
	if start "$PD" --net kt0 ipv4=10.0.0.2/24; then
		sleep 0.3
		idle=$(rss)
		if held=$(hold 200); then
			per_conn "posix-direct" "$idle" "$held" 200
		else
			echo "posix-direct: 200 connections could not be held"
		fi
		stop
	fi
else
	echo "posix-direct: echo does not build: skipped"
fi

if [ ! -e /dev/kvm ]; then
	echo "kvm: no /dev/kvm here: skipped"
elif KV=$(build kvm); then
	if start bin/kiln-kvm --mem=4 --net=kt0 "$KV" ipv4=10.0.0.2/24; then
		sleep 0.3
		idle=$(rss)
		if held=$(hold 200); then
			per_conn "kvm --mem=4" "$idle" "$held" 200
			stop
		else
			# a guest that could not hold 200 may be stuck: afresh
			stop
			if start bin/kiln-kvm --mem=4 --net=kt0 "$KV" ipv4=10.0.0.2/24; then
				sleep 0.3
				idle=$(rss)
				held=$(hold 25) && per_conn "kvm --mem=4" "$idle" "$held" 25
				stop
			fi
		fi
	fi
	most=0
	for n in 25 50 100 200 300; do
		start bin/kiln-kvm --mem=4 --net=kt0 "$KV" ipv4=10.0.0.2/24 || break
		ok=$(hold "$n")
		stop
		[ -n "$ok" ] || break
		most=$n
	done
	echo "kvm --mem=4: most connections held open at once: $most (of 25, 50, 100, 200, 300)"
else
	echo "kvm: echo does not build: skipped"
fi
