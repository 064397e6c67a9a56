/*
 * The contract between the target-independent core (lib/core) and a
 * target's binding (bindings/<target>/). Appliances never include this.
 *
 * Each target implements, besides the functions of kiln.h (clocks,
 * entropy, console, kiln_exit's final exit):
 */
#ifndef KILN_PLATFORM_H
#define KILN_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Wait until the monotonic clock reaches deadline_ns or a device is ready,
 * whichever is first, and dispatch the readiness of every ready device to
 * its binding's handler before returning. deadline_ns == 0 means do not
 * wait (poll once); UINT64_MAX means no deadline. Called only by loop_run.
 * Spurious early returns are allowed; the loop re-checks its timers.
 */
void plat_wait(uint64_t deadline_ns);

/*
 * End the process or VM now with status, after flushing the console.
 * Called by the runtime after loop_run returns, and by kiln_panic.
 */
void plat_exit(int status) __attribute__((noreturn));

/*
 * Print a backtrace of the current call stack to the console, symbolised
 * where the target can. Used by kiln_panic.
 */
void plat_backtrace(void);

/*
 * Called by the binding's entry point once the start line is read:
 * applies settable keys and the built-in keys, calls kiln_main, runs the
 * loop, and never returns. args[0..nargs) are the start-line tokens after
 * the device options (KEY=VALUE..., "--", args...); kiln_main receives
 * argv[0] = the appliance name, then the appliance's arguments. On a bad
 * key it prints "NAME: key K: reason" and exits with status 2.
 */
void core_start(int nargs, char **args) __attribute__((noreturn));

/*
 * Start-up hooks, called by core_start in this order:
 *   start-line keys applied -> plat_start -> kiln_main -> plat_seal -> loop
 * plat_start brings up what reads configuration keys (posix-direct and
 * kvm attach Kiln's stack, which reads `ipv4` and `gateway`); plat_seal
 * locks the image down once the appliance has set itself up (posix-direct
 * installs its seccomp allow-list). Each returns 0, or -1 with a reason in
 * why, and core_start then prints it and exits with status 2. lib/core
 * gives both a do-nothing weak default; a target defines the ones it needs.
 */
int plat_start(char *why, unsigned long whylen);
int plat_seal(char *why, unsigned long whylen);

/*
 * Set a settable key from "KEY=VALUE" text. Returns 0, or -ENOENT for an
 * unknown key, -EPERM for a key sealed at build time, -EINVAL for a value
 * of the wrong type; in each case `why` receives a message naming the key.
 */
int cfg_set_start(const char *kv, char *why, unsigned long whylen);

/*
 * What lib/core offers a binding for kiln_entropy (rng.c): a random
 * generator that runs inside the image, ChaCha20 (RFC 8439) with the key
 * replaced after every refill and output wiped once handed out. A binding
 * whose entropy source is a system call (getrandom(2) on the posix
 * targets) seeds it at start, before plat_seal, and serves kiln_entropy
 * from it, so that no system call is needed after the seal.
 *
 * rng_seed mixes RNG_SEED_LEN bytes from the platform's source into the
 * generator's key (seeding again adds to the key, never replaces it).
 * rng_fill writes len bytes; it never blocks and makes no system call.
 * Returns 0, or -EIO while the generator was never seeded.
 */
#define RNG_SEED_LEN 32
void rng_seed(const uint8_t seed[RNG_SEED_LEN]);
int rng_fill(void *buf, size_t len);

#endif /* KILN_PLATFORM_H */
