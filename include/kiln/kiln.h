/*
 * The appliance's view of Kiln: entry point, exit, clocks, entropy, console.
 *
 * An appliance is a set of C files that include only <kiln/...> headers and
 * define kiln_main(). The same sources build for every target; the target's
 * binding supplies main(), the clocks, the console and the devices.
 *
 * Start-up, on every target:
 *   1. the binding reads the image's start line: device options, then
 *      KEY=VALUE for keys the manifest marks settable at start, then an
 *      optional "--", then the appliance's own arguments;
 *   2. it calls kiln_main(argc, argv) with argv[0] the appliance's name and
 *      argv[1..] the appliance's own arguments;
 *   3. it runs the event loop (loop.h) until nothing keeps it alive, or
 *      until kiln_exit() is called.
 * The image's exit status is kiln_main's return value when the loop runs
 * dry, or the status given to kiln_exit().
 *
 * Error results at the application API are negative errno values from a
 * small set: -EAGAIN (try again later; a callback will say when), -EINVAL
 * (bad argument), -ENOENT (no such key, file or device), -ENOSPC (a fixed
 * table is full), -ENOMEM (a buffer pool is empty), -EADDRINUSE,
 * -ENOTCONN, -EPIPE (the connection is closing), -EIO (device error),
 * -EACCES (the target refused, e.g. a privileged port).
 */
#ifndef KILN_KILN_H
#define KILN_KILN_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <kiln/log.h>

#define KILN_VERSION "0.1.0"

/* Defined by the appliance. Must not block: set things up and return. */
int kiln_main(int argc, char **argv);

/* End the image with `status` once the current callback returns. */
void kiln_exit(int status);

/* Monotonic time in nanoseconds since an arbitrary start; never goes back. */
uint64_t kiln_mono_ns(void);

/* Wall-clock time in nanoseconds since 1970-01-01 UTC. */
uint64_t kiln_wall_ns(void);

/*
 * Fill buf with len bytes of cryptographically strong random data, fit for
 * secrets such as TCP initial sequence numbers. On the posix targets they
 * come from a ChaCha20 generator (RFC 8439) inside the image, seeded once
 * at start from getrandom(2), so no system call is made (posix-direct's
 * seal allows none); on kvm from the CPU's RDRAND/RDSEED (with a weak
 * fallback on a CPU that has neither, which logs a warning). Never
 * blocks; returns 0, or -EIO when the platform has no source (an image
 * that needs entropy and has none should panic).
 */
int kiln_entropy(void *buf, size_t len);

/*
 * Write len bytes to the console unbuffered (stdout on posix, the serial
 * port or the monitor's console on bare targets). Returns 0 or -EIO.
 */
int kiln_console_write(const void *buf, size_t len);

/* printf to the console. Returns the number of bytes written or -EIO. */
int kiln_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The appliance's name, from its manifest. */
const char *kiln_app_name(void);

/* The target this image was built for, e.g. "posix-socket". */
const char *kiln_target_name(void);

#endif /* KILN_KILN_H */
