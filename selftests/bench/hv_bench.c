// SPDX-License-Identifier: GPL-2.0
/*
 * hv_bench: the same guests on hv and on KVM, timed from the host side.
 *
 *   io_exit    a real-mode guest doing OUT in a loop: the cost of one I/O
 *              exit round trip (RUN -> userspace -> RUN), in microseconds;
 *   fault_in   a 32-bit guest touching each page of 16 MiB once: the cost
 *              of a nested page fault that maps slot memory, per page.
 *
 * Both hypervisors are driven through their raw ioctls with byte-identical
 * guest code, so the numbers compare the kernel paths and nothing else.
 * Usage: hv_bench hv|kvm [iterations [rounds]]; prints one line per round,
 * "bench NAME BACKEND VALUE UNIT".
 *
 * For KVM an idle VM is held for the whole run, so kvm_amd turns SVM on
 * once: its enable/disable path freezes QEMU's emulated SVM every few dozen
 * cycles.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/hv.h>
#include <linux/kvm.h>

#define MEM_SIZE	(32UL << 20)
#define CODE_GPA	0x1000
#define TOUCH_START	(8UL << 20)
#define TOUCH_PAGES	4096
#define BENCH_PORT	0xe9
#define DONE_PORT	0xf4

/* mov dx, 0xe9; 1: out dx, al; jmp 1b */
static const uint8_t io_loop16[] = { 0xba, 0xe9, 0x00, 0xee, 0xeb, 0xfd };

/*
 * 32-bit: mov edi, TOUCH_START; mov ecx, TOUCH_PAGES;
 * 1: mov [edi], eax; add edi, 4096; loop 1b; mov dx, 0xf4; out dx, al; hlt
 */
static const uint8_t touch32[] = {
	0xbf, 0x00, 0x00, 0x80, 0x00,		/* mov edi, 0x800000 */
	0xb9, 0x00, 0x10, 0x00, 0x00,		/* mov ecx, 4096 */
	0x89, 0x07,				/* mov [edi], eax */
	0x81, 0xc7, 0x00, 0x10, 0x00, 0x00,	/* add edi, 4096 */
	0xe2, 0xf6,				/* loop */
	0x66, 0xba, 0xf4, 0x00,			/* mov dx, 0xf4 */
	0xee,					/* out dx, al */
	0xf4,					/* hlt */
};

struct backend {
	const char *name;
	int (*setup)(int mode32, void *mem);	/* 0 or -errno */
	int (*run)(void);			/* exit port, or -errno */
};

static int dev_fd, vm_fd, vcpu_fd;
static void *run_page;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int fail(const char *what)
{
	int e = errno;

	fprintf(stderr, "hv_bench: %s: %s\n", what, strerror(e));
	return -e;
}

/* ---- hv ---- */

static void hv_flat32(struct hv_segment *s, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->db = 1;
	s->g = 1;
}

static int hv_setup(int mode32, void *mem)
{
	struct hv_memslot m = { .size = MEM_SIZE, .uaddr = (uintptr_t)mem };
	struct hv_sregs s;
	struct hv_regs r;

	dev_fd = open("/dev/hv", O_RDWR | O_CLOEXEC);
	if (dev_fd < 0)
		return fail("/dev/hv");
	vm_fd = ioctl(dev_fd, HV_CREATE_VM, 0);
	if (vm_fd < 0)
		return fail("HV_CREATE_VM");
	if (ioctl(vm_fd, HV_VM_SET_MEMSLOT, &m))
		return fail("HV_VM_SET_MEMSLOT");
	vcpu_fd = ioctl(vm_fd, HV_VM_CREATE_VCPU, 0);
	if (vcpu_fd < 0)
		return fail("HV_VM_CREATE_VCPU");
	run_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
	if (run_page == MAP_FAILED)
		return fail("mmap run page");
	if (ioctl(vcpu_fd, HV_VCPU_GET_SREGS, &s))
		return fail("HV_VCPU_GET_SREGS");
	s.cs.base = 0;
	s.cs.selector = 0;
	if (mode32) {
		hv_flat32(&s.cs, 0xb);
		hv_flat32(&s.ds, 0x3);
		s.es = s.ss = s.ds;
		s.cr0 = 0x11;	/* PE, ET */
	}
	if (ioctl(vcpu_fd, HV_VCPU_SET_SREGS, &s))
		return fail("HV_VCPU_SET_SREGS");
	memset(&r, 0, sizeof(r));
	r.rip = CODE_GPA;
	r.rflags = 2;
	if (ioctl(vcpu_fd, HV_VCPU_SET_REGS, &r))
		return fail("HV_VCPU_SET_REGS");
	return 0;
}

static int hv_run(void)
{
	struct hv_run *run = run_page;

	if (ioctl(vcpu_fd, HV_VCPU_RUN, 0))
		return fail("HV_VCPU_RUN");
	if (run->exit_reason != HV_EXIT_IO) {
		fprintf(stderr, "hv_bench: hv exit %u\n", run->exit_reason);
		return -EIO;
	}
	return run->io.port;
}

/* ---- KVM ---- */

static void kvm_flat32(struct kvm_segment *s, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->db = 1;
	s->g = 1;
}

static int kvm_setup(int mode32, void *mem)
{
	struct kvm_userspace_memory_region m = {
		.memory_size = MEM_SIZE, .userspace_addr = (uintptr_t)mem,
	};
	struct kvm_sregs s;
	struct kvm_regs r;
	int size;

	dev_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (dev_fd < 0)
		return fail("/dev/kvm");
	vm_fd = ioctl(dev_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		return fail("KVM_CREATE_VM");
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &m))
		return fail("KVM_SET_USER_MEMORY_REGION");
	vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	if (vcpu_fd < 0)
		return fail("KVM_CREATE_VCPU");
	size = ioctl(dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	run_page = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
	if (run_page == MAP_FAILED)
		return fail("mmap kvm_run");
	if (ioctl(vcpu_fd, KVM_GET_SREGS, &s))
		return fail("KVM_GET_SREGS");
	s.cs.base = 0;
	s.cs.selector = 0;
	if (mode32) {
		kvm_flat32(&s.cs, 0xb);
		kvm_flat32(&s.ds, 0x3);
		s.es = s.ss = s.ds;
		s.cr0 = 0x11;
	}
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &s))
		return fail("KVM_SET_SREGS");
	memset(&r, 0, sizeof(r));
	r.rip = CODE_GPA;
	r.rflags = 2;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &r))
		return fail("KVM_SET_REGS");
	return 0;
}

static int kvm_run_once(void)
{
	struct kvm_run *run = run_page;

	if (ioctl(vcpu_fd, KVM_RUN, 0))
		return fail("KVM_RUN");
	if (run->exit_reason != KVM_EXIT_IO) {
		fprintf(stderr, "hv_bench: kvm exit %u\n", run->exit_reason);
		return -EIO;
	}
	return run->io.port;
}

static const struct backend backends[] = {
	{ "hv", hv_setup, hv_run },
	{ "kvm", kvm_setup, kvm_run_once },
};

static void teardown(void)
{
	close(vcpu_fd);
	close(vm_fd);
	close(dev_fd);
}

static void *guest_memory(const uint8_t *code, size_t len)
{
	void *mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		return NULL;
	memcpy((char *)mem + CODE_GPA, code, len);
	return mem;
}

static int bench_io(const struct backend *b, long iters)
{
	void *mem = guest_memory(io_loop16, sizeof(io_loop16));
	double t0;
	long i;
	int ret;

	if (!mem || (ret = b->setup(0, mem)))
		return -1;
	for (i = 0; i < 100; i++)	/* warm up: fault in the code page */
		if (b->run() != BENCH_PORT)
			return -1;
	t0 = now_us();
	for (i = 0; i < iters; i++)
		if (b->run() != BENCH_PORT)
			return -1;
	printf("bench io_exit %s %.2f us\n", b->name, (now_us() - t0) / iters);
	teardown();
	munmap(mem, MEM_SIZE);
	return 0;
}

static int bench_fault_in(const struct backend *b)
{
	void *mem = guest_memory(touch32, sizeof(touch32));
	double t0;
	int ret;

	if (!mem || (ret = b->setup(1, mem)))
		return -1;
	t0 = now_us();
	if (b->run() != DONE_PORT)
		return -1;
	printf("bench fault_in %s %.2f us/page\n", b->name,
	       (now_us() - t0) / TOUCH_PAGES);
	teardown();
	munmap(mem, MEM_SIZE);
	return 0;
}

int main(int argc, char **argv)
{
	long iters = argc > 2 ? atol(argv[2]) : 20000;
	long rounds = argc > 3 ? atol(argv[3]) : 1;
	const struct backend *b = NULL;
	int keeper_dev = -1, keeper = -1;
	size_t i;

	for (i = 0; argc > 1 && i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(argv[1], backends[i].name))
			b = &backends[i];
	if (!b || iters <= 0 || rounds <= 0) {
		fprintf(stderr, "usage: hv_bench hv|kvm [iterations [rounds]]\n");
		return 2;
	}
	if (b->setup == kvm_setup) {
		keeper_dev = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		keeper = keeper_dev < 0 ? -1 : ioctl(keeper_dev, KVM_CREATE_VM, 0);
		if (keeper < 0) {
			fail("keeper KVM VM");
			return 1;
		}
	}
	for (; rounds > 0; rounds--)
		if (bench_io(b, iters) || bench_fault_in(b))
			return 1;
	if (keeper >= 0) {
		close(keeper);
		close(keeper_dev);
	}
	return 0;
}
