/*
 * slowpipe: run a command whose stdout is a non-blocking pipe that nobody
 * reads for a while, then pass on everything it wrote.
 *
 *   slowpipe DELAY_MS COMMAND [ARG...]
 *
 * The pipe's write end is set O_NONBLOCK before the command starts, as a
 * caller that shares its terminal or pipe in non-blocking mode would leave
 * it, so the command's writes say EAGAIN once the pipe is full (64 KiB on
 * Linux). After DELAY_MS we read the pipe to its end and copy it to our
 * stdout. The command's stderr is ours. Exit status: the command's, or
 * 128 + the signal that ended it, as a shell reports it; 1 for our own
 * errors, 2 for a usage error.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fds[2], st;
	long ms;
	char buf[65536];
	struct timespec ts;
	pid_t pid;
	ssize_t n;

	if (argc < 3) {
		fprintf(stderr, "usage: slowpipe DELAY_MS COMMAND [ARG...]\n");
		return 2;
	}
	ms = strtol(argv[1], NULL, 10);
	if (pipe(fds) != 0)
		err(1, "pipe");
	if (fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK) != 0)
		err(1, "fcntl O_NONBLOCK");
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			err(1, "dup2");
		close(fds[1]);
		execvp(argv[2], argv + 2);
		err(127, "%s", argv[2]);
	}
	close(fds[1]);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = ms % 1000 * 1000000;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	while ((n = read(fds[0], buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err(1, "read");
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(STDOUT_FILENO, buf + off,
					  (size_t)(n - off));
			if (w < 0)
				err(1, "write");
			off += w;
		}
	}
	if (waitpid(pid, &st, 0) < 0)
		err(1, "waitpid");
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
