/*
 * The appliance manifest, APPDIR/kiln.manifest, and its reader.
 *
 * Format (the README copies this section):
 *
 *   The file is read line by line. `#` starts a comment that runs to the
 *   end of the line (outside quotes). A line is split into tokens on blanks
 *   (spaces and tabs); a token may be "double quoted", with \" and \\ as
 *   its only escapes, to hold blanks, `#` or nothing at all (""). The first
 *   token of a line is the directive:
 *
 *   name NAME                  required, exactly once. NAME matches
 *                              [a-z][a-z0-9_-]*, at most 32 characters,
 *                              and is not "gen" or "obj" (build folders).
 *                              The image is _build/TARGET/NAME.
 *   sources FILE...            C (.c) or assembler (.S, .s) sources, one or
 *                              more per line; the line may repeat. Paths
 *                              are relative to APPDIR, stay inside it, use
 *                              only [A-Za-z0-9._+/-] and must exist. At
 *                              least one source is required.
 *   device KIND NAME           a device: KIND is net or block, NAME matches
 *                              [a-z][a-z0-9_]* (at most 32); names unique.
 *   key NAME TYPE DEFAULT [start]
 *                              a configuration key (include/kiln/config.h):
 *                              NAME matches [a-z][a-z0-9_-]* (at most 32),
 *                              TYPE is bool, int, port, string, ipv4,
 *                              ipv4net, file, files or dir, DEFAULT must be
 *                              a valid value of TYPE (cfg_check). `start`
 *                              lets the value be set again when the image
 *                              starts; file, files and dir keys cannot be
 *                              (their bytes are embedded at build time).
 *                              The key `log` is built into every image
 *                              (string, start, default info): a manifest
 *                              may not declare it. Images with Kiln's own
 *                              stack and a net device also get `ipv4`,
 *                              `gateway` and the pool sizes (tcp_conns,
 *                              ...: manifest_add_stack_keys) unless
 *                              the manifest declares them. Two names that
 *                              differ only by '-' and '_' clash (same CFG_
 *                              macro).
 *   embed KVPREFIX PATH        embed PATH (relative to APPDIR unless
 *                              absolute; must exist) in the key-value
 *                              store: a file as "KVPREFIX/basename", a
 *                              directory as "KVPREFIX/relpath" for every
 *                              regular file under it, recursively
 *                              (symlinked directories are not followed).
 *                              KVPREFIX is one or more /-separated parts
 *                              of [A-Za-z0-9._-], none "." or "..".
 *   uses LIB...                extra libraries to link: lib/LIB, which has
 *                              lib/LIB/files.mk setting <LIB upper>_SRCS.
 *                              LIB matches [a-z][a-z0-9_]*. lib/core is
 *                              always linked and is not listed.
 *
 *   generate FILE...           C sources (relative to APPDIR) of a
 *                              build-time generator: a host program, linked
 *                              with each used library's <LIB>_HOST_SRCS and
 *                              <LIB>_HOST_LDLIBS, run by the build as
 *                                GEN KEYS KVLIST OUT.c
 *                              KEYS has one "name=value" line per key (file,
 *                              files and dir keys as resolved absolute
 *                              paths); KVLIST one "kvname<TAB>abs-path" line
 *                              per embedded file. It writes C source to OUT.c
 *                              (compiled into the image) and exits 0, or
 *                              prints "FILE:LINE: problem" errors to stderr
 *                              and exits non-zero, which fails the build.
 *
 *   Keys of type file, files and dir are embedded as well: a file as
 *   "KEY/basename", each of files as "KEY/basename", a dir as
 *   "KEY/relpath". Their default is relative to APPDIR; a value given on
 *   the command line is relative to the current directory. Two embedded
 *   files with one name are an error naming both sources.
 *
 *   Every error names the file and line, and what was expected:
 *   "examples/x/kiln.manifest:3: expected a key type (bool, int, ...),
 *   got 'prot'".
 *
 * Example:
 *
 *   name echo
 *   sources echo.c
 *   device net net0
 *   key port port 7
 *   key ipv4 ipv4net 10.0.0.2/24 start   # differs per instance
 *   embed static files/
 */
#ifndef KILN_TOOLS_MANIFEST_H
#define KILN_TOOLS_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include <kiln/config.h>
#include <kiln/image.h>

#define MANIFEST_FILE	  "kiln.manifest"
#define MANIFEST_NAME_MAX 32

struct mf_key {
	char *name;
	enum cfg_type type;
	char *value;	   /* the default, until set from the command line */
	bool start;	   /* may be set again at start */
	bool from_cmdline; /* value came from the command line (paths: cwd) */
	bool builtin;	   /* built in: `log`, or the stack's ipv4/gateway */
	int line;	   /* 0 for a built-in key */
};

struct mf_dev {
	char *name;
	enum image_dev_kind kind;
	int line;
};

struct mf_src {
	char *path; /* relative to APPDIR, as written */
	int line;
};

struct mf_embed {
	char *prefix;
	char *path; /* as written */
	int line;
};

struct mf_use {
	char *name;
	int line;
};

struct manifest {
	char *file;	  /* the manifest's path as shown in messages */
	char *appdir;	  /* APPDIR as given */
	char *appdir_abs; /* absolute, normalised */
	char *name;
	int name_line;
	struct mf_src *srcs;
	size_t nsrcs;
	struct mf_dev *devs;
	size_t ndevs;
	struct mf_key *keys; /* keys[0] is the built-in `log` */
	size_t nkeys;
	struct mf_embed *embeds;
	size_t nembeds;
	struct mf_use *uses;
	size_t nuses;
	struct mf_src *gens; /* `generate` sources, relative to APPDIR */
	size_t ngens;
};

/*
 * Parse manifest text. file is the name used in messages; appdir is where
 * sources and embedded paths are looked up (and must exist). On success
 * returns 0 and fills *m (free it with manifest_free). On error returns -1,
 * writes "FILE:LINE: what was expected" into err, and leaves in *m what was
 * read so far (m->name is set when the name line came before the error);
 * manifest_free it all the same.
 */
int manifest_parse(struct manifest *m, const char *file, const char *appdir,
		   const char *text, char *err, size_t errlen);

/* Read APPDIR/kiln.manifest and parse it; as manifest_parse. */
int manifest_load(struct manifest *m, const char *appdir, char *err,
		  size_t errlen);

void manifest_free(struct manifest *m);

/* The key called name (the built-in `log` included), or NULL. */
struct mf_key *manifest_key(struct manifest *m, const char *name);

/* Number of devices of a kind. */
size_t manifest_ndevs(const struct manifest *m, enum image_dev_kind kind);

/*
 * Set a key from "KEY=VALUE" text given on the command line: checks that
 * the key exists and the value has its type (and that `log` is a level).
 * Returns 0, or -1 with err set: "unknown key 'prot' (keys: port)", "key
 * port: expected port (1-65535), got 'abc'", or "expected KEY=VALUE".
 * With check_only, *m is not changed (a start key checked for kiln run).
 */
int manifest_set_key(struct manifest *m, const char *kv, bool check_only,
		     char *err, size_t errlen);

/*
 * For a target that runs Kiln's own TCP/IP stack, when the manifest
 * declares a net device: add the built-in keys that the stack reads, the
 * start keys `ipv4` (ipv4net, default 10.0.0.2/24; `dhcp` for DHCP) and
 * `gateway` (ipv4, default 0.0.0.0: none), and the sealed int keys that
 * size its memory: `tcp_conns` (connections), `tcp_sndpool` (bytes of send
 * buffers shared by all connections), `netbufs` (network buffers), each
 * default 0: the stack decides (from the guest's memory on kvm), and
 * `tcp_sndbuf` (copied send bytes per connection, 65536), and
 * `tcp_initcwnd` (TCP's initial window in segments, 10); each unless the
 * manifest declares it. A
 * manifest that declares one with another type is an error (the stack
 * could not read it): returns -1 with err set, naming the line; else 0.
 */
int manifest_add_stack_keys(struct manifest *m, char *err, size_t errlen);

/* True when s is a valid key name (the part before '=' of KEY=VALUE). */
bool manifest_valid_key_name(const char *s);

/* The CFG_ macro name for a key: "CFG_" + upper case, '-' as '_'. */
char *manifest_macro_name(const char *key);

#endif /* KILN_TOOLS_MANIFEST_H */
