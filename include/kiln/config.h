/*
 * Configuration keys, as the manifest declares them.
 *
 * Each key has a name, a type and a default. `kiln build` seals the value
 * of every key into the image; a key the manifest marks `start` may be set
 * again when the image starts (KEY=VALUE on its start line), which is for
 * what must differ between instances of one image (addresses, say).
 *
 * For each key the build also generates, in "kiln_config.h" (an appliance
 * may include it), a macro CFG_<NAME> (upper case, '-' as '_'): for a
 * sealed int, port or bool key a constant the compiler can fold, for a
 * sealed string a string literal, and for start-settable keys a call to
 * the functions below. Appliances that want one source for every case call
 * the functions; they work for every key.
 *
 * Types, and the text each accepts (cfg_check):
 *   bool     true|false|yes|no|on|off|1|0
 *   int      a decimal integer, optionally signed, in int64 range
 *   port     a decimal integer 1..65535
 *   string   any text without NUL
 *   ipv4     A.B.C.D
 *   ipv4net  A.B.C.D/N (N 0..32), or "dhcp"
 *   file     a path on the build host, embedded as "<key>/<basename>"
 *   files    comma-separated paths, each embedded as "<key>/<basename>"
 *   dir      a directory on the build host, embedded as "<key>/<relpath>"
 * For file, files and dir keys, the value seen at run time is the text of
 * the setting (the paths), and the bytes are in the key-value store.
 */
#ifndef KILN_CONFIG_H
#define KILN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cfg_type {
	CFG_T_BOOL = 1,
	CFG_T_INT,
	CFG_T_PORT,
	CFG_T_STRING,
	CFG_T_IPV4,
	CFG_T_IPV4NET,
	CFG_T_FILE,
	CFG_T_FILES,
	CFG_T_DIR,
};

/* "bool", "int", ... for a type; NULL for a value outside the enum. */
const char *cfg_type_name(enum cfg_type t);

/* The type called name, or 0 when there is none. */
enum cfg_type cfg_type_parse(const char *name);

/*
 * Check that text is a valid value of type t. On failure returns false and
 * writes a human-readable reason ("expected port (1-65535), got 'x'") into
 * why (truncated to whylen). Shared by `kiln build` and the image's start.
 */
bool cfg_check(enum cfg_type t, const char *text, char *why, size_t whylen);

/*
 * Value accessors. The key must exist and have the matching type: a wrong
 * name or type is a programming error and panics (the build checked the
 * value itself).
 */
const char *cfg_str(const char *key);
int64_t cfg_int(const char *key); /* int and port keys */
bool cfg_bool(const char *key);
uint32_t cfg_ipv4(const char *key); /* host byte order */

/*
 * An ipv4net key: returns true and stores the address (host byte order)
 * and prefix length, or returns false when the value is "dhcp".
 */
bool cfg_ipv4net(const char *key, uint32_t *addr, unsigned *prefix);

/* True when the image has a key of this name. */
bool cfg_has(const char *key);

#endif /* KILN_CONFIG_H */
