# Shared helpers for Kiln's shell tests (sourced, POSIX sh + bash ok).
#
# Protocol, read by tests/run: every test prints one line per check,
#   "ok - NAME", "not ok - NAME: why", or "skip - NAME: why",
# and exits 0 unless something went wrong outside a check. A test that
# cannot run here prints "skip - ..." with the reason: never silently.

KILN_ROOT=${KILN_ROOT:-$(cd "$(dirname "$0")/../.." 2>/dev/null && pwd)}
[ -x "$KILN_ROOT/bin/kiln" ] || KILN_ROOT=$(cd "$(dirname "$0")/.." && pwd)
KILN=$KILN_ROOT/bin/kiln
T_FAILS=0

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; T_FAILS=$((T_FAILS + 1)); }
skip() { echo "skip - $*"; }

# check NAME CMD...: run CMD, ok when it exits 0.
check() {
	_name=$1; shift
	if "$@" >"${T_TMP:-/tmp}/check.out" 2>&1; then ok "$_name"
	else notok "$_name: '$*' failed: $(tail -c 600 "${T_TMP:-/tmp}/check.out" | tr '\n' ' ')"; fi
}

# check_fails NAME CMD...: ok when CMD exits non-zero.
check_fails() {
	_name=$1; shift
	if "$@" >"${T_TMP:-/tmp}/check.out" 2>&1; then notok "$_name: '$*' succeeded, expected failure"
	else ok "$_name"; fi
}

# eq NAME GOT WANT
eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1: got '$2', want '$3'"; fi
}

# contains NAME HAYSTACK NEEDLE
contains() {
	case $2 in *"$3"*) ok "$1" ;; *) notok "$1: '$3' not in: $(printf %s "$2" | head -c 600)" ;; esac
}

# A private temp dir removed at exit.
t_tmpdir() {
	T_TMP=$(mktemp -d /tmp/kiln-test.XXXXXX)
	trap 't_cleanup' EXIT INT TERM
}
t_cleanup() {
	[ -n "${T_CLEANUP_HOOK:-}" ] && eval "$T_CLEANUP_HOOK"
	[ -n "${T_TMP:-}" ] && rm -rf "$T_TMP"
}

# Wait until TCP port $1 on 127.0.0.1 accepts (up to ~5 s).
wait_port() {
	_i=0
	while [ $_i -lt 100 ]; do
		if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then return 0; fi
		sleep 0.05; _i=$((_i + 1))
	done
	return 1
}

t_done() { exit 0; }
