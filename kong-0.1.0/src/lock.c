/*
 * lock.c: one sweep at a time.
 *
 * kong check run from cron or a timer takes an exclusive flock(2) on a
 * lock file beside its log before it starts; a run that finds it held says
 * who holds it and exits KONG_EXIT_LOCKED instead of piling up. The lock
 * goes with the process (flock is released when the file is closed, also
 * by a crash or kill -9), so a stale lock file never blocks anything; the
 * holder's pid is written into it for the message.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "lock.h"

/*
 * Take the lock at path: 0 and its fd, 1 if another process holds it (and
 * its pid, or 0), -1 and a cause.
 */
int
lock_take(const char *path, int *fdp, long *pidp, char **cause)
{
	char	 buf[32];
	ssize_t	 n;
	int	 fd;

	*pidp = 0;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		*cause = xstrfmt("%s: %s", path, strerror(errno));
		return (-1);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK) {
			*cause = xstrfmt("%s: %s", path, strerror(errno));
			close(fd);
			return (-1);
		}
		if ((n = pread(fd, buf, sizeof buf - 1, 0)) > 0) {
			buf[n] = '\0';
			*pidp = strtol(buf, NULL, 10);
		}
		close(fd);
		return (1);
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	/* The pid is only for the message: a failed write changes nothing. */
	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, buf, (size_t)n, 0);
	*fdp = fd;
	return (0);
}

/* Let the next run go. */
void
lock_release(int fd)
{
	if (fd != -1)
		close(fd);
}
