# Throwaway network namespaces for Kiln's bash tests (sourced after lib.sh).
#
# Every namespace a test makes is named kiln-<test>-<pid>-<short>, so runs in
# parallel never collide, and is registered for ns_cleanup, which runs from
# an EXIT/INT/TERM trap: whatever happens, the test leaves nothing behind.
# Interfaces are made inside the namespaces, never in the root one. No
# namespace gets a default route or an uplink: traffic stays between the
# namespaces the test made. IPv6 is off in them by default, so the only
# frames on a test link are the ones the test sends (and ARP).
#
# Functions take the SHORT name (e.g. "a") and map it with ns_name.
# Typical use:
#   source tests/lib.sh; source tests/netns.sh
#   t_tmpdir                       # first: netns.sh then chains its trap
#   ns_require mytest || t_done    # prints "skip - mytest: why" itself
#   ns_create a; ns_create b
#   ns_veth a v0 b v1
#   ns_addr a v0 10.200.1.1/24; ns_addr b v1 10.200.1.2/24
#   ns_exec a ping -c1 10.200.1.2

NS_TAG=${NS_TAG:-$(basename "${0%.t}")}
NS_LIST=()
NS_ARMED=0

# ns_name SHORT: print the full namespace name for SHORT.
ns_name() {
	echo "kiln-$NS_TAG-$$-$1"
}

# ns_require [NAME]: check that this test can build namespaces here: root,
# `ip` with working `ip netns add`, bridges and /dev/net/tun. On failure
# prints "skip - NAME: why" (NAME defaults to the test's tag), sets
# NS_SKIP_WHY and returns 1; the caller then exits (t_done).
ns_require() {
	_nsr_name=${1:-$NS_TAG}
	NS_SKIP_WHY=
	if [ "$(id -u)" != 0 ]; then
		NS_SKIP_WHY="needs root for network namespaces (uid $(id -u))"
	elif ! command -v ip >/dev/null 2>&1; then
		NS_SKIP_WHY="no 'ip' command (install iproute2)"
	elif [ ! -c /dev/net/tun ]; then
		NS_SKIP_WHY="no /dev/net/tun (tun module not loaded?)"
	else
		_nsr_probe=kiln-probe-$$
		if ! _nsr_err=$(ip netns add "$_nsr_probe" 2>&1); then
			NS_SKIP_WHY="'ip netns add' fails here: $_nsr_err"
		else
			if ! _nsr_err=$(ip -n "$_nsr_probe" link add kbr0 \
				type bridge 2>&1); then
				NS_SKIP_WHY="cannot create a bridge: $_nsr_err"
			elif ! _nsr_err=$(ip -n "$_nsr_probe" tuntap add \
				dev ktap0 mode tap 2>&1); then
				NS_SKIP_WHY="cannot create a tap: $_nsr_err"
			fi
			ip netns del "$_nsr_probe" 2>/dev/null
		fi
	fi
	[ -z "$NS_SKIP_WHY" ] && return 0
	echo "skip - $_nsr_name: $NS_SKIP_WHY"
	return 1
}

# _ns_trap SIG: the trap body. Cleans up (through lib.sh's t_cleanup when
# present, which runs T_CLEANUP_HOOK and so ns_cleanup); a signal then
# ends the script, since a bash trap alone would let it continue.
_ns_trap() {
	trap - EXIT INT TERM
	if declare -F t_cleanup >/dev/null; then t_cleanup; else ns_cleanup; fi
	case $1 in
	INT) exit 130 ;;
	TERM) exit 143 ;;
	esac
}

# _ns_arm: register ns_cleanup in T_CLEANUP_HOOK and trap EXIT/INT/TERM.
# Call t_tmpdir before the first ns_create: t_tmpdir sets its own trap.
_ns_arm() {
	[ "$NS_ARMED" = 1 ] && return 0
	NS_ARMED=1
	case ${T_CLEANUP_HOOK:-} in
	*ns_cleanup*) ;;
	*) T_CLEANUP_HOOK="${T_CLEANUP_HOOK:+$T_CLEANUP_HOOK; }ns_cleanup" ;;
	esac
	trap '_ns_trap EXIT' EXIT
	trap '_ns_trap INT' INT
	trap '_ns_trap TERM' TERM
}

# ns_create SHORT: make namespace SHORT, register it for cleanup, bring its
# loopback up and turn IPv6 off in it. Returns non-zero if it exists.
ns_create() {
	_nsc=$(ns_name "$1")
	_ns_arm
	ip netns add "$_nsc" || return 1
	NS_LIST+=("$_nsc")
	ip -n "$_nsc" link set lo up
	ip netns exec "$_nsc" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
	return 0
}

# ns_exec SHORT CMD...: run CMD inside namespace SHORT, in the foreground.
# (`ns_exec ... &` would give $! of a subshell: use ns_spawn instead.)
ns_exec() {
	_nse=$(ns_name "$1")
	shift
	ip netns exec "$_nse" "$@"
}

# ns_spawn SHORT CMD...: start CMD inside SHORT in the background and set
# NS_PID to its pid (`ip netns exec` execs CMD, so it is CMD's own pid, fit
# for kill and wait). ns_cleanup ends it anyway if it is still running.
ns_spawn() {
	_nss=$(ns_name "$1")
	shift
	ip netns exec "$_nss" "$@" &
	NS_PID=$!
}

# ns_ip SHORT ARGS...: `ip ARGS` inside namespace SHORT.
ns_ip() {
	_nsi=$(ns_name "$1")
	shift
	ip -n "$_nsi" "$@"
}

# ns_tap SHORT IF: make a persistent tap IF inside SHORT, for a process that
# will open it by name (e.g. an appliance's kt0). Gone with the namespace.
ns_tap() {
	ns_ip "$1" tuntap add dev "$2" mode tap && ns_ip "$1" link set "$2" up
}

# ns_bridge SHORT BR [IF...]: make bridge BR in SHORT (no STP, so ports
# forward at once), attach each IF to it and bring them all up.
ns_bridge() {
	_nsb_ns=$1 _nsb_br=$2
	shift 2
	ns_ip "$_nsb_ns" link add "$_nsb_br" type bridge stp_state 0 \
		forward_delay 0 || return 1
	ns_ip "$_nsb_ns" link set "$_nsb_br" up || return 1
	for _nsb_if in "$@"; do
		ns_bridge_add "$_nsb_ns" "$_nsb_br" "$_nsb_if" || return 1
	done
}

# ns_bridge_add SHORT BR IF: attach IF (already in SHORT) to bridge BR.
ns_bridge_add() {
	ns_ip "$1" link set "$3" master "$2" && ns_ip "$1" link set "$3" up
}

# ns_veth SHORT_A IF_A SHORT_B IF_B: a veth pair, IF_A in SHORT_A and IF_B
# in SHORT_B (made inside SHORT_A, never in the root namespace), both up.
ns_veth() {
	ns_ip "$1" link add "$2" type veth peer name "$4" \
		netns "$(ns_name "$3")" || return 1
	ns_ip "$1" link set "$2" up && ns_ip "$3" link set "$4" up
}

# ns_move SHORT IF DEST: move interface IF from SHORT into DEST (a tap's
# open file descriptor stays valid) and bring it up there.
ns_move() {
	ns_ip "$1" link set "$2" netns "$(ns_name "$3")" &&
		ns_ip "$3" link set "$2" up
}

# ns_addr SHORT IF CIDR: give IF in SHORT address CIDR (e.g. 10.200.1.1/24)
# and bring it up. Only the on-link route is made: nothing is routed out.
ns_addr() {
	ns_ip "$1" addr add "$3" dev "$2" && ns_ip "$1" link set "$2" up
}

# ns_wait_link SHORT IF [SECONDS]: wait (default 5 s) until IF exists in
# SHORT. Returns 1 on time-out.
ns_wait_link() {
	_nsw_end=$((SECONDS + ${3:-5}))
	while ! ns_ip "$1" link show dev "$2" >/dev/null 2>&1; do
		[ $SECONDS -ge $_nsw_end ] && return 1
		sleep 0.02
	done
}

# ns_wait_up SHORT IF [SECONDS]: wait until IF in SHORT is administratively
# up with a carrier (LOWER_UP). Returns 1 on time-out.
ns_wait_up() {
	_nsw_end=$((SECONDS + ${3:-5}))
	while :; do
		case $(ns_ip "$1" -o link show dev "$2" 2>/dev/null) in
		*"<"*",UP"*"LOWER_UP"*">"* | *"<UP"*"LOWER_UP"*">"*) return 0 ;;
		esac
		[ $SECONDS -ge $_nsw_end ] && return 1
		sleep 0.02
	done
}

# ns_wait_addr SHORT ADDR [SECONDS]: wait until ADDR (no prefix) is on an
# interface of SHORT and no longer tentative. Returns 1 on time-out.
ns_wait_addr() {
	_nsw_end=$((SECONDS + ${3:-5}))
	while :; do
		_nsw_out=$(ns_ip "$1" -o addr show 2>/dev/null)
		case $_nsw_out in
		*" $2/"*)
			case $_nsw_out in
			*" $2/"*tentative*) ;;
			*) return 0 ;;
			esac ;;
		esac
		[ $SECONDS -ge $_nsw_end ] && return 1
		sleep 0.02
	done
}

# ns_wait_tcp SHORT PORT [SECONDS]: wait until something listens on TCP
# PORT inside SHORT. Returns 1 on time-out.
ns_wait_tcp() {
	_nsw_end=$((SECONDS + ${3:-5}))
	while [ -z "$(ns_exec "$1" ss -Hltn "sport = :$2" 2>/dev/null)" ]; do
		[ $SECONDS -ge $_nsw_end ] && return 1
		sleep 0.02
	done
}

# ns_kill_all SHORT: end every process running inside SHORT (all are this
# test's own: the namespace is private to it), TERM then KILL after 2 s.
ns_kill_all() {
	_nsk=$(ns_name "$1")
	_nsk_pids=$(ip netns pids "$_nsk" 2>/dev/null)
	[ -z "$_nsk_pids" ] && return 0
	kill $_nsk_pids 2>/dev/null
	for _nsk_i in $(seq 100); do
		[ -z "$(ip netns pids "$_nsk" 2>/dev/null)" ] && return 0
		sleep 0.02
	done
	_nsk_pids=$(ip netns pids "$_nsk" 2>/dev/null)
	[ -n "$_nsk_pids" ] && kill -9 $_nsk_pids 2>/dev/null
	return 0
}

# ns_list: print the full names of this test's namespaces that exist now
# (registered or not: matched by the kiln-<test>-<pid>- prefix).
ns_list() {
	ip netns list 2>/dev/null | awk '{print $1}' |
		grep -F -- "kiln-$NS_TAG-$$-" || true
}

# ns_cleanup: end the processes inside, then delete every namespace this
# test made (and with them all interfaces inside: taps, bridges, veths).
# Idempotent, quiet, safe from a trap.
ns_cleanup() {
	_nscl_all=$(printf '%s\n' "${NS_LIST[@]}" "$(ns_list)" | sort -u)
	for _nscl in $_nscl_all; do
		ns_kill_all "${_nscl#kiln-$NS_TAG-$$-}"
	done
	for _nscl in $_nscl_all; do
		ip netns del "$_nscl" 2>/dev/null
	done
	NS_LIST=()
	return 0
}
