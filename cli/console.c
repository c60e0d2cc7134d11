// SPDX-License-Identifier: GPL-2.0
/*
 * hvctl run --kernel: the guest's console on hvctl's terminal.
 *
 * When stdin is a terminal, it goes into raw mode for the run (every key,
 * Ctrl-C included, is for the guest) and a thread reads it, looks for the
 * escape sequences of QEMU's -nographic (Ctrl-a x quits, Ctrl-a Ctrl-a
 * sends a Ctrl-a, Ctrl-a h lists them) and passes the rest through a pipe
 * to the machine, which reads it as the guest takes it. When stdin is not a
 * terminal the machine reads it directly: nothing there is a key press.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hvctl.h"
#include "run.h"

#define ESCAPE_KEY	0x01	/* Ctrl-a */

static const char escape_help[] =
	"\r\n"
	"C-a h    print this help\r\n"
	"C-a x    quit: stop the guest and end hvctl\r\n"
	"C-a C-a  send C-a to the guest\r\n";

int console_open(struct console *c)
{
	struct termios raw;

	*c = (struct console){
		.in = STDIN_FILENO, .pipe = { -1, -1 }, .stop_fd = -1,
	};
	if (!isatty(STDIN_FILENO))
		return 0;
	if (tcgetattr(STDIN_FILENO, &c->saved)) {
		hvctl_err("cannot read the terminal's settings: %s", strerror(errno));
		return -1;
	}
	if (pipe2(c->pipe, O_CLOEXEC)) {
		hvctl_err("cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->stop_fd < 0) {
		hvctl_err("cannot create an eventfd: %s", strerror(errno));
		console_close(c);
		return -1;
	}
	raw = c->saved;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw)) {
		hvctl_err("cannot put the terminal in raw mode: %s", strerror(errno));
		console_close(c);
		return -1;
	}
	c->raw = true;
	c->in = c->pipe[0];
	return 0;
}

/* Wait for fd to be ready for events: false when told to stop. */
static bool wait_ready(const struct console *c, int fd, short events)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = events },
		{ .fd = c->stop_fd, .events = POLLIN },
	};

	while (poll(p, 2, -1) < 0) {
		if (errno != EINTR)
			return false;
	}
	return !p[1].revents;
}

/* Into the pipe, as fast as the guest takes it: false when told to stop. */
static bool pass(struct console *c, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n;

		if (!wait_ready(c, c->pipe[1], POLLOUT))
			return false;
		n = write(c->pipe[1], buf, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* The bytes for the guest, with escapes acted on; false after Ctrl-a x. */
static bool filter(struct console *c, const uint8_t *in, size_t len,
		   uint8_t *out, size_t *nout)
{
	*nout = 0;
	for (size_t i = 0; i < len; i++) {
		if (!c->escape) {
			if (in[i] == ESCAPE_KEY)
				c->escape = true;
			else
				out[(*nout)++] = in[i];
			continue;
		}
		c->escape = false;
		switch (in[i]) {
		case ESCAPE_KEY:
			out[(*nout)++] = ESCAPE_KEY;
			break;
		case 'x':
		case 'X':
			c->quit = true;
			hv_machine_stop(c->machine);
			return false;
		case 'h':
		case 'H':
		case '?':
			if (write(STDERR_FILENO, escape_help, sizeof(escape_help) - 1) < 0) {
				/* stderr is gone: nothing to tell */
			}
			break;
		}
		/* Other keys after Ctrl-a do nothing, as in QEMU. */
	}
	return true;
}

static void *console_main(void *arg)
{
	struct console *c = arg;
	uint8_t in[256], out[256];

	for (;;) {
		size_t nout;
		ssize_t n;
		bool go_on;

		if (!wait_ready(c, STDIN_FILENO, POLLIN))
			break;
		n = read(STDIN_FILENO, in, sizeof(in));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;	/* the terminal hung up */
		go_on = filter(c, in, (size_t)n, out, &nout);
		if (!pass(c, out, nout) || !go_on)
			break;
	}
	/* The guest sees the end of its input. */
	close(c->pipe[1]);
	c->pipe[1] = -1;
	return NULL;
}

int console_start(struct console *c, struct hv_machine *machine)
{
	int err;

	c->machine = machine;
	if (!c->raw)
		return 0;
	err = pthread_create(&c->thread, NULL, console_main, c);
	if (err) {
		hvctl_err("cannot start the console thread: %s", strerror(err));
		return -1;
	}
	c->started = true;
	return 0;
}

void console_close(struct console *c)
{
	uint64_t one = 1;

	if (c->started) {
		if (write(c->stop_fd, &one, sizeof(one)) < 0) {
			/* only at a counter near 2^64: it is readable anyway */
		}
		pthread_join(c->thread, NULL);
		c->started = false;
	}
	if (c->raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &c->saved);
		c->raw = false;
	}
	for (int i = 0; i < 2; i++) {
		if (c->pipe[i] >= 0)
			close(c->pipe[i]);
		c->pipe[i] = -1;
	}
	if (c->stop_fd >= 0)
		close(c->stop_fd);
	c->stop_fd = -1;
}
