/*
 * hello: the smallest appliance. Prints where it runs, then its start
 * arguments joined by spaces on one line (an empty line when there are
 * none, so the output always has two lines), and exits with status 0.
 *
 *   kiln run -t posix-socket examples/hello -- a b
 *   hello from Kiln on posix-socket
 *   a b
 */
#include <kiln/kiln.h>

int kiln_main(int argc, char **argv)
{
	kiln_printf("hello from Kiln on %s\n", kiln_target_name());
	for (int i = 1; i < argc; i++)
		kiln_printf("%s%s", i > 1 ? " " : "", argv[i]);
	kiln_printf("\n");
	return 0;
}
