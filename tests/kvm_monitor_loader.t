#!/bin/bash
# kiln-kvm's ELF loader against crafted images (build/tools/mkelf): each is
# refused with status 1 and a message naming the problem, by both the
# plain and the ASan/UBSan monitor; then truncations at many lengths and
# random header bytes: the monitor may refuse or run the image, but never
# crashes.
. "$(dirname "$0")/lib.sh"
t_tmpdir
. "$KILN_ROOT/tests/kvm_monitor_lib.sh"
kvm_prepare kvm_monitor_loader || t_done
MKELF=$KILN_ROOT/build/tools/mkelf
G=$KVM_GUESTS/guest-net.elf

# refused MUTATION WANT_TEXT [N [IMAGE]]
refused() {
	_mu=$1 _text=$2
	if ! "$MKELF" "${4:-$G}" "$T_TMP/bad.elf" "$_mu" ${3:-} 2>"$T_TMP/mk.err"; then
		notok "loader: mkelf $_mu: $(cat "$T_TMP/mk.err")"
		return
	fi
	for mon in "$KILN_ROOT/bin/kiln-kvm" "$KVM_ASAN"; do
		_dev=--net=lo
		[ -n "${4:-}" ] && _dev=
		out=$(timeout 20 "$mon" $_dev "$T_TMP/bad.elf" hello 2>&1); rc=$?
		tag=$(basename "$mon")
		if [ $rc -ne 1 ] || ! kvm_sane "$out"; then
			notok "loader ($tag): $_mu refused with status 1: got $rc: $(printf %s "$out" | head -c 400)"
		else
			contains "loader ($tag): $_mu: '$_text'" "$out" "$_text"
		fi
	done
}

refused wx "is both writable and executable (W+X)"
refused truncate "shorter than an ELF header" 40
refused truncate "the program headers (offset 0x40) lie outside the file" 100
refused truncate "lies outside the file" 5000
refused overlap "overlaps the one before"
refused order "is not in ascending order"
refused machine "not an x86-64 image"
refused class32 "not a 64-bit ELF"
refused bigendian "not little-endian"
refused dyn "position-independent (ET_DYN)"
refused version "unknown ELF version"
refused noload "no loadable segments"
# the version this tree's monitor speaks, from the header both sides share
abi=$(sed -n 's/^#define KVM_ABI_VERSION \([0-9]*\).*/\1/p' "$KILN_ROOT/include/kiln/kvm_abi.h")
refused note-version "built for kvm ABI version 99; this kiln-kvm speaks version $abi"
refused note-ndevs "declares 99 devices"
refused note-kind "device 'net0' has unknown kind 7"
refused note-name "has no NUL-terminated name"
refused note-dup "device 'net0' is declared twice"
refused note-runs "runs past its segment"
refused nonote "no Kiln manifest note"
refused entry-data "is not inside an executable segment"
refused entry-outside "entry point 0x5000000 is not inside an executable segment"
refused page0 "overlaps page 0"
refused filesz "exceeds memory size"
refused congruence "differ modulo the page size"
refused phoff "lie outside the file"
refused share "with a R-- segment; align segments to pages"
refused huge "does not fit in 32 MiB of guest memory"
refused interp "dynamically linked"
refused tls "thread-local storage"
GI=$KVM_GUESTS/guest-idt.elf
refused idt-writable "lies in a writable segment; put it in read-only data" "" "$GI"
refused idt-align "is not an 8-byte aligned run of 1 to 256 16-byte gates" "" "$GI"
refused idt-size "is not an 8-byte aligned run of 1 to 256 16-byte gates" "" "$GI"
refused idt-outside "is not inside one loaded segment" "" "$GI"

out=$("$KILN_ROOT/bin/kiln-kvm" "$T_TMP/nonexistent.elf" 2>&1); rc=$?
contains "loader: a missing file is named" "$rc:$out" "1:kiln-kvm: $T_TMP/nonexistent.elf: No such file or directory"
out=$("$KILN_ROOT/bin/kiln-kvm" /etc/passwd 2>&1); rc=$?
contains "loader: a text file is not an ELF" "$rc:$out" "1:kiln-kvm: /etc/passwd: not an ELF file (bad magic)"
out=$("$KILN_ROOT/bin/kiln-kvm" /bin/true 2>&1); rc=$?
case $out in *ET_DYN* | *"dynamically linked"*) ok "loader: a host executable is refused" ;;
*) notok "loader: a host executable is refused: $rc $out" ;; esac

# Truncated at every 97th byte: refused (status 1), never a crash.
size=$(stat -c %s "$G")
bad=0 n=0
for ((len = 0; len < size; len += 97)); do
	"$MKELF" "$G" "$T_TMP/t.elf" truncate $len
	out=$("$KVM_ASAN" --net=lo "$T_TMP/t.elf" hello 2>&1); rc=$?
	n=$((n + 1))
	if [ $rc -ne 1 ] || ! kvm_sane "$out"; then
		bad=$((bad + 1))
		[ $bad -le 3 ] && echo "# truncate $len: status $rc: $(printf %s "$out" | head -c 300)"
	fi
done
eq "loader: $n truncations of the image are all refused cleanly" "$bad" 0

# Random header bytes (seeded, reproducible): refused or run, never a
# crash of the monitor (a guest that still runs ends by itself or by the
# timeout, which counts as no crash).
bad=0
for seed in $(seq 1 150); do
	"$MKELF" "$KVM_GUESTS/guest.elf" "$T_TMP/f.elf" flip $seed
	out=$(timeout 5 "$KVM_ASAN" "$T_TMP/f.elf" hello 2>&1); rc=$?
	if [ $rc -gt 128 ] && [ $rc -ne 137 ] || ! kvm_sane "$out"; then
		bad=$((bad + 1))
		[ $bad -le 3 ] && echo "# flip seed $seed: status $rc: $(printf %s "$out" | head -c 300)"
	fi
done
eq "loader: 150 images with random header bytes: no monitor crash" "$bad" 0

# Random bytes in the section headers and .symtab, then a guest fault: the
# report's symbol lookup reads them (status 1, no crash).
bad=0
for seed in $(seq 1 100); do
	"$MKELF" "$KVM_GUESTS/guest.elf" "$T_TMP/s.elf" symflip $seed
	out=$(timeout 5 "$KVM_ASAN" "$T_TMP/s.elf" unknown 2>&1); rc=$?
	if [ $rc -ne 1 ] || ! kvm_sane "$out"; then
		bad=$((bad + 1))
		[ $bad -le 3 ] && echo "# symflip seed $seed: status $rc: $(printf %s "$out" | head -c 300)"
	fi
done
eq "loader: 100 images with garbled symbols: fault reports, no crash" "$bad" 0
t_done
