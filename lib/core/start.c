/*
 * Start-up shared by every target (platform.h's core_start): apply the
 * start line's KEY=VALUE settings, call kiln_main, run the loop, exit.
 *
 * The start line after the device options is
 *     [KEY=VALUE ...] [--] [appliance args ...]
 * Tokens are settings until "--" (which is dropped) or until the first
 * token that is not NAME=VALUE with NAME matching [a-z][a-z0-9_-]*; from
 * there on everything goes to the appliance. A setting with a name the
 * image does not know is refused rather than passed on, so that a typo
 * ("prot=80") is an error and not an argument.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <kiln/image.h>
#include <kiln/kiln.h>
#include <kiln/loop.h>
#include <kiln/platform.h>

#include "core.h"

/* argv for kiln_main: the name, the appliance's args, NULL. */
static char *core_argv[CORE_MAX_ARGS + 2];

/* True when tok looks like a setting: NAME=VALUE, NAME [a-z][a-z0-9_-]*. */
static bool is_setting(const char *tok)
{
	const char *p = tok;

	if (*p < 'a' || *p > 'z')
		return false;
	for (p++; *p && *p != '='; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-'))
			return false;
	}
	return *p == '=';
}

static void __attribute__((noreturn)) start_fail(const char *why)
{
	kiln_printf("%s: %s\n", image_app_name, why);
	plat_exit(2);
}

void core_start(int nargs, char **args)
{
	char why[256];
	int i, argc, ret, status;
	enum log_level level;

	/* The level sealed at build time (`kiln build ... log=debug`); the
	 * start line may change it below. */
	if (cfg_has("log") && log_level_parse(cfg_str("log"), &level))
		log_set_level(level);
	for (i = 0; i < nargs; i++) {
		if (strcmp(args[i], "--") == 0) {
			i++;
			break;
		}
		if (!is_setting(args[i]))
			break;
		/* Sets `log` too, at once: the level is a plain variable. */
		if (cfg_set_start(args[i], why, sizeof(why)) < 0)
			start_fail(why);
	}
	if (nargs - i > CORE_MAX_ARGS)
		start_fail("too many arguments");
	argc = 0;
	core_argv[argc++] = (char *)image_app_name;
	for (; i < nargs; i++)
		core_argv[argc++] = args[i];
	core_argv[argc] = NULL;

	if (plat_start(why, sizeof(why)) < 0)
		start_fail(why);
	ret = kiln_main(argc, core_argv);
	if (plat_seal(why, sizeof(why)) < 0)
		start_fail(why);
	status = loop_run(ret);
	plat_exit(status);
}

/* Targets without devices to bring up or a seal keep these defaults. */
__attribute__((weak)) int plat_start(char *why, unsigned long whylen)
{
	(void)why;
	(void)whylen;
	return 0;
}

__attribute__((weak)) int plat_seal(char *why, unsigned long whylen)
{
	(void)why;
	(void)whylen;
	return 0;
}

/*
 * The loop returns the status given to loop_stop, and core_start exits
 * with it, so "exit once the current callback returns" is just a stop.
 */
void kiln_exit(int status)
{
	loop_stop(status);
}

const char *kiln_app_name(void)
{
	return image_app_name;
}

const char *kiln_target_name(void)
{
	return image_target_name;
}
