/*
 * Internal interface of the posix-direct binding (bindings/posix-direct):
 * Kiln's stack on tap devices, in a process sealed with seccomp once
 * started. Only bindings/posix-direct includes it.
 *
 * Start-up order (bindings/posix/main.c, lib/core/start.c, start.c here):
 *   1. main: posix_net_open for each net device: open the tap, register it
 *      with epoll, fill in its struct netif (no stack yet);
 *   2. core_start: apply the start line's keys (ipv4=, gateway=, log=);
 *   3. __wrap_kiln_main (start.c): direct_attach_all (net_attach on each
 *      netif, which reads ipv4/gateway), the appliance's kiln_main, then
 *      direct_seal (seccomp);
 *   4. loop_run: from here on only the allowed system calls.
 */
#ifndef KILN_POSIX_DIRECT_H
#define KILN_POSIX_DIRECT_H

#include <stddef.h>
#include <stdint.h>

#include <kiln/netif.h>

#define DIRECT_MAX_TAPS 4

/* Attach Kiln's stack to every tap opened by posix_net_open (netif_tap.c).
 * Returns 0, or -1 with a reason in why. */
int direct_attach_all(char *why, size_t whylen);

/* The open taps, for the seccomp filter and the counters. */
size_t direct_ntaps(void);
int direct_tap_fd(size_t i);
const struct netif *direct_tap_netif(size_t i);
const char *direct_tap_name(size_t i);

/*
 * Receive offload (tap_rxoff.c): one frame read from a tap with offloads
 * on, with the kernel's virtio-net header vh, becomes ordinary frames of
 * at most room bytes appended at *tail (cut if it is a TCP offload frame,
 * its checksum completed if partial). Returns how many; what could not be
 * done is counted in st. f may be changed.
 */
struct virtio_net_hdr;
struct netbuf;
struct tap_rxoff_stats {
	uint64_t cut;	/* offload frames cut into segments */
	uint64_t csum;	/* frames with a partial checksum (left so, csum_ok) */
	uint64_t bad;	/* frames that were not what their header said */
	uint64_t nobuf; /* frames or segments lost: the pool was empty */
};
unsigned tap_rxoff(const struct virtio_net_hdr *vh, uint8_t *f, size_t len,
		   size_t room, struct netbuf ***tail,
		   struct tap_rxoff_stats *st);
/* Tap i's receive offload counters, NULL when it has none. */
const struct tap_rxoff_stats *direct_tap_rxoff(size_t i);

/* Tap i's driver-level drop reasons, in the order of DIRECT_TAP_DROPS. */
#define DIRECT_TAP_DROPS                                                       \
	"rx_nobuf", "rx_toobig", "rx_early", "rx_errors", "tx_again",          \
		"tx_errors", "tx_short"
#define DIRECT_TAP_NDROPS 7
void direct_tap_drops(size_t i, uint64_t out[DIRECT_TAP_NDROPS]);

/*
 * Install the seccomp allow-list (seccomp.c). Every descriptor the filter
 * names must be open already: nothing may be opened after this. Returns 0,
 * or -1 with a reason in why.
 */
int direct_seal(char *why, size_t whylen);

/*
 * SIGUSR1 prints the device and stack counters (stats.c): a signalfd on
 * the loop, set up before sealing. stats_fd is -1 until then.
 */
int direct_stats_init(char *why, size_t whylen);
int direct_stats_fd(void);

/* Print every counter of the taps and the stack to the console. */
void direct_stats_print(void);

#endif /* KILN_POSIX_DIRECT_H */
