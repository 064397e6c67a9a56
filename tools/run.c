/*
 * `kiln run`: build when stale, then replace kiln with the image.
 *
 * The image's start line (posix targets; bindings/posix parses it):
 *
 *   IMAGE [--net=TAP]... [--disk=FILE]... [KEY=VALUE]... -- [ARGS]...
 *
 * Device options first, one per declared device of that kind at most, in
 * the manifest's device order; then the start keys; then always "--", so
 * that an appliance argument can never be mistaken for a key or option.
 *
 * A target with a runner (kvm: kiln-kvm, the monitor) starts the image
 * through it instead, the options going to the runner:
 *
 *   RUNNER [--mem=MIB] [--net=TAP]... [--disk=FILE]... IMAGE \
 *          [KEY=VALUE]... -- [ARGS]...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "util.h"

/* Refuse device options the manifest gives no device for. */
static void check_devices(const struct build *b, const struct cli_opts *o)
{
	size_t nnet = manifest_ndevs(&b->m, IMAGE_DEV_NET);
	size_t nblk = manifest_ndevs(&b->m, IMAGE_DEV_BLOCK);

	if (o->ndisks && nblk == 0)
		kiln_die("--disk: %s declares no block device (add 'device "
			 "block disk0' to %s)",
			 b->m.name, b->m.file);
	if (o->ndisks > nblk)
		kiln_die("--disk given %zu times, but %s declares %zu block "
			 "device%s",
			 o->ndisks, b->m.name, nblk, nblk == 1 ? "" : "s");
	if (o->nnets && nnet == 0)
		kiln_die("--net: %s declares no net device (add 'device net "
			 "net0' to %s)",
			 b->m.name, b->m.file);
	if (o->nnets > nnet)
		kiln_die("--net given %zu times, but %s declares %zu net "
			 "device%s",
			 o->nnets, b->m.name, nnet, nnet == 1 ? "" : "s");
	if (b->target->needs_tap && o->nnets < nnet) {
		const struct mf_dev *d = NULL;
		for (size_t i = 0, k = 0; i < b->m.ndevs && !d; i++)
			if (b->m.devs[i].kind == IMAGE_DEV_NET &&
			    k++ == o->nnets)
				d = &b->m.devs[i];
		kiln_die("--net: %s declares net device %s (%s:%d), which "
			 "needs a tap on %s: give --net TAP (make one with "
			 "'ip tuntap add TAP mode tap'; see README, "
			 "\"posix-direct: a tap in a namespace\")",
			 b->m.name, d->name, b->m.file, d->line,
			 b->target->name);
	}
	for (size_t i = 0; i < o->ndisks; i++) {
		struct stat st;
		if (stat(o->disks[i], &st) < 0)
			kiln_die_errno("--disk %s", o->disks[i]);
		if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
			kiln_die("--disk %s: not a regular file or block "
				 "device",
				 o->disks[i]);
	}
}

/*
 * The target's runner program: beside the kiln executable (bin/ in the
 * source tree, PREFIX/bin installed), else on PATH. Dies when it is in
 * neither. Caller frees.
 */
static char *find_runner(const char *name)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0'; /* absolute: there is a slash */
		char *p = path_join(exe, name);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	const char *path = getenv("PATH");
	char *copy = xstrdup(path && *path ? path : "/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		char *p = path_join(d, name);
		if (access(p, X_OK) == 0) {
			free(copy);
			return p;
		}
		free(p);
	}
	free(copy);
	kiln_die("cannot find %s, which runs %s images, beside kiln (%s) or "
		 "on PATH (make builds it into bin/)",
		 name, name, n > 0 ? exe : "?");
}

int cmd_run(int argc, char **argv)
{
	struct cli_opts o;
	struct build b;
	char **args = NULL;
	size_t n = 0;

	cli_parse(&o, true, argc, argv);
	build_load(&b, &o, true);
	check_devices(&b, &o);
	build_make(&b);

	char *runner = b.target->runner ? find_runner(b.target->runner) : NULL;
	args = xappend(args, &n, sizeof(*args));
	args[n - 1] = runner ? runner : b.image;
	if (runner && o.mem) {
		args = xappend(args, &n, sizeof(*args));
		args[n - 1] = xasprintf("--mem=%s", o.mem);
	}
	for (size_t i = 0; i < o.nnets; i++) {
		args = xappend(args, &n, sizeof(*args));
		args[n - 1] = xasprintf("--net=%s", o.nets[i]);
	}
	for (size_t i = 0; i < o.ndisks; i++) {
		args = xappend(args, &n, sizeof(*args));
		args[n - 1] = xasprintf("--disk=%s", o.disks[i]);
	}
	if (runner) {
		args = xappend(args, &n, sizeof(*args));
		args[n - 1] = b.image;
	}
	for (size_t i = 0; i < b.nstart_keys; i++) {
		args = xappend(args, &n, sizeof(*args));
		args[n - 1] = b.start_keys[i];
	}
	args = xappend(args, &n, sizeof(*args));
	args[n - 1] = "--";
	for (size_t i = 0; i < o.nargs; i++) {
		args = xappend(args, &n, sizeof(*args));
		args[n - 1] = o.args[i];
	}
	args = xappend(args, &n, sizeof(*args)); /* NULL-terminated */

	fflush(stdout);
	fflush(stderr);
	execv(args[0], args);
	kiln_die_errno("cannot start %s", args[0]);
}
