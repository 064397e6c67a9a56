/*
 * Internal interface of the posix bindings (bindings/posix, shared by the
 * posix-socket and posix-direct targets). Not a public contract: only
 * bindings/posix* include it.
 *
 * The loop's only wait is plat_wait (wait.c), an epoll_wait on one epoll
 * instance. Anything that owns a host descriptor (a socket, a tap) embeds a
 * struct posix_fd and registers it; plat_wait calls `ready` with the epoll
 * events that fired. Registration takes no loop reference: the owner takes
 * one (loop_ref) for as long as its object can produce events.
 */
#ifndef KILN_POSIX_H
#define KILN_POSIX_H

#include <stddef.h>
#include <stdint.h>

struct posix_fd {
	int fd;
	uint32_t events; /* EPOLLIN, EPOLLOUT, ... as currently registered */
	void (*ready)(struct posix_fd *pf, uint32_t events);
};

/*
 * Register pf->fd for pf->events; mod changes the events of a registered
 * fd; del unregisters it (harmless when not registered, and safe from a
 * `ready` handler: events of the current batch that were meant for pf are
 * dropped, so pf may be freed right after del). Results: 0 or -errno.
 */
int posix_fd_add(struct posix_fd *pf);
int posix_fd_mod(struct posix_fd *pf, uint32_t events);
void posix_fd_del(struct posix_fd *pf);

/*
 * pf->fd is about to be closed, and with it (if it was never duplicated)
 * leaves the epoll set: posix_fd_del without the epoll_ctl, which saves a
 * system call per connection where connections are short. Call it right
 * before close(pf->fd), registered or not.
 */
void posix_fd_closing(struct posix_fd *pf);

/*
 * The epoll instance's descriptor (made if there is none yet), for a
 * target that seals itself with seccomp and must name it in its filter.
 */
int posix_epoll_fd(void);

/*
 * Per-target hook for net devices, called by main once per net device the
 * image declares, with the tap named by the matching --net option or NULL.
 * posix-socket (whose network is the host's sockets) refuses any tap;
 * posix-direct requires one. Returns 0, or -1 with a reason in why.
 */
int posix_net_open(const char *dev, const char *tap, char *why, size_t whylen);

/*
 * Back block device `dev` (a name from image_devs) with the host file at
 * path (block.c). Returns 0, or -1 with a reason in why.
 */
int posix_block_open(const char *dev, const char *path, char *why,
		     size_t whylen);

/*
 * The descriptors of the open block devices (at most max into fds); returns
 * how many there are. For a seccomp filter (posix-direct).
 */
size_t posix_block_fds(int *fds, size_t max);

/*
 * Seed lib/core's random generator from getrandom(2) (entropy.c), which
 * kiln_entropy then serves without a system call. Called by main before
 * anything needs entropy and long before posix-direct's seal.
 */
void posix_entropy_init(void);

/*
 * The console's own epoll instance, holding stdout alone (console.c): a
 * write that finds a non-blocking stdout's pipe full waits in it for room.
 * posix_console_init makes it, at start; posix_console_epoll_fd is its
 * descriptor for posix-direct's seccomp filter, -1 when there is none
 * (stdout a regular file, /dev/null, or closed).
 */
void posix_console_init(void);
int posix_console_epoll_fd(void);

/* Install the fatal-signal handlers that print a backtrace (exit.c). */
void posix_crash_init(void);

#endif /* KILN_POSIX_H */
