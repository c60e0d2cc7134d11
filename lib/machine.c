// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PC machine: a VM with the in-kernel irqchip, RAM laid out by
 * layout.c, ACPI tables, the devices of devices.h on a port bus, a kernel
 * put in place by a loader, and one thread per vCPU. docs/MACHINE.md
 * describes what the guest sees.
 *
 * Threads and locking:
 *  - One thread per vCPU runs hv_vcpu_run() and dispatches its I/O exits;
 *    the console reader thread moves input into the UART. Every device
 *    access, from either, holds m->lock (the bus lock): the devices are
 *    not thread safe, and interrupt line changes must reach the kernel in
 *    the order the devices made them.
 *  - m->end says whether the run is over. It goes from 0 to a reason
 *    exactly once (compare and swap): the winner writes m->info, which the
 *    caller of hv_machine_run() reads after joining every thread.
 *  - Ending the run wakes everything up without a lock, so that
 *    hv_machine_stop() can do it from a signal handler: write the eventfd
 *    m->wake_fd (every poll() here watches it; it stays readable) and kick
 *    every vCPU (hv_vcpu_run() returns HV_EXIT_INTERRUPTED, also from a HLT
 *    wait in the kernel; a kick before the next hv_vcpu_run() makes that
 *    one return at once, so no kick is lost between a check of m->end and
 *    the run).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "boot.h"
#include "devices.h"

/* Memory slot ids: RAM below the PCI hole, RAM above 4 GiB. */
#define SLOT_LOW	0
#define SLOT_HIGH	1

/*
 * What a guest gets for a hypercall it makes: the machine offers none, and
 * the guest sees KVM's signature at CPUID 0x40000100, so it gets KVM's
 * answer to an unknown hypercall, -KVM_ENOSYS (include/uapi/linux/kvm_para.h).
 */
#define KVM_ENOSYS	1000

/* Why and where the run ended: written by the thread that ended it. */
struct end_info {
	uint32_t vcpu;
	int status;
	uint64_t rip;
	int err;		/* HV_MACHINE_END_ERROR: the negative errno */
	char msg[256];		/* HV_MACHINE_END_ERROR: what went wrong */
};

struct vcpu_thread {
	struct hv_machine *m;
	struct hv_vcpu *vcpu;
	uint32_t index;
	pthread_t thread;
	bool started;
};

struct hv_machine {
	struct hv_vm *vm;
	struct libhv_ram ram;
	uint64_t rsdp;
	uint32_t nvcpus;
	struct vcpu_thread *vcpus;	/* nvcpus of them */
	int console_in, console_out;
	bool output_broken;		/* console_out failed: drop output */
	int wake_fd;			/* eventfd, readable once the run ends */
	bool loaded, ran;

	_Atomic uint32_t end;		/* HV_MACHINE_END_*; NONE while running */
	struct end_info info;

	pthread_mutex_t lock;		/* the bus lock: everything below */
	pthread_cond_t rx_cond;		/* the UART has room, or the reader must stop */
	bool reader_stop;
	pthread_t reader;
	bool reader_started;
	struct libhv_iobus bus;
	uint64_t mmio_unclaimed;
	struct libhv_uart uart;
	struct libhv_rtc rtc;
	struct libhv_i8042 i8042;
	struct libhv_pic pic;
	struct libhv_acpi_pm pm;
	struct libhv_legacy legacy;
};

/* hv_machine_stop() runs in signal handlers: its compare and swap must not lock. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics are not lock-free");

/* The vCPU this thread runs (NULL on other threads): whose exit ends a run. */
static _Thread_local const struct vcpu_thread *current;

/* ---- ending the run ---- */

/* Async-signal-safe: see the top of the file. */
static void wake_all(struct hv_machine *m)
{
	uint64_t one = 1;

	if (write(m->wake_fd, &one, sizeof(one)) < 0) {
		/* Only EAGAIN at a counter near 2^64: it is readable anyway. */
	}
	for (uint32_t i = 0; i < m->nvcpus; i++)
		libhv_vcpu_kick(m->vcpus[i].vcpu);
}

/* End the run for why, unless it has ended already; info may be NULL. */
static void machine_end(struct hv_machine *m, uint32_t why,
			const struct end_info *info)
{
	uint32_t running = HV_MACHINE_END_NONE;

	if (!atomic_compare_exchange_strong(&m->end, &running, why))
		return;
	if (info)
		m->info = *info;
	wake_all(m);
}

static bool ended(struct hv_machine *m)
{
	return atomic_load(&m->end) != HV_MACHINE_END_NONE;
}

/* The vCPU that this thread runs, and where it is, for the end of the run. */
static void where(struct end_info *info)
{
	if (!current)
		return;
	info->vcpu = current->index;
	info->rip = hv_vcpu_run_page(current->vcpu)->regs.rip;
}

/*
 * End the run with an error: err, and a message that names the vCPU (when
 * a vCPU thread fails) and says what happened.
 */
static void __attribute__((format(printf, 3, 4)))
machine_fail(struct hv_machine *m, int err, const char *fmt, ...)
{
	struct end_info info = { .err = err };
	size_t n = 0;
	va_list ap;

	where(&info);
	if (current)
		n = (size_t)snprintf(info.msg, sizeof(info.msg), "vCPU %u: ", info.vcpu);
	va_start(ap, fmt);
	vsnprintf(info.msg + n, sizeof(info.msg) - n, fmt, ap);
	va_end(ap);
	machine_end(m, HV_MACHINE_END_ERROR, &info);
}

/* struct libhv_end: a device ends the run (called with the bus lock held). */
static void device_end(void *opaque, uint32_t why, int status)
{
	struct end_info info = { .status = status };

	where(&info);
	machine_end(opaque, why, &info);
}

void hv_machine_stop(struct hv_machine *m)
{
	int saved_errno;

	if (!m)
		return;
	saved_errno = errno;
	machine_end(m, HV_MACHINE_END_STOPPED, NULL);
	errno = saved_errno;
}

/* ---- the devices' connections ---- */

/* struct libhv_irq: drive an IOAPIC input (called with the bus lock held). */
static void set_irq(void *opaque, uint32_t gsi, bool level)
{
	struct hv_machine *m = opaque;
	int err = hv_vm_irq_line(m->vm, gsi, level);

	if (err)
		machine_fail(m, err, "cannot set IRQ %u to %d: %s", gsi, level,
			     hv_error_detail());
}

/*
 * Wait until fd is ready for events, or the run ends: true when it is
 * ready, false when the run ended or poll() failed.
 */
static bool wait_fd(struct hv_machine *m, int fd, short events)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = events },
		{ .fd = m->wake_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (p[1].revents)
			return false;
		if (p[0].revents)
			return true;
	}
}

/*
 * UART output (called with the bus lock held). Blocking here holds the
 * guest back as a slow line would; poll() first, so that the end of the
 * run can interrupt it. Writes of at most PIPE_BUF bytes do not block once
 * a pipe polls writable.
 */
static void console_output(void *opaque, const uint8_t *buf, size_t len)
{
	struct hv_machine *m = opaque;

	while (len && m->console_out >= 0 && !m->output_broken) {
		size_t chunk = len < PIPE_BUF ? len : PIPE_BUF;
		ssize_t n;

		if (!wait_fd(m, m->console_out, POLLOUT))
			return;
		n = write(m->console_out, buf, chunk);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			/* The reader is gone (EPIPE, say): the guest cannot be told. */
			m->output_broken = true;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* The UART has room: wake the reader (called with the bus lock held). */
static void console_room(void *opaque)
{
	struct hv_machine *m = opaque;

	pthread_cond_signal(&m->rx_cond);
}

/*
 * Read console input into buf: > 0 bytes read, 0 at the end (end of file,
 * a read error, or the run ended).
 */
static size_t console_read(struct hv_machine *m, uint8_t *buf, size_t room)
{
	for (;;) {
		ssize_t n;

		if (!wait_fd(m, m->console_in, POLLIN))
			return 0;
		n = read(m->console_in, buf, room);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return n > 0 ? (size_t)n : 0;
	}
}

/*
 * The console reader: takes input only while the UART has room for it, so
 * nothing is lost and a guest that does not read holds the input back
 * (in the pipe or terminal behind console_in).
 */
static void *reader_main(void *arg)
{
	struct hv_machine *m = arg;
	uint8_t buf[LIBHV_UART_FIFO];
	size_t off = 0, len = 0, room = 0;
	bool stop;

	for (;;) {
		pthread_mutex_lock(&m->lock);
		while (!m->reader_stop && !(room = libhv_uart_rx_room(&m->uart)))
			pthread_cond_wait(&m->rx_cond, &m->lock);
		if (!m->reader_stop && len) {
			size_t n = libhv_uart_rx_push(&m->uart, buf + off, len);

			off += n;
			len -= n;
			room = libhv_uart_rx_room(&m->uart);
		}
		stop = m->reader_stop;
		pthread_mutex_unlock(&m->lock);
		if (stop)
			break;
		if (len || !room)
			continue;	/* wait for room for the rest */
		off = 0;
		len = console_read(m, buf, room < sizeof(buf) ? room : sizeof(buf));
		if (!len)
			break;
	}
	return NULL;
}

/* ---- creating the machine ---- */

static const struct {
	uint16_t base, len;
	const struct libhv_pio_ops *ops;
	size_t dev;	/* offset of the device in struct hv_machine */
} port_map[] = {
	{ LIBHV_PIC_MASTER, 2, &libhv_pic_ops, offsetof(struct hv_machine, pic) },
	{ LIBHV_PIC_SLAVE, 2, &libhv_pic_ops, offsetof(struct hv_machine, pic) },
	{ LIBHV_PIC_ELCR, 2, &libhv_pic_ops, offsetof(struct hv_machine, pic) },
	{ 0x40, 4, &libhv_pit_ops, offsetof(struct hv_machine, legacy) },
	{ LIBHV_I8042_DATA, 1, &libhv_i8042_ops, offsetof(struct hv_machine, i8042) },
	{ 0x61, 1, &libhv_port61_ops, offsetof(struct hv_machine, legacy) },
	{ LIBHV_I8042_CMD, 1, &libhv_i8042_ops, offsetof(struct hv_machine, i8042) },
	{ LIBHV_RTC_BASE, 2, &libhv_rtc_ops, offsetof(struct hv_machine, rtc) },
	{ 0x80, 1, &libhv_sink_ops, offsetof(struct hv_machine, legacy) },
	{ 0xed, 1, &libhv_sink_ops, offsetof(struct hv_machine, legacy) },
	{ LIBHV_DEBUG_EXIT_PORT, 1, &libhv_debug_exit_ops, offsetof(struct hv_machine, legacy) },
	{ LIBHV_COM1_BASE, LIBHV_UART_PORTS, &libhv_uart_ops, offsetof(struct hv_machine, uart) },
	{ LIBHV_PM1A_EVT, LIBHV_PM_PORTS, &libhv_acpi_pm_ops, offsetof(struct hv_machine, pm) },
	{ 0xcf8, 4, &libhv_pci_addr_ops, offsetof(struct hv_machine, legacy) },
	{ LIBHV_RESET_PORT, 1, &libhv_reset_ops, offsetof(struct hv_machine, pm) },
	{ 0xcfc, 4, &libhv_pci_data_ops, offsetof(struct hv_machine, legacy) },
};

#define NR_PORT_MAP (sizeof(port_map) / sizeof(port_map[0]))

static struct libhv_irq irq_line(struct hv_machine *m, uint32_t gsi)
{
	return (struct libhv_irq){ .set = set_irq, .opaque = m, .gsi = gsi };
}

static int devices_init(struct hv_machine *m)
{
	struct libhv_end end = { .request = device_end, .opaque = m };

	m->uart = (struct libhv_uart){
		.irq = irq_line(m, LIBHV_COM1_IRQ), .output = console_output,
		.rx_room = console_room, .opaque = m,
	};
	libhv_uart_reset(&m->uart);
	libhv_rtc_reset(&m->rtc, m->ram.low_size, m->ram.high_size, m->nvcpus);
	m->i8042 = (struct libhv_i8042){
		.kbd_irq = irq_line(m, LIBHV_I8042_KBD_IRQ),
		.aux_irq = irq_line(m, LIBHV_I8042_AUX_IRQ), .end = end,
	};
	libhv_i8042_reset(&m->i8042);
	libhv_pic_reset(&m->pic);
	m->pm = (struct libhv_acpi_pm){ .sci = irq_line(m, LIBHV_SCI_IRQ), .end = end };
	libhv_acpi_pm_reset(&m->pm);
	m->legacy = (struct libhv_legacy){ .end = end };
	libhv_legacy_reset(&m->legacy);

	for (size_t i = 0; i < NR_PORT_MAP; i++) {
		int err = libhv_iobus_add(&m->bus, port_map[i].base, port_map[i].len,
					  port_map[i].ops, (char *)m + port_map[i].dev);

		if (err)
			return libhv_error(err, "the port map has a bad entry at 0x%x",
					   port_map[i].base);
	}
	return 0;
}

static bool fd_ok(int fd)
{
	return fd == -1 || (fd >= 0 && fcntl(fd, F_GETFD) >= 0);
}

/* What can be checked without the device. */
static int config_check(const struct hv_machine_config *c)
{
	bool reserved = c->flags;

	for (size_t i = 0; i < sizeof(c->reserved) / sizeof(c->reserved[0]); i++)
		reserved |= c->reserved[i] != 0;
	if (reserved)
		return libhv_error(-EINVAL, "hv_machine_create: flags and reserved must be 0");
	if (c->mem < HV_MACHINE_MIN_MEM || c->mem % LIBHV_PAGE_SIZE)
		return libhv_error(-EINVAL,
				   "hv_machine_create: mem 0x%llx is not whole 4 KiB pages of at least 2 MiB",
				   (unsigned long long)c->mem);
	if (c->vcpus < 1 || c->vcpus > LIBHV_ACPI_MAX_CPUS)
		return libhv_error(-EINVAL, "hv_machine_create: vcpus %u is not 1 to %u",
				   c->vcpus, LIBHV_ACPI_MAX_CPUS);
	if (!fd_ok(c->console_in))
		return libhv_error(-EBADF, "hv_machine_create: console_in %d is not an open file descriptor",
				   c->console_in);
	if (!fd_ok(c->console_out))
		return libhv_error(-EBADF, "hv_machine_create: console_out %d is not an open file descriptor",
				   c->console_out);
	return 0;
}

/* A capability the machine needs, at least min. */
static int need_cap(struct hv *hv, uint32_t cap, const char *name, uint64_t min,
		    uint64_t *value)
{
	int err = hv_check_cap(hv, cap, value);

	if (err)
		return err;
	if (*value < min)
		return libhv_error(-EOPNOTSUPP,
				   "the hv module lacks %s, which the PC machine needs: load a newer one",
				   name);
	return 0;
}

#define NEED_CAP(hv, cap, min, value) need_cap(hv, cap, #cap, min, value)

static int caps_check(struct hv *hv, const struct hv_machine_config *c,
		      const struct libhv_ram *ram)
{
	uint64_t v;
	int err;

	if ((err = NEED_CAP(hv, HV_CAP_IRQCHIP, 1, &v)) ||
	    (err = NEED_CAP(hv, HV_CAP_KICK, 1, &v)) ||
	    (err = NEED_CAP(hv, HV_CAP_MMIO, 1, &v)) ||
	    (err = NEED_CAP(hv, HV_CAP_NR_MEMSLOTS, ram->high_size ? 2 : 1, &v)))
		return err;
	if ((err = hv_check_cap(hv, HV_CAP_MAX_VCPUS, &v)))
		return err;
	if (c->vcpus > v)
		return libhv_error(-EINVAL, "hv_machine_create: vcpus %u is more than hv's %llu",
				   c->vcpus, (unsigned long long)v);
	if ((err = hv_check_cap(hv, HV_CAP_GPA_BITS, &v)))
		return err;
	if (v && v < 64 && libhv_ram_end(ram) > 1ULL << v)
		return libhv_error(-E2BIG,
				   "hv_machine_create: %llu MiB of RAM end at 0x%llx, beyond hv's %llu-bit guest-physical space",
				   (unsigned long long)(c->mem >> 20),
				   (unsigned long long)libhv_ram_end(ram), (unsigned long long)v);
	return 0;
}

static int vm_init(struct hv_machine *m, struct hv *hv)
{
	int err;

	if ((err = hv_vm_create(hv, &m->vm)) || (err = hv_vm_create_irqchip(m->vm)) ||
	    (err = hv_vm_alloc_memory(m->vm, SLOT_LOW, 0, m->ram.low_size, 0, NULL)))
		return err;
	if (m->ram.high_size &&
	    (err = hv_vm_alloc_memory(m->vm, SLOT_HIGH, LIBHV_4G, m->ram.high_size, 0, NULL)))
		return err;
	if ((err = libhv_acpi_build(m->vm, m->nvcpus, &m->rsdp)))
		return err;
	for (uint32_t i = 0; i < m->nvcpus; i++) {
		struct vcpu_thread *t = &m->vcpus[i];

		err = hv_vcpu_create(m->vm, i, &t->vcpu);
		if (err)
			return err;
		t->m = m;
		t->index = i;
	}
	return 0;
}

static void machine_free(struct hv_machine *m)
{
	hv_vm_destroy(m->vm);
	if (m->wake_fd >= 0)
		close(m->wake_fd);
	pthread_cond_destroy(&m->rx_cond);
	pthread_mutex_destroy(&m->lock);
	free(m->vcpus);
	free(m);
}

int hv_machine_create(struct hv *hv, const struct hv_machine_config *config,
		      struct hv_machine **out)
{
	struct hv_machine *m;
	struct libhv_ram ram;
	int err;

	if (!hv)
		return LIBHV_NULL_ARG(hv);
	if (!config)
		return LIBHV_NULL_ARG(config);
	if (!out)
		return LIBHV_NULL_ARG(out);
	err = config_check(config);
	if (err)
		return err;
	libhv_ram_plan(config->mem, &ram);
	err = caps_check(hv, config, &ram);
	if (err)
		return err;

	m = calloc(1, sizeof(*m));
	if (!m)
		return libhv_error(-ENOMEM, "out of memory");
	m->ram = ram;
	m->nvcpus = config->vcpus;
	m->console_in = config->console_in;
	m->console_out = config->console_out;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->rx_cond, NULL);
	m->vcpus = calloc(m->nvcpus, sizeof(*m->vcpus));
	m->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!m->vcpus) {
		err = libhv_error(-ENOMEM, "out of memory");
		goto err_free;
	}
	if (m->wake_fd < 0) {
		err = libhv_error(-errno, "cannot create an eventfd: %s", strerror(errno));
		goto err_free;
	}
	err = vm_init(m, hv);
	if (err)
		goto err_free;
	err = devices_init(m);
	if (err)
		goto err_free;
	*out = m;
	return 0;

err_free:
	machine_free(m);
	return err;
}

void hv_machine_destroy(struct hv_machine *m)
{
	if (m)
		machine_free(m);
}

struct hv_vm *hv_machine_vm(struct hv_machine *m)
{
	return m ? m->vm : NULL;
}

uint32_t hv_machine_vcpus(const struct hv_machine *m)
{
	return m ? m->nvcpus : 0;
}

struct hv_vcpu *hv_machine_vcpu(struct hv_machine *m, uint32_t index)
{
	return m && index < m->nvcpus ? m->vcpus[index].vcpu : NULL;
}

/*
 * A function rather than a field of struct hv_machine_config: a program
 * that names its machine then needs libhv 1.3 by its symbol version, where
 * a field would fail at run time on an older libhv (its reserved words
 * must be 0).
 */
int hv_machine_set_name(struct hv_machine *m, const char *name)
{
	if (!m)
		return LIBHV_NULL_ARG(m);
	return hv_vm_set_name(m->vm, name);
}

/* ---- loading a kernel ---- */

struct mapped_file {
	void *data;
	size_t size;
};

static int map_file(const char *path, struct mapped_file *f)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		return libhv_error(-err, "cannot open %s: %s", path, strerror(err));
	}
	if (fstat(fd, &st)) {
		err = -errno;
		libhv_error(err, "cannot stat %s: %s", path, strerror(-err));
		goto out;
	}
	err = -EINVAL;
	if (!S_ISREG(st.st_mode)) {
		libhv_error(err, "%s is not a regular file", path);
		goto out;
	}
	if (st.st_size == 0) {
		libhv_error(err, "%s is empty", path);
		goto out;
	}
	f->size = (size_t)st.st_size;
	f->data = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = 0;
	if (f->data == MAP_FAILED) {
		err = -errno;
		libhv_error(err, "cannot map %s: %s", path, strerror(-err));
	}
out:
	close(fd);
	return err;
}

static void unmap_file(struct mapped_file *f)
{
	if (f->data)
		munmap(f->data, f->size);
}

static int probe(const char *path, const struct mapped_file *f, uint32_t *format)
{
	if (libhv_is_bzimage(f->data, f->size))
		*format = HV_KERNEL_BZIMAGE;
	else if (libhv_is_multiboot(f->data, f->size))
		*format = HV_KERNEL_MULTIBOOT;
	else
		return libhv_error(-ENOEXEC,
				   "%s is neither a Linux bzImage nor a multiboot kernel", path);
	return 0;
}

int hv_kernel_probe(const char *path, uint32_t *format)
{
	struct mapped_file f = { 0 };
	int err;

	if (!path)
		return LIBHV_NULL_ARG(path);
	if (!format)
		return LIBHV_NULL_ARG(format);
	err = map_file(path, &f);
	if (!err)
		err = probe(path, &f, format);
	unmap_file(&f);
	return err;
}

/* vCPU 0 starts where the loader says; the others wait for INIT/SIPI. */
static int set_entry(struct hv_machine *m, const struct libhv_entry *entry)
{
	struct hv_vcpu *boot = m->vcpus[0].vcpu;
	int err;

	if ((err = hv_vcpu_set_sregs(boot, &entry->sregs)) ||
	    (err = hv_vcpu_set_regs(boot, &entry->regs)))
		return err;
	m->loaded = true;
	return 0;
}

static int load_check(struct hv_machine *m, const char *kernel)
{
	if (!kernel)
		return LIBHV_NULL_ARG(kernel);
	if (m->loaded || m->ran)
		return libhv_error(-EALREADY, "the machine has a kernel already");
	return 0;
}

int hv_machine_load_linux(struct hv_machine *m, const char *kernel,
			  const char *initrd, const char *cmdline)
{
	struct mapped_file k = { 0 }, i = { 0 };
	struct libhv_linux image = { .cmdline = cmdline };
	struct libhv_entry entry;
	uint32_t format;
	int err;

	if (!m)
		return LIBHV_NULL_ARG(m);
	if ((err = load_check(m, kernel)) || (err = map_file(kernel, &k)))
		return err;
	if ((err = probe(kernel, &k, &format)))
		goto out;
	if (format != HV_KERNEL_BZIMAGE) {
		err = libhv_error(-ENOEXEC, "%s is a multiboot kernel, not a bzImage", kernel);
		goto out;
	}
	if (initrd && (err = map_file(initrd, &i)))
		goto out;
	image.kernel = k.data;
	image.kernel_size = k.size;
	image.initrd = i.data;
	image.initrd_size = i.size;
	err = libhv_linux_load(m->vm, &m->ram, m->rsdp, &image, &entry);
	if (!err)
		err = set_entry(m, &entry);
out:
	unmap_file(&i);
	unmap_file(&k);
	return err;
}

int hv_machine_load_multiboot(struct hv_machine *m, const char *kernel,
			      const char *cmdline)
{
	struct mapped_file k = { 0 };
	struct libhv_entry entry;
	int err;

	if (!m)
		return LIBHV_NULL_ARG(m);
	if ((err = load_check(m, kernel)) || (err = map_file(kernel, &k)))
		return err;
	if (!libhv_is_multiboot(k.data, k.size))
		err = libhv_error(-ENOEXEC, "%s has no multiboot header in its first 8 KiB",
				  kernel);
	else
		err = libhv_multiboot_load(m->vm, &m->ram, k.data, k.size, cmdline, &entry);
	if (!err)
		err = set_entry(m, &entry);
	unmap_file(&k);
	return err;
}

/* ---- running ---- */

static bool io_exit_valid(const struct hv_run *run)
{
	uint64_t len = (uint64_t)run->io.size * run->io.count;

	return (run->io.size == 1 || run->io.size == 2 || run->io.size == 4) &&
	       run->io.data_offset >= HV_RUN_IO_DATA_OFFSET &&
	       run->io.data_offset - HV_RUN_IO_DATA_OFFSET + len <= HV_RUN_IO_DATA_SIZE;
}

static void handle_io(struct hv_machine *m, struct hv_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	unsigned int size = run->io.size;

	if (!io_exit_valid(run)) {
		machine_fail(m, -EPROTO,
			     "hv reported a malformed I/O exit: port 0x%x size %u count %u offset %u",
			     run->io.port, size, run->io.count, run->io.data_offset);
		return;
	}
	pthread_mutex_lock(&m->lock);
	for (uint32_t i = 0; i < run->io.count; i++, data += size) {
		if (run->io.direction == HV_IO_OUT)
			libhv_iobus_out(&m->bus, run->io.port, size, data);
		else
			libhv_iobus_in(&m->bus, run->io.port, size, data);
	}
	/* Output leaves once per exit: a string OUTS is one write. */
	libhv_uart_flush(&m->uart);
	pthread_mutex_unlock(&m->lock);
}

/*
 * Accesses outside RAM that the kernel's APICs did not take: no device is
 * there, so reads float high and writes are dropped.
 */
static void handle_mmio(struct hv_machine *m, struct hv_run *run)
{
	pthread_mutex_lock(&m->lock);
	m->mmio_unclaimed++;
	pthread_mutex_unlock(&m->lock);
	if (!run->mmio.is_write)
		run->mmio.data = ~0ULL;
}

const char *hv_internal_error_name(uint32_t suberror)
{
	switch (suberror) {
	case HV_INTERNAL_UNHANDLED_EXIT:
		return "unhandled exit";
	case HV_INTERNAL_EMULATION:
		return "instruction hv cannot emulate";
	case HV_INTERNAL_BAD_STATE:
		return "backend state access failed";
	case HV_INTERNAL_MEMORY_FAULT:
		return "slot memory is gone";
	case HV_INTERNAL_KVM_BASE + KVM_INTERNAL_ERROR_SIMUL_EX:
		return "KVM: simultaneous exceptions";
	case HV_INTERNAL_KVM_BASE + KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "KVM: an exit while delivering an event";
	}
	if (suberror > HV_INTERNAL_KVM_BASE && suberror < 2 * HV_INTERNAL_KVM_BASE)
		return "KVM internal error";
	return "unknown";
}

static void internal_error(struct hv_machine *m, const struct hv_run *run)
{
	uint32_t n = run->internal.ndata < 8 ? run->internal.ndata : 8;
	char data[8 * 19 + 1] = "";
	size_t len = 0;

	for (uint32_t i = 0; i < n; i++)
		len += (size_t)snprintf(data + len, sizeof(data) - len, " 0x%llx",
					(unsigned long long)run->internal.data[i]);
	machine_fail(m, -EIO, "hv internal error: suberror %u (%s), data:%s (rip 0x%llx)",
		     run->internal.suberror, hv_internal_error_name(run->internal.suberror),
		     n ? data : " none", (unsigned long long)run->regs.rip);
}

/* One exit of this thread's vCPU. */
static void handle_exit(struct hv_machine *m, struct hv_run *run)
{
	struct end_info info = { 0 };

	switch (run->exit_reason) {
	case HV_EXIT_IO:
		handle_io(m, run);
		break;
	case HV_EXIT_MMIO:
		handle_mmio(m, run);
		break;
	case HV_EXIT_HYPERCALL:
		run->hypercall.ret = (uint64_t)-KVM_ENOSYS;
		break;
	case HV_EXIT_INTERRUPTED:
	case HV_EXIT_IRQ_WINDOW_OPEN:
		/* A kick (the run may be ending), a signal, a stale window. */
		break;
	case HV_EXIT_SHUTDOWN:
		where(&info);
		machine_end(m, HV_MACHINE_END_SHUTDOWN, &info);
		break;
	case HV_EXIT_FAIL_ENTRY:
		if (run->fail.hw_reason == HV_FAIL_VIRT_BUSY)
			machine_fail(m, -EBUSY,
				     "another hypervisor (KVM?) is using VT-x on CPU %u: run the guest again once it is done",
				     run->fail.cpu);
		else
			machine_fail(m, -EIO,
				     "the CPU refused to enter the guest: hardware reason 0x%llx on CPU %u (rip 0x%llx)",
				     (unsigned long long)run->fail.hw_reason,
				     run->fail.cpu,
				     (unsigned long long)run->regs.rip);
		break;
	case HV_EXIT_INTERNAL_ERROR:
		internal_error(m, run);
		break;
	default:
		/*
		 * HLT among them: with the in-kernel irqchip hv waits for the
		 * interrupt itself and never hands a HLT to userspace.
		 */
		machine_fail(m, -EPROTO, "unexpected exit %s (%u) from hv (rip 0x%llx)",
			     hv_exit_name(run->exit_reason), run->exit_reason,
			     (unsigned long long)run->regs.rip);
		break;
	}
}

/*
 * An administrator stopped the VM (HV_CMD_STOP_VM): every vCPU's run fails
 * with EPERM from now on, and the machine ends as the guest would.
 */
static bool vm_stopped(struct hv_machine *m, int err, const struct hv_run *run)
{
	struct end_info info = { 0 };

	if (err != -EPERM || run->exit_reason != HV_EXIT_STOPPED)
		return false;
	where(&info);
	machine_end(m, HV_MACHINE_END_VM_STOPPED, &info);
	return true;
}

static void *vcpu_main(void *arg)
{
	struct vcpu_thread *t = arg;
	struct hv_machine *m = t->m;
	struct hv_run *run = hv_vcpu_run_page(t->vcpu);

	current = t;
	while (!ended(m)) {
		int err = hv_vcpu_run(t->vcpu);

		if (err) {
			if (!vm_stopped(m, err, run))
				machine_fail(m, err, "%s", hv_error_detail());
			break;
		}
		handle_exit(m, run);
	}
	return NULL;
}

/*
 * Start a thread with every asynchronous signal blocked, so that signals
 * for the process go to the caller's threads (a handler there can call
 * hv_machine_stop()). Faults stay deliverable.
 */
static int start_thread(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return libhv_error(-err, "cannot start a thread: %s", strerror(err));
	return 0;
}

static void start_threads(struct hv_machine *m)
{
	int err;

	if (m->console_in >= 0) {
		err = start_thread(&m->reader, reader_main, m);
		if (err) {
			machine_fail(m, err, "console reader: %s", hv_error_detail());
			return;
		}
		m->reader_started = true;
	}
	for (uint32_t i = 0; i < m->nvcpus; i++) {
		struct vcpu_thread *t = &m->vcpus[i];

		err = start_thread(&t->thread, vcpu_main, t);
		if (err) {
			machine_fail(m, err, "vCPU %u: %s", i, hv_error_detail());
			return;
		}
		t->started = true;
	}
}

static void join_threads(struct hv_machine *m)
{
	for (uint32_t i = 0; i < m->nvcpus; i++)
		if (m->vcpus[i].started)
			pthread_join(m->vcpus[i].thread, NULL);
	if (!m->reader_started)
		return;
	pthread_mutex_lock(&m->lock);
	m->reader_stop = true;
	pthread_cond_broadcast(&m->rx_cond);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->reader, NULL);
}

int hv_machine_run(struct hv_machine *m, struct hv_machine_result *result)
{
	if (!m)
		return LIBHV_NULL_ARG(m);
	if (!result)
		return LIBHV_NULL_ARG(result);
	if (m->ran)
		return libhv_error(-EALREADY, "hv_machine_run: the machine has run already");
	if (!m->loaded)
		return libhv_error(-EINVAL, "hv_machine_run: no kernel loaded");
	m->ran = true;

	start_threads(m);
	join_threads(m);

	pthread_mutex_lock(&m->lock);
	libhv_uart_flush(&m->uart);
	*result = (struct hv_machine_result){
		.end = atomic_load(&m->end),
		.vcpu = m->info.vcpu,
		.status = m->info.status,
		.rip = m->info.rip,
		.io_unclaimed = m->bus.unclaimed,
		.mmio_unclaimed = m->mmio_unclaimed,
	};
	pthread_mutex_unlock(&m->lock);
	if (result->end == HV_MACHINE_END_ERROR)
		return libhv_error(m->info.err, "%s", m->info.msg);
	return 0;
}

const char *hv_machine_end_name(uint32_t end)
{
	static const char *const names[] = {
		[HV_MACHINE_END_NONE] = "none",
		[HV_MACHINE_END_POWEROFF] = "poweroff",
		[HV_MACHINE_END_RESET] = "reset",
		[HV_MACHINE_END_DEBUG_EXIT] = "debug_exit",
		[HV_MACHINE_END_SHUTDOWN] = "shutdown",
		[HV_MACHINE_END_STOPPED] = "stopped",
		[HV_MACHINE_END_ERROR] = "error",
		[HV_MACHINE_END_VM_STOPPED] = "vm_stopped",
	};

	return end < sizeof(names) / sizeof(names[0]) ? names[end] : "unknown";
}
