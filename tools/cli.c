/*
 * Argument parsing shared by `kiln build` and `kiln run`; see cli.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "manifest.h"
#include "util.h"

/*
 * If arg is --NAME or --NAME=VALUE (or -t/-tVALUE for short), return its
 * value, taking the next argument when needed (*i advances); NULL when arg
 * is not that option.
 */
static const char *opt_value(const char *name, char shortname, int argc,
			     char **argv, int *i)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (a[0] == '-' && a[1] == '-' && strncmp(a + 2, name, n) == 0 &&
	    (a[2 + n] == '=' || a[2 + n] == '\0')) {
		if (a[2 + n] == '=')
			return a + 3 + n;
	} else if (shortname && a[0] == '-' && a[1] == shortname) {
		if (a[2])
			return a + 2;
	} else {
		return NULL;
	}
	if (*i + 1 >= argc)
		kiln_die("option %s needs a value", a);
	return argv[++*i];
}

static void push(char ***v, size_t *n, char *s)
{
	*v = xappend(*v, n, sizeof(**v));
	(*v)[*n - 1] = s;
}

/* KEY=VALUE when the text before the first '=' is a valid key name. */
static bool is_key_value(const char *a)
{
	const char *eq = strchr(a, '=');

	if (!eq)
		return false;
	char *name = xasprintf("%.*s", (int)(eq - a), a);
	bool yes = manifest_valid_key_name(name);
	free(name);
	return yes;
}

static void check_mem(const char *mem)
{
	char *end;
	unsigned long long v = strtoull(mem, &end, 10);

	if (mem[0] < '0' || mem[0] > '9' || *end || v == 0 || v > 1u << 20)
		kiln_die("--mem: expected a size in MiB (1-1048576), got '%s'",
			 mem);
}

void cli_parse(struct cli_opts *o, bool run, int argc, char **argv)
{
	const char *tname = NULL;
	const char *cmd = run ? "kiln run" : "kiln build";

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v;
		if (strcmp(a, "--") == 0) {
			if (!run)
				kiln_die("%s: arguments after -- are for kiln "
					 "run",
					 cmd);
			for (i++; i < argc; i++)
				push(&o->args, &o->nargs, argv[i]);
			break;
		}
		if ((v = opt_value("target", 't', argc, argv, &i))) {
			tname = v;
		} else if ((v = opt_value("net", 0, argc, argv, &i))) {
			if (!run)
				kiln_die("%s: --net is an option of kiln run",
					 cmd);
			if (!*v)
				kiln_die("--net: expected a tap device name");
			push(&o->nets, &o->nnets, (char *)v);
		} else if ((v = opt_value("disk", 0, argc, argv, &i))) {
			if (!run)
				kiln_die("%s: --disk is an option of kiln run",
					 cmd);
			if (!*v)
				kiln_die("--disk: expected a file");
			push(&o->disks, &o->ndisks, (char *)v);
		} else if ((v = opt_value("mem", 0, argc, argv, &i))) {
			if (!run)
				kiln_die("%s: --mem is an option of kiln run",
					 cmd);
			check_mem(v);
			o->mem = v;
		} else if (a[0] == '-' && a[1] != '\0') {
			kiln_die("%s: unknown option '%s' (see kiln help)", cmd,
				 a);
		} else if (is_key_value(a)) {
			push(&o->keys, &o->nkeys, (char *)a);
		} else if (o->appdir) {
			kiln_die("%s: unexpected argument '%s' after APPDIR "
				 "'%s'%s",
				 cmd, a, o->appdir,
				 run ? " (arguments for the appliance go "
				       "after --)"
				     : "");
		} else {
			if (!*a)
				kiln_die("%s: empty APPDIR", cmd);
			o->appdir = a;
		}
	}
	if (!o->appdir)
		o->appdir = ".";
	if (!tname)
		tname = KILN_DEFAULT_TARGET;

	o->target = target_find(tname);
	if (!o->target) {
		char *names = target_names();
		kiln_die("unknown target '%s'; targets: %s", tname, names);
	}
	if (o->target->status != TARGET_IMPLEMENTED) {
		struct sbuf b = {0};
		for (size_t i = 0; i < ntargets; i++)
			if (targets[i].status == TARGET_IMPLEMENTED)
				sb_addf(&b, "%s%s", b.len ? ", " : "",
					targets[i].name);
		kiln_die("target %s is %s; this build implements %s (see "
			 "kiln targets)",
			 tname, target_status_text(o->target->status),
			 sb_str(&b));
	}
	if (o->nnets && o->target->no_net)
		kiln_die("--net: %s", o->target->no_net);
	if (o->mem && o->target->no_mem)
		kiln_die("--mem: %s", o->target->no_mem);
}
