/*
 * kiln: builds appliances and runs them. This file only dispatches to the
 * subcommands (cli.h); everything else is in the other tools files, which
 * the unit tests link too.
 */
#include <stdio.h>
#include <string.h>

#include <kiln/kiln.h>

#include "cli.h"
#include "util.h"

static const char usage[] =
	"usage: kiln COMMAND [ARGS]\n"
	"\n"
	"Kiln compiles an application and the parts of an operating system\n"
	"it uses into one sealed, single-purpose image: an appliance.\n"
	"\n"
	"commands:\n"
	"  kiln build [-t TARGET] [APPDIR] [KEY=VALUE...]\n"
	"      build APPDIR (default .) into APPDIR/_build/TARGET/; the last\n"
	"      line printed is the image's path\n"
	"  kiln run [-t TARGET] [APPDIR] [KEY=VALUE...] [--net TAP]\n"
	"           [--disk FILE] [--mem MIB] [-- ARGS...]\n"
	"      build when stale, then start the image with ARGS\n"
	"  kiln new NAME\n"
	"      create NAME/ with a manifest and a main.c that build and run\n"
	"  kiln targets\n"
	"      list the targets, whether this build implements each and\n"
	"      whether this machine can run it\n"
	"  kiln help | --help | --version\n"
	"\n"
	"TARGET is posix-socket (the default), posix-direct, kvm, virtio or\n"
	"xen. Options, keys and APPDIR may come in any order before --.\n"
	"KEY=VALUE sets a key the manifest declares: a key marked `start`\n"
	"(and the built-in log=error|warn|info|debug) is passed to the image\n"
	"when it starts; any other key is sealed into the image at build time\n"
	"(a new value rebuilds it).\n"
	"\n"
	"environment:\n"
	"  KILN_HOME  Kiln's files (include/, lib/, bindings/, mk/); default:\n"
	"             found from where the kiln executable is\n"
	"  CC         the C compiler (default cc)\n";

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("kiln %s\n", KILN_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "build"))
		return cmd_build(argc - 2, argv + 2);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(cmd, "new"))
		return cmd_new(argc - 2, argv + 2);
	if (!strcmp(cmd, "targets"))
		return cmd_targets(argc - 2, argv + 2);
	kiln_die("unknown command '%s' (commands: build, run, new, targets, "
		 "help)",
		 cmd);
}
