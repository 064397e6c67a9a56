#!/bin/bash
# Builds kiln-kvm's test guests and the floor program into DIR:
#   guest.elf      no devices         guest-blk.elf  block "disk0"
#   guest-net.elf  net "net0"         guest-two.elf  net "net0", block "disk0"
#   guest-idt.elf  no devices, with the IDT note (its exception handlers)
#   floor          the boot floor: a VM of the same size running one HLT
# Usage: monitor/tests/build.sh DIR   (from anywhere)
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$1
mkdir -p "$out"
CFLAGS="-O1 -g -std=c11 -ffreestanding -fno-pic -no-pie -static -nostdlib
	-fno-omit-frame-pointer -mno-red-zone -fno-stack-protector
	-fno-asynchronous-unwind-tables -Wall -Wextra -Wno-unused-parameter
	-I$root/include -Wl,-T,$here/guests/guest.ld -Wl,-z,max-page-size=4096
	-Wl,--build-id=none"
src="$here/guests/start.S $here/guests/guest.c $here/guests/devices.c"
# SSE only in sse.c: a host whose KVM emulates guest code cannot run it.
gcc $CFLAGS -c -o "$out/sse.o" "$here/guests/sse.c"
CFLAGS="$CFLAGS -mgeneral-regs-only"
src="$src $out/sse.o"
net='{"net0", KVM_DEV_NET, 0}'
blk='{"disk0", KVM_DEV_BLOCK, 0}'
build() { # NAME NDEVS DEVS [FLAGS]
	gcc $CFLAGS $4 -DGUEST_NDEVS="$2" -DGUEST_DEVS="$3" -o "$out/$1.tmp" $src
	mv "$out/$1.tmp" "$out/$1"
}
build guest.elf 0 ""
build guest-blk.elf 1 "$blk"
build guest-net.elf 1 "$net"
build guest-two.elf 2 "$net, $blk"
build guest-idt.elf 0 "" -DGUEST_IDT
gcc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -o "$out/floor.tmp" "$here/floor.c"
mv "$out/floor.tmp" "$out/floor"
