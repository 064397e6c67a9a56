/*
 * Unit test of the kvm target's generated source (tools/gen_kvm.c): the
 * device note lists the manifest's devices in order with their kinds, and
 * the net hook calls Kiln's stack only when there is a net device. The
 * note's layout itself is checked by compiling the output against
 * kvm_abi.h: the test writes it and runs the host compiler on it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"
#include "manifest.h"
#include "util.h"

static int fails;

#define CHECK(name, cond)                                                      \
	do {                                                                   \
		if (cond) {                                                    \
			printf("ok - %s\n", name);                             \
		} else {                                                       \
			printf("not ok - %s: %s (line %d)\n", name, #cond,     \
			       __LINE__);                                      \
			fails++;                                               \
		}                                                              \
	} while (0)

static char dir[] = "/tmp/kiln-test-genkvm.XXXXXX";

static bool parse(const char *text, struct manifest *m)
{
	char err[512];

	if (manifest_parse(m, "t.manifest", dir, text, err, sizeof(err)) == 0)
		return true;
	printf("# unexpected error: %s\n", err);
	return false;
}

/* Does the generated text compile (as C11, against the real headers)? */
static bool compiles(const char *text)
{
	char *src = path_join(dir, "kiln_kvm.c");
	char *obj = path_join(dir, "kiln_kvm.o");
	char *cmd;
	FILE *f = fopen(src, "w");
	bool ok;

	if (!f)
		return false;
	fputs(text, f);
	fclose(f);
	/* include/ from this file's path (tests run from the repository's
	 * top, as the Makefile compiles them) */
	char *here = xstrdup(__FILE__);
	char *slash = strrchr(here, '/');
	if (slash)
		*slash = '\0';
	cmd = xasprintf("${CC:-cc} -std=c11 -Wall -Wextra -Werror "
			"-Wno-unused-parameter -I%s/../../include -c -o %s %s",
			slash ? here : "tools/tests", obj, src);
	free(here);
	ok = system(cmd) == 0;
	free(cmd);
	free(src);
	free(obj);
	return ok;
}

int main(void)
{
	struct manifest m;
	char *c;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char *a = path_join(dir, "a.c");
	FILE *f = fopen(a, "w");
	if (!f)
		return 1;
	fputs("int x;\n", f);
	fclose(f);

	CHECK("manifest with devices",
	      parse("name a\nsources a.c\ndevice net net0\ndevice block "
		    "disk0\ndevice net net1\n",
		    &m));
	c = gen_kvm_c(&m);
	CHECK("note in .note.kiln", strstr(c, "section(\".note.kiln\")"));
	CHECK("note type and version from the ABI header",
	      strstr(c, ".type = KVM_NOTE_MANIFEST") &&
		      strstr(c, ".abi_version = KVM_ABI_VERSION"));
	CHECK("three devices", strstr(c, ".ndevs = 3,"));
	const char *n0 = strstr(c, "{ \"net0\", KVM_DEV_NET, 0 }");
	const char *d0 = strstr(c, "{ \"disk0\", KVM_DEV_BLOCK, 0 }");
	const char *n1 = strstr(c, "{ \"net1\", KVM_DEV_NET, 0 }");
	CHECK("devices in manifest order with kinds",
	      n0 && d0 && n1 && n0 < d0 && d0 < n1);
	CHECK("net hook gives the pools their memory, calls net_attach",
	      strstr(c, "net_set_pool_memory(pool_mem);\n\treturn "
			"net_attach(nif);"));
	CHECK("the output compiles against kvm_abi.h", compiles(c));
	free(c);
	manifest_free(&m);

	CHECK("manifest without devices", parse("name a\nsources a.c\n", &m));
	c = gen_kvm_c(&m);
	CHECK("no devices", strstr(c, ".ndevs = 0,") && !strstr(c, ".devs ="));
	CHECK("no net: a stub, no reference to the stack",
	      strstr(c, "return -ENODEV;") && !strstr(c, " net_attach("));
	CHECK("the stub compiles", compiles(c));
	free(c);
	manifest_free(&m);

	unlink(a);
	free(a);
	char *p = path_join(dir, "kiln_kvm.c");
	unlink(p);
	free(p);
	p = path_join(dir, "kiln_kvm.o");
	unlink(p);
	free(p);
	rmdir(dir);
	return fails != 0;
}
