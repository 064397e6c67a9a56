/*
 * Unit test of the manifest reader (good manifests, every error with its
 * line and message), of KEY=VALUE handling, of the generators' output for
 * tricky values, and of cfg_check for every type and its edges.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kiln/addr.h>
#include <kiln/config.h>

#include "embed.h"
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

static char dir[] = "/tmp/kiln-test-manifest.XXXXXX";

static void touch(const char *rel, const char *text)
{
	char *p = path_join(dir, rel);
	FILE *f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	free(p);
}

static void mkd(const char *rel)
{
	char *p = path_join(dir, rel);
	mkdir(p, 0777);
	free(p);
}

/* Parse text; expect success. */
static bool good(const char *text, struct manifest *m)
{
	char err[512];
	int rc = manifest_parse(m, "t.manifest", dir, text, err, sizeof(err));
	if (rc != 0)
		printf("# unexpected error: %s\n", err);
	return rc == 0;
}

/* Parse text; expect an error whose message contains want. */
static void bad(const char *name, const char *text, const char *want)
{
	struct manifest m;
	char err[512] = "";
	int rc = manifest_parse(&m, "t.manifest", dir, text, err, sizeof(err));
	bool hit = rc < 0 && strstr(err, want);
	if (!hit)
		printf("# got '%s', want '%s'\n", err, want);
	CHECK(name, hit);
	manifest_free(&m);
}

static void test_good(void)
{
	struct manifest m;

	CHECK("full manifest parses",
	      good("# a comment\n"
		   "name echo   # trailing comment\n"
		   "sources a.c\n"
		   "sources sub/b.c\tc.S\n"
		   "device net net0\n"
		   "device block disk0\n"
		   "key port port 7\n"
		   "key ipv4 ipv4net 10.0.0.2/24 start\n"
		   "key motd string \"hello # \\\"world\\\" \\\\\" start\n"
		   "key empty string \"\"\n"
		   "embed static www\n"
		   "uses dns http\n",
		   &m));
	CHECK("name", m.name && strcmp(m.name, "echo") == 0);
	CHECK("three sources",
	      m.nsrcs == 3 && !strcmp(m.srcs[1].path, "sub/b.c"));
	CHECK("devices", m.ndevs == 2 && m.devs[1].kind == IMAGE_DEV_BLOCK &&
				 !strcmp(m.devs[1].name, "disk0"));
	CHECK("log key is first, builtin",
	      m.nkeys == 5 && m.keys[0].builtin &&
		      !strcmp(m.keys[0].name, "log") && m.keys[0].start);
	CHECK("key order and types",
	      m.keys[1].type == CFG_T_PORT && !m.keys[1].start &&
		      m.keys[2].type == CFG_T_IPV4NET && m.keys[2].start);
	CHECK("quoted token with escapes and #",
	      !strcmp(m.keys[3].value, "hello # \"world\" \\"));
	CHECK("empty quoted token", !strcmp(m.keys[4].value, ""));
	CHECK("embed", m.nembeds == 1 &&
			       !strcmp(m.embeds[0].prefix, "static") &&
			       m.embeds[0].line == 11);
	CHECK("uses", m.nuses == 2 && !strcmp(m.uses[1].name, "http"));
	CHECK("manifest_ndevs", manifest_ndevs(&m, IMAGE_DEV_NET) == 1);

	char err[256];
	CHECK("set build key",
	      manifest_set_key(&m, "port=80", false, err, sizeof(err)) == 0 &&
		      !strcmp(manifest_key(&m, "port")->value, "80"));
	CHECK("set key, check only",
	      manifest_set_key(&m, "port=81", true, err, sizeof(err)) == 0 &&
		      !strcmp(manifest_key(&m, "port")->value, "80"));
	CHECK("set key wrong type",
	      manifest_set_key(&m, "port=abc", false, err, sizeof(err)) < 0 &&
		      !strcmp(err,
			      "key port: expected port (1-65535), got 'abc'"));
	CHECK("set unknown key",
	      manifest_set_key(&m, "prot=1", false, err, sizeof(err)) < 0 &&
		      strstr(err, "unknown key 'prot' (keys: port, ipv4, motd, "
				  "empty)"));
	CHECK("set log level",
	      manifest_set_key(&m, "log=debug", false, err, sizeof(err)) == 0);
	CHECK("bad log level",
	      manifest_set_key(&m, "log=loud", false, err, sizeof(err)) < 0 &&
		      strstr(err,
			     "key log: expected error, warn, info or debug"));

	char *h = gen_config_h(&m);
	CHECK("config.h sealed port",
	      strstr(h, "#define CFG_PORT ((int64_t)80)"));
	CHECK("config.h start key call",
	      strstr(h, "#define CFG_IPV4 cfg_str(\"ipv4\")"));
	CHECK("config.h escapes", strstr(h, "cfg_str(\"motd\")"));
	free(h);
	manifest_free(&m);

	CHECK("minimal manifest without final newline",
	      good("name a\nsources a.c", &m));
	CHECK("only the log key", m.nkeys == 1);
	char *c = gen_image_c(&m, &(struct kv_set){0}, "posix-socket");
	CHECK("empty tables get a dummy element",
	      strstr(c, "image_devs[1]") && strstr(c, "image_ndevs = 0") &&
		      strstr(c, "image_kv[1]") && strstr(c, "image_nkv = 0"));
	free(c);
	manifest_free(&m);

	CHECK("sealed values in config.h",
	      good("name a\nsources a.c\nkey n int 007\nkey b bool yes\n"
		   "key s string \"a\\\"b\"\nkey min int "
		   "-9223372036854775808\n",
		   &m));
	h = gen_config_h(&m);
	CHECK("int normalised (not octal)", strstr(h, "CFG_N ((int64_t)7)"));
	CHECK("bool as 1", strstr(h, "#define CFG_B 1"));
	CHECK("string literal escaped", strstr(h, "#define CFG_S \"a\\\"b\""));
	CHECK("INT64_MIN spelled safely",
	      strstr(h, "((int64_t)-9223372036854775807 - 1)"));
	free(h);
	manifest_free(&m);
}

static void test_errors(void)
{
	bad("unknown directive", "name a\nsources a.c\nfoo bar\n",
	    "t.manifest:3: unknown directive 'foo'");
	bad("bad key type", "name a\nsources a.c\nkey port prot 7\n",
	    "t.manifest:3: expected a key type (bool, int, port, string, "
	    "ipv4, ipv4net, file, files, dir), got 'prot'");
	bad("missing key default", "name a\nkey port port\n",
	    "t.manifest:2: expected a default value after 'key', got end of "
	    "line");
	bad("bad default", "name a\n\nkey port port 0\n",
	    "t.manifest:3: key port: expected port (1-65535), got '0'");
	bad("junk after default", "key p port 7 later\n",
	    "t.manifest:1: expected 'start' or the end of the line");
	bad("log redefined", "key log string x\n",
	    "t.manifest:1: the key 'log' is built in");
	bad("duplicate key", "key a int 1\nkey a int 2\n",
	    "t.manifest:2: duplicate key 'a' (first at line 1)");
	bad("macro clash", "key a-b int 1\nkey a_b int 2\n",
	    "t.manifest:2: key 'a_b' clashes with key 'a-b' (line 1)");
	bad("start file key", "key f file a.c start\n",
	    "t.manifest:1: key f: a file key is embedded at build time");
	bad("bad key name", "key Port port 7\n",
	    "t.manifest:1: expected a key name of [a-z][a-z0-9_-]*");
	bad("missing name arg", "name\n",
	    "t.manifest:1: expected the appliance name after 'name'");
	bad("bad name", "name Echo\n", "t.manifest:1: expected a name of");
	bad("long name", "name a23456789012345678901234567890123\n",
	    "at most 32 characters");
	bad("reserved name", "name gen\n",
	    "t.manifest:1: the name 'gen' is reserved");
	bad("duplicate name", "name a\n# x\nname b\n",
	    "t.manifest:3: duplicate 'name' (first at line 1)");
	bad("extra after name", "name a b\n",
	    "t.manifest:1: unexpected 'b' after the name");
	bad("no name", "sources a.c\n", "t.manifest: no 'name' line");
	bad("no sources", "name a\n", "t.manifest: no 'sources' line");
	bad("sources without args", "name a\nsources\n",
	    "t.manifest:2: expected one or more source files after 'sources'");
	bad("missing source", "name a\nsources nope.c\n",
	    "t.manifest:2: source 'nope.c': No such file or directory");
	bad("source outside", "sources ../x.c\n",
	    "t.manifest:1: expected a source path inside the appliance");
	bad("source absolute", "sources /etc/x.c\n", "inside the appliance");
	bad("source extension", "sources www/index.html\n",
	    "t.manifest:1: expected a .c, .S or .s source, got "
	    "'www/index.html'");
	bad("source odd chars", "sources \"a b.c\"\n",
	    "expected a source path of [A-Za-z0-9._+/-]");
	bad("duplicate source", "sources a.c\nsources a.c\n",
	    "t.manifest:2: duplicate source 'a.c' (first at line 1)");
	bad("device kind", "device disk d0\n",
	    "t.manifest:1: expected a device kind (net or block), got 'disk'");
	bad("device no name", "device net\n",
	    "t.manifest:1: expected a device name after 'device'");
	bad("device bad name", "device net net-0\n",
	    "expected a device name of [a-z][a-z0-9_]*");
	bad("duplicate device", "device net n\ndevice block n\n",
	    "t.manifest:2: duplicate device 'n' (first at line 1)");
	bad("embed missing path", "name a\nembed static nothere\n",
	    "t.manifest:2: embed static: 'nothere': No such file or directory");
	bad("embed bad prefix", "embed ../x www\n",
	    "t.manifest:1: expected a key-value prefix");
	bad("embed no path", "embed static\n",
	    "t.manifest:1: expected a file or directory to embed after "
	    "'embed'");
	bad("uses core", "uses core\n",
	    "t.manifest:1: lib/core is always linked");
	bad("uses bad", "uses Dns\n", "t.manifest:1: expected a library name");
	bad("uses duplicate", "uses dns\nuses dns\n",
	    "t.manifest:2: duplicate library 'dns' (first at line 1)");
	bad("unterminated quote", "key s string \"abc\n",
	    "t.manifest:1: unterminated quoted token");
	bad("bad escape", "key s string \"a\\nb\"\n",
	    "t.manifest:1: expected \\\" or \\\\ after");
	bad("stray quote", "key s string a\"b\n", "t.manifest:1: stray '\"'");
	bad("text after quote", "key s string \"a\"b\n",
	    "t.manifest:1: expected a blank after a quoted token");
}

static void test_embed(void)
{
	struct manifest m;
	struct kv_set kv;
	char err[512];

	CHECK("embed manifest parses",
	      good("name a\nsources a.c\nembed static www\nembed one a.c\n"
		   "key zone files z1.txt,www/sub/c.txt\nkey site dir www\n",
		   &m));
	int rc = kv_collect(&m, &kv, err, sizeof(err));
	if (rc)
		printf("# %s\n", err);
	CHECK("kv_collect", rc == 0);
	/* one/a.c, site/ 3, static/ 3, zone/ 2 */
	CHECK("kv count", kv.n == 9);
	bool sorted = true;
	for (size_t i = 1; i < kv.n; i++)
		sorted &= strcmp(kv.v[i - 1].name, kv.v[i].name) < 0;
	CHECK("kv sorted", sorted);
	CHECK("kv names", kv.n == 9 && !strcmp(kv.v[0].name, "one/a.c") &&
				  !strcmp(kv.v[2].name, "site/b.txt") &&
				  !strcmp(kv.v[3].name, "site/sub/c.txt") &&
				  !strcmp(kv.v[7].name, "zone/c.txt") &&
				  !strcmp(kv.v[8].name, "zone/z1.txt"));
	CHECK("kv size", kv.n == 9 && kv.v[2].size == 3);
	struct mf_key *z = manifest_key(&m, "zone");
	char *want = xasprintf("%s/z1.txt,%s/www/sub/c.txt", dir, dir);
	CHECK("files key resolved to absolute paths", !strcmp(z->value, want));
	free(want);
	char *s = gen_kv_s(&kv);
	CHECK("kv.S incbin and GNU-stack",
	      strstr(s, ".incbin \"/") && strstr(s, ".note.GNU-stack"));
	free(s);
	kv_set_free(&kv);
	manifest_free(&m);

	CHECK("clash manifest parses",
	      good("name a\nsources a.c\nembed site www\nkey site dir www\n",
		   &m));
	CHECK("duplicate kv name refused",
	      kv_collect(&m, &kv, err, sizeof(err)) < 0 &&
		      strstr(err, "both named 'site/a.txt'") &&
		      strstr(err, "t.manifest:3: embed site") &&
		      strstr(err, "t.manifest:4: key site"));
	kv_set_free(&kv);
	manifest_free(&m);

	CHECK("missing file key manifest parses",
	      good("name a\nsources a.c\nkey zone file missing.txt\n", &m));
	CHECK("missing file of a key named",
	      kv_collect(&m, &kv, err, sizeof(err)) < 0 &&
		      strstr(err, "key zone: 'missing.txt': No such file"));
	kv_set_free(&kv);
	manifest_free(&m);

	struct sbuf b = {0};
	gen_add_make_word(&b, "/a b/c#d$e:f");
	CHECK("make escaping", !strcmp(sb_str(&b), "/a\\ b/c\\#d$$e\\:f"));
	sb_free(&b);
}

static bool chk(enum cfg_type t, const char *v)
{
	char why[128];
	return cfg_check(t, v, why, sizeof(why));
}

static void test_cfg_check(void)
{
	char why[128];

	CHECK("type names", !strcmp(cfg_type_name(CFG_T_IPV4NET), "ipv4net") &&
				    cfg_type_parse("dir") == CFG_T_DIR &&
				    cfg_type_parse("prot") == 0 &&
				    cfg_type_name((enum cfg_type)99) == NULL);
	CHECK("bool words", chk(CFG_T_BOOL, "yes") && chk(CFG_T_BOOL, "off") &&
				    chk(CFG_T_BOOL, "0") &&
				    !chk(CFG_T_BOOL, "True") &&
				    !chk(CFG_T_BOOL, ""));
	CHECK("int", chk(CFG_T_INT, "0") && chk(CFG_T_INT, "-5") &&
			     chk(CFG_T_INT, "+5") && !chk(CFG_T_INT, "") &&
			     !chk(CFG_T_INT, "-") && !chk(CFG_T_INT, "1x") &&
			     !chk(CFG_T_INT, " 1"));
	CHECK("int64 edges",
	      chk(CFG_T_INT, "9223372036854775807") &&
		      chk(CFG_T_INT, "-9223372036854775808") &&
		      !chk(CFG_T_INT, "9223372036854775808") &&
		      !chk(CFG_T_INT, "-9223372036854775809") &&
		      !chk(CFG_T_INT, "99999999999999999999999"));
	CHECK("port edges",
	      chk(CFG_T_PORT, "1") && chk(CFG_T_PORT, "65535") &&
		      !chk(CFG_T_PORT, "0") && !chk(CFG_T_PORT, "65536") &&
		      !chk(CFG_T_PORT, "-1") && !chk(CFG_T_PORT, "+80") &&
		      !chk(CFG_T_PORT, "abc"));
	CHECK("port message",
	      !cfg_check(CFG_T_PORT, "abc", why, sizeof(why)) &&
		      !strcmp(why, "expected port (1-65535), got 'abc'"));
	CHECK("string",
	      chk(CFG_T_STRING, "") && chk(CFG_T_STRING, "any thing"));
	CHECK("ipv4", chk(CFG_T_IPV4, "10.0.0.1") &&
			      chk(CFG_T_IPV4, "0.0.0.0") &&
			      chk(CFG_T_IPV4, "255.255.255.255") &&
			      !chk(CFG_T_IPV4, "256.0.0.1") &&
			      !chk(CFG_T_IPV4, "1.2.3") &&
			      !chk(CFG_T_IPV4, "1.2.3.4.5") &&
			      !chk(CFG_T_IPV4, "01.2.3.4") &&
			      !chk(CFG_T_IPV4, "1.2.3.4 ") &&
			      !chk(CFG_T_IPV4, "1..3.4") &&
			      !chk(CFG_T_IPV4, "1.2.3.1000"));
	CHECK("ipv4net", chk(CFG_T_IPV4NET, "10.0.0.2/24") &&
				 chk(CFG_T_IPV4NET, "0.0.0.0/0") &&
				 chk(CFG_T_IPV4NET, "1.2.3.4/32") &&
				 chk(CFG_T_IPV4NET, "dhcp") &&
				 !chk(CFG_T_IPV4NET, "1.2.3.4/33") &&
				 !chk(CFG_T_IPV4NET, "1.2.3.4") &&
				 !chk(CFG_T_IPV4NET, "1.2.3.4/") &&
				 !chk(CFG_T_IPV4NET, "1.2.3.4/08") &&
				 !chk(CFG_T_IPV4NET, "256.2.3.4/8") &&
				 !chk(CFG_T_IPV4NET, "1.2.3.4/100") &&
				 !chk(CFG_T_IPV4NET, "DHCP"));
	CHECK("file, dir", chk(CFG_T_FILE, "a") && !chk(CFG_T_FILE, "") &&
				   chk(CFG_T_DIR, "www/") &&
				   !chk(CFG_T_DIR, ""));
	CHECK("files",
	      chk(CFG_T_FILES, "a,b") && chk(CFG_T_FILES, "a") &&
		      !chk(CFG_T_FILES, "") && !chk(CFG_T_FILES, "a,,b") &&
		      !chk(CFG_T_FILES, ",a") && !chk(CFG_T_FILES, "a,"));
	CHECK("bad type refused",
	      !cfg_check((enum cfg_type)0, "x", why, sizeof(why)));
	CHECK("tiny why buffer is safe",
	      !cfg_check(CFG_T_PORT, "x", why, 4) && strlen(why) == 3);

	uint32_t ip = 0;
	char buf[32];
	CHECK("net_ip4_parse", net_ip4_parse("192.168.1.20", &ip) &&
				       ip == NET_IP4(192, 168, 1, 20));
	struct net_addr a = {NET_IP4(10, 0, 0, 1), 53};
	CHECK("net_addr_fmt with port",
	      !strcmp(net_addr_fmt(&a, buf, sizeof(buf)), "10.0.0.1:53"));
	a.port = 0;
	CHECK("net_addr_fmt without port",
	      !strcmp(net_addr_fmt(&a, buf, sizeof(buf)), "10.0.0.1"));
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	mkd("sub");
	mkd("www");
	mkd("www/sub");
	touch("a.c", "int x;\n");
	touch("sub/b.c", "");
	touch("c.S", "");
	touch("z1.txt", "zone\n");
	touch("www/b.txt", "bb\n");
	touch("www/a.txt", "aa\n");
	touch("www/sub/c.txt", "cc\n");

	test_good();
	test_errors();
	test_embed();
	test_cfg_check();

	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	free(cmd);
	return fails ? 1 : 0;
}
