#!/bin/bash
# The manifest's `generate` directive: a build-time generator turns sealed
# keys and embedded files into C compiled into the image; its errors fail
# the build and leave no image.
. "$(dirname "$0")/lib.sh"
t_tmpdir
A=$T_TMP/gt
mkdir -p "$A"
cat >"$A/kiln.manifest" <<'M'
name gt
sources main.c
generate gen.c
key greeting string "hi there"
embed data data.txt
M
printf 'alpha\nbeta\n' >"$A/data.txt"
cat >"$A/gen.c" <<'C'
/* Emits the sealed greeting and the embedded file's line count as C. */
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
	char line[512], greet[256] = "", path[512] = "";
	int n = 0;
	FILE *k = fopen(argv[1], "r"), *kv = fopen(argv[2], "r");
	if (!k || !kv) return 1;
	while (fgets(line, sizeof line, k))
		if (!strncmp(line, "greeting=", 9)) { strcpy(greet, line + 9); greet[strcspn(greet, "\n")] = 0; }
	while (fgets(line, sizeof line, kv)) { char *t = strchr(line, '\t'); if (t) { strcpy(path, t + 1); path[strcspn(path, "\n")] = 0; } }
	FILE *d = fopen(path, "r");
	if (!d) { fprintf(stderr, "gen.c:1: cannot open embedded file '%s'\n", path); return 1; }
	while (fgets(line, sizeof line, d)) {
		if (!strncmp(line, "bad", 3)) { fprintf(stderr, "%s:%d: bad line\n", path, n + 1); return 1; }
		n++;
	}
	FILE *out = fopen(argv[3], "w");
	fprintf(out, "const char gen_greeting[] = \"%s\";\nconst int gen_lines = %d;\n", greet, n);
	return fclose(out) != 0;
}
C
cat >"$A/main.c" <<'C'
#include <kiln/kiln.h>
extern const char gen_greeting[];
extern const int gen_lines;
int kiln_main(int argc, char **argv)
{
	kiln_printf("%s: %d lines\n", gen_greeting, gen_lines);
	return 0;
}
C
img=$("$KILN" build -t posix-socket "$A" 2>"$T_TMP/err" | tail -1)
out=$("$img" -- 2>&1)
eq "generator output compiled in" "$out" "hi there: 2 lines"
img=$("$KILN" build -t posix-socket "$A" greeting=hello 2>"$T_TMP/err" | tail -1)
eq "a new key value reruns the generator" "$("$img" -- 2>&1)" "hello: 2 lines"
printf 'alpha\nbeta\ngamma\n' >"$A/data.txt"
img=$("$KILN" build -t posix-socket "$A" greeting=hello 2>"$T_TMP/err" | tail -1)
eq "a changed embedded file reruns the generator" "$("$img" -- 2>&1)" "hello: 3 lines"
printf 'alpha\nbad\n' >"$A/data.txt"
if "$KILN" build -t posix-socket "$A" >"$T_TMP/out" 2>"$T_TMP/err"; then
	notok "a failing generator fails the build"
else
	ok "a failing generator fails the build"
	contains "the generator's file:line error is shown" "$(cat "$T_TMP/err")" "data.txt:2: bad line"
fi
[ -e "$A/_build/posix-socket/gt" ] && notok "no image left after a generator failure" || ok "no image left after a generator failure"
printf 'generate gen.h\n' >>"$A/kiln.manifest"
touch "$A/gen.h"
"$KILN" build -t posix-socket "$A" >/dev/null 2>"$T_TMP/err"
contains "a non-C generator source is refused with file:line" "$(cat "$T_TMP/err")" "kiln.manifest:6: expected a .c generator source"
t_done
