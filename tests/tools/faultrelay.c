/*
 * faultrelay: forward Ethernet frames between two tap devices, injecting
 * seeded, reproducible faults (loss, duplication, reordering, delay with
 * jitter, corruption, a rate limit) in each direction.
 *
 * Why: the test machines' kernels have no netem qdisc, yet Kiln's own TCP/IP
 * stack must be shown to survive a bad link. The relay sits between the
 * appliance's bridge and the Linux peer's and plays the bad link.
 *
 * Reproducible: each direction draws from its own splitmix64 stream seeded
 * from --seed, and every frame consumes the same number of draws whatever
 * faults are enabled, so the Nth frame of a direction always meets the same
 * fate for a given seed.
 *
 * Bounded: each direction has one FIFO of at most --queue frames (default
 * 4096) in a fixed byte ring; a frame that does not fit is dropped and
 * counted. Nothing is allocated after start-up. The loop sleeps in ppoll
 * until a tap is readable or the head of a queue is due; it never spins.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define ETH_HDR	   14
#define FRAME_MAX  65536       /* larger than any tap MTU plus header */
#define SLOT_BYTES 2048	       /* byte ring per queued frame, on average */
#define HOLD_NS	   20000000ull /* a held-back frame waits at most 20 ms */
#define READ_BURST 64	       /* frames read per wake-up per tap */
#define NS_PER_MS  1000000ull

struct counters {
	uint64_t in, out, dropped, duplicated, reordered, corrupted;
	uint64_t overflow, errors, bytes_in, bytes_out;
};

/* One frame waiting in a direction's queue: its bytes live in the ring. */
struct qframe {
	uint32_t off, len;
	uint64_t due; /* CLOCK_MONOTONIC ns when it may leave */
};

struct dir {
	const char *from, *to;
	int in_fd, out_fd;
	uint64_t rng;
	struct qframe *q; /* ring of qmax descriptors */
	unsigned head, count;
	uint8_t *buf; /* byte ring holding the frames' bytes */
	size_t bufsz, wpos;
	uint64_t last_due;	 /* keeps the FIFO in order under jitter */
	uint64_t link_free;	 /* --rate: when the previous frame is sent */
	int blocked;		 /* a write said EAGAIN: wait for POLLOUT */
	uint8_t held[FRAME_MAX]; /* --reorder: the frame held back */
	uint32_t held_len;
	int held_copies;
	uint64_t held_until;
	struct counters st;
};

struct opts {
	const char *a, *b, *stats;
	uint64_t seed;
	double loss, dup, reorder, corrupt; /* percentages */
	uint64_t delay_ns, jitter_ns;
	double rate_mbit;
	double duration;
	unsigned qmax;
	int create;
};

static struct opts o = {.seed = 1, .qmax = 4096};
static struct dir dirs[2];
static volatile sig_atomic_t stop_sig, dump_req;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump_req = 1;
	else
		stop_sig = sig;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64: tiny, well mixed, and the same on every machine. */
static uint64_t rnd(struct dir *d)
{
	uint64_t z = (d->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* True with probability pct/100, from one 64-bit draw. */
static int chance(uint64_t r, double pct)
{
	return pct > 0 &&
	       (double)(r >> 11) * (1.0 / 9007199254740992.0) * 100.0 < pct;
}

static void usage(FILE *f)
{
	fputs("usage: faultrelay --a TAP --b TAP [options]\n"
	      "Forward Ethernet frames between taps A and B, both ways, with\n"
	      "seeded faults applied independently per direction.\n"
	      "  --a TAP, --b TAP      the two tap devices "
	      "(IFF_TAP|IFF_NO_PI)\n"
	      "  --create              create a tap that does not exist; it "
	      "lives\n"
	      "                        only while the relay holds it open\n"
	      "  --seed N              PRNG seed (default 1): same seed, same\n"
	      "                        fate for the Nth frame of each "
	      "direction\n"
	      "  --loss PCT            drop a frame with this probability\n"
	      "  --dup PCT             send a frame twice\n"
	      "  --reorder PCT         hold a frame back, release it after "
	      "the\n"
	      "                        next one (or after 20 ms)\n"
	      "  --delay MS[:JIT]      delay each frame MS +- JIT ms "
	      "(uniform;\n"
	      "                        order kept, at most --queue frames "
	      "held)\n"
	      "  --corrupt PCT         flip one random byte past the Ethernet\n"
	      "                        header of an IPv4/IPv6 frame (a "
	      "checksum\n"
	      "                        catches it; ARP etc. are never "
	      "corrupted)\n"
	      "  --rate MBIT           limit each direction to MBIT Mbit/s\n"
	      "  --queue N             frames queued per direction (default "
	      "4096);\n"
	      "                        a full queue drops and counts "
	      "'overflow'\n"
	      "  --duration S          exit after S seconds\n"
	      "  --stats FILE          write counters to FILE (else stderr) "
	      "at\n"
	      "                        exit and on SIGUSR1\n"
	      "Exits 0 on SIGTERM, SIGINT or --duration; 1 if a tap fails;\n"
	      "2 on bad usage. Counters, one line per direction:\n"
	      "  A>B in= out= dropped= duplicated= reordered= corrupted=\n"
	      "      overflow= errors= queued= bytes_in= bytes_out=\n",
	      f);
}

static double num(const char *s, const char *what, double lo, double hi)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "faultrelay: bad %s '%s' (want %g..%g)\n", what,
			s, lo, hi);
		exit(2);
	}
	return v;
}

static void parse_delay(const char *s)
{
	char buf[64], *colon;
	snprintf(buf, sizeof(buf), "%s", s);
	colon = strchr(buf, ':');
	if (colon)
		*colon++ = 0;
	o.delay_ns = (uint64_t)(num(buf, "--delay", 0, 60000) * NS_PER_MS);
	if (colon)
		o.jitter_ns =
			(uint64_t)(num(colon, "--delay jitter", 0, 60000) *
				   NS_PER_MS);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{"a", required_argument, 0, 'a'},
		{"b", required_argument, 0, 'b'},
		{"seed", required_argument, 0, 's'},
		{"loss", required_argument, 0, 'l'},
		{"dup", required_argument, 0, 'd'},
		{"reorder", required_argument, 0, 'r'},
		{"delay", required_argument, 0, 'D'},
		{"corrupt", required_argument, 0, 'c'},
		{"rate", required_argument, 0, 'R'},
		{"queue", required_argument, 0, 'q'},
		{"duration", required_argument, 0, 't'},
		{"stats", required_argument, 0, 'S'},
		{"create", no_argument, 0, 'C'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	int c;
	char *end;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'a':
			o.a = optarg;
			break;
		case 'b':
			o.b = optarg;
			break;
		case 's':
			errno = 0;
			o.seed = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end) {
				fprintf(stderr, "faultrelay: bad --seed\n");
				exit(2);
			}
			break;
		case 'l':
			o.loss = num(optarg, "--loss", 0, 100);
			break;
		case 'd':
			o.dup = num(optarg, "--dup", 0, 100);
			break;
		case 'r':
			o.reorder = num(optarg, "--reorder", 0, 100);
			break;
		case 'c':
			o.corrupt = num(optarg, "--corrupt", 0, 100);
			break;
		case 'D':
			parse_delay(optarg);
			break;
		case 'R':
			o.rate_mbit = num(optarg, "--rate", 0.001, 1e6);
			break;
		case 'q':
			o.qmax = (unsigned)num(optarg, "--queue", 1, 65536);
			break;
		case 't':
			o.duration = num(optarg, "--duration", 0, 1e7);
			break;
		case 'S':
			o.stats = optarg;
			break;
		case 'C':
			o.create = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc || !o.a || !o.b || !strcmp(o.a, o.b)) {
		fprintf(stderr, "faultrelay: need --a TAP and --b TAP, "
				"different, and no other arguments\n");
		usage(stderr);
		exit(2);
	}
	if (o.jitter_ns > o.delay_ns)
		fprintf(stderr, "faultrelay: jitter above delay: early frames "
				"leave at once\n");
}

/* Attach to tap NAME (creating it only with --create); non-blocking fd. */
static int tap_open(const char *name)
{
	struct ifreq ifr;
	int fd;

	if (strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "faultrelay: tap name too long: %s\n", name);
		return -1;
	}
	if (!o.create && if_nametoindex(name) == 0) {
		fprintf(stderr,
			"faultrelay: no interface %s here (--create "
			"makes one)\n",
			name);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		perror("faultrelay: /dev/net/tun");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "faultrelay: TUNSETIFF %s: %s\n", name,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void dump_stats(void)
{
	char tmp[4096];
	FILE *f = stderr;

	if (o.stats) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", o.stats);
		f = fopen(tmp, "w");
		if (!f) {
			perror("faultrelay: --stats");
			f = stderr;
		}
	}
	for (int i = 0; i < 2; i++) {
		struct dir *d = &dirs[i];
		struct counters *s = &d->st;
		fprintf(f,
			"%s>%s in=%llu out=%llu dropped=%llu duplicated=%llu "
			"reordered=%llu corrupted=%llu overflow=%llu "
			"errors=%llu queued=%u bytes_in=%llu bytes_out=%llu\n",
			d->from, d->to, (unsigned long long)s->in,
			(unsigned long long)s->out,
			(unsigned long long)s->dropped,
			(unsigned long long)s->duplicated,
			(unsigned long long)s->reordered,
			(unsigned long long)s->corrupted,
			(unsigned long long)s->overflow,
			(unsigned long long)s->errors,
			d->count + (d->held_len ? (unsigned)d->held_copies : 0),
			(unsigned long long)s->bytes_in,
			(unsigned long long)s->bytes_out);
	}
	if (f != stderr) {
		fclose(f);
		if (rename(tmp, o.stats) < 0)
			perror("faultrelay: --stats rename");
	}
}

/*
 * Find room for LEN bytes in the byte ring, or return -1. Frames leave in
 * the order they came, so the used bytes are one run from the head frame's
 * offset to wpos, possibly wrapped; a frame never straddles the end.
 */
static long ring_alloc(struct dir *d, uint32_t len)
{
	size_t start, hoff;

	if (d->count == o.qmax)
		return -1;
	if (d->count == 0)
		d->wpos = 0;
	hoff = d->q[d->head].off;
	if (d->count == 0 || d->wpos > hoff) {
		/* used: [hoff, wpos); free: [wpos, end) and [0, hoff) */
		if (d->wpos + len <= d->bufsz)
			start = d->wpos;
		else if (d->count && len < hoff)
			start = 0;
		else if (!d->count && len <= d->bufsz)
			start = 0;
		else
			return -1;
	} else {
		/* wrapped: used [hoff, end) and [0, wpos); free [wpos, hoff) */
		if (d->wpos + len < hoff)
			start = d->wpos;
		else
			return -1;
	}
	d->wpos = start + len;
	return (long)start;
}

/* Queue COPIES copies of the frame, each due after the delay and jitter. */
static void enqueue(struct dir *d, const uint8_t *p, uint32_t len, int copies,
		    uint64_t jr, uint64_t now)
{
	for (int i = 0; i < copies; i++) {
		uint64_t due = now + o.delay_ns;
		if (o.jitter_ns) {
			uint64_t span = 2 * o.jitter_ns + 1;
			uint64_t j = (jr >> (i * 8)) % span;
			due = due + j >= o.jitter_ns ? due + j - o.jitter_ns
						     : now;
		}
		if (due < now)
			due = now;
		if (due < d->last_due)
			due = d->last_due;
		long off = ring_alloc(d, len);
		if (off < 0) {
			d->st.overflow++;
			continue;
		}
		memcpy(d->buf + off, p, len);
		struct qframe *f = &d->q[(d->head + d->count) % o.qmax];
		f->off = (uint32_t)off;
		f->len = len;
		f->due = due;
		d->count++;
		d->last_due = due;
	}
}

static int is_ip(const uint8_t *p, uint32_t len)
{
	if (len <= ETH_HDR)
		return 0;
	unsigned type = (unsigned)p[12] << 8 | p[13];
	return type == 0x0800 || type == 0x86dd;
}

/* Decide one arriving frame's fate. P may be modified (corruption). */
static void on_frame(struct dir *d, uint8_t *p, uint32_t len, uint64_t now)
{
	/* Always six draws, so each frame's fate depends only on its index. */
	uint64_t r_loss = rnd(d), r_cor = rnd(d), r_pos = rnd(d);
	uint64_t r_dup = rnd(d), r_reo = rnd(d), r_jit = rnd(d);
	int copies = 1;

	d->st.in++;
	d->st.bytes_in += len;
	if (chance(r_loss, o.loss)) {
		d->st.dropped++;
		return;
	}
	if (is_ip(p, len) && chance(r_cor, o.corrupt)) {
		uint32_t at = ETH_HDR + (uint32_t)(r_pos % (len - ETH_HDR));
		p[at] ^= (uint8_t)(1 + (r_pos >> 32) % 255);
		d->st.corrupted++;
	}
	if (chance(r_dup, o.dup)) {
		copies = 2;
		d->st.duplicated++;
	}
	if (!d->held_len && chance(r_reo, o.reorder)) {
		memcpy(d->held, p, len);
		d->held_len = len;
		d->held_copies = copies;
		d->held_until = now + HOLD_NS;
		return;
	}
	enqueue(d, p, len, copies, r_jit, now);
	if (d->held_len) {
		enqueue(d, d->held, d->held_len, d->held_copies, r_jit >> 16,
			now);
		d->held_len = 0;
		d->st.reordered++;
	}
}

static uint64_t departure(struct dir *d, struct qframe *f)
{
	if (o.rate_mbit > 0 && d->link_free > f->due)
		return d->link_free;
	return f->due;
}

/* Send every due frame. Returns -1 when the out tap is gone. */
static int flush(struct dir *d, uint64_t now)
{
	if (d->held_len && d->held_until <= now) {
		enqueue(d, d->held, d->held_len, d->held_copies, 0, now);
		d->held_len = 0;
	}
	while (d->count && !d->blocked) {
		struct qframe *f = &d->q[d->head];
		uint64_t t = departure(d, f);
		if (t > now)
			break;
		ssize_t n = write(d->out_fd, d->buf + f->off, f->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			d->blocked = 1;
			break;
		}
		if (n < 0 && errno == EBADFD) {
			fprintf(stderr, "faultrelay: tap %s is gone\n", d->to);
			return -1;
		}
		if (n < 0) {
			d->st.errors++; /* e.g. EIO: the tap is down */
		} else {
			d->st.out++;
			d->st.bytes_out += f->len;
		}
		if (o.rate_mbit > 0)
			d->link_free = t + (uint64_t)((double)f->len * 8000.0 /
						      o.rate_mbit);
		d->head = (d->head + 1) % o.qmax;
		d->count--;
	}
	return 0;
}

/* Read up to READ_BURST frames from D's input tap. -1: the tap is gone. */
static int drain(struct dir *d, uint8_t *scratch)
{
	for (int i = 0; i < READ_BURST; i++) {
		ssize_t n = read(d->in_fd, scratch, FRAME_MAX);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			fprintf(stderr, "faultrelay: read %s: %s\n", d->from,
				strerror(errno));
			return -1;
		}
		if (n == 0)
			continue;
		on_frame(d, scratch, (uint32_t)n, now_ns());
	}
	return 0;
}

/* The earliest moment something must happen, or UINT64_MAX. */
static uint64_t next_event(uint64_t deadline)
{
	uint64_t t = deadline;
	for (int i = 0; i < 2; i++) {
		struct dir *d = &dirs[i];
		if (d->count && !d->blocked) {
			uint64_t dep = departure(d, &d->q[d->head]);
			if (dep < t)
				t = dep;
		}
		if (d->held_len && d->held_until < t)
			t = d->held_until;
	}
	return t;
}

static int dir_init(struct dir *d, const char *from, const char *to, int in,
		    int out, uint64_t salt)
{
	d->from = from;
	d->to = to;
	d->in_fd = in;
	d->out_fd = out;
	d->rng = o.seed ^ salt;
	d->bufsz = (size_t)o.qmax * SLOT_BYTES;
	if (d->bufsz < 4 * FRAME_MAX)
		d->bufsz = 4 * FRAME_MAX;
	d->q = calloc(o.qmax, sizeof(*d->q));
	d->buf = malloc(d->bufsz);
	return d->q && d->buf ? 0 : -1;
}

int main(int argc, char **argv)
{
	static uint8_t scratch[FRAME_MAX];
	struct sigaction sa;
	sigset_t block, waitmask;
	int fa, fb, rc = 0;
	uint64_t deadline = UINT64_MAX;

	parse_args(argc, argv);

	/* Signals arrive only inside ppoll, so no wake-up is ever lost. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);
	sigdelset(&waitmask, SIGUSR1);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	fa = tap_open(o.a);
	fb = fa < 0 ? -1 : tap_open(o.b);
	if (fa < 0 || fb < 0)
		return 1;
	if (dir_init(&dirs[0], o.a, o.b, fa, fb, 0x5eed0a0bull) < 0 ||
	    dir_init(&dirs[1], o.b, o.a, fb, fa, 0x5eed0b0aull) < 0) {
		fprintf(stderr, "faultrelay: out of memory\n");
		return 1;
	}
	if (o.duration > 0)
		deadline = now_ns() + (uint64_t)(o.duration * 1e9);

	while (!stop_sig) {
		uint64_t now = now_ns();
		if (now >= deadline)
			break;
		if (flush(&dirs[0], now) < 0 || flush(&dirs[1], now) < 0) {
			rc = 1;
			break;
		}
		if (dump_req) {
			dump_req = 0;
			dump_stats();
		}

		/* fds[0] is tap A: input of dirs[0], output of dirs[1]. */
		struct pollfd fds[2] = {
			{.fd = fa, .events = POLLIN},
			{.fd = fb, .events = POLLIN},
		};
		if (dirs[1].blocked)
			fds[0].events |= POLLOUT;
		if (dirs[0].blocked)
			fds[1].events |= POLLOUT;

		struct timespec ts, *tsp = NULL;
		uint64_t next = next_event(deadline);
		if (next != UINT64_MAX) {
			uint64_t wait = next > now ? next - now : 0;
			ts.tv_sec = (time_t)(wait / 1000000000ull);
			ts.tv_nsec = (long)(wait % 1000000000ull);
			tsp = &ts;
		}
		int n = ppoll(fds, 2, tsp, &waitmask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("faultrelay: ppoll");
			rc = 1;
			break;
		}
		for (int i = 0; i < 2 && n > 0; i++) {
			short re = fds[i].revents;
			struct dir *in = &dirs[i], *out = &dirs[1 - i];
			if (re & (POLLERR | POLLHUP | POLLNVAL)) {
				fprintf(stderr, "faultrelay: tap %s failed\n",
					in->from);
				rc = 1;
				goto out;
			}
			if (re & POLLOUT)
				out->blocked = 0;
			if ((re & POLLIN) && drain(in, scratch) < 0) {
				rc = 1;
				goto out;
			}
		}
	}
out:
	dump_stats();
	close(fa);
	close(fb);
	free(dirs[0].q);
	free(dirs[0].buf);
	free(dirs[1].q);
	free(dirs[1].buf);
	return rc;
}
