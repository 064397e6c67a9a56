/*
 * The build driver; see build.h.
 *
 * A build is: read the manifest, apply KEY=VALUE, collect the embedded
 * files, write the generated files (only those that changed), run make on
 * mk/app.mk. make does the incremental work; kiln re-generates every time,
 * which is cheap and means a changed manifest, key or embedded file is
 * never missed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "gen.h"
#include "util.h"

/* The file in BUILD_DIR naming the last image built there. */
#define LAST_IMAGE ".image-name"

static bool is_file(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	struct stat st;
	bool yes = stat(p, &st) == 0 && S_ISREG(st.st_mode);

	free(p);
	return yes;
}

char *kiln_home(void)
{
	const char *env = getenv("KILN_HOME");
	char *home;

	if (env && *env) {
		home = path_abs(NULL, env);
	} else {
		char exe[4096];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0)
			kiln_die_errno("cannot find the kiln executable: "
				       "/proc/self/exe");
		exe[n] = '\0';
		char *dir = path_abs(NULL, exe);
		*strrchr(dir, '/') = '\0'; /* absolute: there is a slash */
		char *share = path_abs(dir, "../share/kiln");
		if (is_file(share, "mk/app.mk")) {
			home = share;
		} else {
			free(share);
			home = path_abs(dir, "..");
		}
		free(dir);
	}
	if (!is_file(home, "mk/app.mk"))
		kiln_die("cannot find Kiln's files: %s/mk/app.mk is missing "
			 "(set KILN_HOME to Kiln's directory)",
			 home);
	return home;
}

/* make cannot name files whose paths hold these; refuse them early. */
static void check_make_path(const char *what, const char *p)
{
	for (const unsigned char *s = (const unsigned char *)p; *s; s++)
		if (*s <= ' ' || *s == 0x7f || strchr("#:$*?[;|%\\=\"'", *s))
			kiln_die("%s '%s' holds '%c', which make cannot handle "
				 "in a path; move it",
				 what, p, *s);
}

/* The build being done, for the failure hook. */
static struct build *current;

/* Remove the image so that a failed build never leaves one behind. */
static void remove_image(void)
{
	struct build *b = current;

	if (!b || !b->build_dir)
		return;
	if (b->image)
		unlink(b->image);
	/* the name may be unreadable now: also remove the last one built */
	char *rec = path_join(b->build_dir, LAST_IMAGE);
	char *last = read_file(rec, NULL);
	if (last) {
		last[strcspn(last, "\n")] = '\0';
		if (*last && !strchr(last, '/')) {
			char *img = path_join(b->build_dir, last);
			unlink(img);
			free(img);
		}
	}
	free(last);
	free(rec);
}

void build_load(struct build *b, const struct cli_opts *o, bool run)
{
	char err[1024];

	memset(b, 0, sizeof(*b));
	current = b;
	b->target = o->target;
	b->home = kiln_home();
	char *rel = xasprintf("_build/%s", o->target->name);
	char *app_abs = path_abs(NULL, o->appdir);
	b->build_dir = path_join(app_abs, rel);
	kiln_on_fail(remove_image);

	struct stat st;
	if (stat(o->appdir, &st) < 0)
		kiln_die_errno("%s", o->appdir);
	if (!S_ISDIR(st.st_mode))
		kiln_die("%s: not a directory (expected an appliance "
			 "directory)",
			 o->appdir);
	if (manifest_load(&b->m, o->appdir, err, sizeof(err)) < 0) {
		if (b->m.name) /* read before the error: remove its image */
			b->image = path_join(b->build_dir, b->m.name);
		kiln_die("%s", err);
	}
	b->image = path_join(b->build_dir, b->m.name);
	if (o->target->kiln_stack &&
	    manifest_add_stack_keys(&b->m, err, sizeof(err)) < 0)
		kiln_die("%s", err);
	char *shown_dir = xstrdup(o->appdir);
	for (size_t n = strlen(shown_dir); n > 1 && shown_dir[n - 1] == '/';)
		shown_dir[--n] = '\0';
	b->image_shown = xasprintf("%s/%s/%s", shown_dir, rel, b->m.name);
	free(shown_dir);
	free(rel);
	free(app_abs);

	for (size_t i = 0; i < o->nkeys; i++) {
		const char *kv = o->keys[i];
		char *name = xasprintf("%.*s", (int)strcspn(kv, "="), kv);
		struct mf_key *k = manifest_key(&b->m, name);
		bool at_start = run && k && k->start;
		free(name);
		if (manifest_set_key(&b->m, kv, at_start, err, sizeof(err)) < 0)
			kiln_die("%s", err);
		if (at_start) {
			b->start_keys = xappend(b->start_keys, &b->nstart_keys,
						sizeof(*b->start_keys));
			b->start_keys[b->nstart_keys - 1] = xstrdup(kv);
		}
	}
	if (kv_collect(&b->m, &b->kv, err, sizeof(err)) < 0)
		kiln_die("%s", err);
}

/* Check what make will be asked to include before it is asked. */
static void check_inputs(struct build *b)
{
	char *mk = xasprintf("mk/target-%s.mk", b->target->name);

	if (!is_file(b->home, mk))
		kiln_die("%s/%s is missing: this Kiln cannot build for %s",
			 b->home, mk, b->target->name);
	free(mk);
	for (size_t i = 0; i < b->m.nuses; i++) {
		char *f = xasprintf("lib/%s/files.mk", b->m.uses[i].name);
		if (!is_file(b->home, f))
			kiln_die("%s:%d: uses %s: there is no %s/%s", b->m.file,
				 b->m.uses[i].line, b->m.uses[i].name, b->home,
				 f);
		free(f);
	}
	check_make_path("KILN_HOME", b->home);
	check_make_path("the appliance directory", b->m.appdir_abs);
}

/* Run make on mk/app.mk with its output on stderr; returns its status. */
static int run_make(struct build *b)
{
	char *makefile = path_join(b->home, "mk/app.mk");
	char *bd = xasprintf("BUILD_DIR=%s", b->build_dir);
	const char *mf = getenv("MAKEFLAGS");
	char jobs[32];
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	/* under an outer make's jobserver, let it decide the parallelism */
	snprintf(jobs, sizeof(jobs), "-j%ld", n > 1 ? (n > 16 ? 16 : n) : 1);
	bool pass_jobs = !mf || (!strstr(mf, "-j") && !strstr(mf, "jobserver"));
	const char *make = getenv("KILN_MAKE");
	char *argv[] = {(char *)(make && *make ? make : "make"),
			"-s",
			"--no-print-directory",
			"-f",
			makefile,
			bd,
			pass_jobs ? jobs : NULL,
			NULL};

	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		kiln_die_errno("fork");
	if (pid == 0) {
		/* build chatter goes to stderr: stdout ends with the image */
		dup2(2, 1);
		execvp(argv[0], argv);
		fprintf(stderr, "kiln: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			kiln_die_errno("waitpid");
	free(makefile);
	free(bd);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

void build_make(struct build *b)
{
	struct gen_paths p = {.kiln_home = b->home,
			      .target = b->target->name,
			      .build_dir = b->build_dir,
			      .image = b->image};

	check_inputs(b);
	gen_write_all(&b->m, &b->kv, &p);
	int rc = run_make(b);
	if (rc != 0)
		kiln_die("building %s for %s failed (make exited with status "
			 "%d)",
			 b->m.name, b->target->name, rc);
	if (!is_file(b->build_dir, b->m.name))
		kiln_die("make succeeded but left no image at %s", b->image);
	/* remember the name, so a later failure can remove this image */
	char *rec = path_join(b->build_dir, LAST_IMAGE);
	char *text = xasprintf("%s\n", b->m.name);
	if (write_if_changed(rec, text, strlen(text)) < 0)
		kiln_warn("cannot write %s", rec);
	free(rec);
	free(text);
	kiln_on_fail(NULL);
}

int cmd_build(int argc, char **argv)
{
	struct cli_opts o;
	struct build b;

	cli_parse(&o, false, argc, argv);
	build_load(&b, &o, false);
	build_make(&b);
	printf("%s\n", b.image_shown);
	return 0;
}
