/*
 * Internals shared between lib/core's files (and its unit tests). Not a
 * public contract: nothing outside lib/core includes this.
 */
#ifndef KILN_CORE_H
#define KILN_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* A log line, "level: message\n", is cut to fit this (log.c). */
#define LOG_LINE_MAX 1024
/* kiln_printf output is cut to this minus one byte (log.c). */
#define KILN_PRINTF_MAX 4096
/* A panic message is cut to fit this (panic.c). */
#define PANIC_LINE_MAX 1024

/*
 * Format fmt into buf after its first `used` bytes, cutting the text so that
 * a newline and NUL still fit; returns the length including the newline.
 * size must be at least 2.
 */
size_t core_vformat_line(char *buf, size_t size, size_t used, const char *fmt,
			 va_list ap);

/*
 * The most keys an image may have for start-time overrides (config.c);
 * cfg_set_start refuses keys past it with -ENOSPC.
 */
#define CFG_START_MAX 256

/* Forget every start-time override (config.c; for tests). */
void cfg_start_reset(void);

/* Most appliance arguments core_start passes to kiln_main (start.c). */
#define CORE_MAX_ARGS 256

/*
 * The ChaCha20 block function of RFC 8439 section 2.3 (chacha20.c): the 64
 * bytes of keystream for block `counter` under key and nonce. Used by the
 * random generator (rng.c) and checked against the RFC's test vectors.
 */
void chacha20_block(const uint8_t key[32], uint32_t counter,
		    const uint8_t nonce[12], uint8_t out[64]);

#endif /* KILN_CORE_H */
