/*
 * sealtest: a posix-direct appliance that makes, once the image is sealed
 * (kiln_main has returned and the loop runs its callbacks), either only
 * system calls the seal allows or one it forbids. See kiln.manifest.
 *
 * It calls the host's libc directly, which no real appliance may do: that
 * is the point, a stand-in for code that was tricked into doing it.
 */
#include <fcntl.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <kiln/kiln.h>
#include <kiln/loop.h>

static struct loop_timer later;
static const char *mode = "allowed";

static void run(struct loop_timer *t, void *arg)
{
	unsigned char buf[16];

	if (strcmp(mode, "open") == 0) {
		int fd = open("/etc/hostname", O_RDONLY);
		/* not reached: the kernel kills the process inside open */
		kiln_printf("sealtest: open returned %d: NOT SEALED\n", fd);
		kiln_exit(1);
	} else if (strcmp(mode, "mmapexec") == 0) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		kiln_printf("sealtest: mmap(PROT_EXEC) returned %p: NOT "
			    "SEALED\n",
			    p);
		kiln_exit(1);
	} else if (strcmp(mode, "mmap") == 0) {
		/* plain anonymous memory, what malloc asks for when it grows */
		void *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		kiln_printf("sealtest: mmap returned %p: NOT SEALED\n", p);
		kiln_exit(1);
	} else if (strcmp(mode, "brk") == 0) {
		void *p = sbrk(1 << 20);
		kiln_printf("sealtest: sbrk returned %p: NOT SEALED\n", p);
		kiln_exit(1);
	} else if (strcmp(mode, "malloc") == 0) {
		/* More than the arena holds (and above the mmap threshold): a
		 * new heap allocation after start needs the kernel. */
		char *big = malloc(8 << 20);
		kiln_printf("sealtest: malloc returned %p: NOT SEALED\n",
			    (void *)big);
		kiln_exit(1);
	} else if (strcmp(mode, "socket") == 0) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		kiln_printf("sealtest: socket returned %d: NOT SEALED\n", fd);
		kiln_exit(1);
	} else {
		uint64_t t0 = kiln_mono_ns(), w = kiln_wall_ns();
		int e = kiln_entropy(buf, sizeof buf);
		kiln_printf("sealtest: clock %s, wall %s, entropy %s\n",
			    kiln_mono_ns() >= t0 ? "ok" : "BAD",
			    w > 0 ? "ok" : "BAD", e == 0 ? "ok" : "BAD");
		kiln_printf("SUCCESS\n");
		kiln_exit(0);
	}
}

int kiln_main(int argc, char **argv)
{
	if (argc > 1)
		mode = argv[1];
	kiln_printf("sealtest: started, mode %s\n", mode);
	loop_timer_init(&later, run, NULL);
	loop_timer_arm_in(&later, 50 * 1000000ull);
	return 0;
}
