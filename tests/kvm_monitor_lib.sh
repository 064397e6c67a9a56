# Shared by tests/kvm_monitor*.t (sourced after lib.sh and t_tmpdir).
#
# kvm_prepare NAME: builds kiln-kvm (and its ASan/UBSan variant), the test
# guests and the floor; checks that this machine can run a VM (the floor
# runs one HLT). On failure prints "skip - NAME: why" and returns 1.
# Sets KVM_GUESTS (the guests' folder) and KVM_ASAN.
kvm_prepare() {
	KVM_GUESTS=$KILN_ROOT/build/monitor-tests
	KVM_ASAN=$KILN_ROOT/build/kiln-kvm-asan
	if ! _kp=$(make -s -C "$KILN_ROOT" bin/kiln-kvm build/kiln-kvm-asan \
		build/tools/mkelf 2>&1); then
		notok "$1: kiln-kvm builds: $(printf %s "$_kp" | tail -c 600)"
		return 1
	fi
	if ! _kp=$("$KILN_ROOT/monitor/tests/build.sh" "$KVM_GUESTS" 2>&1); then
		notok "$1: the test guests build: $(printf %s "$_kp" | tail -c 600)"
		return 1
	fi
	if [ ! -e /dev/kvm ]; then
		skip "$1: no /dev/kvm on this machine"
		return 1
	fi
	if ! _kp=$("$KVM_GUESTS/floor" 2>&1); then
		skip "$1: /dev/kvm cannot run a VM here: $_kp"
		return 1
	fi
	return 0
}

# kvm_sane OUTPUT: no sign that the monitor itself crashed.
kvm_sane() {
	case $1 in
	*Sanitizer* | *"runtime error"* | *"Bad system call"* | \
		*"Segmentation fault"* | *Aborted*) return 1 ;;
	esac
	return 0
}
