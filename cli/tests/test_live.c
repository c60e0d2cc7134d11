// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the live views' loop (live.c: hvctl stat --watch, top,
 * events) on a pseudo-terminal: the screen taken and given back, 'q',
 * signals, resizing, lines cut to the terminal; and plain output when
 * stdout is not a terminal. Results go to the original stdout, which the
 * tests replace. Prints "ok N - ..." lines and "N passed, N failed".
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../hvctl.h"
#include "../live.h"

#define MS		1000000ULL
#define SCREEN_ENTER	"\033[?1049h\033[?25l"
#define SCREEN_LEAVE	"\033[?25h\033[?1049l"
/* Home, the line cut, clear to its end, the next line (\n made \r\n). */
#define FIRST_LINE	"\033[H0123456789\033[K\r\ntwo"
#define LONG_LINE	"a line longer than eighty columns is not cut " \
			"when stdout is not a terminal, and this one is not"

static FILE *report;
static int passed, failed;

static void __attribute__((format(printf, 2, 3))) check(bool ok, const char *fmt, ...)
{
	va_list ap;

	fprintf(report, "%sok %d - ", ok ? "" : "not ", passed + failed + 1);
	va_start(ap, fmt);
	vfprintf(report, fmt, ap);
	va_end(ap);
	fprintf(report, "\n");
	fflush(report);
	if (ok)
		passed++;
	else
		failed++;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* What arrived on fd within 200 ms, NUL-terminated. */
static void drain(int fd, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got + 1 < size && poll(&p, 1, 200) > 0) {
		n = read(fd, buf + got, size - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
}

static int open_pty(int *slave)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);

	if (master < 0 || grantpt(master) || unlockpt(master))
		return -1;
	*slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	return *slave < 0 ? -1 : master;
}

static bool same_termios(const struct termios *a, const struct termios *b)
{
	return a->c_lflag == b->c_lflag && a->c_iflag == b->c_iflag &&
	       a->c_oflag == b->c_oflag && a->c_cc[VMIN] == b->c_cc[VMIN];
}

/* fd[0] is read, fd[1] written: a pipe. */
static void keys_and_signals(struct live *l, int master, const int *fd)
{
	uint64_t t0 = now_ns();
	ssize_t n;

	check(live_wait(l, -1, t0 + 50 * MS) == LIVE_TIMEOUT && now_ns() - t0 >= 50 * MS,
	      "the deadline passes: LIVE_TIMEOUT");
	n = write(master, "x", 1);
	check(n == 1 && live_wait(l, -1, now_ns() + 100 * MS) == LIVE_TIMEOUT,
	      "another key does nothing");
	n = write(fd[1], "!", 1);
	check(n == 1 && live_wait(l, fd[0], now_ns() + 1000 * MS) == LIVE_READY,
	      "a readable file descriptor: LIVE_READY");
	n = write(master, "q", 1);
	check(n == 1 && live_wait(l, fd[0], now_ns() + 1000 * MS) == LIVE_QUIT, "'q' quits");
	raise(SIGWINCH);
	check(live_wait(l, -1, 0) == LIVE_REDRAW, "SIGWINCH redraws (blocked until the wait)");
}

static void frame(struct live *l, int master)
{
	struct winsize ws = { .ws_row = 4, .ws_col = 10 };
	char buf[1024];

	ioctl(master, TIOCSWINSZ, &ws);
	raise(SIGWINCH);
	check(live_wait(l, -1, 0) == LIVE_REDRAW && l->cols == 10 && l->rows == 4,
	      "the new size is taken");
	live_frame_begin(l);
	live_line(l, "0123456789abcdef");
	live_line(l, "two");
	live_line(l, "three");
	live_line(l, "four: no room");
	live_line(l, "five: none");
	live_frame_end(l);
	fflush(stdout);
	drain(master, buf, sizeof(buf));
	check(!strncmp(buf, FIRST_LINE, strlen(FIRST_LINE)),
	      "lines start at home, cut at 10 columns");
	check(strstr(buf, "four: no r\033[K\033[J") && !strstr(buf, "five"),
	      "the last row is used, without a newline; the rest is cleared");
}

static void terminal(void)
{
	int master, slave, saved_in, saved_out, p[2];
	struct termios before, during, after;
	char buf[1024];
	struct live l;

	master = open_pty(&slave);
	if (master < 0 || pipe(p)) {
		check(false, "a pseudo-terminal and a pipe");
		return;
	}
	saved_in = dup(STDIN_FILENO);
	saved_out = dup(STDOUT_FILENO);
	dup2(slave, STDIN_FILENO);
	dup2(slave, STDOUT_FILENO);
	tcgetattr(slave, &before);

	check(live_start(&l, true) == 0 && l.screen && l.keys, "live_start on a terminal");
	fflush(stdout);
	drain(master, buf, sizeof(buf));
	check(!strcmp(buf, SCREEN_ENTER), "the alternate screen, no cursor");
	tcgetattr(slave, &during);
	check(!(during.c_lflag & (ICANON | ECHO)) && (during.c_lflag & ISIG),
	      "keys without echo or line editing; Ctrl-C still a signal");
	keys_and_signals(&l, master, p);
	frame(&l, master);
	kill(getpid(), SIGTERM);
	check(live_wait(&l, -1, 0) == LIVE_QUIT, "SIGTERM quits (and does not kill)");
	live_stop(&l);
	drain(master, buf, sizeof(buf));
	tcgetattr(slave, &after);
	check(!strcmp(buf, SCREEN_LEAVE) && same_termios(&before, &after),
	      "live_stop gives back the screen and the terminal");

	dup2(saved_in, STDIN_FILENO);
	dup2(saved_out, STDOUT_FILENO);
	close(saved_in);
	close(saved_out);
	close(p[0]);
	close(p[1]);
	close(slave);
	close(master);
}

static void not_terminal(void)
{
	int saved_out = dup(STDOUT_FILENO), p[2];
	struct sigaction sa;
	char buf[256];
	struct live l;

	if (pipe(p)) {
		check(false, "a pipe");
		return;
	}
	dup2(p[1], STDOUT_FILENO);
	signal(SIGINT, SIG_IGN);
	check(live_start(&l, true) == 0 && !l.screen && !l.keys, "live_start on a pipe: no screen");
	live_frame_begin(&l);
	live_line(&l, "%s", LONG_LINE);
	live_frame_end(&l);
	fflush(stdout);
	drain(p[0], buf, sizeof(buf));
	check(!strcmp(buf, LONG_LINE "\n"), "no escapes, nothing cut");
	sigaction(SIGINT, NULL, &sa);
	check(sa.sa_handler == SIG_IGN, "an ignored SIGINT (a background job's) stays ignored");
	live_stop(&l);
	signal(SIGINT, SIG_DFL);
	dup2(saved_out, STDOUT_FILENO);
	close(saved_out);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	report = fdopen(dup(STDOUT_FILENO), "w");
	if (!report)
		return 1;
	terminal();
	not_terminal();
	fprintf(report, "%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
