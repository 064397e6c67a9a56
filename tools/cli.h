/*
 * The kiln command's subcommands and their shared argument parsing.
 */
#ifndef KILN_TOOLS_CLI_H
#define KILN_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "targets.h"

#define KILN_DEFAULT_TARGET "posix-socket"

/* What `kiln build` and `kiln run` were given. */
struct cli_opts {
	const struct target *target;
	const char *appdir; /* "." unless given */
	char **keys;	    /* KEY=VALUE, in the order given */
	size_t nkeys;
	char **nets; /* --net TAP, in order */
	size_t nnets;
	char **disks; /* --disk FILE, in order */
	size_t ndisks;
	const char *mem; /* --mem MIB, or NULL */
	char **args;	 /* after "--" */
	size_t nargs;
};

/*
 * Parse the arguments after the subcommand name (argv[0] is the first of
 * them). Options, KEY=VALUE and APPDIR come in any order before "--";
 * `--opt VALUE` and `--opt=VALUE` are both accepted. A token is KEY=VALUE
 * when the text before its first '=' is a valid key name, else it is the
 * APPDIR. With run false, the options of kiln run are refused. Resolves
 * and checks the target (an unknown one lists the valid ones; one not
 * implemented is refused with the reason), and refuses options the target
 * cannot use. Dies with a message on any error.
 */
void cli_parse(struct cli_opts *o, bool run, int argc, char **argv);

int cmd_build(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_new(int argc, char **argv);
int cmd_targets(int argc, char **argv);

#endif /* KILN_TOOLS_CLI_H */
