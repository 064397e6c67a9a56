/*
 * The target table, and the checks of what this machine can run. Each
 * check looks at what the target will really need (a device that opens, an
 * ioctl that works, a program on PATH), not at guesses like the kernel
 * version, and says what is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "gen.h"
#include "targets.h"
#include "util.h"

static bool machine_posix_socket(char *why, size_t whylen)
{
	snprintf(why, whylen, "a Linux process on the host's sockets");
	return true;
}

/* True when the effective capability set holds capability bit cap. */
static bool have_cap(unsigned cap)
{
	char *status = read_file("/proc/self/status", NULL);
	char *p = status ? strstr(status, "\nCapEff:") : NULL;
	bool yes = false;

	if (p)
		yes = strtoull(p + 8, NULL, 16) >> cap & 1;
	free(status);
	return yes;
}

static bool machine_posix_direct(char *why, size_t whylen)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, whylen, "/dev/net/tun: %s", strerror(errno));
		return false;
	}
	close(fd);
	if (!have_cap(12 /* CAP_NET_ADMIN */)) {
		snprintf(why, whylen,
			 "needs CAP_NET_ADMIN to create a tap "
			 "device (run as root or grant it)");
		return false;
	}
	/* The image seals itself with a seccomp filter once started. */
	char *status = read_file("/proc/self/status", NULL);
	bool seccomp = status && strstr(status, "\nSeccomp:");
	free(status);
	if (!seccomp) {
		snprintf(why, whylen,
			 "the kernel has no seccomp (no Seccomp: "
			 "line in /proc/self/status)");
		return false;
	}
	snprintf(why, whylen,
		 "/dev/net/tun opens, CAP_NET_ADMIN is held, seccomp works");
	return true;
}

static bool machine_kvm(char *why, size_t whylen)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, whylen, "/dev/kvm: %s", strerror(errno));
		return false;
	}
	int api = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		snprintf(why, whylen, "/dev/kvm: API version %d, want %d", api,
			 KVM_API_VERSION);
		close(fd);
		return false;
	}
	int vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		snprintf(why, whylen, "KVM_CREATE_VM: %s", strerror(errno));
		close(fd);
		return false;
	}
	close(vm);
	close(fd);
	snprintf(why, whylen, "/dev/kvm works (KVM_CREATE_VM)");
	return true;
}

/* Find an executable called prog on PATH; returns its path or NULL. */
static char *which(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy = xstrdup(path && *path ? path : "/usr/bin:/bin");
	char *found = NULL;

	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		char *p = path_join(d, prog);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

static bool machine_virtio(char *why, size_t whylen)
{
	char *q = which("qemu-system-x86_64");

	if (!q) {
		snprintf(why, whylen, "qemu-system-x86_64 not found on PATH");
		return false;
	}
	snprintf(why, whylen, "%s", q);
	free(q);
	return true;
}

static bool machine_xen(char *why, size_t whylen)
{
	char *type = read_file("/sys/hypervisor/type", NULL);
	bool yes = type && strncmp(type, "xen", 3) == 0;

	free(type);
	snprintf(why, whylen, "%s",
		 yes ? "running under Xen" : "not a Xen guest or dom0");
	return yes;
}

const struct target targets[] = {
	{
		.name = "posix-socket",
		.status = TARGET_IMPLEMENTED,
		.about = "Linux process; the host kernel's sockets",
		.no_net = "posix-socket uses the host kernel's sockets; --net "
			  "is for posix-direct and kvm",
		.no_mem = "a posix-socket image is a Linux process; --mem is "
			  "for kvm and virtio",
		.machine = machine_posix_socket,
	},
	{
		.name = "posix-direct",
		.status = TARGET_IMPLEMENTED,
		.about = "Linux process; Kiln's TCP/IP stack on a tap device",
		.no_mem = "a posix-direct image is a Linux process; --mem is "
			  "for kvm and virtio",
		.kiln_stack = true,
		.needs_tap = true,
		.machine = machine_posix_direct,
	},
	{
		.name = "kvm",
		.status = TARGET_IMPLEMENTED,
		.about = "bare VM under kiln-kvm, Kiln's own KVM monitor",
		.kiln_stack = true,
		.needs_tap = true,
		.gen_name = "kiln_kvm.c",
		.gen = gen_kvm_c,
		.runner = "kiln-kvm",
		.machine = machine_kvm,
	},
	{
		.name = "virtio",
		.status = TARGET_NOT_YET,
		.about = "bare VM under QEMU or Firecracker (virtio devices)",
		.no_net = "a virtio image gets its network from QEMU's "
			  "options; --net is for posix-direct and kvm",
		.kiln_stack = true,
		.machine = machine_virtio,
	},
	{
		.name = "xen",
		.status = TARGET_PLANNED,
		.about = "Xen PVH guest (netfront, blkfront)",
		.kiln_stack = true,
		.machine = machine_xen,
	},
};

const size_t ntargets = sizeof(targets) / sizeof(targets[0]);

const struct target *target_find(const char *name)
{
	for (size_t i = 0; i < ntargets; i++)
		if (strcmp(targets[i].name, name) == 0)
			return &targets[i];
	return NULL;
}

char *target_names(void)
{
	struct sbuf b = {0};

	for (size_t i = 0; i < ntargets; i++)
		sb_addf(&b, "%s%s", i ? ", " : "", targets[i].name);
	return b.s;
}

const char *target_status_text(enum target_status s)
{
	switch (s) {
	case TARGET_IMPLEMENTED:
		return "implemented";
	case TARGET_NOT_YET:
		return "not implemented yet";
	case TARGET_PLANNED:
		return "planned";
	}
	return "?";
}

int cmd_targets(int argc, char **argv)
{
	char why[256];

	if (argc > 0)
		kiln_die("usage: kiln targets");
	printf("%-13s %-20s %s\n", "TARGET", "THIS BUILD", "THIS MACHINE");
	for (size_t i = 0; i < ntargets; i++) {
		const struct target *t = &targets[i];
		why[0] = '\0';
		bool yes = t->machine(why, sizeof(why));
		printf("%-13s %-20s %s: %s\n", t->name,
		       target_status_text(t->status),
		       yes ? "can run" : "cannot run", why);
	}
	return 0;
}
