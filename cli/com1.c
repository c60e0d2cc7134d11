// SPDX-License-Identifier: GPL-2.0
/*
 * COM1 for hvctl run: what a guest that polls the line status register
 * and writes bytes needs, and nothing that would need interrupts.
 */
#include <errno.h>
#include <unistd.h>

#include "run.h"

/* 16550 register offsets and bits (PC16550D data sheet). */
#define UART_THR	0	/* transmit holding; divisor low when DLAB */
#define UART_IIR	2
#define UART_LCR	3
#define UART_LSR	5
#define LCR_DLAB	0x80
#define IIR_NO_INT	0x01
#define LSR_THRE	0x20	/* transmit holding register empty */
#define LSR_TEMT	0x40	/* transmitter empty */

static void write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* stdout is gone: the guest cannot be told, drop it */
		buf += n;
		len -= (size_t)n;
	}
}

void com1_flush(struct com1 *uart)
{
	write_all(STDOUT_FILENO, uart->tx, uart->ntx);
	uart->ntx = 0;
}

static bool is_com1(uint16_t port)
{
	return port >= COM1_BASE && port < COM1_BASE + COM1_PORTS;
}

bool com1_out(struct com1 *uart, uint16_t port, uint8_t value)
{
	if (!is_com1(port))
		return false;
	switch (port - COM1_BASE) {
	case UART_THR:
		/* With DLAB set this is the baud divisor, not a character. */
		if (uart->lcr & LCR_DLAB)
			break;
		if (uart->ntx == sizeof(uart->tx))
			com1_flush(uart);
		uart->tx[uart->ntx++] = value;
		break;
	case UART_LCR:
		uart->lcr = value;
		break;
	}
	return true;
}

bool com1_in(struct com1 *uart, uint16_t port, uint8_t *value)
{
	if (!is_com1(port))
		return false;
	switch (port - COM1_BASE) {
	case UART_LSR:
		*value = LSR_THRE | LSR_TEMT;
		break;
	case UART_IIR:
		/* 0 would mean "interrupt pending": say none is. */
		*value = IIR_NO_INT;
		break;
	case UART_LCR:
		*value = uart->lcr;
		break;
	default:
		*value = 0;
	}
	return true;
}
