/*
 * `kiln new NAME`: a new appliance that builds and runs at once, small
 * enough to read in a minute, commented so that it teaches the shape of
 * every appliance.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "manifest.h"
#include "util.h"

static const char manifest_text[] =
	"# The manifest of the %s appliance, read by `kiln build`.\n"
	"# Format: see the README (or tools/manifest.h in Kiln).\n"
	"\n"
	"name %s\n"
	"sources main.c\n"
	"\n"
	"# key NAME TYPE DEFAULT [start]: sealed into the image at build\n"
	"# time; a `start` key may be set again when the image starts:\n"
	"#   kiln run -t posix-socket %s greeting=Hi -- some args\n"
	"key greeting string \"Hello\" start\n";

static const char main_text[] =
	"/*\n"
	" * %s: a Kiln appliance.\n"
	" *\n"
	" * An appliance includes only <kiln/...> headers and defines\n"
	" * kiln_main(). kiln_main sets things up and returns at once (it "
	"must\n"
	" * not block); the image then runs its event loop until nothing is\n"
	" * left to wait for (no timers, sockets or deferred calls) and exits\n"
	" * with kiln_main's return value. This one waits for nothing, so it\n"
	" * prints and exits.\n"
	" */\n"
	"#include <kiln/kiln.h>\n"
	"\n"
	"/* Generated from kiln.manifest: a CFG_<NAME> macro per key. */\n"
	"#include \"kiln_config.h\"\n"
	"\n"
	"int kiln_main(int argc, char **argv)\n"
	"{\n"
	"\t/* argv[0] is the appliance's name; argv[1..] are what follows\n"
	"\t * \"--\" on the kiln run line */\n"
	"\tkiln_printf(\"%%s from %%s!\\n\", CFG_GREETING, argv[0]);\n"
	"\tfor (int i = 1; i < argc; i++)\n"
	"\t\tkiln_printf(\"arg %%d: %%s\\n\", i, argv[i]);\n"
	"\treturn 0;\n"
	"}\n";

static void write_new(const char *dir, const char *file, const char *text)
{
	char *p = path_join(dir, file);
	int rc = write_if_changed(p, text, strlen(text));

	if (rc < 0) {
		errno = -rc;
		kiln_die_errno("cannot write %s", p);
	}
	free(p);
}

int cmd_new(int argc, char **argv)
{
	struct stat st;

	if (argc != 1 || argv[0][0] == '-')
		kiln_die("usage: kiln new NAME");
	char *path = xstrdup(argv[0]);
	for (size_t n = strlen(path); n > 1 && path[n - 1] == '/';)
		path[--n] = '\0';
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	if (!manifest_valid_key_name(name) || strchr(name, '-') ||
	    strcmp(name, "gen") == 0 || strcmp(name, "obj") == 0)
		kiln_die("new: expected a name of [a-z][a-z0-9_]*, at most %d "
			 "characters (not gen or obj), got '%s'",
			 MANIFEST_NAME_MAX, name);
	if (lstat(path, &st) == 0)
		kiln_die("new: %s already exists", path);
	if (mkdir(path, 0777) < 0)
		kiln_die_errno("new: cannot create %s", path);

	char *mf = xasprintf(manifest_text, name, name, path);
	char *mc = xasprintf(main_text, name);
	write_new(path, MANIFEST_FILE, mf);
	write_new(path, "main.c", mc);
	printf("created %s/ (kiln.manifest, main.c); try:\n"
	       "  kiln run -t posix-socket %s -- hello\n",
	       path, path);
	free(mf);
	free(mc);
	free(path);
	return 0;
}
