// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The machine's port I/O bus: which device answers an access, and how a
 * wide access reaches 8-bit devices.
 *
 * Two devices may claim the same port for different access sizes: on a PC
 * a 32-bit access to 0xcf8 is the PCI configuration address, while a byte
 * written to 0xcf9 is the reset control register (PCI Local Bus
 * Specification 3.0, 3.2.2.3.2: only doubleword accesses to CONFIG_ADDRESS
 * are claimed by the host bridge; the rest pass through as normal I/O).
 */
#include <errno.h>

#include "devices.h"

void libhv_irq_set(struct libhv_irq *irq, bool level)
{
	if (irq->level == level)
		return;
	irq->level = level;
	if (irq->set)
		irq->set(irq->opaque, irq->gsi, level);
}

static bool overlaps(const struct libhv_pio *r, uint32_t base, uint32_t len)
{
	return base < (uint32_t)r->base + r->len && r->base < base + len;
}

int libhv_iobus_add(struct libhv_iobus *bus, uint16_t base, uint16_t len,
		    const struct libhv_pio_ops *ops, void *dev)
{
	if (len == 0 || (uint32_t)base + len > 0x10000)
		return -EINVAL;
	for (size_t i = 0; i < bus->n; i++) {
		const struct libhv_pio *r = &bus->range[i];

		if ((r->ops->sizes & ops->sizes) && overlaps(r, base, len))
			return -EEXIST;
	}
	if (bus->n == LIBHV_IOBUS_MAX)
		return -ENOSPC;
	bus->range[bus->n++] = (struct libhv_pio){
		.base = base, .len = len, .ops = ops, .dev = dev,
	};
	return 0;
}

/* The device that takes a size-byte access at port whole, or NULL. */
static const struct libhv_pio *find(const struct libhv_iobus *bus,
				    uint32_t port, unsigned int size)
{
	for (size_t i = 0; i < bus->n; i++) {
		const struct libhv_pio *r = &bus->range[i];

		if ((r->ops->sizes & LIBHV_IO_SIZE(size)) && port >= r->base &&
		    port + size <= (uint32_t)r->base + r->len)
			return r;
	}
	return NULL;
}

void libhv_iobus_in(struct libhv_iobus *bus, uint16_t port, unsigned int size,
		    uint8_t *data)
{
	const struct libhv_pio *r = find(bus, port, size);

	if (r) {
		uint32_t v = r->ops->in(r->dev, port, size);

		for (unsigned int i = 0; i < size; i++)
			data[i] = (uint8_t)(v >> (8 * i));
		return;
	}
	for (unsigned int i = 0; i < size; i++) {
		/* Port arithmetic wraps at 64 Ki, as the CPU's does. */
		uint16_t p = (uint16_t)(port + i);

		r = size > 1 ? find(bus, p, 1) : NULL;
		if (r) {
			data[i] = (uint8_t)r->ops->in(r->dev, p, 1);
		} else {
			data[i] = 0xff;
			bus->unclaimed++;
		}
	}
}

void libhv_iobus_out(struct libhv_iobus *bus, uint16_t port, unsigned int size,
		     const uint8_t *data)
{
	const struct libhv_pio *r = find(bus, port, size);

	if (r) {
		uint32_t v = 0;

		for (unsigned int i = 0; i < size; i++)
			v |= (uint32_t)data[i] << (8 * i);
		r->ops->out(r->dev, port, size, v);
		return;
	}
	for (unsigned int i = 0; i < size; i++) {
		uint16_t p = (uint16_t)(port + i);

		r = size > 1 ? find(bus, p, 1) : NULL;
		if (r)
			r->ops->out(r->dev, p, 1, data[i]);
		else
			bus->unclaimed++;
	}
}
