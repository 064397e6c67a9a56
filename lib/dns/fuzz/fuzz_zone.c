/*
 * libFuzzer target: bytes as a master file through the zone reader and
 * the checks, then (when it reads clean) the template compiler. Whatever
 * the text, reading ends with RRs or FILE:LINE errors, never a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../tests/dns_test.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static struct zone z;
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof path, "/tmp/kiln-fuzz-zone-%d.zone",
			 (int)getpid());
	f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	memset(&z, 0, sizeof z);
	z.file = path;
	if (zone_read(&z, NULL) == 0)
		(void)zone_check(&z);
	zone_free(&z);
	unlink(path);
	zerr_count = 0;
	return 0;
}
