#!/bin/bash
# Repository hygiene: every C file follows .clang-format, and
# `make install PREFIX=...` gives a kiln that builds and runs appliances
# from outside the source tree.
. "$(dirname "$0")/lib.sh"
t_tmpdir
cd "$KILN_ROOT" || exit 1

if command -v clang-format >/dev/null 2>&1; then
	if out=$(make -s format-check 2>&1); then ok "clang-format: every C file is formatted"
	else notok "clang-format: files differ from .clang-format: $(printf %s "$out" | grep -o '^[^:]*:' | sort -u | tr '\n' ' ')"; fi
else
	skip "clang-format: not installed (tests/deps.sh installs it as root)"
fi

if make -s install PREFIX="$T_TMP/prefix" >"$T_TMP/install.log" 2>&1; then
	ok "make install PREFIX=..."
	cd "$T_TMP" || exit 1
	check "installed kiln new" "$T_TMP/prefix/bin/kiln" new app1
	out=$("$T_TMP/prefix/bin/kiln" run -t posix-socket app1 -- p q 2>/dev/null)
	contains "installed kiln builds and runs an appliance" "$out" "arg 2: q"
	[ -d "$T_TMP/prefix/share/kiln/lib/core/tests" ] && notok "install ships unit tests" || ok "install ships no unit tests"
else
	notok "make install: $(tail -5 "$T_TMP/install.log")"
fi
t_done
