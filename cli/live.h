/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the commands that run until told to stop share (stat --watch, top,
 * events): SIGINT, SIGTERM and SIGHUP end them cleanly; with a screen
 * (stdout a terminal) they draw full-screen frames with ANSI escapes, 'q'
 * typed on stdin (a terminal, without echo or line editing meanwhile) ends
 * them, and the terminal is restored however they end, Ctrl-Z included.
 */
#ifndef HVCTL_LIVE_H
#define HVCTL_LIVE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

struct live {
	bool screen;		/* stdout is a terminal: frames redraw it */
	bool keys;		/* stdin is a terminal in non-canonical mode, read for 'q' */
	bool started;		/* live_start() succeeded: live_stop() has work */
	struct termios saved;	/* stdin's settings before */
	sigset_t old_mask;	/* the signal mask before */
	sigset_t wait_mask;	/* what ppoll() waits with: ours unblocked */
	unsigned int cols, rows;
	unsigned int line;	/* lines of the frame drawn so far */
};

enum live_event {
	LIVE_TIMEOUT,		/* the deadline passed */
	LIVE_READY,		/* the file descriptor is readable */
	LIVE_REDRAW,		/* the terminal changed size or came back from Ctrl-Z */
	LIVE_QUIT,		/* a signal, or 'q' */
	LIVE_ERROR,		/* ppoll() failed (said why) */
};

/*
 * Catch the signals; with @want_screen and stdout a terminal, take the
 * screen (alternate screen, no cursor) and stdin's keys. 0, or -1 after
 * saying why. live_stop() restores everything, also after a failure.
 */
int live_start(struct live *l, bool want_screen);
void live_stop(struct live *l);

/*
 * Wait until @deadline (CLOCK_MONOTONIC ns, 0 for none) or until @fd (-1
 * for none) is readable, whichever first; a quit or a redraw comes first.
 */
enum live_event live_wait(struct live *l, int fd, uint64_t deadline);

/*
 * A frame: on a screen drawn from the top left, each line cut at the
 * terminal's width, lines past its height left out; else printed as is.
 * live_line() takes one line without its newline. Outside a live view (a
 * zeroed struct live) live_line() just prints. The caller flushes stdout
 * after live_frame_end().
 */
void live_frame_begin(struct live *l);
void live_line(struct live *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void live_frame_end(struct live *l);

/* A line built piece by piece; what outgrows it is cut. */
struct live_buf {
	size_t len;
	char text[1024];
};

void live_add(struct live_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* live_line() of it, then empty it. */
void live_put(struct live *l, struct live_buf *b);

#endif /* HVCTL_LIVE_H */
