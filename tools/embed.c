/*
 * Collecting the files to embed; see embed.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "embed.h"
#include "util.h"

bool kv_path_ok(const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			return false;
	return true;
}

static void add_file(struct kv_set *s, char *name, const char *path,
		     const struct stat *st, const char *origin)
{
	s->v = xappend(s->v, &s->n, sizeof(*s->v));
	struct kv_file *f = &s->v[s->n - 1];
	f->name = name;
	f->path = xstrdup(path);
	f->size = (uint64_t)st->st_size;
	f->mtime = (int64_t)st->st_mtim.tv_sec;
	f->mtime_ns = st->st_mtim.tv_nsec;
	f->origin = xstrdup(origin);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Add every regular file under dir (absolute) as "prefix/relpath".
 * Directories reached through symlinks are skipped so that a link cycle
 * cannot make the walk endless; symlinks to files are followed.
 */
static int walk_dir(struct kv_set *s, const char *dir, const char *prefix,
		    const char *origin, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	int rc = 0;

	if (!d) {
		snprintf(err, errlen, "%s: '%s': %s", origin, dir,
			 strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		names = xappend(names, &n, sizeof(*names));
		names[n - 1] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_name);

	for (size_t i = 0; i < n && rc == 0; i++) {
		char *path = path_join(dir, names[i]);
		char *name = xasprintf("%s/%s", prefix, names[i]);
		struct stat lst, st;
		if (lstat(path, &lst) < 0 || stat(path, &st) < 0) {
			/* a dangling symlink is not worth failing for */
			free(name);
		} else if (S_ISDIR(st.st_mode)) {
			if (!S_ISLNK(lst.st_mode))
				rc = walk_dir(s, path, name, origin, err,
					      errlen);
			free(name);
		} else if (S_ISREG(st.st_mode)) {
			if (!kv_path_ok(path)) {
				snprintf(err, errlen,
					 "%s: cannot embed '%s': backslashes "
					 "and control characters in file "
					 "names are not supported",
					 origin, path);
				free(name);
				rc = -1;
			} else {
				add_file(s, name, path, &st, origin);
			}
		} else {
			free(name); /* fifos, sockets, devices: not data */
		}
		free(path);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/*
 * Embed one path (absolute): a file as "prefix/basename", a directory
 * recursively. want is 'f' (must be a file), 'd' (a directory) or 0.
 */
static int embed_path(struct kv_set *s, const char *path, const char *shown,
		      const char *prefix, int want, const char *origin,
		      char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "%s: '%s': %s", origin, shown,
			 strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode) && want != 'f')
		return walk_dir(s, path, prefix, origin, err, errlen);
	if (S_ISREG(st.st_mode) && want != 'd') {
		if (!kv_path_ok(path)) {
			snprintf(err, errlen,
				 "%s: cannot embed '%s': backslashes and "
				 "control characters in file names are not "
				 "supported",
				 origin, shown);
			return -1;
		}
		const char *base = strrchr(path, '/');
		add_file(s, xasprintf("%s/%s", prefix, base ? base + 1 : path),
			 path, &st, origin);
		return 0;
	}
	snprintf(err, errlen, "%s: '%s' is not a %s", origin, shown,
		 want == 'd'   ? "directory"
		 : want == 'f' ? "regular file"
			       : "regular file or directory");
	return -1;
}

/* Resolve and embed the value of a file, files or dir key. */
static int embed_key(struct kv_set *s, struct manifest *m, struct mf_key *k,
		     char *err, size_t errlen)
{
	const char *base = k->from_cmdline ? NULL : m->appdir_abs;
	char *origin = k->from_cmdline ? xasprintf("key %s", k->name)
				       : xasprintf("%s:%d: key %s", m->file,
						   k->line, k->name);
	struct sbuf resolved = {0};
	char *list = xstrdup(k->value);
	int rc = 0;

	/* files: comma-separated; file and dir: the one path */
	for (char *save = NULL, *p = k->type == CFG_T_FILES
					     ? strtok_r(list, ",", &save)
					     : list;
	     p && rc == 0;
	     p = k->type == CFG_T_FILES ? strtok_r(NULL, ",", &save) : NULL) {
		char *abs = path_abs(base, p);
		rc = embed_path(s, abs, p, k->name,
				k->type == CFG_T_DIR ? 'd' : 'f', origin, err,
				errlen);
		sb_addf(&resolved, "%s%s", resolved.len ? "," : "", abs);
		free(abs);
	}
	if (rc == 0) {
		free(k->value);
		k->value = xstrdup(sb_str(&resolved));
	}
	sb_free(&resolved);
	free(list);
	free(origin);
	return rc;
}

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct kv_file *)a)->name,
		      ((const struct kv_file *)b)->name);
}

int kv_collect(struct manifest *m, struct kv_set *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < m->nembeds; i++) {
		struct mf_embed *e = &m->embeds[i];
		char *abs = path_abs(m->appdir_abs, e->path);
		char *origin = xasprintf("%s:%d: embed %s", m->file, e->line,
					 e->prefix);
		int rc = embed_path(out, abs, e->path, e->prefix, 0, origin,
				    err, errlen);
		free(abs);
		free(origin);
		if (rc < 0)
			return -1;
	}
	for (size_t i = 0; i < m->nkeys; i++) {
		struct mf_key *k = &m->keys[i];
		if (k->type != CFG_T_FILE && k->type != CFG_T_FILES &&
		    k->type != CFG_T_DIR)
			continue;
		if (embed_key(out, m, k, err, errlen) < 0)
			return -1;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_kv);
	for (size_t i = 1; i < out->n; i++) {
		struct kv_file *a = &out->v[i - 1], *b = &out->v[i];
		if (strcmp(a->name, b->name) == 0) {
			snprintf(err, errlen,
				 "two embedded files are both named '%s': "
				 "'%s' (%s) and '%s' (%s)",
				 a->name, a->path, a->origin, b->path,
				 b->origin);
			return -1;
		}
	}
	return 0;
}

void kv_set_free(struct kv_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].path);
		free(s->v[i].origin);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}
