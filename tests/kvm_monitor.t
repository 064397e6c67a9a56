#!/bin/bash
# kiln-kvm with its own minimal test guests (monitor/tests/guests): exit
# statuses, console, boot info, clocks, the CPL 3 boot state (the TSS's
# stacks and I/O bitmap, supervisor-only system pages, the IDT from the
# image's note), and every kind of guest fault, each with its own message
# and status 1 (status 3: the guest's own handler reported it). Everything runs twice: with the
# monitor as built (bin/kiln-kvm) and with ASan/UBSan (build/kiln-kvm-asan);
# the monitor must never crash (no signal, no sanitizer report).
. "$(dirname "$0")/lib.sh"
t_tmpdir
. "$KILN_ROOT/tests/kvm_monitor_lib.sh"
kvm_prepare kvm_monitor || t_done

# run_case NAME MON WANT_STATUS WANT_TEXT ARGS...: one guest run.
run_case() {
	_n=$1 _mon=$2 _want=$3 _text=$4
	shift 4
	out=$(timeout 20 "$_mon" "$@" 2>&1)
	rc=$?
	if [ $rc -ne "$_want" ]; then
		notok "$_n: status $rc, want $_want: $(printf %s "$out" | head -c 600 | tr '\n' ' ')"
	elif ! kvm_sane "$out"; then
		notok "$_n: the monitor reported a crash: $(printf %s "$out" | head -c 600 | tr '\n' ' ')"
	else
		contains "$_n" "$out" "$_text"
	fi
}

G=$KVM_GUESTS/guest.elf
GI=$KVM_GUESTS/guest-idt.elf # the same with its IDT (handlers: status 3)
DATA=$(printf '0x%x' "0x$(nm "$G" | awk '$3 == "data_code" { print $1 }')")
for mon in "$KILN_ROOT/bin/kiln-kvm" "$KVM_ASAN"; do
	tag=kvm; [ "$mon" = "$KVM_ASAN" ] && tag=kvm-asan
	run_case "$tag: hello prints its arguments, exit 0" "$mon" 0 "hello: a b" "$G" hello a b
	run_case "$tag: the guest's status reaches the shell" "$mon" 5 "" "$G" exit 5
	run_case "$tag: HALT with a message prints it" "$mon" 7 "guest says goodbye" "$G" haltmsg
	run_case "$tag: boot info is consistent" "$mon" 0 "bootinfo ok" "$G" bootinfo
	run_case "$tag: boot info with --mem 4" "$mon" 0 "mem_size 4194304" --mem 4 "$G" bootinfo
	run_case "$tag: boot info with --mem=3 (odd MiB)" "$mon" 0 "mem_size 3145728" --mem=3 "$G" bootinfo
	run_case "$tag: wall clock from boot info + TSC matches WALLTIME" "$mon" 0 "time ok" "$G" time
	run_case "$tag: POLL waits for its timeout" "$mon" 0 "poll ok" "$G" poll
	run_case "$tag: --prof names the function the guest spins in" "$mon" 0 "%  m_spin" --prof "$G" spin r300000
	run_case "$tag: a HALT status over 255 is refused" "$mon" 1 "exit status 300 out of 0-255 in hypercall HALT" "$G" badstatus
	run_case "$tag: out-of-range buffer address" "$mon" 1 "guest passed an out-of-range address 0x1fffff8 (length 64) to hypercall CONSOLE" "$G" badaddr
	run_case "$tag: out-of-range struct address" "$mon" 1 "out-of-range address 0xfffffff0 (length 8) to hypercall WALLTIME" "$G" badstruct
	run_case "$tag: unknown hypercall" "$mon" 1 "guest called unknown hypercall 42" "$G" unknown
	run_case "$tag: write to its own text (no IDT): report" "$mon" 1 "triple fault" "$G" textwrite
	run_case "$tag: write to its own text: symbolised RIP" "$mon" 1 "m_textwrite+0x" "$G" textwrite
	run_case "$tag: frameless leaf: the caller from the stack top" "$mon" 1 "?   0x" "$G" textwrite
	run_case "$tag: write to its own text (IDT): #PF, write" "$mon" 3 "exception #PF at rip" "$GI" textwrite
	run_case "$tag: ... at CPL 3: user write to a present page" "$mon" 3 "error 0x7 cpl 3 stack rsp0" "$GI" textwrite
	run_case "$tag: write to read-only data (IDT): #PF" "$mon" 3 "exception #PF" "$GI" rodatawrite
	run_case "$tag: jump into data (IDT): #PF on fetch (NX)" "$mon" 3 "cr2 $DATA error 0x15" "$GI" jumpdata
	run_case "$tag: jump into data (no IDT): report with RIP" "$mon" 1 "rip $DATA" "$G" jumpdata
	run_case "$tag: read page 0 (IDT): #PF at 0x8" "$mon" 3 "cr2 0x8 error 0x4" "$GI" page0
	run_case "$tag: read page 0 (no IDT): CR2 in the report" "$mon" 1 "cr2 0x8" "$G" page0
	run_case "$tag: triple fault (ud2, no IDT)" "$mon" 1 "guest triple fault" "$G" ud2
	run_case "$tag: ud2 with the IDT: #UD" "$mon" 3 "exception #UD" "$GI" ud2
	run_case "$tag: HLT without the HALT call (CPL 0)" "$mon" 1 "guest executed HLT without the HALT hypercall" --cpl0 "$G" hlt
	run_case "$tag: HLT at CPL 3: #GP" "$mon" 3 "exception #GP" "$GI" hlt
	run_case "$tag: stack overflow hits the guard page" "$mon" 1 "the stack pointer is at the guard page" "$G" stack
	run_case "$tag: stack overflow: backtrace folds the recursion" "$mon" 1 "the frame above" "$G" stack
	run_case "$tag: the guard page is unmapped" "$mon" 3 "exception #PF" "$GI" guard
	run_case "$tag: MMIO outside guest memory (CPL 0 maps it)" "$mon" 1 "guest read 4 byte(s) at 0x3fe00000, outside guest memory" --cpl0 "$G" mmio
	run_case "$tag: the guest starts at CPL 3" "$mon" 0 "cpl 3" "$G" cpl
	run_case "$tag: --cpl0 starts it at CPL 0" "$mon" 0 "cpl 0" --cpl0 "$G" cpl
	run_case "$tag: --cpl0: the same handlers, no stack switch" "$mon" 3 "error 0x3 cpl 0" --cpl0 "$GI" textwrite
	run_case "$tag: a privileged instruction at CPL 3: #GP" "$mon" 3 "exception #GP at rip" "$GI" priv
	run_case "$tag: ... without an IDT: triple fault" "$mon" 1 "guest triple fault" "$G" priv
	run_case "$tag: the GDT is out of reach of CPL 3" "$mon" 3 "error 0x7 cpl 3" "$GI" gdtwrite
	run_case "$tag: the page tables are out of reach of CPL 3" "$mon" 3 "error 0x7 cpl 3" "$GI" ptwrite
	run_case "$tag: a port below the hypercalls: #GP at CPL 3" "$mon" 3 "exception #GP" "$GI" port 1279
	run_case "$tag: a port past them: #GP at CPL 3" "$mon" 3 "exception #GP" "$GI" port 1536
	run_case "$tag: the last port open to a 4-byte out" "$mon" 1 "unknown hypercall 252 (port 0x5fc)" "$GI" port 1532
	run_case "$tag: an unserved port at CPL 0 reaches the monitor" "$mon" 1 "port I/O the monitor does not serve: out of 4 byte(s) x1 at port 0x80" --cpl0 "$G" port 128
	run_case "$tag: a handler overflowing RSP0: #DF on IST1" "$mon" 3 "exception #DF at rip 0x" "$GI" dfault
	run_case "$tag: ... the #DF handler runs on IST1" "$mon" 3 "cpl 0 stack ist1" "$GI" dfault
	run_case "$tag: backtrace names the callers" "$mon" 1 "guest_main+0x" "$G" unknown
done

# Random hypercall structs (the guest's "hcfuzz SEED"), ASan monitor: each
# run performs its calls or ends with a message and status 1.
head -c 65536 /dev/zero >"$T_TMP/fuzz.img"
bad=0
for seed in $(seq 1 150); do
	err=$(timeout 20 "$KVM_ASAN" --disk="$T_TMP/fuzz.img" "$KVM_GUESTS/guest-blk.elf" hcfuzz $seed 2>&1 >/dev/null); rc=$?
	case $rc:$err in
	0:* | "1:kiln-kvm: "*) kvm_sane "$err" && continue ;;
	esac
	bad=$((bad + 1))
	[ $bad -le 3 ] && echo "# hcfuzz $seed: status $rc: $(printf %s "$err" | head -c 300)"
done
eq "kvm-asan: 150 runs of random hypercalls: a message and status 1, or success" "$bad" 0

# SSE2: works on hardware KVM and at CPL 3 here; a KVM that emulates guest
# code (CPL 0 on this host: --cpl0) refuses it.
out=$(timeout 20 "$KILN_ROOT/bin/kiln-kvm" "$G" sse 2>&1); rc=$?
case $out in
*"sse ok"*) eq "kvm: SSE2 in the guest (CR4.OSFXSR)" "$rc" 0 ;;
*"could not emulate a guest instruction"*)
	skip "kvm: SSE2 in the guest: this host's KVM emulates guest code and refuses SSE (the monitor says so: ok)" ;;
*) notok "kvm: SSE2 in the guest: status $rc: $(printf %s "$out" | head -c 400)" ;;
esac

# Usage errors: status 2.
out=$("$KILN_ROOT/bin/kiln-kvm" --mem=1 "$G" 2>&1); rc=$?
eq "kvm: --mem below 2 MiB is a usage error" "$rc" 2
out=$("$KILN_ROOT/bin/kiln-kvm" --coalesce=10001 "$G" 2>&1); rc=$?
eq "kvm: --coalesce over 10000 us is a usage error" "$rc:$(echo "$out" | head -1)" \
	"2:kiln-kvm: --coalesce=10001: want a whole number of microseconds from 0 to 10000"
out=$("$KILN_ROOT/bin/kiln-kvm" --coalesce=5ms "$G" 2>&1); rc=$?
eq "kvm: --coalesce=5ms is a usage error" "$rc" 2
out=$("$KILN_ROOT/bin/kiln-kvm" --bogus "$G" 2>&1); rc=$?
eq "kvm: an unknown option is a usage error" "$rc:$(echo "$out" | head -1)" "2:kiln-kvm: unknown option --bogus"
out=$("$KILN_ROOT/bin/kiln-kvm" 2>&1); rc=$?
eq "kvm: no image is a usage error" "$rc" 2
out=$("$KILN_ROOT/bin/kiln-kvm" --help 2>&1); rc=$?
contains "kvm: --help" "$rc:$out" "0:usage: kiln-kvm"
out=$("$KILN_ROOT/bin/kiln-kvm" "$G" hello "$(head -c 5000 /dev/zero | tr '\0' x)" 2>&1); rc=$?
eq "kvm: a start line over 4095 bytes is refused" "$rc" 2
out=$("$KILN_ROOT/bin/kiln-kvm" "$G" hello "$(head -c 4000 /dev/zero | tr '\0' y)" 2>&1); rc=$?
eq "kvm: a start line of 4000 bytes reaches the guest" "$rc:${#out}" "0:4007"
t_done
