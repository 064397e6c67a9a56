/*
 * Replay saved fuzz inputs without libFuzzer: feed every file named on
 * the command line, or found in a directory named there, to
 * LLVMFuzzerTestOneInput. Link it with one fuzz_X.c and lib/net under
 * gcc -fsanitize=address,undefined (see fuzz.mk) to run the corpora as a
 * regression test where clang is absent. Each input gets a heap buffer of
 * exactly its size, so that ASan sees a read one byte past the end.
 *
 * Prints "ok - replay DIR (N inputs)" per argument; exit 1 when a path
 * cannot be read (a crash aborts with the sanitizer's report).
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;
	uint8_t *buf;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -1;
	}
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int run_path(const char *path, unsigned *count)
{
	struct stat st;

	if (stat(path, &st))
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		if (run_file(path))
			return -1;
		++*count;
		return 0;
	}
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		char sub[4096];
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (stat(sub, &st) || !S_ISREG(st.st_mode))
			continue;
		if (run_file(sub)) {
			fprintf(stderr, "replay: %s: cannot read\n", sub);
			rc = -1;
			continue;
		}
		++*count;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	int failed = 0;

	/* An empty input first: every target must cope with nothing. */
	LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
	for (int i = 1; i < argc; i++) {
		unsigned count = 0;
		if (run_path(argv[i], &count)) {
			printf("not ok - replay %s: cannot read\n", argv[i]);
			failed = 1;
			continue;
		}
		printf("ok - replay %s (%u inputs)\n", argv[i], count);
	}
	return failed;
}
