#!/bin/bash
# The kiln command: targets, build, run, new, and every error a user can
# make, with the promise that a failed build leaves no image behind.
. "$(dirname "$0")/lib.sh"
t_tmpdir
cd "$T_TMP" || exit 1

if [ ! -x "$KILN" ]; then
	skip "kiln_cli: $KILN not built (run make)"
	t_done
fi

# ---- help, version, targets ------------------------------------------------
out=$("$KILN" --help 2>&1); rc=$?
eq "--help exits 0" "$rc" 0
contains "--help shows kiln run" "$out" "kiln run"
out=$("$KILN" help 2>&1)
contains "help shows kiln new" "$out" "kiln new NAME"
out=$("$KILN" --version 2>&1)
contains "--version" "$out" "kiln 0."
check_fails "no command fails" "$KILN"
out=$("$KILN" frobnicate 2>&1)
contains "unknown command named" "$out" "kiln: unknown command 'frobnicate'"

out=$("$KILN" targets 2>&1); rc=$?
eq "targets exits 0" "$rc" 0
for t in posix-socket posix-direct kvm virtio xen; do
	contains "targets lists $t" "$out" "$t "
done
line() { printf '%s\n' "$out" | grep "^$1 "; }
contains "posix-socket implemented" "$(line posix-socket)" " implemented "
contains "posix-direct implemented" "$(line posix-direct)" " implemented "
case $(line posix-direct) in
*"can run: /dev/net/tun opens"* | *"cannot run: "*) ok "posix-direct machine check says why" ;;
*) notok "posix-direct machine check says why: $(line posix-direct)" ;;
esac
contains "kvm implemented" "$(line kvm)" " implemented "
contains "virtio not implemented yet" "$(line virtio)" "not implemented yet"
contains "xen planned" "$(line xen)" "planned"
contains "kvm machine check" "$(line kvm)" "kvm"
case $(line virtio) in
*"cannot run: qemu-system-x86_64 not found"* | *"can run: /"*) ok "virtio machine check names qemu" ;;
*) notok "virtio machine check names qemu: $(line virtio)" ;;
esac

# ---- a throwaway appliance ---------------------------------------------------
mkdir -p app/files/sub
cat >app/kiln.manifest <<'M'
# a test appliance
name tapp
sources main.c
key greeting string "hi there" start
key count int 3
key flag bool false
embed data files
key note file note.txt
M
echo one >app/files/x.txt
echo deep >app/files/sub/y.txt
echo noted >app/note.txt
cat >app/main.c <<'C'
#include <kiln/kiln.h>
#include <kiln/kv.h>
#include "kiln_config.h"

static void show(const char *name)
{
	struct view v = kv_get(name);
	kiln_printf("%s=%.*s", name, (int)v.len, (const char *)v.p);
}

int kiln_main(int argc, char **argv)
{
	kiln_printf("greeting=%s\n", CFG_GREETING);
	kiln_printf("count=%lld flag=%d\n", (long long)CFG_COUNT, CFG_FLAG);
	show("data/x.txt");
	show("data/sub/y.txt");
	show("note/note.txt");
	for (int i = 1; i < argc; i++)
		kiln_printf("arg=%s\n", argv[i]);
	return 0;
}
C
IMG=app/_build/posix-socket/tapp

out=$("$KILN" build -t posix-socket app 2>"$T_TMP/err"); rc=$?
eq "build exits 0" "$rc" 0
eq "build prints the image path last" "$(printf '%s\n' "$out" | tail -n 1)" "$IMG"
if [ -x "$IMG" ]; then ok "image exists"; else notok "image exists: $(tail -c 800 "$T_TMP/err")"; fi
for f in kiln_image.c kiln_kv.S kiln_config.h vars.mk; do
	if [ -f "app/_build/posix-socket/gen/$f" ]; then ok "gen/$f written"; else notok "gen/$f written"; fi
done

out=$("$IMG" -- a b 2>&1); rc=$?
eq "image runs, exit 0" "$rc" 0
contains "sealed string default" "$out" "greeting=hi there"
contains "sealed int and bool" "$out" "count=3 flag=0"
contains "embedded file" "$out" "data/x.txt=one"
contains "embedded dir recursively" "$out" "data/sub/y.txt=deep"
contains "file key embedded" "$out" "note/note.txt=noted"
contains "args reach the appliance" "$out" "arg=a"

# incremental: nothing changed, nothing relinked. A private copy of Kiln's
# files, so that others editing the tree meanwhile cannot cause a relink.
mkdir -p home
cp -R "$KILN_ROOT/include" "$KILN_ROOT/lib" "$KILN_ROOT/bindings" "$KILN_ROOT/mk" home/
KILN_HOME=$T_TMP/home "$KILN" build app >/dev/null 2>&1
before=$(stat -c '%y %i' "$IMG"); sleep 1.1
KILN_HOME=$T_TMP/home "$KILN" build app >/dev/null 2>&1
eq "unchanged build keeps the image" "$(stat -c '%y %i' "$IMG")" "$before"

# a changed embedded file of the same size is picked up
echo two >app/files/x.txt
out=$("$KILN" run app 2>&1)
contains "changed embedded file rebuilt" "$out" "data/x.txt=two"

# ---- kiln run: keys, options, order ------------------------------------------
out=$("$KILN" run -t posix-socket app count=7 greeting=yo -- p q 2>&1); rc=$?
eq "run exits with the image's status" "$rc" 0
contains "build key sealed by run" "$out" "count=7"
contains "start key passed at start" "$out" "greeting=yo"
contains "run passes args" "$out" "arg=q"
out=$("$KILN" run greeting=first app --target=posix-socket flag=on -- x 2>&1)
contains "keys and options in any order (start key)" "$out" "greeting=first"
contains "keys and options in any order (build key)" "$out" "flag=1"
contains "count back to default" "$out" "count=3"
out=$("$KILN" run app -- count=9 --net x 2>&1)
contains "after --, KEY=VALUE is an argument" "$out" "arg=count=9"
contains "after --, options are arguments" "$out" "arg=--net"
contains "after --, the key is untouched" "$out" "count=3"
out=$("$KILN" run app log=debug 2>&1); rc=$?
eq "built-in log key at start" "$rc" 0

out=$("$KILN" run -t posix-socket app --net tap0 2>&1); rc=$?
[ "$rc" -ne 0 ] && ok "--net refused on posix-socket" || notok "--net refused on posix-socket"
contains "--net reason" "$out" "posix-socket uses the host kernel's sockets; --net is for posix-direct and kvm"
out=$("$KILN" run app --mem=64 2>&1); rc=$?
[ "$rc" -ne 0 ] && ok "--mem refused on posix-socket" || notok "--mem refused on posix-socket"
contains "--mem reason" "$out" "a posix-socket image is a Linux process; --mem is for kvm and virtio"
touch disk.img
out=$("$KILN" run app --disk disk.img 2>&1); rc=$?
[ "$rc" -ne 0 ] && ok "--disk refused without a block device" || notok "--disk refused without a block device"
contains "--disk reason" "$out" "declares no block device"
out=$("$KILN" build app --net tap0 2>&1)
contains "build refuses run options" "$out" "--net is an option of kiln run"
out=$("$KILN" run app other 2>&1)
contains "second APPDIR refused" "$out" "unexpected argument 'other'"

# ---- errors: message, status, and no image left behind -------------------------
# expect_fail NAME NEEDLE CMD...: non-zero exit, message on stderr, no image.
expect_fail() {
	_n=$1 _want=$2; shift 2
	"$KILN" build app >/dev/null 2>&1 # an image that must then disappear
	_out=$("$@" 2>&1 >/dev/null); _rc=$?
	if [ "$_rc" -ne 0 ]; then ok "$_n: fails"; else notok "$_n: fails (exit 0)"; fi
	contains "$_n: message" "$_out" "$_want"
	if [ -e "$IMG" ]; then notok "$_n: no image left at $IMG"; else ok "$_n: no image left"; fi
}

out=$("$KILN" build -t nonsense app 2>&1); rc=$?
[ "$rc" -ne 0 ] && ok "unknown target fails" || notok "unknown target fails"
eq "unknown target lists targets" "$out" "kiln: unknown target 'nonsense'; targets: posix-socket, posix-direct, kvm, virtio, xen"
out=$("$KILN" build -t virtio app 2>&1); rc=$?
[ "$rc" -ne 0 ] && ok "unimplemented target fails" || notok "unimplemented target fails"
contains "unimplemented target reason" "$out" "kiln: target virtio is not implemented yet"
out=$("$KILN" build -t xen app 2>&1)
contains "planned target reason" "$out" "kiln: target xen is planned"

expect_fail "key of the wrong type" "kiln: key count: expected int (a decimal integer in int64 range), got 'abc'" \
	"$KILN" build app count=abc
expect_fail "unknown key" "kiln: unknown key 'cuont' (keys: greeting, count, flag, note)" \
	"$KILN" build app cuont=1
expect_fail "bad start key at run" "kiln: key log: expected error, warn, info or debug, got 'shout'" "$KILN" run app log=shout
expect_fail "missing file of a key" "key note: 'nope.txt': No such file or directory" \
	"$KILN" build app note=nope.txt

cp app/kiln.manifest manifest.good
printf 'name tapp\nsources main.c\nkey port prot 7\n' >app/kiln.manifest
expect_fail "bad key type in the manifest" "app/kiln.manifest:3: expected a key type (bool, int, port" \
	"$KILN" build app
printf 'name tapp\nsources main.c\nembed web nothere/\n' >app/kiln.manifest
expect_fail "missing embedded path" "app/kiln.manifest:3: embed web: 'nothere/': No such file or directory" \
	"$KILN" build app
printf 'name tapp\nsources main.c\nbogus x\n' >app/kiln.manifest
expect_fail "unknown directive" "app/kiln.manifest:3: unknown directive 'bogus'" "$KILN" build app
printf 'name tapp\nsources main.c missing.c\n' >app/kiln.manifest
expect_fail "missing source" "app/kiln.manifest:2: source 'missing.c': No such file or directory" \
	"$KILN" build app
printf 'name tapp\nsources main.c\nembed data files\nembed data files\n' >app/kiln.manifest
expect_fail "duplicate embedded name" "both named 'data/" "$KILN" build app
printf 'name Tapp\nsources main.c\n' >app/kiln.manifest
expect_fail "bad name (image still removed)" "app/kiln.manifest:1: expected a name" "$KILN" build app
cp manifest.good app/kiln.manifest

cp app/main.c main.good
echo 'this is not C' >>app/main.c
expect_fail "compile error" "building tapp for posix-socket failed" "$KILN" build app
cp main.good app/main.c
out=$("$KILN" build app 2>&1); rc=$?
eq "build works again after the fix" "$rc" 0

out=$("$KILN" build nodir 2>&1); rc=$?
[ "$rc" -ne 0 ] && ok "missing APPDIR fails" || notok "missing APPDIR fails"
contains "missing APPDIR named" "$out" "kiln: nodir"
mkdir empty
out=$("$KILN" build empty 2>&1)
contains "missing manifest named" "$out" "empty/kiln.manifest: No such file or directory"

# ---- posix-direct: --net, and the stack's built-in keys ipv4 and gateway ------------
# Only what kiln checks before it builds: images are built and run by
# tests/posix_direct.t, in a network namespace.
mkdir -p napp
printf 'name napp\nsources main.c\ndevice net net0\nkey port port 7\n' >napp/kiln.manifest
printf '#include <kiln/kiln.h>\nint kiln_main(int argc, char **argv) { return 0; }\n' >napp/main.c
out=$("$KILN" run -t posix-direct napp 2>&1); rc=$?
[ "$rc" -ne 0 ] && ok "posix-direct: run without --net fails" || notok "posix-direct: run without --net fails"
contains "posix-direct: --net required, names the device" "$out" \
	"kiln: --net: napp declares net device net0 (napp/kiln.manifest:3), which needs a tap on posix-direct: give --net TAP"
out=$("$KILN" run -t posix-direct napp --net kt0 --net kt1 2>&1)
contains "posix-direct: one --net per net device" "$out" "--net given 2 times, but napp declares 1 net device"
out=$("$KILN" run -t posix-direct napp --net kt0 --mem 64 2>&1)
contains "posix-direct: --mem refused" "$out" "a posix-direct image is a Linux process; --mem is for kvm and virtio"
out=$("$KILN" build -t posix-direct napp nosuch=1 2>&1)
contains "posix-direct: unknown key lists the stack's keys" "$out" \
	"unknown key 'nosuch' (keys: port); every image also has 'log', and this one the stack's 'ipv4', 'gateway', 'tcp_conns', 'tcp_sndpool', 'tcp_sndbuf', 'tcp_initcwnd' and 'netbufs'"
out=$("$KILN" build -t posix-direct napp ipv4=10.0.0.300/24 2>&1); rc=$?
[ "$rc" -ne 0 ] && ok "posix-direct: bad ipv4 refused" || notok "posix-direct: bad ipv4 refused"
contains "posix-direct: ipv4 is an ipv4net key" "$out" "key ipv4: expected ipv4net"
out=$("$KILN" build -t posix-direct napp gateway=10.0.0 2>&1)
contains "posix-direct: gateway is an ipv4 key" "$out" "key gateway: expected ipv4"
out=$("$KILN" run -t posix-direct napp --net kt0 gateway=nope 2>&1)
contains "posix-direct: a start key is checked by run too" "$out" "key gateway: expected ipv4"
out=$("$KILN" build -t posix-socket napp ipv4=10.0.0.3/24 2>&1)
contains "posix-socket: no ipv4 key (the host's stack)" "$out" "unknown key 'ipv4' (keys: port); every image also has 'log'"
printf 'name napp\nsources main.c\ndevice net net0\nkey ipv4 string x start\n' >napp/kiln.manifest
out=$("$KILN" build -t posix-direct napp 2>&1)
contains "posix-direct: a declared ipv4 of another type refused" "$out" \
	"napp/kiln.manifest:4: key ipv4: Kiln's TCP/IP stack reads it as ipv4net, not string"
printf 'name napp\nsources main.c\nkey port port 7\n' >napp/kiln.manifest
out=$("$KILN" build -t posix-direct napp ipv4=10.0.0.3/24 2>&1)
contains "posix-direct: no net device, no ipv4 key" "$out" "unknown key 'ipv4' (keys: port); every image also has 'log'"

# ---- kiln new ---------------------------------------------------------------------
out=$("$KILN" new greeter 2>&1); rc=$?
eq "new exits 0" "$rc" 0
if [ -f greeter/kiln.manifest ] && [ -f greeter/main.c ]; then ok "new scaffolds manifest and main.c"; else notok "new scaffolds manifest and main.c"; fi
out=$("$KILN" run -t posix-socket greeter -- one two 2>"$T_TMP/err"); rc=$?
eq "new appliance runs, exit 0" "$rc" 0
contains "new appliance greets" "$out" "Hello from greeter"
contains "new appliance shows its args" "$out" "two"
out=$("$KILN" run greeter greeting=Howdy 2>/dev/null)
contains "new appliance start key" "$out" "Howdy from greeter"
out=$("$KILN" new greeter 2>&1); rc=$?
[ "$rc" -ne 0 ] && ok "new refuses an existing NAME" || notok "new refuses an existing NAME"
contains "new names what exists" "$out" "greeter already exists"
out=$("$KILN" new Bad 2>&1); rc=$?
[ "$rc" -ne 0 ] && ok "new refuses a bad name" || notok "new refuses a bad name"

# ---- an installed layout finds its files under share/kiln ------------------------------
mkdir -p inst/bin inst/share/kiln
cp "$KILN" inst/bin/kiln
cp -R "$KILN_ROOT/include" "$KILN_ROOT/lib" "$KILN_ROOT/bindings" "$KILN_ROOT/mk" inst/share/kiln/
out=$(env -u KILN_HOME inst/bin/kiln build greeter 2>&1); rc=$?
eq "installed kiln builds from share/kiln" "$rc" 0
out=$(KILN_HOME=/nonexistent "$KILN" build greeter 2>&1); rc=$?
[ "$rc" -ne 0 ] && ok "bad KILN_HOME fails" || notok "bad KILN_HOME fails"
contains "bad KILN_HOME named" "$out" "/nonexistent/mk/app.mk"

# ---- kvm: the image, its device note, and kiln run through kiln-kvm -------------------
# Only what needs no VM; tests/kvm_guest.t runs images.
KIMG=app/_build/kvm/tapp
out=$("$KILN" build -t kvm app 2>"$T_TMP/err"); rc=$?
eq "kvm: build exits 0" "$rc" 0
eq "kvm: build prints the image path last" "$(printf '%s\n' "$out" | tail -n 1)" "$KIMG"
if command -v readelf >/dev/null 2>&1 && [ -f "$KIMG" ]; then
	hdr=$(readelf -h "$KIMG" 2>&1)
	contains "kvm: a static executable" "$hdr" "EXEC (Executable file)"
	ph=$(readelf -lW "$KIMG" 2>&1)
	if printf '%s\n' "$ph" | grep LOAD | grep -q 'RWE'; then notok "kvm: no segment is W+X"
	else ok "kvm: no segment is W+X"; fi
	contains "kvm: a PT_NOTE for .note.kiln" "$ph" "NOTE"
	notes=$(readelf -n "$KIMG" 2>&1)
	contains "kvm: the note is Kiln's" "$notes" "Kiln"
	contains "kvm: the note's type" "$notes" "0x4b4c4e01"
else
	skip "kvm: image checks: readelf missing or no image ($(tail -c 300 "$T_TMP/err"))"
fi
mkdir -p kapp
printf 'name kapp\nsources main.c\ndevice net net0\ndevice block disk0\n' >kapp/kiln.manifest
printf '#include <kiln/kiln.h>\nint kiln_main(int argc, char **argv) { return 0; }\n' >kapp/main.c
out=$("$KILN" build -t kvm kapp 2>&1); rc=$?
eq "kvm: an image with devices builds" "$rc" 0
if command -v readelf >/dev/null 2>&1 && [ "$rc" -eq 0 ]; then
	# descriptor: version 1, 2 devices, "net0" kind 1, "disk0" kind 2
	notes=$(readelf -x .note.kiln kapp/_build/kvm/kapp 2>&1 | tr -d ' \n')
	contains "kvm: the note lists net0" "$notes" "6e657430"
	contains "kvm: the note lists disk0" "$notes" "6469736b30"
fi
printf 'name kapp\nsources main.c\ndevice net a_very_long_name0\n' >kapp/kiln.manifest
out=$("$KILN" build -t kvm kapp 2>&1); rc=$?
[ "$rc" -ne 0 ] && ok "kvm: a device name over 15 characters refused" || notok "kvm: a device name over 15 characters refused"
contains "kvm: the long name is named" "$out" "device name 'a_very_long_name0' is longer than 15 characters"
printf 'name kapp\nsources main.c\n' >kapp/kiln.manifest
# kiln run -t kvm starts kiln-kvm with --mem, the image and the start line:
# a stand-in kiln-kvm beside a copy of kiln prints what it was given.
mkdir -p kbin
cp "$KILN" kbin/kiln
printf '#!/bin/sh\necho "runner: $*"\n' >kbin/kiln-kvm
chmod +x kbin/kiln-kvm
out=$(KILN_HOME=$KILN_ROOT kbin/kiln run -t kvm kapp --mem 4 log=debug -- a b 2>&1)
contains "kvm: run starts kiln-kvm with --mem, image, start line" "$out" \
	"runner: --mem=4 $T_TMP/kapp/_build/kvm/kapp log=debug -- a b"
rm kbin/kiln-kvm
out=$(env PATH=/usr/bin:/bin KILN_HOME=$KILN_ROOT kbin/kiln run -t kvm kapp 2>&1); rc=$?
[ "$rc" -ne 0 ] && ok "kvm: run without kiln-kvm fails" || notok "kvm: run without kiln-kvm fails"
contains "kvm: a missing kiln-kvm is named" "$out" "cannot find kiln-kvm"

t_done
