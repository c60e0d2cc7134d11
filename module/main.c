// SPDX-License-Identifier: GPL-2.0
/*
 * hv: module entry, /dev/hv and the system ioctls.
 *
 * Virtualization (EFER.SVME / VMXON) is turned on for every online CPU when
 * the first VM is created and off again when the last one goes away, so hv
 * holds the hardware only while it needs it and coexists with KVM when
 * either of them is idle.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/reboot.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/fpu/xcr.h>
#include <asm/cpufeature.h>
#include <asm/tsc.h>

#include "hv.h"

const struct hv_arch_ops *hv_ops;
u64 hv_host_xcr0;
u64 hv_guest_xcr0_mask;
unsigned int hv_gpa_bits;

/* Guest XCR0 bits hv context-switches through the guest FPU state. */
#define HV_XCR0_GUEST_BITS	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | \
				 XFEATURE_MASK_YMM | XFEATURE_MASK_AVX512)

static DEFINE_MUTEX(hv_virt_lock);
static unsigned int hv_virt_users;	/* VMs alive; under hv_virt_lock */
static struct cpumask hv_virt_cpus;	/* CPUs where hv enabled virt */
static int hv_cpuhp_state;

/* The host's TSC_AUX on each CPU, restored after the guest's (run.c). */
DEFINE_PER_CPU(u64, hv_host_tsc_aux);
unsigned int hv_tsc_khz;

static void hv_cpu_enable_fn(void *failed)
{
	if (boot_cpu_has(X86_FEATURE_RDTSCP) || boot_cpu_has(X86_FEATURE_RDPID))
		rdmsrq(MSR_TSC_AUX, *this_cpu_ptr(&hv_host_tsc_aux));
	if (hv_ops->cpu_enable())
		atomic_inc(failed);
	else
		cpumask_set_cpu(smp_processor_id(), &hv_virt_cpus);
}

static void hv_cpu_disable_fn(void *unused)
{
	if (cpumask_test_and_clear_cpu(smp_processor_id(), &hv_virt_cpus)) {
		hv_ops->cpu_disable();
		/* No vCPU state survives on this CPU (VMX: VMCLEAR). */
		hv_vcpu_unload_cpu();
	}
}

/**
 * hv_virt_get() - make sure virtualization is enabled on every online CPU
 *
 * Return: 0, or -EBUSY when another hypervisor already owns SVM/VMX on
 * some CPU (nothing is left enabled then).
 */
int hv_virt_get(void)
{
	atomic_t failed = ATOMIC_INIT(0);
	int ret = 0;

	cpus_read_lock();
	mutex_lock(&hv_virt_lock);
	if (hv_virt_users == 0) {
		on_each_cpu(hv_cpu_enable_fn, &failed, 1);
		if (atomic_read(&failed)) {
			on_each_cpu(hv_cpu_disable_fn, NULL, 1);
			pr_err_ratelimited("%s is in use by another hypervisor (kvm_%s with VMs, or kvm.enable_virt_at_load?): cannot create a VM\n",
					   hv_ops->name,
					   hv_ops->backend == HV_BACKEND_SVM ? "amd" : "intel");
			ret = -EBUSY;
		}
	}
	if (!ret)
		hv_virt_users++;
	mutex_unlock(&hv_virt_lock);
	cpus_read_unlock();
	return ret;
}

/**
 * hv_virt_put() - drop a VM's hold on virtualization; off with the last one
 */
void hv_virt_put(void)
{
	cpus_read_lock();
	mutex_lock(&hv_virt_lock);
	if (!WARN_ON_ONCE(hv_virt_users == 0) && --hv_virt_users == 0)
		on_each_cpu(hv_cpu_disable_fn, NULL, 1);
	mutex_unlock(&hv_virt_lock);
	cpus_read_unlock();
}

/*
 * A reboot or kexec with VMs alive: leave no CPU with EFER.SVME/VMXON set
 * behind for the next kernel (the crash path is the kernel's own job).
 */
static int hv_reboot(struct notifier_block *nb, unsigned long code,
		     void *unused)
{
	on_each_cpu(hv_cpu_disable_fn, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block hv_reboot_nb = {
	.notifier_call = hv_reboot,
};

/* CPU hotplug: a CPU coming online while VMs exist must be able to run them. */
static int hv_cpu_online(unsigned int cpu)
{
	atomic_t failed = ATOMIC_INIT(0);
	unsigned long flags;

	if (!hv_virt_users)
		return 0;
	local_irq_save(flags);
	hv_cpu_enable_fn(&failed);
	local_irq_restore(flags);
	if (atomic_read(&failed)) {
		pr_err("CPU %u: %s in use by someone else, keeping it offline\n",
		       cpu, hv_ops->name);
		return -EBUSY;
	}
	return 0;
}

static int hv_cpu_offline(unsigned int cpu)
{
	unsigned long flags;

	local_irq_save(flags);
	hv_cpu_disable_fn(NULL);
	local_irq_restore(flags);
	return 0;
}

/*
 * struct hv_cpuid, hv_msr_list and hv_msrs share one header: an entry
 * count, padding and a user pointer to the entries.
 */
struct hv_table_hdr {
	u32 n;
	u32 padding;
	u64 ptr;
};

static_assert(sizeof(struct hv_cpuid) == sizeof(struct hv_table_hdr));
static_assert(offsetof(struct hv_cpuid, entries) ==
	      offsetof(struct hv_table_hdr, ptr));
static_assert(sizeof(struct hv_msr_list) == sizeof(struct hv_table_hdr));
static_assert(offsetof(struct hv_msr_list, indices) ==
	      offsetof(struct hv_table_hdr, ptr));
static_assert(sizeof(struct hv_msrs) == sizeof(struct hv_table_hdr));
static_assert(offsetof(struct hv_msrs, entries) ==
	      offsetof(struct hv_table_hdr, ptr));

/**
 * hv_table_copy_out() - give userspace a table, or say how big it is
 * @uhdr: the user's table header.
 * @table: @n entries of @size bytes.
 * @n: entry count.
 * @size: entry size.
 *
 * Return: 0; -E2BIG with the header's count set to @n when the user's room
 * is smaller; -EINVAL for non-zero padding; -EFAULT.
 */
long hv_table_copy_out(void __user *uhdr, const void *table, u32 n,
		       size_t size)
{
	struct hv_table_hdr h;

	if (copy_from_user(&h, uhdr, sizeof(h)))
		return -EFAULT;
	if (h.padding)
		return -EINVAL;
	if (h.n < n) {
		h.n = n;
		return copy_to_user(uhdr, &h, sizeof(h)) ? -EFAULT : -E2BIG;
	}
	if (copy_to_user(u64_to_user_ptr(h.ptr), table, n * size))
		return -EFAULT;
	h.n = n;
	return copy_to_user(uhdr, &h, sizeof(h)) ? -EFAULT : 0;
}

/**
 * hv_table_copy_in() - copy in a user's table of at most @max entries
 * @uhdr: the user's table header.
 * @max: most entries allowed (-E2BIG above).
 * @size: entry size.
 * @n: out: entry count.
 * @uptr: out (may be NULL): the user's entry pointer.
 *
 * Return: a kernel copy to kfree(), or an ERR_PTR.
 */
void *hv_table_copy_in(void __user *uhdr, u32 max, size_t size, u32 *n,
		       void __user **uptr)
{
	struct hv_table_hdr h;

	if (copy_from_user(&h, uhdr, sizeof(h)))
		return ERR_PTR(-EFAULT);
	if (h.padding)
		return ERR_PTR(-EINVAL);
	if (h.n > max)
		return ERR_PTR(-E2BIG);
	*n = h.n;
	if (uptr)
		*uptr = u64_to_user_ptr(h.ptr);
	return memdup_user(u64_to_user_ptr(h.ptr), h.n * size);
}

static long hv_check_cap(unsigned long cap)
{
	switch (cap) {
	case HV_CAP_BACKEND:
		return hv_ops->backend;
	case HV_CAP_MAX_VCPUS:
		return HV_MAX_VCPUS;
	case HV_CAP_NR_MEMSLOTS:
		return HV_MAX_MEMSLOTS;
	case HV_CAP_RUN_SIZE:
		return PAGE_SIZE;
	case HV_CAP_GPA_BITS:
		return hv_gpa_bits;
	case HV_CAP_STATS:
		return HV_STAT_NR;
	case HV_CAP_IRQCHIP:
		return HV_IOAPIC_PINS;
	case HV_CAP_READONLY_MEM:
	case HV_CAP_SYNC_REGS:
	case HV_CAP_XSAVE:
	case HV_CAP_NMI:
	case HV_CAP_MMIO:
	case HV_CAP_KICK:
	case HV_CAP_PVCLOCK:
	case HV_CAP_NESTED_PAGING:
		return 1;
	case HV_CAP_REGISTRY:
		return HV_GENL_VERSION;
	default:
		return 0;
	}
}

static long hv_dev_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case HV_GET_API_VERSION:
		return arg ? -EINVAL : HV_API_VERSION;
	case HV_CHECK_CAP:
		return hv_check_cap(arg);
	case HV_CREATE_VM:
		return arg ? -EINVAL : hv_vm_create();
	case HV_GET_MSR_LIST:
		return hv_ioctl_get_msr_list(argp);
	case HV_GET_SUPPORTED_CPUID:
		return hv_ioctl_get_supported_cpuid(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations hv_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= hv_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice hv_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "hv",
	.fops	= &hv_dev_fops,
	.mode	= 0660,
};

/* Each backend's probe declines CPUs of the other vendor silently. */
static const struct hv_arch_ops *const hv_backends[] = {
	&hv_svm_ops,
	&hv_vmx_ops,
};

static int __init hv_pick_backend(void)
{
	int i, ret = -ENODEV;

	for (i = 0; i < ARRAY_SIZE(hv_backends); i++) {
		ret = hv_backends[i]->probe();
		if (!ret) {
			hv_ops = hv_backends[i];
			return 0;
		}
		if (ret != -ENODEV)
			return ret;
	}
	pr_err("no usable hardware virtualization (AMD-V or VT-x) on this CPU\n");
	return ret;
}

/*
 * The TSC rate guests' timers and kvmclock are converted with. The kernel's
 * tsc_khz, unless the kernel found the TSC unstable: then its calibration
 * may not match the kernel's clock at all (an emulator's TSC can run many
 * times slower), and hv measures the rate against that clock itself.
 */
static void __init hv_measure_tsc(void)
{
	u64 t0, n0, t1, n1;

	hv_tsc_khz = tsc_khz;
	if (!check_tsc_unstable())
		return;
	n0 = ktime_get_ns();
	t0 = rdtsc();
	msleep(100);
	t1 = rdtsc();
	n1 = ktime_get_ns();
	if (t1 <= t0 || n1 <= n0)
		return;
	hv_tsc_khz = div64_u64((t1 - t0) * NSEC_PER_MSEC, n1 - n0);
	pr_info("TSC unstable: %u kHz against the kernel's clock (tsc_khz %u)\n",
		hv_tsc_khz, tsc_khz);
}

/* hv_vcpu_run()'s preempt notifier, for a backend with a vcpu_put. */
static void hv_preempt_notifiers_get(void)
{
	if (hv_ops->vcpu_put)
		preempt_notifier_inc();
}

static void hv_preempt_notifiers_put(void)
{
	if (hv_ops->vcpu_put)
		preempt_notifier_dec();
}

static int __init hv_init(void)
{
	int ret;

	/* First: the backend's probe converts time to TSC ticks with it. */
	hv_measure_tsc();
	ret = hv_pick_backend();
	if (ret)
		return ret;

	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		hv_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	else
		hv_host_xcr0 = XFEATURE_MASK_FP | XFEATURE_MASK_SSE;
	hv_guest_xcr0_mask = hv_host_xcr0 & HV_XCR0_GUEST_BITS;
	hv_gpa_bits = min_t(unsigned int, boot_cpu_data.x86_phys_bits,
			    HV_MAX_GPA_BITS);

	ret = hv_cpuid_init();
	if (ret)
		return ret;
	ret = hv_ops->hardware_setup();
	if (ret)
		goto err_cpuid;
	hv_preempt_notifiers_get();
	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "hv:online",
					hv_cpu_online, hv_cpu_offline);
	if (ret < 0)
		goto err_hardware;
	hv_cpuhp_state = ret;
	ret = register_reboot_notifier(&hv_reboot_nb);
	if (ret)
		goto err_cpuhp;
	ret = hv_genl_init();
	if (ret)
		goto err_reboot;
	ret = misc_register(&hv_dev);
	if (ret)
		goto err_genl;

	pr_info("backend %s, API version %d, %u-bit guest-physical addresses\n",
		hv_ops->name, HV_API_VERSION, hv_gpa_bits);
	return 0;

err_genl:
	hv_genl_exit();
err_reboot:
	unregister_reboot_notifier(&hv_reboot_nb);
err_cpuhp:
	cpuhp_remove_state_nocalls(hv_cpuhp_state);
err_hardware:
	hv_preempt_notifiers_put();
	hv_ops->hardware_unsetup();
err_cpuid:
	hv_cpuid_exit();
	return ret;
}

static void __exit hv_exit(void)
{
	misc_deregister(&hv_dev);
	hv_genl_exit();
	unregister_reboot_notifier(&hv_reboot_nb);
	cpuhp_remove_state_nocalls(hv_cpuhp_state);
	hv_preempt_notifiers_put();
	hv_ops->hardware_unsetup();
	hv_cpuid_exit();
}

module_init(hv_init);
module_exit(hv_exit);

MODULE_DESCRIPTION("hv: a hypervisor with nested paging for AMD-V and VT-x");
MODULE_LICENSE("GPL");
