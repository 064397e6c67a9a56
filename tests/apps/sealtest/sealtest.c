/*
 * sealtest: a posix-direct appliance that makes, once the image is sealed
 * (kiln_main has returned and the loop runs its callbacks), either only
 * system calls the seal allows or one it forbids. See kiln.manifest.
 *
 * It calls the host's libc directly, which no real appliance may do: that
 * is the point, a stand-in for code that was tricked into doing it.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <kiln/kiln.h>
#include <kiln/loop.h>

static struct loop_timer later;
static const char *mode = "allowed";
/* A descriptor opened before the seal, that the seal does not name. */
static int other_fd = -1;
/* Zero, but the compiler cannot know: a store through it faults. */
static volatile uintptr_t null_addr;

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
	} else if (strcmp(mode, "getrandom") == 0) {
		ssize_t n = getrandom(buf, sizeof buf, 0);
		kiln_printf("sealtest: getrandom returned %zd: NOT SEALED\n",
			    n);
		kiln_exit(1);
	} else if (strcmp(mode, "nanosleep") == 0) {
		struct timespec ts = {.tv_nsec = 1000};
		long r = syscall(SYS_nanosleep, &ts, NULL);
		kiln_printf("sealtest: nanosleep returned %ld: NOT SEALED\n",
			    r);
		kiln_exit(1);
	} else if (strcmp(mode, "usleep") == 0) {
		/* glibc sleeps with clock_nanosleep(2) */
		int r = usleep(1000);
		kiln_printf("sealtest: usleep returned %d: NOT SEALED\n", r);
		kiln_exit(1);
	} else if (strcmp(mode, "cpuclock") == 0) {
		/* not one of the two clocks the seal allows; no vDSO either */
		struct timespec ts;
		int r = clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
		kiln_printf("sealtest: clock_gettime(CPUTIME) returned %d: "
			    "NOT SEALED\n",
			    r);
		kiln_exit(1);
	} else if (strcmp(mode, "writefd") == 0) {
		/* /dev/null, open for writing since before the seal */
		ssize_t n = write(other_fd, "x", 1);
		kiln_printf("sealtest: write to fd %d returned %zd: NOT "
			    "SEALED\n",
			    other_fd, n);
		kiln_exit(1);
	} else if (strcmp(mode, "readfd") == 0) {
		/* /dev/zero, open for reading since before the seal */
		ssize_t n = read(other_fd, buf, sizeof buf);
		kiln_printf("sealtest: read from fd %d returned %zd: NOT "
			    "SEALED\n",
			    other_fd, n);
		kiln_exit(1);
	} else if (strcmp(mode, "crash") == 0) {
		/* The crash handler prints and ends the image under the seal:
		 * SIGSEGV, status 139, not the seal's SIGSYS. */
		*(volatile int *)null_addr = 1;
		kiln_printf("sealtest: survived a store to NULL\n");
		kiln_exit(1);
	} else if (strcmp(mode, "flood") == 0) {
		/* More than a pipe holds (64 KiB): with a non-blocking stdout
		 * that nobody reads for a while, the console must wait for
		 * room without a sleep (bindings/posix/console.c). */
		for (int i = 0; i < 2000; i++)
			kiln_printf("sealtest: flood line %04d "
				    "..................................."
				    "...............\n",
				    i);
		kiln_printf("SUCCESS\n");
		kiln_exit(0);
	} else {
		unsigned char again[sizeof buf];
		uint64_t t0 = kiln_mono_ns(), w = kiln_wall_ns();
		int e = kiln_entropy(buf, sizeof buf) |
			kiln_entropy(again, sizeof again);

		if (memcmp(buf, again, sizeof buf) == 0)
			e = -1;
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
	/* Before the seal, anything goes. */
	if (strcmp(mode, "writefd") == 0)
		other_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	else if (strcmp(mode, "readfd") == 0)
		other_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	kiln_printf("sealtest: started, mode %s\n", mode);
	loop_timer_init(&later, run, NULL);
	loop_timer_arm_in(&later, 50 * 1000000ull);
	return 0;
}
