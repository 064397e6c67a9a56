#!/bin/bash
# The kvm target's guest side (bindings/kvm, lib/libc) on kiln-kvm: hello
# prints its arguments and exits 0 through `kiln run -t kvm`; a guest's
# exit status reaches the shell; each kind of fault (tests/apps/kvmfault)
# ends with its own message and status, also under the ASan-built monitor,
# which never crashes; the block device on a disk file (tests/apps/
# blocktest); clocks, timers, entropy and the heap (tests/apps/platcheck);
# start errors. Skips, saying why, where /dev/kvm cannot run
# a VM. The network side is tests/kvm_guest_net.t.
. "$(dirname "$0")/lib.sh"
t_tmpdir
cd "$T_TMP" || exit 1
. "$KILN_ROOT/tests/kvm_monitor_lib.sh"

if [ ! -x "$KILN" ]; then
	skip "kvm_guest: $KILN not built (run make)"
	t_done
fi
kvm_prepare kvm_guest || t_done
KVM=$KILN_ROOT/bin/kiln-kvm

# kvm_build NAME APPDIR: copy the appliance here and build it for kvm; IMG.
kvm_build() {
	rm -rf "${T_TMP:?}/$1"
	cp -R "$2" "$T_TMP/$1"
	rm -rf "$T_TMP/$1/_build"
	IMG=
	if "$KILN" build -t kvm "$T_TMP/$1" >"$T_TMP/$1.build" 2>&1; then
		IMG=$(tail -n 1 "$T_TMP/$1.build")
		ok "$1: builds for kvm"
		return 0
	fi
	notok "$1: builds for kvm: $(grep -E 'error|undefined|kiln:' "$T_TMP/$1.build" | head -5 | tr '\n' ' ' | head -c 600)"
	return 1
}

# ---- hello, as the README runs it ---------------------------------------------
cp -R "$KILN_ROOT/examples/hello" hello
rm -rf hello/_build
out=$("$KILN" run -t kvm hello -- a b 2>"$T_TMP/hello.err"); rc=$?
eq "hello: kiln run -t kvm hello -- a b exits 0" "$rc" 0
eq "hello: prints where it runs, then its arguments" "$out" "hello from Kiln on kvm
a b"
if [ -f hello/_build/kvm/hello ]; then
	sz=$(strip -o "$T_TMP/hello.stripped" hello/_build/kvm/hello && stat -c %s "$T_TMP/hello.stripped")
	echo "# hello image: $(stat -c %s hello/_build/kvm/hello) bytes, $sz stripped"
	[ "$sz" -le 65536 ] && ok "hello: image at most 64 KiB stripped ($sz)" ||
		notok "hello: image at most 64 KiB stripped: $sz"
fi
out=$("$KVM" --mem=2 hello/_build/kvm/hello -- small 2>&1); rc=$?
eq "hello: runs in 2 MiB of guest memory" "$rc:$(echo "$out" | tail -n 1)" "0:small"
out=$("$KVM" hello/_build/kvm/hello log=debug -- x y 2>&1)
eq "hello: start keys before --, args after" "$(echo "$out" | tail -n 1)" "x y"
out=$("$KVM" hello/_build/kvm/hello nosuch=1 2>&1); rc=$?
eq "hello: an unknown start key: status 2" "$rc" 2
contains "hello: the unknown key is named" "$out" "nosuch"

# ---- exit status and faults ------------------------------------------------------
if kvm_build kvmfault "$KILN_ROOT/tests/apps/kvmfault"; then
	FAULT=$IMG
	for st in 0 7 255; do
		"$KVM" "$FAULT" exit $st >/dev/null 2>&1
		eq "exit status $st reaches the shell" "$?" "$st"
	done
	# expect MODE STATUS NEEDLE
	expect() {
		for mon in "$KVM" ${KVM_ASAN:+"$KVM_ASAN"}; do
			[ -x "$mon" ] || continue
			tag=$([ "$mon" = "$KVM" ] && echo "" || echo " (ASan monitor)")
			out=$(timeout 60 "$mon" "$FAULT" "$1" 2>&1); rc=$?
			eq "fault $1$tag: status $2" "$rc" "$2"
			contains "fault $1$tag: message" "$out" "$3"
			if kvm_sane "$out"; then ok "fault $1$tag: the monitor did not crash"
			else notok "fault $1$tag: the monitor crashed: $(printf %s "$out" | tail -c 400)"; fi
		done
	}
	expect text 139 "write to read-only address"
	expect data 139 "instruction fetch from no-execute (data) address"
	expect null 139 "read of unmapped address 0x8 (a NULL pointer)"
	expect stack 139 "stack overflow"
	expect ud 132 "#UD invalid opcode"
	expect panic 134 "PANIC at"
	expect hcaddr 1 "out-of-range address 0xfffffff0"
	expect hcunknown 1 "unknown hypercall"
	for mon in "$KVM" ${KVM_ASAN:+"$KVM_ASAN"}; do
		[ -x "$mon" ] || continue
		out=$(timeout 60 "$mon" --mem=4 "$FAULT" peek 3ff000 2>&1); rc=$?
		eq "fault peek at the monitor's page tables ($(basename "$mon")): status 139" "$rc" 139
		contains "fault peek ($(basename "$mon")): the monitor's memory named" "$out" \
			"read of the monitor's (supervisor-only) address 0x3ff000"
	done
	out=$("$KVM" "$FAULT" null 2>&1)
	addr=$(printf '%s\n' "$out" | sed -n 's/^  rip \(0x[0-9a-f]*\).*/\1/p' | head -n 1)
	if command -v addr2line >/dev/null 2>&1 && [ -n "$addr" ]; then
		contains "fault report: its RIP names the faulting line" \
			"$(addr2line -e "$FAULT" "$addr")" "kvmfault.c"
	fi
fi

# ---- clocks, timers, entropy, heap, snprintf (tests/apps/platcheck) ---------------
if kvm_build platcheck "$KILN_ROOT/tests/apps/platcheck"; then
	out=$(timeout 60 "$KVM" --mem=4 "$IMG" 2>&1); rc=$?
	eq "platcheck: SUCCESS, status 0" "$rc:$(echo "$out" | tail -n 1)" "0:SUCCESS"
	contains "platcheck: a 200 ms timer fires on time" "$out" "timer: fired after"
	guest=$(printf '%s\n' "$out" | sed -n 's/^wall: //p')
	host=$(date +%s)
	if [ -n "$guest" ] && [ $((host - guest)) -ge -2 ] && [ $((host - guest)) -le 10 ]; then
		ok "platcheck: the guest's wall clock agrees with the host's"
	else
		notok "platcheck: guest wall clock '$guest', host $host"
	fi
fi

# ---- the block device ------------------------------------------------------------
if kvm_build blocktest "$KILN_ROOT/tests/apps/blocktest"; then
	head -c 32768 /dev/zero >disk.img
	out=$(timeout 120 "$KILN" run -t kvm blocktest --disk disk.img 2>&1); rc=$?
	eq "block: blocktest on kvm: SUCCESS, status 0" "$rc:$(echo "$out" | tail -n 1)" "0:SUCCESS"
	sector() { head -c 512 /dev/zero | tr '\0' "$1"; }
	want=$( (for c in A B C D E F G H; do sector $c; done; head -c $((52 * 512)) /dev/zero
		for c in W X Y Z; do sector $c; done) | sha256sum)
	eq "block: the file holds what blocktest wrote, sector by sector" "$(sha256sum <disk.img)" "$want"
	out=$("$KVM" "$T_TMP/blocktest/_build/kvm/blocktest" 2>&1); rc=$?
	[ "$rc" -ne 0 ] && ok "block: no --disk refused" || notok "block: no --disk refused"
	contains "block: the missing disk is named" "$out" "disk0"
fi

t_done
