/*
 * Build-time generator (the manifest's `generate`): lib/dns reads the
 * zones named by the key `zone` and writes their precomputed answers as
 * C (include/kiln/dns.h says how). Runs on the build host, not in the
 * image.
 */
#include <kiln/dns.h>

int main(int argc, char **argv)
{
	return dns_gen_main(argc, argv);
}
