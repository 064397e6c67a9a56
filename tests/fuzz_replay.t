#!/bin/bash
# Replays every fuzz target's seed corpus under gcc's ASan and UBSan: each
# parser must take every input without a crash, a leak or undefined
# behaviour. (`make fuzz` runs the libFuzzer targets for longer, with clang.)
. "$(dirname "$0")/lib.sh"
t_tmpdir
cd "$KILN_ROOT" || exit 1
for mk in lib/*/fuzz/fuzz.mk; do
	[ -f "$mk" ] || continue
	if make -s -f "$mk" replay >"$T_TMP/replay.log" 2>&1; then
		ok "fuzz corpora replay clean: $mk ($(grep -c . "$T_TMP/replay.log") lines of output)"
	else
		notok "fuzz corpora replay: $mk: $(tail -c 800 "$T_TMP/replay.log" | tr '\n' ' ')"
	fi
done
t_done
