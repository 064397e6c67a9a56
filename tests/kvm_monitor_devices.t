#!/bin/bash
# kiln-kvm's devices: the image's note lists them; --net and --disk attach
# in order, a missing or an extra one is refused naming the device. A
# block guest writes, reads back and checks sectors on a file (checked
# here byte by byte); sectors out of range are refused; a net guest ARPs
# for the host end of a tap in a network namespace and gets the reply.
. "$(dirname "$0")/lib.sh"
t_tmpdir
. "$KILN_ROOT/tests/kvm_monitor_lib.sh"
kvm_prepare kvm_monitor_devices || t_done
K=$KILN_ROOT/bin/kiln-kvm
G=$KVM_GUESTS

head -c 32768 /dev/zero >"$T_TMP/disk.img"
out=$("$K" "$G/guest-net.elf" hello 2>&1); rc=$?
contains "devices: a missing tap is named" "$rc:$out" "1:kiln-kvm: $G/guest-net.elf: net device 'net0' has no backend: give --net=TAP"
out=$("$K" "$G/guest-blk.elf" hello 2>&1); rc=$?
contains "devices: a missing disk is named" "$rc:$out" "block device 'disk0' has no backend: give --disk=FILE"
out=$("$K" --net=tap9 "$G/guest.elf" hello 2>&1); rc=$?
contains "devices: an extra --net is refused" "$rc:$out" "1:kiln-kvm: --net=tap9: $G/guest.elf declares no further net device"
out=$("$K" --disk="$T_TMP/disk.img" --disk="$T_TMP/disk.img" "$G/guest-blk.elf" hello 2>&1); rc=$?
contains "devices: a second --disk is refused" "$rc:$out" "declares no further block device"
out=$("$K" --net=kiln-notap "$G/guest-net.elf" hello 2>&1); rc=$?
contains "devices: a tap that does not exist is named" "$rc:$out" "1:kiln-kvm: --net=kiln-notap: no such interface"
head -c 1000 /dev/zero >"$T_TMP/odd.img"
out=$("$K" --disk="$T_TMP/odd.img" "$G/guest-blk.elf" hello 2>&1); rc=$?
contains "devices: a disk of partial sectors is refused" "$rc:$out" "size 1000 is not a positive whole number of 512-byte sectors"
out=$("$K" --disk "$T_TMP/none.img" "$G/guest-blk.elf" hello 2>&1); rc=$?
contains "devices: a missing disk file is named" "$rc:$out" "--disk=$T_TMP/none.img: No such file or directory"

sector() { head -c 512 /dev/zero | tr '\0' "$1"; }
for mon in "$K" "$KVM_ASAN"; do
	tag=$(basename "$mon")
	head -c 32768 /dev/zero >"$T_TMP/disk.img"
	out=$(timeout 20 "$mon" --disk "$T_TMP/disk.img" "$G/guest-blk.elf" block 2>&1); rc=$?
	eq "block ($tag): the guest's checks pass" "$rc:$(echo "$out" | tail -n 1)" "0:block ok"
	contains "block ($tag): BLOCK_INFO says 64 sectors" "$out" "block: 64 sectors"
	{
		for c in A B C D E F G H; do sector "$c"; done
		head -c $((55 * 512)) /dev/zero
		sector Z
	} >"$T_TMP/want.img"
	if cmp -s "$T_TMP/disk.img" "$T_TMP/want.img"; then
		ok "block ($tag): the file holds exactly the sectors written"
	else
		notok "block ($tag): the file holds exactly the sectors written: $(cmp "$T_TMP/disk.img" "$T_TMP/want.img" 2>&1)"
	fi
	out=$(timeout 20 "$mon" --disk "$T_TMP/disk.img" "$G/guest-blk.elf" block bad 2>&1); rc=$?
	contains "block ($tag): 1000 sectors in one call end the guest" "$rc:$out" "kiln-kvm: 1000 sectors (1-256) in hypercall BLOCK_READ"
	eq "block ($tag): ... with status 1" "$rc" 1
	kvm_sane "$out" && ok "block ($tag): no monitor crash" || notok "block ($tag): crash: $out"
done

# A read-only file is a read-only device (writes get -EROFS: the guest's
# first write fails, status 12). Root ignores file modes, so the file sits
# on a read-only bind mount in a private mount namespace.
mkdir -p "$T_TMP/ro"
head -c 32768 /dev/zero >"$T_TMP/ro/ro.img"
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	out=$(unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && exec "$2" --disk "$1/ro.img" "$3" block' sh "$T_TMP/ro" "$K" "$G/guest-blk.elf" 2>&1); rc=$?
	eq "block: a read-only file refuses writes (-EROFS)" "$rc:$(echo "$out" | head -1)" "12:block: 64 sectors"
else
	skip "block: read-only device: no private mount namespace (unshare -m) here"
fi

# Both kinds in one image, in the note's order.
head -c 32768 /dev/zero >"$T_TMP/disk.img"
out=$("$K" --disk="$T_TMP/disk.img" --net=kiln-notap "$G/guest-two.elf" hello 2>&1); rc=$?
contains "devices: net and block attach by kind, in order" "$rc:$out" "--net=kiln-notap: no such interface"

# The network: a tap in a namespace whose host side has 10.0.0.1.
. "$KILN_ROOT/tests/netns.sh"
if ns_require "kvm net"; then
	ns_create a
	ns_tap a ktap0
	ns_addr a ktap0 10.0.0.1/24
	for mon in "$K" "$KVM_ASAN"; do
		tag=$(basename "$mon")
		out=$(timeout 20 ip netns exec "$(ns_name a)" "$mon" --net=ktap0 "$G/guest-net.elf" net 2>&1); rc=$?
		eq "net ($tag): NET_INFO, NET_SEND, POLL, NET_RECV: an ARP reply" "$rc:$(echo "$out" | tail -n 1)" "0:net ok: arp reply from 10.0.0.1"
		out=$(timeout 20 ip netns exec "$(ns_name a)" "$mon" --net=ktap0 "$G/guest-net.elf" net io 2>&1); rc=$?
		eq "net ($tag): NET_IO sends, waits and receives: an ARP reply" "$rc:$(echo "$out" | tail -n 1)" "0:net ok: NET_IO, arp reply from 10.0.0.1"
		out=$(timeout 20 ip netns exec "$(ns_name a)" "$mon" --net=ktap0 "$G/guest-net.elf" net bad 2>&1); rc=$?
		contains "net ($tag): NET_IO with a receive table out of range is refused" "$rc:$out" "1:kiln-kvm: guest passed an out-of-range address 0xfffff000 (length 64) to hypercall NET_IO"
	done
	out=$(timeout 20 ip netns exec "$(ns_name a)" "$K" --net=ktap0 --disk="$T_TMP/disk.img" "$G/guest-two.elf" net 2>&1); rc=$?
	eq "net: a net and a block device together" "$rc:$(echo "$out" | tail -n 1)" "0:net ok: arp reply from 10.0.0.1"
fi
t_done
