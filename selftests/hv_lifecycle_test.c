// SPDX-License-Identifier: GPL-2.0
/*
 * Object lifetimes (docs/API.md "Objects"): fds closed in every order, the
 * run page outliving its fds, VM and vCPU fds used from another process,
 * processes that die with vCPUs running, module unload while a VM exists.
 * Sharing SVM/VMX with KVM is in hv_kvm_test.
 */
#include <pthread.h>
#include <sys/syscall.h>

#include "test_util.h"

/* mov $0x42, %al; out %al, $0x10; hlt -- at the reset vector. */
static const uint8_t reset_code[] = { 0xb0, 0x42, 0xe6, 0x10, 0xf4 };
#define RESET_PAGE	0xfffff000ULL

/* A VM built with raw ioctls only: one page at the reset vector, vCPU 0. */
struct raw_vm {
	int dev;
	int vm;
	int vcpu;
	long run_size;
	struct hv_run *run;
	uint8_t *mem;
};

static void __raw_vm_create(struct __test_metadata *_metadata,
			    struct raw_vm *r)
{
	struct hv_memslot slot = { .gpa = RESET_PAGE, .size = PAGE_SIZE };

	r->dev = open_dev_hv(_metadata);
	r->run_size = hv_ioctl(r->dev, HV_CHECK_CAP, HV_CAP_RUN_SIZE);
	ASSERT_LT(0, r->run_size);
	r->vm = hv_ioctl(r->dev, HV_CREATE_VM, 0);
	ASSERT_LE(0, r->vm) TH_LOG("HV_CREATE_VM: %s", strerror(-r->vm));
	r->mem = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r->mem);
	memcpy(r->mem + 0xff0, reset_code, sizeof(reset_code));
	slot.uaddr = (uintptr_t)r->mem;
	ASSERT_EQ(0, hv_ioctl(r->vm, HV_VM_SET_MEMSLOT, &slot));
	r->vcpu = hv_ioctl(r->vm, HV_VM_CREATE_VCPU, 0);
	ASSERT_LE(0, r->vcpu) TH_LOG("HV_VM_CREATE_VCPU: %s", strerror(-r->vcpu));
	r->run = mmap(NULL, r->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      r->vcpu, 0);
	ASSERT_NE(MAP_FAILED, r->run);
}
#define raw_vm_create(r)	__raw_vm_create(_metadata, r)

/* Run the reset-vector code: an OUT of 0x42, then HLT. */
static void __raw_vm_run(struct __test_metadata *_metadata, struct raw_vm *r)
{
	ASSERT_EQ(0, hv_ioctl(r->vcpu, HV_VCPU_RUN, 0));
	ASSERT_EQ(HV_EXIT_IO, r->run->exit_reason);
	ASSERT_EQ(0x10, r->run->io.port);
	ASSERT_EQ(0x42, *((uint8_t *)r->run + r->run->io.data_offset));
	ASSERT_EQ(0, hv_ioctl(r->vcpu, HV_VCPU_RUN, 0));
	ASSERT_EQ(HV_EXIT_HLT, r->run->exit_reason);
}
#define raw_vm_run(r)	__raw_vm_run(_metadata, r)

/* hv still works: a new VM runs its guest. */
#define ASSERT_HV_WORKS() do { \
	struct raw_vm __r; \
	raw_vm_create(&__r); \
	raw_vm_run(&__r); \
} while (0)

TEST(vm_fd_closed_first_vcpu_still_runs)
{
	struct raw_vm r;
	struct hv_regs regs;

	raw_vm_create(&r);
	ASSERT_EQ(0, close(r.vm));
	ASSERT_EQ(0, close(r.dev));
	/* The vCPU fd holds the VM (and its memory slot) alive. */
	ASSERT_EQ(0, hv_ioctl(r.vcpu, HV_VCPU_GET_REGS, &regs));
	raw_vm_run(&r);
	ASSERT_EQ(0, close(r.vcpu));
	munmap(r.run, r.run_size);
	ASSERT_HV_WORKS();
}

TEST(vcpu_fd_closed_first_vm_still_works)
{
	struct hv_memslot slot = { .slot = 1, .gpa = 0, .size = PAGE_SIZE };
	struct raw_vm r;

	raw_vm_create(&r);
	munmap(r.run, r.run_size);
	ASSERT_EQ(0, close(r.vcpu));
	slot.uaddr = (uintptr_t)r.mem;
	ASSERT_EQ(0, hv_ioctl(r.vm, HV_VM_SET_MEMSLOT, &slot));
	ASSERT_EQ(0, hv_ioctl(r.vm, HV_VM_DELETE_MEMSLOT, 1));
	ASSERT_EQ(0, close(r.vm));
	ASSERT_HV_WORKS();
}

TEST(dev_fd_closed_first_vm_still_works)
{
	int dev = open_dev_hv(_metadata);
	int vm = hv_ioctl(dev, HV_CREATE_VM, 0);
	int vcpu;

	ASSERT_LE(0, vm);
	ASSERT_EQ(0, close(dev));
	vcpu = hv_ioctl(vm, HV_VM_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu) TH_LOG("HV_VM_CREATE_VCPU: %s", strerror(-vcpu));
	close(vcpu);
	close(vm);
}

/* The mapping keeps the run page valid after every fd is gone. */
TEST(run_page_outlives_fds)
{
	struct raw_vm r;

	raw_vm_create(&r);
	raw_vm_run(&r);
	ASSERT_EQ(0, close(r.vcpu));
	ASSERT_EQ(0, close(r.vm));
	ASSERT_EQ(0, close(r.dev));
	ASSERT_EQ(HV_EXIT_HLT, r.run->exit_reason);
	r.run->immediate_exit = 1;
	ASSERT_EQ(1, r.run->immediate_exit);
	ASSERT_EQ(0, munmap(r.run, r.run_size));
	ASSERT_HV_WORKS();
}

/*
 * Run fn in a child process; return its exit status (0 = all it checked
 * held), or -1 if it did not exit normally.
 */
static int in_child(int (*fn)(struct raw_vm *), struct raw_vm *r)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(r));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Each VM ioctl from another process: EIO. */
static int child_vm_ioctls(struct raw_vm *r)
{
	struct hv_memslot slot = {
		.slot = 1, .size = PAGE_SIZE, .uaddr = (uintptr_t)r->mem,
	};

	if (hv_ioctl(r->vm, HV_VM_CREATE_VCPU, 1) != -EIO)
		return 1;
	if (hv_ioctl(r->vm, HV_VM_SET_MEMSLOT, &slot) != -EIO)
		return 2;
	if (hv_ioctl(r->vm, HV_VM_DELETE_MEMSLOT, 0) != -EIO)
		return 3;
	return 0;
}

TEST(vm_fd_in_other_process_eio)
{
	struct raw_vm r;

	raw_vm_create(&r);
	ASSERT_EQ(0, in_child(child_vm_ioctls, &r))
		TH_LOG("1: CREATE_VCPU, 2: SET_MEMSLOT, 3: DELETE_MEMSLOT "
		       "did not fail with EIO");
	/* The child's exit closed its copies, not the VM: still ours. */
	raw_vm_run(&r);
}

static int child_vcpu_ioctls(struct raw_vm *r)
{
	struct hv_regs regs;

	if (hv_ioctl(r->vcpu, HV_VCPU_GET_REGS, &regs) != -EIO)
		return 1;
	if (hv_ioctl(r->vcpu, HV_VCPU_RUN, 0) != -EIO)
		return 2;
	return 0;
}

TEST(vcpu_fd_in_other_process_eio)
{
	struct raw_vm r;

	raw_vm_create(&r);
	ASSERT_EQ(0, in_child(child_vcpu_ioctls, &r))
		TH_LOG("1: GET_REGS, 2: RUN did not fail with EIO");
	raw_vm_run(&r);
}

/* ---- processes that end with vCPUs inside HV_VCPU_RUN ---- */

static volatile uint64_t spin_count;

static GUEST_CODE void guest_spin_forever(void)
{
	for (;;)
		spin_count++;
}

static void *spin_thread(void *arg)
{
	hv_vcpu_run(arg);
	return NULL;
}

/*
 * Child: start vCPUs spinning in threads, tell the parent (one byte on
 * @fd) once they run, then exit (or wait to be killed).
 */
static void child_spin(int fd, bool exit_itself)
{
	struct hv_vcpu *vcpu[2];
	struct hv_vm *vm;
	uint64_t max = 1;
	struct hv *hv;
	pthread_t t;
	int i, n;

	if (hv_open(NULL, &hv) || guest_vm_create(hv, &vm))
		_exit(10);
	hv_check_cap(hv, HV_CAP_MAX_VCPUS, &max);
	n = max < 2 ? 1 : 2;
	for (i = 0; i < n; i++) {
		if (guest_vcpu_add(vm, i, guest_spin_forever, &vcpu[i]))
			_exit(11);
		if (pthread_create(&t, NULL, spin_thread, vcpu[i]))
			_exit(12);
	}
	for (i = 0; !GUEST_VAR(vm, spin_count); i++) {
		if (i == 10000)
			_exit(14);	/* 10 s and the guests never ran */
		usleep(1000);
	}
	usleep(50000);
	if (write(fd, "r", 1) != 1)
		_exit(13);
	if (exit_itself)
		exit(0);
	for (;;)
		pause();
}

/* Wait up to 10 s for @pid; its wait status, or -1 on timeout. */
static int wait_bounded(pid_t pid)
{
	uint64_t t0 = now_ns();
	int status;

	while (now_ns() - t0 < 10ULL * 1000000000) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	return -1;
}

static pid_t __spawn_spinner(struct __test_metadata *_metadata,
			     bool exit_itself)
{
	int p[2];
	pid_t pid;
	char c;

	REQUIRE_HV();
	ASSERT_EQ(0, pipe(p));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(p[0]);
		child_spin(p[1], exit_itself);
	}
	close(p[1]);
	/* EOF instead of a byte: the child failed before its vCPUs ran. */
	ASSERT_EQ(1, read(p[0], &c, 1)) {
		int status = wait_bounded(pid);

		TH_LOG("child status 0x%x", status);
	}
	close(p[0]);
	return pid;
}
#define spawn_spinner(exit_itself)	__spawn_spinner(_metadata, exit_itself)

TEST(process_exits_with_vcpus_running)
{
	pid_t pid;
	int status;

	SKIP_KVM_UNDER_BOCHS_IF0_SPIN();
	pid = spawn_spinner(true);
	status = wait_bounded(pid);
	ASSERT_NE(-1, status) TH_LOG("the child did not finish exiting");
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_HV_WORKS();
}

TEST(process_killed_with_vcpus_running)
{
	pid_t pid;
	int status;

	SKIP_KVM_UNDER_BOCHS_IF0_SPIN();
	pid = spawn_spinner(false);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	status = wait_bounded(pid);
	ASSERT_NE(-1, status) TH_LOG("the killed child did not go away");
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(SIGKILL, WTERMSIG(status));
	ASSERT_HV_WORKS();
}

/* VMs one after the other: teardown leaves nothing behind that runs out. */
TEST(create_destroy_many_vms)
{
	int i;

	for (i = 0; i < 32; i++) {
		struct raw_vm r;

		raw_vm_create(&r);
		raw_vm_run(&r);
		munmap(r.run, r.run_size);
		munmap(r.mem, PAGE_SIZE);
		close(r.vcpu);
		close(r.vm);
		close(r.dev);
	}
}

/* ---- the module and other hypervisors ---- */

/*
 * A VM pins the module. Only the refusal is tested: a module that is not
 * pinned would really unload here.
 */
TEST(module_unload_refused_while_vm_exists)
{
	int dev = open_dev_hv(_metadata);
	int vm = hv_ioctl(dev, HV_CREATE_VM, 0);
	long r;

	ASSERT_LE(0, vm);
	/* Only the VM holds the module now. */
	close(dev);
	r = syscall(__NR_delete_module, "hv", O_NONBLOCK);
	/* Not a module, not root, or no module unloading in this kernel. */
	if (r < 0 && (errno == ENOENT || errno == EPERM || errno == ENOSYS))
		SKIP_TEST("delete_module(hv): %s", strerror(errno));
	ASSERT_EQ(-1, r) TH_LOG("hv.ko was unloaded while a VM existed");
	ASSERT_TRUE(errno == EBUSY || errno == EWOULDBLOCK)
		TH_LOG("delete_module: %s", strerror(errno));
	close(vm);
}

TEST_HARNESS_MAIN
