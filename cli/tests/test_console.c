// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of hvctl's console (console.c) on a pseudo-terminal: raw mode
 * and its restoration, the escape keys, the pipe to the machine, and stdin
 * that is not a terminal. hv_machine_stop() is replaced by a recorder.
 * Prints "ok N - ..." lines and "N passed, N failed".
 */
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../hvctl.h"
#include "../run.h"

static int passed, failed;

static void __attribute__((format(printf, 2, 3))) check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", passed + failed + 1);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		passed++;
	else
		failed++;
}

/* The machine handle the console was given, and how often it was stopped. */
static struct hv_machine *const fake_machine = (struct hv_machine *)&passed;
static int stops;

void hv_machine_stop(struct hv_machine *machine)
{
	if (machine == fake_machine)
		stops++;
}

/* Up to len bytes that arrive on fd within a second; -1 at end of file. */
static ssize_t read_some(int fd, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, 1000) <= 0)
		return 0;
	n = read(fd, buf, len);
	return n == 0 ? -1 : n;
}

/* Read from fd until want has arrived or a second passes without data. */
static bool read_exactly(int fd, const char *want, size_t len)
{
	char buf[256];
	size_t got = 0;

	while (got < len) {
		ssize_t n = read_some(fd, buf + got, sizeof(buf) - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got == len && !memcmp(buf, want, len);
}

static int open_pty(int *slave)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);

	if (master < 0 || grantpt(master) || unlockpt(master))
		return -1;
	*slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	return *slave < 0 ? -1 : master;
}

static void terminal(void)
{
	struct termios before, during, after;
	int master, slave, saved_in, saved_err, err_pipe[2];
	struct console c;
	char buf[256];
	ssize_t n;

	master = open_pty(&slave);
	if (master < 0 || pipe(err_pipe)) {
		check(false, "a pseudo-terminal and a pipe");
		return;
	}
	saved_in = dup(STDIN_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(slave, STDIN_FILENO);
	dup2(err_pipe[1], STDERR_FILENO);
	tcgetattr(slave, &before);

	check(console_open(&c) == 0, "console_open on a terminal");
	tcgetattr(slave, &during);
	check(c.raw && !(during.c_lflag & (ICANON | ECHO | ISIG)),
	      "raw mode: no line editing, no echo, Ctrl-C is not a signal");
	check(c.in != STDIN_FILENO, "the machine reads a pipe, not the terminal");
	check(console_start(&c, fake_machine) == 0, "console_start");

	n = write(master, "ab\x01\x01" "c\x03", 6);
	check(n == 6 && read_exactly(c.in, "ab\x01" "c\x03", 5),
	      "keys pass through; Ctrl-a Ctrl-a sends one Ctrl-a; Ctrl-C is a key");
	n = write(master, "\x01h", 2);
	n = read_some(err_pipe[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	check(strstr(buf, "C-a x") != NULL, "Ctrl-a h prints the escape keys");
	n = write(master, "\x01q" "d", 3);
	check(read_exactly(c.in, "d", 1), "an unknown key after Ctrl-a is dropped");
	check(stops == 0, "no stop so far");
	n = write(master, "e\x01x" "f", 4);
	check(read_exactly(c.in, "e", 1), "the keys before Ctrl-a x still go through");
	check(read_some(c.in, buf, sizeof(buf)) == -1, "after Ctrl-a x the guest sees end of file");
	check(stops == 1, "Ctrl-a x stopped the machine");

	console_close(&c);
	check(c.quit, "console says Ctrl-a x ended it");
	tcgetattr(slave, &after);
	check(after.c_lflag == before.c_lflag && after.c_iflag == before.c_iflag &&
	      after.c_oflag == before.c_oflag && after.c_cflag == before.c_cflag,
	      "console_close restores the terminal");
	console_close(&c);
	tcgetattr(slave, &after);
	check(c.pipe[0] < 0 && c.pipe[1] < 0 && c.stop_fd < 0 && !c.started &&
	      after.c_lflag == before.c_lflag, "console_close twice: nothing left, terminal as before");

	/* A run that ends without Ctrl-a x: the thread stops, the terminal comes back. */
	stops = 0;
	check(console_open(&c) == 0 && console_start(&c, fake_machine) == 0, "console again");
	console_close(&c);
	tcgetattr(slave, &after);
	check(!c.quit && stops == 0 && after.c_lflag == before.c_lflag,
	      "closed while idle: restored, nothing stopped");

	dup2(saved_in, STDIN_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_in);
	close(saved_err);
	close(err_pipe[0]);
	close(err_pipe[1]);
	close(slave);
	close(master);
}

static void not_terminal(void)
{
	int saved_in = dup(STDIN_FILENO), p[2];
	struct console c;

	if (pipe(p)) {
		check(false, "a pipe");
		return;
	}
	dup2(p[0], STDIN_FILENO);
	check(console_open(&c) == 0, "console_open on a pipe");
	check(!c.raw && c.in == STDIN_FILENO, "not a terminal: the machine reads stdin itself");
	check(console_start(&c, fake_machine) == 0, "console_start does nothing");
	console_close(&c);
	dup2(saved_in, STDIN_FILENO);
	close(saved_in);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	terminal();
	not_terminal();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
