// SPDX-License-Identifier: GPL-2.0
/*
 * The live views' loop: signals, the terminal, waiting.
 *
 * The signals that end a view (and, on a screen, SIGWINCH and SIGTSTP) are
 * blocked but while ppoll() waits: a handler only notes that one came, and
 * the loop acts on it, terminal restored first. No signal can slip in
 * between a check and the wait, so none is missed or waits for a timeout.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "hvctl.h"
#include "live.h"

/* ANSI/xterm: alternate screen and hidden cursor; home; clear line, clear below. */
#define SCREEN_ENTER	"\033[?1049h\033[?25l"
#define SCREEN_LEAVE	"\033[?25h\033[?1049l"
#define CURSOR_HOME	"\033[H"
#define CLEAR_EOL	"\033[K"
#define CLEAR_BELOW	"\033[J"

#define NSEC_PER_SEC	1000000000ULL
#define DEFAULT_COLS	80
#define DEFAULT_ROWS	24

/* What the handlers saw; the loop clears what it acted on. */
static volatile sig_atomic_t quit_signal;
static volatile sig_atomic_t resized;
static volatile sig_atomic_t suspended;

static void on_quit(int sig)
{
	quit_signal = sig;
}

static void on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

static void on_tstp(int sig)
{
	(void)sig;
	suspended = 1;
}

/*
 * Catch sig, unless it is ignored: a shell starts background jobs with
 * SIGINT ignored, and Ctrl-C at the terminal is not for them.
 */
static void catch_signal(int sig, void (*handler)(int), sigset_t *set)
{
	struct sigaction sa = { .sa_handler = handler }, old;

	if (sigaction(sig, NULL, &old) || old.sa_handler == SIG_IGN)
		return;
	sigemptyset(&sa.sa_mask);
	if (!sigaction(sig, &sa, NULL))
		sigaddset(set, sig);
}

static void catch_signals(struct live *l)
{
	sigset_t set;

	sigemptyset(&set);
	catch_signal(SIGINT, on_quit, &set);
	catch_signal(SIGTERM, on_quit, &set);
	catch_signal(SIGHUP, on_quit, &set);
	if (l->screen) {
		catch_signal(SIGWINCH, on_winch, &set);
		catch_signal(SIGTSTP, on_tstp, &set);
	}
	sigprocmask(SIG_BLOCK, &set, &l->old_mask);
	l->wait_mask = l->old_mask;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&set, sig) == 1)
			sigdelset(&l->wait_mask, sig);
}

static void window_size(struct live *l)
{
	struct winsize ws;

	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col && ws.ws_row) {
		l->cols = ws.ws_col;
		l->rows = ws.ws_row;
	} else {
		l->cols = DEFAULT_COLS;
		l->rows = DEFAULT_ROWS;
	}
}

/* Keys without echo or line editing; signals (Ctrl-C, Ctrl-Z) as usual. */
static int keys_raw(struct live *l)
{
	struct termios t = l->saved;

	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t)) {
		hvctl_err("cannot set up the terminal: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int take_screen(struct live *l)
{
	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &l->saved)) {
		if (keys_raw(l))
			return -1;
		l->keys = true;
	}
	fputs(SCREEN_ENTER, stdout);
	window_size(l);
	return 0;
}

static void give_back_screen(struct live *l)
{
	if (l->screen) {
		fputs(SCREEN_LEAVE, stdout);
		fflush(stdout);
	}
	if (l->keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &l->saved);
}

int live_start(struct live *l, bool want_screen)
{
	*l = (struct live){ .screen = want_screen && isatty(STDOUT_FILENO),
			    .cols = DEFAULT_COLS, .rows = DEFAULT_ROWS };
	/* What an earlier view in this process saw is not for this one. */
	quit_signal = resized = suspended = 0;
	/* Whole frames at once: no flicker. Before any output, as setvbuf() needs. */
	if (l->screen)
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	catch_signals(l);
	l->started = true;
	return l->screen ? take_screen(l) : 0;
}

void live_stop(struct live *l)
{
	if (!l->started)
		return;
	give_back_screen(l);
	l->screen = l->keys = false;
	sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
	l->started = false;
}

/* Ctrl-Z: the terminal as it was while stopped, the screen again after. */
static void suspend(struct live *l)
{
	give_back_screen(l);
	raise(SIGSTOP);
	if (l->keys && keys_raw(l))
		l->keys = false;
	fputs(SCREEN_ENTER, stdout);
	window_size(l);
}

/* true when a key says quit; stdin at its end or failing is no longer read. */
static bool read_keys(struct live *l)
{
	char buf[64];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			l->keys = false;
		return false;
	}
	return memchr(buf, 'q', (size_t)n) || memchr(buf, 'Q', (size_t)n);
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* What a signal noted before the wait; -1 for nothing. */
static int pending(struct live *l)
{
	if (quit_signal)
		return LIVE_QUIT;
	if (suspended) {
		suspended = 0;
		suspend(l);
		return LIVE_REDRAW;
	}
	if (resized) {
		resized = 0;
		window_size(l);
		return LIVE_REDRAW;
	}
	return -1;
}

enum live_event live_wait(struct live *l, int fd, uint64_t deadline)
{
	for (;;) {
		struct pollfd fds[2];
		struct timespec ts, *timeout = NULL;
		nfds_t n = 0, key = 0;
		int ret = pending(l);

		if (ret >= 0)
			return ret;
		if (deadline) {
			uint64_t now = monotonic_ns();

			if (now >= deadline)
				return LIVE_TIMEOUT;
			ts = (struct timespec){ .tv_sec = (time_t)((deadline - now) / NSEC_PER_SEC),
						.tv_nsec = (long)((deadline - now) % NSEC_PER_SEC) };
			timeout = &ts;
		}
		if (fd >= 0)
			fds[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (l->keys) {
			key = n;
			fds[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		}
		ret = ppoll(fds, n, timeout, &l->wait_mask);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			hvctl_err("waiting: %s", strerror(errno));
			return LIVE_ERROR;
		}
		if (l->keys && fds[key].revents && read_keys(l))
			return LIVE_QUIT;
		if (fd >= 0 && fds[0].revents)
			return LIVE_READY;
	}
}

void live_frame_begin(struct live *l)
{
	l->line = 0;
	if (l->screen)
		fputs(CURSOR_HOME, stdout);
}

/* Cut buf at @cols columns (UTF-8 characters one column each). */
static void cut_line(char *buf, unsigned int cols)
{
	unsigned int col = 0;

	for (char *p = buf; *p; p++) {
		if (((unsigned char)*p & 0xc0) == 0x80)
			continue;
		if (col++ == cols) {
			*p = '\0';
			return;
		}
	}
}

void live_line(struct live *l, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!l->screen) {
		puts(buf);
		return;
	}
	if (l->line >= l->rows)
		return;
	/* A newline after the last row would scroll the frame: they go before. */
	cut_line(buf, l->cols);
	printf("%s%s" CLEAR_EOL, l->line++ ? "\n" : "", buf);
}

void live_frame_end(struct live *l)
{
	if (l->screen)
		fputs(CLEAR_BELOW, stdout);
}

void live_add(struct live_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len + 1 >= sizeof(b->text))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->text + b->len, sizeof(b->text) - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	b->len += (size_t)n;
	if (b->len >= sizeof(b->text))
		b->len = sizeof(b->text) - 1;
}

void live_put(struct live *l, struct live_buf *b)
{
	live_line(l, "%s", b->text);
	b->len = 0;
	b->text[0] = '\0';
}
