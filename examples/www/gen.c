/*
 * The build-time generator (manifest `generate`): precomputes the site
 * in the key `site` as `www_site` (lib/http/gen/site_gen.c does it all).
 */
#include <kiln/http.h>

int main(int argc, char **argv)
{
	return http_gen_main(argc, argv, "site", "www_site");
}
