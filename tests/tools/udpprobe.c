/*
 * udpprobe: send one UDP datagram and report what came back, as the Linux
 * stack saw it: the reply, or the ICMP error it received for us.
 *
 *   udpprobe HOST PORT [TIMEOUT_S]
 *
 * The socket is connected and has IP_RECVERR, so an ICMP error quoting our
 * datagram is queued on it with its type, code and sender (no sniffing,
 * no raw socket). Prints one line and exits:
 *   "reply N bytes"                              status 0
 *   "icmp type T code C from A.B.C.D"            status 3
 *   "timeout"                                    status 4
 * Status 1 is a system error, 2 a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int report_error(int fd)
{
	char ctl[512], data[256];
	struct iovec iov = {data, sizeof data};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl,
			     .msg_controllen = sizeof ctl};
	struct cmsghdr *c;

	if (recvmsg(fd, &msg, MSG_ERRQUEUE) < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_RECVERR)
			continue;
		struct sock_extended_err *e = (void *)CMSG_DATA(c);
		struct sockaddr_in *from = (void *)SO_EE_OFFENDER(e);
		char a[INET_ADDRSTRLEN] = "?";

		if (e->ee_origin != SO_EE_ORIGIN_ICMP)
			continue;
		inet_ntop(AF_INET, &from->sin_addr, a, sizeof a);
		printf("icmp type %u code %u from %s\n", e->ee_type, e->ee_code,
		       a);
		return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int one = 1, fd, timeout_ms;
	char buf[2048];

	if (argc < 3 || argc > 4 ||
	    inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: udpprobe HOST PORT [TIMEOUT_S]\n");
		return 2;
	}
	sa.sin_port = htons((uint16_t)atoi(argv[2]));
	timeout_ms = argc > 3 ? (int)(atof(argv[3]) * 1000) : 2000;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) ||
	    send(fd, "udpprobe\n", 9, 0) != 9) {
		perror("udpprobe");
		return 1;
	}
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		int n = poll(&p, 1, timeout_ms);

		if (n == 0) {
			printf("timeout\n");
			return 4;
		}
		if (n < 0) {
			perror("udpprobe: poll");
			return 1;
		}
		if (p.revents & POLLERR) {
			if (report_error(fd) == 0)
				return 3;
			continue;
		}
		ssize_t k = recv(fd, buf, sizeof buf, 0);
		if (k >= 0) {
			printf("reply %zd bytes\n", k);
			return 0;
		}
		if (errno == ECONNREFUSED && report_error(fd) == 0)
			return 3;
		perror("udpprobe: recv");
		return 1;
	}
}
