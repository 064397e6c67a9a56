#!/bin/bash
# The block device on posix-socket: tests/apps/blocktest run against a host
# file (--disk), its result checked in the file's bytes; and the start
# line's refusals (no --disk, a file whose size is not whole sectors).
. "$(dirname "$0")/lib.sh"
t_tmpdir

if [ ! -x "$KILN" ]; then
	skip "block: $KILN is not built (run make)"
	t_done
fi

cp -R "$KILN_ROOT/tests/apps/blocktest" "$T_TMP/blocktest"
rm -rf "$T_TMP/blocktest/_build"
if ! "$KILN" build -t posix-socket "$T_TMP/blocktest" >"$T_TMP/build.out" 2>&1; then
	notok "block: blocktest builds: $(tail -c 600 "$T_TMP/build.out" | tr '\n' ' ')"
	t_done
fi
IMG=$(tail -n 1 "$T_TMP/build.out")
ok "block: blocktest builds"

# 64 sectors of zeros; blocktest writes 'A'..'H' into sectors 0..7 and
# 'W'..'Z' into the last four.
DISK=$T_TMP/disk.img
head -c 32768 /dev/zero >"$DISK"
out=$("$IMG" --disk "$DISK" 2>&1); rc=$?
eq "block: blocktest exit status" "$rc" 0
contains "block: blocktest prints SUCCESS" "$out" "SUCCESS"
contains "block: sees 64 sectors of 512 bytes" "$out" "64 sectors of 512 bytes"

sector() { head -c 512 /dev/zero | tr '\0' "$1"; }
{
	for c in A B C D E F G H; do sector "$c"; done
	head -c $((52 * 512)) /dev/zero
	for c in W X Y Z; do sector "$c"; done
} >"$T_TMP/want.img"
if cmp -s "$DISK" "$T_TMP/want.img"; then
	ok "block: the file holds exactly the sectors written"
else
	notok "block: the file holds exactly the sectors written: $(cmp "$DISK" "$T_TMP/want.img" 2>&1); od: $(od -A d -c "$DISK" | head -20 | tr '\n' ' ')"
fi
eq "block: sector 3 read with od" "$(od -A n -t c -j 1536 -N 4 "$DISK" | tr -d ' ')" "DDDD"
eq "block: last sector read with od" "$(od -A n -t c -j 32767 -N 1 "$DISK" | tr -d ' ')" "Z"
eq "block: the file keeps its size" "$(stat -c %s "$DISK")" 32768

# The --disk=FILE spelling, on a fresh file.
head -c 16384 /dev/zero >"$T_TMP/d2.img"
out=$("$IMG" --disk="$T_TMP/d2.img" 2>&1); rc=$?
eq "block: --disk=FILE works too" "$rc:$(echo "$out" | tail -n 1)" "0:SUCCESS"

# A read-only file: the device says read-only and refuses writes.
chmod 444 "$T_TMP/d2.img"
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null; then
		chmod a+rx "$T_TMP"
		out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$IMG" --disk "$T_TMP/d2.img" ro 2>&1); rc=$?
		eq "block: a read-only file is a read-only device" "$rc:$(echo "$out" | tail -n 1)" "0:SUCCESS"
	else
		skip "block: read-only device: root without setpriv cannot lose write access"
	fi
else
	out=$("$IMG" --disk "$T_TMP/d2.img" ro 2>&1); rc=$?
	eq "block: a read-only file is a read-only device" "$rc:$(echo "$out" | tail -n 1)" "0:SUCCESS"
fi

# Refusals at start: status 2 and a message that says what is wrong.
out=$("$IMG" 2>&1); rc=$?
eq "block: no --disk: status 2" "$rc" 2
contains "block: no --disk: names the device" "$out" "device disk0 (block) needs --disk FILE"
head -c 1000 /dev/zero >"$T_TMP/odd.img"
out=$("$IMG" --disk "$T_TMP/odd.img" 2>&1); rc=$?
eq "block: size not a multiple of 512: status 2" "$rc" 2
contains "block: size not a multiple of 512: says so" "$out" "multiple of 512"
out=$("$IMG" --disk "$T_TMP/missing.img" 2>&1); rc=$?
eq "block: missing file: status 2" "$rc" 2
contains "block: missing file: names it" "$out" "missing.img"
out=$("$IMG" --disk "$DISK" --disk "$DISK" 2>&1); rc=$?
eq "block: two --disk for one device: status 2" "$rc" 2
t_done
