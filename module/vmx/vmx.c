// SPDX-License-Identifier: GPL-2.0
/*
 * hv: the Intel VT-x (VMX) backend, with EPT, VPID and unrestricted guest.
 *
 * References are to the Intel SDM, vol. 3C ("VMX"), unless they say
 * otherwise. Every VMCS access outside the run path goes through
 * vmx_get()/vmx_put(), and the run path is vmx_run(), in one of two modes
 * of VMX operation (docs/ARCHITECTURE.md, "Two ways to hold VMX"):
 *
 * - Shared (the default where the kernel exports its CR4 shadow to hv, up
 *   to 6.18): VMXON on every CPU while VMs exist, CR4.VMXE set through the
 *   kernel's shadow so that its own CR4 updates keep the bit. The VMCS of
 *   a vCPU is active on at most one CPU at a time; it is made current
 *   there by hv_vcpu_load() (core), which calls vmx_vcpu_load() when the
 *   vCPU changed CPU: the old CPU VMCLEARs it first (24.11.1).
 *
 * - Local (module parameter vmx_local; the default on 6.19+, whose CR4
 *   helpers are the KVM modules' alone): the kernel writes CR4 from its
 *   shadow, which would then lack VMXE, and clearing CR4.VMXE in VMX
 *   operation is a #GP (24.8). So hv is in VMX operation only inside
 *   windows with interrupts off, where the kernel writes no CR4: set VMXE
 *   behind the shadow, VMXON, VMPTRLD, the work, VMCLEAR, VMXOFF, CR4 back
 *   (vmx_window_open(), vmx_window_close()). Between windows the VMCS is
 *   clear: each entry is a VMLAUNCH.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/idtentry.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>

#include "hv.h"
#include "vmcs.h"

/* IA32_VMX_BASIC (appendix A.1) */
#define VMX_BASIC_REVISION_MASK	0x7fffffffULL
#define VMX_BASIC_SIZE(b)	(((b) >> 32) & 0x1fff)
#define VMX_BASIC_MEMTYPE(b)	(((b) >> 50) & 0xf)
#define VMX_BASIC_MEMTYPE_WB	6
#define VMX_BASIC_TRUE_MSRS	BIT_ULL(55)

/* IA32_VMX_MISC bits 4:0: the preemption timer's TSC shift (A.6) */
#define VMX_MISC_TIMER_SHIFT	0x1fULL

/* VMLAUNCH/VMRESUME refused: reported as 1 << 32 | VM-instruction error. */
#define VMX_FAIL_INSN		BIT_ULL(32)

/* VM_EXIT_REASON bit 31: the VM entry failed (27.8). */
#define VMX_EXIT_FAILED_ENTRY	BIT(31)
/* Exit qualification / exit interruption information bit 12 (27.2.3). */
#define VMX_NMI_UNBLOCKED_IRET	BIT(12)

/* The window-exiting controls the core asks for before each entry (25.2). */
#define VMX_WINDOW_EXITING	(CPU_BASED_INTR_WINDOW_EXITING | \
				 CPU_BASED_NMI_WINDOW_EXITING)

/* CR0 bits the guest sees from the read shadow; writes to them exit. */
#define VMX_CR0_HOST_OWNED	(X86_CR0_PE | X86_CR0_PG | X86_CR0_NE | \
				 X86_CR0_CD | X86_CR0_NW | X86_CR0_ET)

#define VMX_PAT_DEFAULT		0x0007040600070406ULL

/* EPT entries (28.3.2): RWX, write-back, 4 levels. */
static const struct hv_pt_format vmx_pt_format = {
	.present	= VMX_EPT_RWX_MASK,
	.table		= VMX_EPT_RWX_MASK,
	.leaf		= VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK |
			  (VMX_EPTP_MT_WB << VMX_EPT_MT_EPTE_SHIFT),
	.writable	= VMX_EPT_WRITABLE_MASK,
	.levels		= 4,
};

/* MSRs the VMCS does not switch, kept here and loaded around each entry. */
enum vmx_soft_msr {
	VMX_STAR, VMX_LSTAR, VMX_CSTAR, VMX_SFMASK, VMX_KERNEL_GS_BASE,
	VMX_NR_SOFT_MSRS
};

/* The first VMX_NR_SYSCALL_MSRS of them, by number */
#define VMX_NR_SYSCALL_MSRS	(VMX_SFMASK + 1)

static const u32 vmx_soft_msrs[] = {
	[VMX_STAR] = MSR_STAR, [VMX_LSTAR] = MSR_LSTAR,
	[VMX_CSTAR] = MSR_CSTAR, [VMX_SFMASK] = MSR_SYSCALL_MASK,
	[VMX_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE,
};

/* Per host CPU state. */
struct vmx_cpu {
	void *vmxon;			/* the VMXON region (24.11.5) */
	struct list_head loaded;	/* vmx_vcpus whose VMCS is active here */
	u64 current_vmcs;		/* physical address, 0 if none */
	/* the host's syscall MSRs (vmx_soft_msrs[]): exits keep the guest's */
	u64 syscall_msr[VMX_NR_SYSCALL_MSRS];
	/* local mode: CR4 before the open window, VMXE clear */
	unsigned long window_cr4;
	unsigned long window_flags;	/* vmx_get(): interrupts before it */
};

/*
 * VMX operation local to interrupts-off windows (see the top of this
 * file). Read-only: chosen at load, on by default where the kernel keeps
 * its CR4 shadow for KVM (vmx_pick_mode()).
 */
static bool vmx_local = !HV_HAS_CR4_SHADOW;
module_param(vmx_local, bool, 0444);
MODULE_PARM_DESC(vmx_local,
		 "VT-x: VMX operation only inside interrupts-off windows, not from the first VM on (default: on where the kernel keeps its CR4 helpers for KVM, 6.19+)");

static DEFINE_STATIC_KEY_FALSE(vmx_local_key);

/*
 * Host NMIs from NMI exits raised again through the local APIC: where the
 * kernel keeps its NMI entry for KVM, and in local mode, which stands in
 * for such kernels where it runs on others.
 */
static DEFINE_STATIC_KEY_FALSE(vmx_nmi_apic_key);

static __always_inline bool vmx_is_local(void)
{
	return static_branch_unlikely(&vmx_local_key);
}

static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpu);
DEFINE_PER_CPU(unsigned int, vmx_vmcs_failures);

static struct {
	u32 revision;
	u32 pin, cpu, cpu2, exit, entry;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool vpid;
	u32 preempt_timer;		/* 1 ms in timer units, 0 without */
	unsigned long invept_type;
	bool l1d_flush;
	bool l1d_flush_always;
	void *io_bitmaps;		/* A and B, two pages */
	void *msr_bitmap;
	unsigned long host_idt;
	u64 host_pat, host_efer;
	u32 host_sysenter_cs;
	u64 host_sysenter_eip;
} vmx;

static DEFINE_IDA(vmx_vpids);

struct vmx_vcpu {
	void *vmcs;
	u64 vmcs_pa;
	struct list_head loaded_link;	/* on vmx_cpu.loaded of active_cpu */
	int active_cpu;			/* where the VMCS is active, or -1 */
	int host_cpu;			/* local mode: whose host state it holds */
	bool launched;			/* VMRESUME, not VMLAUNCH */
	bool flush_tlb;			/* INVEPT before the next entry */
	u16 vpid;
	u64 eptp;

	/* VMCS fields cached so that hot paths need no VMREAD */
	u32 pin_ctl;
	u32 cpu_ctl;
	u32 entry_ctl;
	u32 intr_state;
	u32 entry_intr;
	u64 cr0_shadow;			/* CR0_READ_SHADOW */
	u64 cr4_shadow;			/* CR4_READ_SHADOW */
	u64 efer;
	u64 cr8;
	u64 cr2;
	u64 tsc_offset;
	u64 soft_msr[VMX_NR_SOFT_MSRS];

	/*
	 * For the next entry, written by vmx_run(): the core queues events
	 * and windows with interrupts off right before it, where nothing
	 * else needs the VMCS.
	 */
	bool inject;			/* entry_intr, entry_err not written yet */
	u32 entry_err;
	u32 windows;			/* interrupt/NMI-window exiting */

	/* the last exit */
	u32 exit_reason;
	u32 exit_intr_info;
	u32 idt_info;
	u32 insn_len;
	unsigned long exit_qual;
	u64 exit_gpa;
	u32 exit_cs_ar;			/* CR accesses in long mode only */
	u64 fail;			/* no entry: HV_EXIT_FAIL_ENTRY's reason */
	unsigned long l1d_switches;	/* the thread's context switches then */

	/* host state written to the VMCS, rewritten when it changes */
	unsigned long host_cr3, host_cr4, host_fs_base;
	u64 host_debugctl;
	u16 host_fs_sel, host_gs_sel;

	/* host state switched lazily (vmx_guest_state_load()) */
	bool guest_state_loaded;	/* on this CPU, until vmx_vcpu_put() */
	bool syscall_loaded;		/* the guest's syscall MSRs too */
	u16 host_seg[4];		/* DS, ES, FS, GS selectors */
	u64 host_kgs;			/* the host's MSR_KERNEL_GS_BASE */
};

static struct vmx_vcpu *to_vmx(struct hv_vcpu *vcpu)
{
	return hv_vcpu_arch(vcpu);
}

void vmx_vmcs_failed(const char *insn, unsigned long field)
{
	this_cpu_inc(vmx_vmcs_failures);
	pr_err_ratelimited("vmx: %s of VMCS field %#lx failed on CPU %d\n",
			   insn, field, raw_smp_processor_id());
}

/* ---- bring-up ---- */

/*
 * Controls: every bit of @min and what the CPU allows of @opt, with the
 * bits the CPU requires. The capability MSR's low half has the bits that
 * must be 1, the high half those that may be 1 (appendix A.3).
 */
static int vmx_adjust(u32 min, u32 opt, u32 msr, u32 *out)
{
	u32 must, may;

	rdmsr(msr, must, may);
	if (min & ~may)
		return -EOPNOTSUPP;
	*out = ((min | opt) & may) | must;
	return 0;
}

static int vmx_lacks(const char *what)
{
	pr_err("vmx: this CPU lacks %s, which hv requires\n", what);
	return -EOPNOTSUPP;
}

/* Firmware decides with IA32_FEATURE_CONTROL whether VMXON may run (24.7). */
static int vmx_check_firmware(void)
{
	u64 fc;

	if (!(cpuid_ecx(1) & BIT(5)))
		return -ENODEV;		/* no VMX at all: not ours */
	if (rdmsrq_safe(MSR_IA32_FEAT_CTL, &fc) ||
	    !(fc & FEAT_CTL_LOCKED) || !(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX) ||
	    !boot_cpu_has(X86_FEATURE_VMX)) {
		pr_err("vmx: VT-x is disabled by the firmware (IA32_FEATURE_CONTROL %#llx): enable it in the BIOS setup\n",
		       fc);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* What hv cannot do without, asked first so the refusal names it. */
static int vmx_probe_secondary(bool true_msrs)
{
	u64 caps;
	u32 may;

	/* The allowed-1 settings are the high half (appendix A.3). */
	rdmsrq(true_msrs ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
		   MSR_IA32_VMX_PROCBASED_CTLS, caps);
	if (!((caps >> 32) & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS))
		return vmx_lacks("EPT (no secondary VM-execution controls)");
	rdmsrq(MSR_IA32_VMX_PROCBASED_CTLS2, caps);
	may = caps >> 32;
	if (!(may & SECONDARY_EXEC_ENABLE_EPT))
		return vmx_lacks("EPT");
	if (!(may & SECONDARY_EXEC_UNRESTRICTED_GUEST))
		return vmx_lacks("unrestricted guest");
	return 0;
}

static int vmx_probe_controls(bool true_msrs)
{
	u32 cpu2_min = SECONDARY_EXEC_ENABLE_EPT |
		       SECONDARY_EXEC_UNRESTRICTED_GUEST;

	if (vmx_probe_secondary(true_msrs))
		return -EOPNOTSUPP;
	if (vmx_adjust(PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING |
		       PIN_BASED_VIRTUAL_NMIS, PIN_BASED_VMX_PREEMPTION_TIMER,
		       true_msrs ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
				   MSR_IA32_VMX_PINBASED_CTLS, &vmx.pin))
		return vmx_lacks("NMI exiting with virtual NMIs");
	if (vmx_adjust(CPU_BASED_HLT_EXITING | CPU_BASED_MWAIT_EXITING |
		       CPU_BASED_RDPMC_EXITING | CPU_BASED_CR8_LOAD_EXITING |
		       CPU_BASED_CR8_STORE_EXITING | CPU_BASED_MOV_DR_EXITING |
		       CPU_BASED_USE_IO_BITMAPS | CPU_BASED_USE_MSR_BITMAPS |
		       CPU_BASED_MONITOR_EXITING | CPU_BASED_USE_TSC_OFFSETTING |
		       CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, 0,
		       true_msrs ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
				   MSR_IA32_VMX_PROCBASED_CTLS, &vmx.cpu))
		return vmx_lacks("the I/O, MSR and CR8 exiting controls");
	/* The guest's CPUID offers RDTSCP whenever the host has it. */
	if (boot_cpu_has(X86_FEATURE_RDTSCP))
		cpu2_min |= SECONDARY_EXEC_ENABLE_RDTSCP;
	if (vmx_adjust(cpu2_min,
		       SECONDARY_EXEC_ENABLE_VPID | SECONDARY_EXEC_WBINVD_EXITING,
		       MSR_IA32_VMX_PROCBASED_CTLS2, &vmx.cpu2))
		return vmx_lacks("RDTSCP in VMX non-root operation");
	if (vmx_adjust(VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_PAT |
		       VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_IA32_EFER |
		       VM_EXIT_LOAD_IA32_EFER, 0,
		       true_msrs ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
				   MSR_IA32_VMX_EXIT_CTLS, &vmx.exit))
		return vmx_lacks("the PAT and EFER VM-exit controls");
	/* Interrupts stay pending in the APIC until the host takes them. */
	vmx.exit &= ~VM_EXIT_ACK_INTR_ON_EXIT;
	if (vmx_adjust(VM_ENTRY_LOAD_IA32_PAT | VM_ENTRY_LOAD_IA32_EFER, 0,
		       true_msrs ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
				   MSR_IA32_VMX_ENTRY_CTLS, &vmx.entry))
		return vmx_lacks("the PAT and EFER VM-entry controls");
	vmx.entry &= ~VM_ENTRY_IA32E_MODE;	/* set per vCPU from EFER.LMA */
	return 0;
}

/* EPT with 4 levels, write-back tables and INVEPT; VPID if INVVPID works. */
static int vmx_probe_ept(void)
{
	u64 cap;

	rdmsrq(MSR_IA32_VMX_EPT_VPID_CAP, cap);
	if (!(cap & VMX_EPT_PAGE_WALK_4_BIT) || !(cap & VMX_EPTP_WB_BIT))
		return vmx_lacks("4-level write-back EPT");
	if (!(cap & VMX_EPT_INVEPT_BIT) ||
	    !(cap & (VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT)))
		return vmx_lacks("INVEPT");
	vmx.invept_type = cap & VMX_EPT_EXTENT_CONTEXT_BIT ?
			  VMX_EPT_EXTENT_CONTEXT : VMX_EPT_EXTENT_GLOBAL;
	/* VPID tags are flushed with INVEPT; INVVPID must merely exist. */
	vmx.vpid = (vmx.cpu2 & SECONDARY_EXEC_ENABLE_VPID) &&
		   (cap & VMX_VPID_INVVPID_BIT);
	if (!vmx.vpid)
		vmx.cpu2 &= ~SECONDARY_EXEC_ENABLE_VPID;
	return 0;
}

/*
 * L1TF: an affected CPU flushes L1D before entering a guest unless the
 * administrator turned the mitigation off or the CPU says it need not.
 */
static bool vmx_want_l1d_flush(void)
{
	u64 caps = 0;

	if (!boot_cpu_has_bug(X86_BUG_L1TF) || !hv_l1tf_flush_wanted())
		return false;
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrq(MSR_IA32_ARCH_CAPABILITIES, caps);
	return !(caps & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH);
}

/*
 * The VMX-preemption timer counts down at the TSC rate divided by 2^N,
 * N from IA32_VMX_MISC (25.5.1). It bounds the time in a guest that was
 * entered with interrupts disabled (see vmx_arm_preempt_timer()).
 */
static void vmx_probe_preempt_timer(void)
{
	u64 misc;
	u32 khz = hv_tsc_khz ? hv_tsc_khz : 1000000;

	vmx.preempt_timer = 0;
	if (!(vmx.pin & PIN_BASED_VMX_PREEMPTION_TIMER))
		return;
	rdmsrq(MSR_IA32_VMX_MISC, misc);
	vmx.preempt_timer = max_t(u32, khz >> (misc & VMX_MISC_TIMER_SHIFT), 1);
	vmx.pin &= ~PIN_BASED_VMX_PREEMPTION_TIMER;	/* armed per entry */
}

/*
 * Local mode where asked for, and always where the kernel keeps its CR4
 * shadow for KVM: the shared mode needs cr4_set_bits(). Host NMIs through
 * the APIC where there is no NMI entry, and in local mode where there is
 * an APIC path.
 */
static int vmx_pick_mode(void)
{
	bool nmi_apic;

	if (!vmx_local && !HV_HAS_CR4_SHADOW) {
		pr_info("vmx: vmx_local=0 needs the kernel's CR4 helpers, which it keeps for KVM: VMX operation stays local\n");
		vmx_local = true;
	}
	nmi_apic = !HV_HAS_NMI_ENTRY || (vmx_local && HV_HAS_APIC_SELF_NMI);
	if (nmi_apic && hv_fred_enabled()) {
		pr_err("vmx: FRED is on, and this kernel keeps its NMI entry for KVM: hv cannot hand NMIs back to the host; VT-x is unavailable to hv\n");
		return -EOPNOTSUPP;
	}
	if (vmx_local)
		static_branch_enable(&vmx_local_key);
	if (nmi_apic)
		static_branch_enable(&vmx_nmi_apic_key);
	return 0;
}

static int vmx_probe(void)
{
	u64 basic;
	int ret;

#ifdef HV_VMX_UNSUPPORTED
	pr_err("vmx: %s: VT-x is unavailable to hv\n", HV_VMX_UNSUPPORTED);
	return -EOPNOTSUPP;
#endif
	ret = vmx_check_firmware();
	if (ret)
		return ret;
	rdmsrq(MSR_IA32_VMX_BASIC, basic);
	if (VMX_BASIC_SIZE(basic) > PAGE_SIZE ||
	    VMX_BASIC_MEMTYPE(basic) != VMX_BASIC_MEMTYPE_WB)
		return vmx_lacks("a write-back VMCS of at most 4 KiB");
	vmx.revision = basic & VMX_BASIC_REVISION_MASK;
	ret = vmx_probe_controls(basic & VMX_BASIC_TRUE_MSRS);
	if (!ret)
		ret = vmx_probe_ept();
	if (ret)
		return ret;
	vmx_probe_preempt_timer();
	rdmsrq(MSR_IA32_VMX_CR0_FIXED0, vmx.cr0_fixed0);
	rdmsrq(MSR_IA32_VMX_CR0_FIXED1, vmx.cr0_fixed1);
	rdmsrq(MSR_IA32_VMX_CR4_FIXED0, vmx.cr4_fixed0);
	rdmsrq(MSR_IA32_VMX_CR4_FIXED1, vmx.cr4_fixed1);
	vmx.l1d_flush = vmx_want_l1d_flush();
	vmx.l1d_flush_always = hv_l1tf_flush_always();
	ret = vmx_pick_mode();
	if (ret)
		return ret;
	pr_info("vmx: VT-x with EPT, unrestricted guest%s%s%s%s\n",
		vmx.vpid ? ", VPID" : "",
		!vmx.l1d_flush ? "" : vmx.l1d_flush_always ?
		", L1D flush on every entry" : ", L1D flush on entry after host work",
		vmx_local ? "; VMX operation local to each entry (vmx_local)" : "",
		static_key_enabled(&vmx_nmi_apic_key) ?
		"; host NMIs through the local APIC" : "");
	return 0;
}

/* Let the guest access an MSR directly: its state is in the VMCS (24.6.9). */
static void vmx_msr_allow(u8 *bitmap, u32 msr)
{
	u32 base = msr >= 0xc0000000 ? 0x400 : 0;
	u32 bit = msr & 0x1fff;

	bitmap[base + bit / 8] &= ~BIT(bit % 8);		/* reads */
	bitmap[0x800 + base + bit / 8] &= ~BIT(bit % 8);	/* writes */
}

static void vmx_free_cpus(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu, cpu);

		free_page((unsigned long)vc->vmxon);
		vc->vmxon = NULL;
	}
}

static void vmx_free_bitmaps(void)
{
	free_pages((unsigned long)vmx.io_bitmaps, 1);
	free_page((unsigned long)vmx.msr_bitmap);
}

static int vmx_hardware_setup(void)
{
	static const u32 passthrough[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	};
	struct desc_ptr idt;
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu, cpu);
		struct page *page;

		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		if (!page)
			goto err;
		vc->vmxon = page_address(page);
		*(u32 *)vc->vmxon = vmx.revision;
		INIT_LIST_HEAD(&vc->loaded);
	}
	/* Every port and every MSR exits, but the few the VMCS switches. */
	vmx.io_bitmaps = (void *)__get_free_pages(GFP_KERNEL, 1);
	vmx.msr_bitmap = (void *)__get_free_page(GFP_KERNEL);
	if (!vmx.io_bitmaps || !vmx.msr_bitmap)
		goto err;
	memset(vmx.io_bitmaps, 0xff, 2 * PAGE_SIZE);
	memset(vmx.msr_bitmap, 0xff, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(passthrough); i++)
		vmx_msr_allow(vmx.msr_bitmap, passthrough[i]);

	store_idt(&idt);
	vmx.host_idt = idt.address;
	rdmsrq(MSR_IA32_CR_PAT, vmx.host_pat);
	rdmsrq(MSR_EFER, vmx.host_efer);
	rdmsrq(MSR_IA32_SYSENTER_EIP, vmx.host_sysenter_eip);
	vmx.host_sysenter_cs = __KERNEL_CS;
	return 0;

err:
	vmx_free_bitmaps();
	vmx_free_cpus();
	return -ENOMEM;
}

static void vmx_hardware_unsetup(void)
{
	vmx_free_bitmaps();
	vmx_free_cpus();
}

/*
 * VMXON (24.7): CR4.VMXE already set means another hypervisor (kvm_intel
 * with VMs, or kvm.enable_virt_at_load) owns VMX on this CPU. The host's
 * CR0 and CR4 must satisfy the fixed bits (24.8), as any running kernel
 * does. In local mode VMXON waits for each window (vmx_window_open()).
 */
static int vmx_cpu_enable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	unsigned long cr0 = read_cr0();
	unsigned long cr4 = vmx_is_local() ? native_read_cr4() :
			    hv_cr4_read_shadow();
	int i;

	if (cr4 & X86_CR4_VMXE)
		return -EBUSY;
	if ((cr0 & vmx.cr0_fixed0) != vmx.cr0_fixed0 ||
	    (cr0 & ~vmx.cr0_fixed1)) {
		pr_err_once("vmx: host CR0 %#lx violates the VMX fixed bits\n", cr0);
		return -EIO;
	}
	if (!vmx_is_local()) {
		hv_cr4_set_bits(X86_CR4_VMXE);
		if (vmx_vmxon(__pa(vc->vmxon))) {
			hv_cr4_clear_bits(X86_CR4_VMXE);
			return -EBUSY;
		}
	}
	vc->current_vmcs = 0;
	for (i = 0; i < VMX_NR_SYSCALL_MSRS; i++)
		rdmsrq(vmx_soft_msrs[i], vc->syscall_msr[i]);
	return 0;
}

/* Drop the VMCS from this CPU, writing its data back to memory (24.11.3). */
static void vmx_vmcs_clear_here(struct vmx_vcpu *vx)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);

	if (vmx_vmclear(vx->vmcs_pa))
		pr_err_ratelimited("vmx: VMCLEAR failed on CPU %d\n",
				   smp_processor_id());
	if (vc->current_vmcs == vx->vmcs_pa)
		vc->current_vmcs = 0;
	list_del_init(&vx->loaded_link);
	vx->launched = false;
	/* Everything above happens before another CPU may load it. */
	smp_wmb();
	WRITE_ONCE(vx->active_cpu, -1);
}

static void vmx_vmcs_clear_ipi(void *data)
{
	struct vmx_vcpu *vx = data;

	if (vx->active_cpu == smp_processor_id())
		vmx_vmcs_clear_here(vx);
}

static void vmx_cpu_disable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	struct vmx_vcpu *vx, *tmp;

	if (vmx_is_local())
		return;		/* no window is open outside hv's code */
	list_for_each_entry_safe(vx, tmp, &vc->loaded, loaded_link)
		vmx_vmcs_clear_here(vx);
	asm volatile("vmxoff" ::: "cc", "memory");
	hv_cr4_clear_bits(X86_CR4_VMXE);
}

/* ---- the current VMCS ---- */

/* Host state that differs between CPUs (26.2.3, 26.5). */
static void vmx_set_host_cpu_state(int cpu)
{
	const struct ldttss_desc *tss;
	struct desc_ptr gdt;
	u64 v;

	native_store_gdt(&gdt);
	vmcs_writel(HOST_GDTR_BASE, gdt.address);
	tss = (const struct ldttss_desc *)(gdt.address + GDT_ENTRY_TSS * 8);
	vmcs_writel(HOST_TR_BASE, tss->base0 | (u64)tss->base1 << 16 |
		    (u64)tss->base2 << 24 | (u64)tss->base3 << 32);
	rdmsrq(MSR_GS_BASE, v);
	vmcs_writel(HOST_GS_BASE, v);
	rdmsrq(MSR_IA32_SYSENTER_ESP, v);
	vmcs_writel(HOST_IA32_SYSENTER_ESP, v);
}

/*
 * The CR4 a VM exit loads (HOST_CR4): the kernel's, with VMXE set as VMX
 * operation requires (24.8). In local mode the kernel's shadow lacks VMXE
 * and may not be exported: the value hv found when it opened the window.
 */
static unsigned long vmx_host_cr4(void)
{
	if (vmx_is_local())
		return this_cpu_ptr(&vmx_cpu)->window_cr4 | X86_CR4_VMXE;
	return hv_cr4_read_shadow();
}

/**
 * vmx_window_open() - local mode: VMX operation on this CPU, @vx's VMCS current
 * @vx: the vCPU.
 *
 * Interrupts are off and stay off until vmx_window_close(): the kernel
 * updates CR4 from its shadow (on a context switch, a TLB flush, in an
 * IPI), which knows nothing of VMXE, and an NMI handler does not write CR4.
 * CR4.VMXE already set means another hypervisor (kvm_intel with VMs, or
 * kvm.enable_virt_at_load) is in VMX operation here: VMXON would fail, and
 * its VMCS must stay current, so hv keeps out (-EBUSY) until it is gone.
 *
 * The VMCS has been clear since the last window (VMLAUNCH next). If that
 * window was on another CPU, the VMCS's per-CPU host state is rewritten
 * and the guest's EPT translations on this CPU may be stale
 * (vmx_vcpu_load() does the same in the shared mode).
 *
 * Return: 0, -EBUSY, or -EIO when VMXON or VMPTRLD failed (a bug).
 */
static int vmx_window_open(struct vmx_vcpu *vx)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	int cpu = smp_processor_id();
	unsigned long cr4;

	lockdep_assert_irqs_disabled();
	cr4 = native_read_cr4();
	if (cr4 & X86_CR4_VMXE) {
		pr_err_ratelimited("vmx: CPU %d is in VMX operation for another hypervisor (kvm_intel?): hv's vCPUs cannot run there until it leaves\n",
				   cpu);
		return -EBUSY;
	}
	/* VMXON needs CR4.VMXE (24.7); the kernel's shadow never sees it. */
	hv_write_cr4_irqsoff(cr4 | X86_CR4_VMXE);
	if (vmx_vmxon(__pa(vc->vmxon)))
		goto err_cr4;
	if (vmx_vmptrld(vx->vmcs_pa))
		goto err_vmxoff;
	vc->window_cr4 = cr4;
	if (vx->host_cpu != cpu) {
		vmx_set_host_cpu_state(cpu);
		vx->host_cpu = cpu;
		vx->flush_tlb = true;
	}
	return 0;

err_vmxoff:
	asm volatile("vmxoff" ::: "cc", "memory");
err_cr4:
	hv_write_cr4_irqsoff(cr4);
	pr_err_ratelimited("vmx: VMXON or VMPTRLD failed on CPU %d\n", cpu);
	return -EIO;
}

/*
 * Leave VMX operation again: VMCLEAR writes the VMCS back to memory and
 * clears its launch state (24.11.3), as is required before VMXOFF, and
 * VMXOFF precedes clearing CR4.VMXE (24.8).
 */
static void vmx_window_close(struct vmx_vcpu *vx)
{
	if (vmx_vmclear(vx->vmcs_pa))
		pr_err_ratelimited("vmx: VMCLEAR failed on CPU %d\n",
				   smp_processor_id());
	vx->launched = false;
	asm volatile("vmxoff" ::: "cc", "memory");
	hv_write_cr4_irqsoff(this_cpu_ptr(&vmx_cpu)->window_cr4);
}

/*
 * The VMCS of this vCPU, current on this CPU, until vmx_put(): for state
 * accesses outside the run path (which holds the same guarantee). In local
 * mode a window with interrupts off, which may fail with -EBUSY.
 */
static int vmx_get(struct hv_vcpu *vcpu)
{
	unsigned long flags;
	int ret;

	if (vmx_is_local()) {
		local_irq_save(flags);
		ret = vmx_window_open(to_vmx(vcpu));
		if (ret)
			local_irq_restore(flags);
		else
			this_cpu_ptr(&vmx_cpu)->window_flags = flags;
		return ret;
	}
	preempt_disable();
	hv_vcpu_load(vcpu);
	return 0;
}

static void vmx_put(struct hv_vcpu *vcpu)
{
	if (vmx_is_local()) {
		vmx_window_close(to_vmx(vcpu));
		local_irq_restore(this_cpu_ptr(&vmx_cpu)->window_flags);
		return;
	}
	preempt_enable();
}

/* ---- host state ---- */

/*
 * Host state a VM exit does not restore (27.5): it loads DS/ES/FS/GS with
 * the host-state selectors (zero or the kernel's), FS base with the value
 * written here, leaves GDTR's limit at 0xffff and TR's at 0x67 (27.5.2),
 * and switches neither the syscall MSRs nor the shadow GS base. The kernel
 * needs those only in user mode or across a context switch, so, as KVM
 * does, they are switched at the first entry after the vCPU thread got
 * the CPU, and back in vmx_vcpu_put(), when the thread is switched out or
 * HV_VCPU_RUN returns (the core's preempt notifier): an exit handled in
 * the kernel costs no MSR write.
 */
static void vmx_guest_state_load(struct vmx_vcpu *vx)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	u16 *seg = vx->host_seg;
	unsigned long fs_base;
	int i;

	if (!vx->guest_state_loaded) {
		savesegment(ds, seg[0]);
		savesegment(es, seg[1]);
		savesegment(fs, seg[2]);
		savesegment(gs, seg[3]);
		/* RPL or TI set cannot be a host selector (26.2.3). */
		if ((seg[2] & 7 ? 0 : seg[2]) != vx->host_fs_sel) {
			vx->host_fs_sel = seg[2] & 7 ? 0 : seg[2];
			vmcs_write16(HOST_FS_SELECTOR, vx->host_fs_sel);
		}
		if ((seg[3] & 7 ? 0 : seg[3]) != vx->host_gs_sel) {
			vx->host_gs_sel = seg[3] & 7 ? 0 : seg[3];
			vmcs_write16(HOST_GS_SELECTOR, vx->host_gs_sel);
		}
		rdmsrq(MSR_FS_BASE, fs_base);
		if (fs_base != vx->host_fs_base) {
			vx->host_fs_base = fs_base;
			vmcs_writel(HOST_FS_BASE, fs_base);
		}
		rdmsrq(MSR_KERNEL_GS_BASE, vx->host_kgs);
		wrmsrq(MSR_KERNEL_GS_BASE, vx->soft_msr[VMX_KERNEL_GS_BASE]);
		vx->guest_state_loaded = true;
	}
	/* The syscall MSRs matter to the guest only with EFER.SCE. */
	if (unlikely(!vx->syscall_loaded && (vx->efer & EFER_SCE))) {
		for (i = 0; i < VMX_NR_SYSCALL_MSRS; i++)
			if (vx->soft_msr[i] != vc->syscall_msr[i])
				wrmsrq(vmx_soft_msrs[i], vx->soft_msr[i]);
		vx->syscall_loaded = true;
	}
}

/* The host's state back on this CPU (preemption off). */
static void vmx_guest_state_put(struct vmx_vcpu *vx)
{
	struct vmx_cpu *vc;
	u16 *seg = vx->host_seg;
	int i;

	if (!vx->guest_state_loaded)
		return;
	vc = this_cpu_ptr(&vmx_cpu);
	if (vx->syscall_loaded)
		for (i = 0; i < VMX_NR_SYSCALL_MSRS; i++)
			if (vx->soft_msr[i] != vc->syscall_msr[i])
				wrmsrq(vmx_soft_msrs[i], vc->syscall_msr[i]);
	/* The guest's SWAPGS changes it without an exit. */
	rdmsrq(MSR_KERNEL_GS_BASE, vx->soft_msr[VMX_KERNEL_GS_BASE]);
	wrmsrq(MSR_KERNEL_GS_BASE, vx->host_kgs);
	if (seg[0] | seg[1]) {
		loadsegment(ds, seg[0]);
		loadsegment(es, seg[1]);
	}
	if (seg[2] & 7)
		loadsegment(fs, seg[2]);
	if (seg[3] & 7)
		load_gs_index(seg[3]);
	load_fixmap_gdt(raw_smp_processor_id());
	invalidate_tss_limit();
	vx->syscall_loaded = false;
	vx->guest_state_loaded = false;
}

static void vmx_vcpu_put(struct hv_vcpu *vcpu)
{
	vmx_guest_state_put(to_vmx(vcpu));
}

static void vmx_check_host_cr(struct vmx_vcpu *vx)
{
	unsigned long cr3 = __read_cr3(), cr4 = vmx_host_cr4();

	if (unlikely(cr3 != vx->host_cr3)) {
		vx->host_cr3 = cr3;
		vmcs_writel(HOST_CR3, cr3);
	}
	if (unlikely(cr4 != vx->host_cr4)) {
		vx->host_cr4 = cr4;
		vmcs_writel(HOST_CR4, cr4);
	}
}

/* ---- VMCS set-up ---- */

/* Host state that is the same everywhere (26.2.3). */
static void vmx_set_host_state(struct vmx_vcpu *vx)
{
	vmcs_writel(HOST_CR0, read_cr0());
	vx->host_cr3 = __read_cr3();
	vmcs_writel(HOST_CR3, vx->host_cr3);
	vx->host_cr4 = vmx_host_cr4();
	vmcs_writel(HOST_CR4, vx->host_cr4);
	vmcs_write16(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write16(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write16(HOST_DS_SELECTOR, 0);
	vmcs_write16(HOST_ES_SELECTOR, 0);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_write16(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	vmcs_writel(HOST_IDTR_BASE, vmx.host_idt);
	vmcs_writel(HOST_FS_BASE, 0);
	vmcs_write32(HOST_IA32_SYSENTER_CS, vmx.host_sysenter_cs);
	vmcs_writel(HOST_IA32_SYSENTER_EIP, vmx.host_sysenter_eip);
	vmcs_write64(HOST_IA32_PAT, vmx.host_pat);
	vmcs_write64(HOST_IA32_EFER, vmx.host_efer);
	vmcs_writel(HOST_RIP, (unsigned long)hv_vmx_vmexit);
}

static void vmx_set_controls(struct vmx_vcpu *vx)
{
	vx->pin_ctl = vmx.pin;
	vx->cpu_ctl = vmx.cpu;
	vx->entry_ctl = vmx.entry;
	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, vx->pin_ctl);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, vx->cpu_ctl);
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, vmx.cpu2);
	vmcs_write32(VM_EXIT_CONTROLS, vmx.exit);
	vmcs_write32(VM_ENTRY_CONTROLS, vx->entry_ctl);
	/*
	 * #DB and #AC: a guest can make their delivery loop forever inside
	 * the CPU (CVE-2015-8104, CVE-2015-5307); intercepted, each one is an
	 * exit the host can interrupt. #MC goes to the host's handler.
	 */
	vmcs_write32(EXCEPTION_BITMAP, BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) |
		     BIT(X86_TRAP_MC));
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write64(IO_BITMAP_A, __pa(vmx.io_bitmaps));
	vmcs_write64(IO_BITMAP_B, __pa(vmx.io_bitmaps) + PAGE_SIZE);
	vmcs_write64(MSR_BITMAP, __pa(vmx.msr_bitmap));
	vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
	vmcs_write64(EPT_POINTER, vx->eptp);
	if (vmx.vpid)
		vmcs_write16(VIRTUAL_PROCESSOR_ID, vx->vpid);
	vmcs_writel(CR0_GUEST_HOST_MASK, VMX_CR0_HOST_OWNED);
	/* Every CR4 bit is the core's to check (hv_exit_mov_to_cr). */
	vmcs_writel(CR4_GUEST_HOST_MASK, ~0UL);
}

/* The guest state of RESET that sregs do not cover (SDM vol. 3, 10.1.1). */
static void vmx_guest_reset(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	vx->tsc_offset = vcpu->vm->tsc_offset;
	vmcs_write64(TSC_OFFSET, vx->tsc_offset);
	vmcs_writel(GUEST_DR7, HV_DR7_INIT);
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write64(GUEST_IA32_PAT, VMX_PAT_DEFAULT);
	vmcs_write32(GUEST_ACTIVITY_STATE, 0);
	vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_writel(GUEST_SYSENTER_ESP, 0);
	vmcs_writel(GUEST_SYSENTER_EIP, 0);
	vx->intr_state = 0;
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vx->entry_intr = 0;
	vx->inject = false;
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	/* The next entry loads the reset values (preemption is off here). */
	vmx_guest_state_put(vx);
	memset(vx->soft_msr, 0, sizeof(vx->soft_msr));
	vx->cr2 = 0;
}

static int vmx_vm_init(struct hv_vm *vm)
{
	return 0;
}

static void vmx_vm_destroy(struct hv_vm *vm)
{
}

static int vmx_vcpu_init(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	int vpid = 0, ret = -ENOMEM;

	if (vmx.vpid) {
		vpid = ida_alloc_range(&vmx_vpids, 1, 0xffff, GFP_KERNEL);
		if (vpid < 0)
			return vpid;
	}
	vx->vmcs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vx->vmcs)
		goto err_vpid;
	*(u32 *)vx->vmcs = vmx.revision;
	vx->vmcs_pa = __pa(vx->vmcs);
	vx->vpid = vpid;
	vx->active_cpu = -1;
	vx->host_cpu = -1;
	INIT_LIST_HEAD(&vx->loaded_link);
	vx->eptp = vcpu->vm->mmu.root_pa | VMX_EPTP_PWL_4 | VMX_EPTP_MT_WB;

	ret = vmx_get(vcpu);
	if (ret)
		goto err_vmcs;
	vmx_set_controls(vx);
	vmx_set_host_state(vx);
	vmx_guest_reset(vcpu);
	vmx_put(vcpu);
	return 0;

err_vmcs:
	free_page((unsigned long)vx->vmcs);
err_vpid:
	if (vpid)
		ida_free(&vmx_vpids, vpid);
	return ret;
}

static void vmx_vcpu_destroy(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	int cpu = READ_ONCE(vx->active_cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_vmcs_clear_ipi, vx, 1);
	free_page((unsigned long)vx->vmcs);
	if (vx->vpid)
		ida_free(&vmx_vpids, vx->vpid);
}

/* ---- loading ---- */

/*
 * Make the VMCS current here. One that is active on another CPU is
 * VMCLEARed there first: a VMCS may be active on one CPU only (24.11.1).
 * A CPU the vCPU did not just run on may hold stale EPT translations of
 * this VM: flush them before the first entry here.
 */
static void vmx_vmcs_load(struct vmx_vcpu *vx, int cpu)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	int old = READ_ONCE(vx->active_cpu);
	bool moved = old != cpu;

	if (moved) {
		if (old >= 0)
			smp_call_function_single(old, vmx_vmcs_clear_ipi, vx, 1);
		/* Pairs with the smp_wmb() in vmx_vmcs_clear_here(). */
		smp_rmb();
		local_irq_disable();
		if (vmx_vmclear(vx->vmcs_pa))
			pr_err_ratelimited("vmx: VMCLEAR failed on CPU %d\n", cpu);
		list_add(&vx->loaded_link, &vc->loaded);
		vx->launched = false;
		WRITE_ONCE(vx->active_cpu, cpu);
		local_irq_enable();
		vx->flush_tlb = true;
	}
	if (vc->current_vmcs != vx->vmcs_pa) {
		if (vmx_vmptrld(vx->vmcs_pa))
			pr_err_ratelimited("vmx: VMPTRLD failed on CPU %d\n", cpu);
		vc->current_vmcs = vx->vmcs_pa;
	}
	if (moved)
		vmx_set_host_cpu_state(cpu);
}

/* Local mode: the VMCS is made current by each window instead. */
static void vmx_vcpu_load(struct hv_vcpu *vcpu, int cpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	if (!vmx_is_local())
		vmx_vmcs_load(vx, cpu);
	/* Exits clear IA32_DEBUGCTL (27.5.1): what to put back. */
	vx->host_debugctl = get_debugctlmsr();
	/* Another guest ran here: it must not steer this one's branches. */
	hv_ibpb();
}

static void vmx_flush_tlb(struct hv_vcpu *vcpu)
{
	to_vmx(vcpu)->flush_tlb = true;
}

/* ---- state ---- */

/* The VMCS fields of a segment are 2 apart (appendix B). */
static const u16 vmx_seg_fields[] = {
	GUEST_ES_SELECTOR, GUEST_CS_SELECTOR, GUEST_SS_SELECTOR,
	GUEST_DS_SELECTOR, GUEST_FS_SELECTOR, GUEST_GS_SELECTOR,
	GUEST_LDTR_SELECTOR, GUEST_TR_SELECTOR,
};

#define VMX_SEG_LIMIT(sel)	((sel) - GUEST_ES_SELECTOR + GUEST_ES_LIMIT)
#define VMX_SEG_AR(sel)		((sel) - GUEST_ES_SELECTOR + GUEST_ES_AR_BYTES)
#define VMX_SEG_BASE(sel)	((sel) - GUEST_ES_SELECTOR + GUEST_ES_BASE)
#define VMX_AR_UNUSABLE		BIT(16)

static void vmx_seg_get(unsigned long sel, struct hv_segment *s)
{
	u32 ar = __vmcs_read(VMX_SEG_AR(sel));

	s->selector = __vmcs_read(sel);
	s->base = __vmcs_read(VMX_SEG_BASE(sel));
	s->limit = __vmcs_read(VMX_SEG_LIMIT(sel));
	s->unusable = !!(ar & VMX_AR_UNUSABLE);
	hv_seg_from_ar(s, ar);
	if (s->unusable)
		s->present = 0;
}

/*
 * With unrestricted guest, usable code and data segments must have their
 * accessed bit set (26.3.1.2); a descriptor load sets it anyway.
 */
static void vmx_seg_set(unsigned long sel, const struct hv_segment *s)
{
	bool unusable = s->unusable || !s->present;
	u32 ar = hv_seg_to_ar(s);

	if (unusable)
		ar = VMX_AR_UNUSABLE;
	else if (s->s)
		ar |= 1;
	__vmcs_write(sel, s->selector);
	__vmcs_write(VMX_SEG_BASE(sel), s->base);
	__vmcs_write(VMX_SEG_LIMIT(sel), s->limit);
	__vmcs_write(VMX_SEG_AR(sel), ar);
}

/* struct hv_sregs' segments in the order of vmx_seg_fields */
static const size_t vmx_seg_offsets[] = {
	offsetof(struct hv_sregs, es), offsetof(struct hv_sregs, cs),
	offsetof(struct hv_sregs, ss), offsetof(struct hv_sregs, ds),
	offsetof(struct hv_sregs, fs), offsetof(struct hv_sregs, gs),
	offsetof(struct hv_sregs, ldt), offsetof(struct hv_sregs, tr),
};

static int vmx_get_sregs(struct hv_vcpu *vcpu, struct hv_sregs *s)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	int i, ret;

	ret = vmx_get(vcpu);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(vmx_seg_fields); i++)
		vmx_seg_get(vmx_seg_fields[i],
			    (void *)s + vmx_seg_offsets[i]);
	s->gdt.base = vmcs_readl(GUEST_GDTR_BASE);
	s->gdt.limit = vmcs_read32(GUEST_GDTR_LIMIT);
	s->idt.base = vmcs_readl(GUEST_IDTR_BASE);
	s->idt.limit = vmcs_read32(GUEST_IDTR_LIMIT);
	s->cr0 = (vmcs_readl(GUEST_CR0) & ~VMX_CR0_HOST_OWNED) |
		 (vx->cr0_shadow & VMX_CR0_HOST_OWNED);
	s->cr3 = vmcs_readl(GUEST_CR3);
	vmx_put(vcpu);
	s->cr4 = vx->cr4_shadow;
	s->cr2 = vx->cr2;
	s->cr8 = vx->cr8;
	s->efer = vx->efer;
	return 0;
}

/*
 * CR0 as the CPU runs it: NE set (the fixed bits, 24.8) and caching never
 * disabled for the guest's sake; PE and PG may be clear with unrestricted
 * guest (26.3.1.1). The guest reads its own value from the shadow.
 */
static void vmx_write_cr0(struct vmx_vcpu *vx, u64 cr0)
{
	u64 fixed0 = vmx.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);
	u64 hw = ((cr0 | fixed0) & vmx.cr0_fixed1) &
		 ~(X86_CR0_CD | X86_CR0_NW);

	vx->cr0_shadow = cr0;
	vmcs_writel(CR0_READ_SHADOW, cr0);
	vmcs_writel(GUEST_CR0, hw);
}

/*
 * CR4.VMXE is set while in VMX non-root operation; the guest never sees it.
 * Every CR4 bit is owned by hv, so the shadow is the guest's whole CR4.
 */
static void vmx_write_cr4(struct vmx_vcpu *vx, u64 cr4)
{
	vx->cr4_shadow = cr4;
	vmcs_writel(CR4_READ_SHADOW, cr4);
	vmcs_writel(GUEST_CR4, (cr4 | vmx.cr4_fixed0) & vmx.cr4_fixed1);
}

/* EFER.LMA and the "IA-32e mode guest" entry control go together (26.3.1.1). */
static void vmx_write_efer(struct vmx_vcpu *vx, u64 efer)
{
	u32 ctl = vx->entry_ctl & ~VM_ENTRY_IA32E_MODE;

	if (efer & EFER_LMA)
		ctl |= VM_ENTRY_IA32E_MODE;
	vx->efer = efer;
	vmcs_write64(GUEST_IA32_EFER, efer);
	if (ctl != vx->entry_ctl) {
		vx->entry_ctl = ctl;
		vmcs_write32(VM_ENTRY_CONTROLS, ctl);
	}
}

/*
 * PAE paging outside long mode: with EPT the CPU takes the four PDPTEs
 * from the VMCS at entry (26.3.2.4), so a CR0/CR3/CR4 change by hv loads
 * them as a MOV to CR3 would. Read before vmx_get(): guest reads sleep.
 */
static bool vmx_pae_paging(u64 cr0, u64 cr4, u64 efer)
{
	return (cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !(efer & EFER_LMA);
}

static void vmx_read_pdptrs(struct hv_vcpu *vcpu, u64 cr3, u64 pdptr[4])
{
	if (hv_guest_read(vcpu->vm, cr3 & ~0x1fULL, pdptr, 4 * sizeof(u64)))
		memset(pdptr, 0, 4 * sizeof(u64));
}

static void vmx_write_pdptrs(const u64 pdptr[4])
{
	vmcs_write64(GUEST_PDPTR0, pdptr[0]);
	vmcs_write64(GUEST_PDPTR1, pdptr[1]);
	vmcs_write64(GUEST_PDPTR2, pdptr[2]);
	vmcs_write64(GUEST_PDPTR3, pdptr[3]);
}

static int vmx_set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *s)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	bool pae = vmx_pae_paging(s->cr0, s->cr4, s->efer);
	u64 pdptr[4];
	int i, ret;

	if (pae)
		vmx_read_pdptrs(vcpu, s->cr3, pdptr);
	ret = vmx_get(vcpu);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(vmx_seg_fields); i++)
		vmx_seg_set(vmx_seg_fields[i],
			    (const void *)s + vmx_seg_offsets[i]);
	vmcs_writel(GUEST_GDTR_BASE, s->gdt.base);
	vmcs_write32(GUEST_GDTR_LIMIT, s->gdt.limit);
	vmcs_writel(GUEST_IDTR_BASE, s->idt.base);
	vmcs_write32(GUEST_IDTR_LIMIT, s->idt.limit);
	vmx_write_cr0(vx, s->cr0);
	vmcs_writel(GUEST_CR3, s->cr3);
	vmx_write_cr4(vx, s->cr4);
	vmx_write_efer(vx, s->efer);
	if (pae)
		vmx_write_pdptrs(pdptr);
	vmx_put(vcpu);
	vx->cr2 = s->cr2;
	vx->cr8 = s->cr8;
	return 0;
}

/*
 * EFER alone never starts PAE paging (LMA changes only with CR0.PG, which
 * the CR0 write that comes first handles); CR0 and CR4 writes may.
 */
static int vmx_set_control(struct hv_vcpu *vcpu, enum hv_ctl reg, u64 val)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	u64 cr0 = reg == HV_CTL_CR0 ? val : vx->cr0_shadow;
	u64 cr4 = reg == HV_CTL_CR4 ? val : vx->cr4_shadow;
	bool pae = reg != HV_CTL_EFER && vmx_pae_paging(cr0, cr4, vx->efer);
	u64 cr3, pdptr[4];
	int ret;

	if (pae) {
		ret = vmx_get(vcpu);
		if (ret)
			return ret;
		cr3 = vmcs_readl(GUEST_CR3);
		vmx_put(vcpu);
		vmx_read_pdptrs(vcpu, cr3, pdptr);
	}
	ret = vmx_get(vcpu);
	if (ret)
		return ret;
	if (reg == HV_CTL_EFER)
		vmx_write_efer(vx, val);
	else if (reg == HV_CTL_CR0)
		vmx_write_cr0(vx, val);
	else
		vmx_write_cr4(vx, val);
	if (pae)
		vmx_write_pdptrs(pdptr);
	vmx_put(vcpu);
	return 0;
}

/* Guest MSRs in the VMCS (24.4.1) */
static unsigned long vmx_msr_field(u32 index)
{
	switch (index) {
	case MSR_FS_BASE:		return GUEST_FS_BASE;
	case MSR_GS_BASE:		return GUEST_GS_BASE;
	case MSR_IA32_SYSENTER_CS:	return GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP:	return GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP:	return GUEST_SYSENTER_EIP;
	case MSR_IA32_CR_PAT:		return GUEST_IA32_PAT;
	default:			return 0;
	}
}

static int vmx_soft_msr(u32 index)
{
	switch (index) {
	case MSR_STAR:			return VMX_STAR;
	case MSR_LSTAR:			return VMX_LSTAR;
	case MSR_CSTAR:			return VMX_CSTAR;
	case MSR_SYSCALL_MASK:		return VMX_SFMASK;
	case MSR_KERNEL_GS_BASE:	return VMX_KERNEL_GS_BASE;
	default:			return -1;
	}
}

static int vmx_get_msr(struct hv_vcpu *vcpu, u32 index, u64 *data)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	unsigned long field = vmx_msr_field(index);
	int soft = vmx_soft_msr(index);

	if (index == MSR_IA32_TSC) {
		*data = rdtsc() + vx->tsc_offset;
	} else if (soft >= 0) {
		/* While loaded, the shadow GS base lives in the CPU. */
		preempt_disable();
		if (soft == VMX_KERNEL_GS_BASE && vx->guest_state_loaded)
			rdmsrq(MSR_KERNEL_GS_BASE, vx->soft_msr[soft]);
		*data = vx->soft_msr[soft];
		preempt_enable();
	} else if (field) {
		int ret = vmx_get(vcpu);

		if (ret)
			return ret;
		*data = __vmcs_read(field);
		vmx_put(vcpu);
	} else {
		return -ENOENT;
	}
	return 0;
}

static u64 vmx_tsc_offset(struct hv_vcpu *vcpu)
{
	return to_vmx(vcpu)->tsc_offset;
}

static int vmx_set_msr(struct hv_vcpu *vcpu, u32 index, u64 data)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	unsigned long field = vmx_msr_field(index);
	int soft = vmx_soft_msr(index), ret;

	if (soft >= 0) {
		preempt_disable();
		vx->soft_msr[soft] = data;
		if (vx->guest_state_loaded &&
		    (soft == VMX_KERNEL_GS_BASE || vx->syscall_loaded))
			wrmsrq(vmx_soft_msrs[soft], data);
		preempt_enable();
		return 0;
	}
	if (!field && index != MSR_IA32_TSC)
		return -ENOENT;
	ret = vmx_get(vcpu);
	if (ret)
		return ret;
	if (index == MSR_IA32_TSC) {
		vx->tsc_offset = data - rdtsc();
		vmcs_write64(TSC_OFFSET, vx->tsc_offset);
	} else {
		__vmcs_write(field, data);
	}
	vmx_put(vcpu);
	return 0;
}

/* ---- events ---- */

static bool vmx_in_shadow(struct hv_vcpu *vcpu)
{
	return (to_vmx(vcpu)->intr_state &
		(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)) &&
	       !hv_shadow_over(vcpu);
}

static bool vmx_interrupt_allowed(struct hv_vcpu *vcpu)
{
	return (vcpu->rflags & X86_EFLAGS_IF) && !vmx_in_shadow(vcpu);
}

static bool vmx_nmi_allowed(struct hv_vcpu *vcpu)
{
	return !vmx_in_shadow(vcpu) &&
	       !(to_vmx(vcpu)->intr_state & GUEST_INTR_STATE_NMI);
}

static bool vmx_event_in_flight(struct hv_vcpu *vcpu)
{
	return to_vmx(vcpu)->entry_intr & INTR_INFO_VALID_MASK;
}

/* Exceptions that push an error code (SDM vol. 3, table 6-1). */
static bool vmx_exc_has_error(u8 vector)
{
	switch (vector) {
	case X86_TRAP_DF: case X86_TRAP_TS: case X86_TRAP_NP: case X86_TRAP_SS:
	case X86_TRAP_GP: case X86_TRAP_PF: case X86_TRAP_AC:
		return true;
	default:
		return false;
	}
}

/*
 * Event injection (26.6): the error code is delivered exactly when the CPU
 * would push one, which is never in real mode (26.2.1.3). vmx_run() writes
 * it to the VMCS.
 */
static void vmx_inject(struct hv_vcpu *vcpu, enum hv_event_kind kind,
		       u8 vector, bool has_error, u32 error)
{
	static const u32 type[] = {
		[HV_INJECT_EXCEPTION] = INTR_TYPE_HARD_EXCEPTION,
		[HV_INJECT_NMI] = INTR_TYPE_NMI_INTR,
		[HV_INJECT_IRQ] = INTR_TYPE_EXT_INTR,
	};
	struct vmx_vcpu *vx = to_vmx(vcpu);
	u32 info = vector | type[kind] | INTR_INFO_VALID_MASK;

	if (kind == HV_INJECT_EXCEPTION && vmx_exc_has_error(vector) &&
	    (vx->cr0_shadow & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vx->entry_err = has_error ? error : 0;
	}
	vx->entry_intr = info;
	vx->inject = true;
}

/* The VMCS holds what vx->intr_state says from the exit on: keep it so. */
static void vmx_set_intr_state(struct vmx_vcpu *vx, u32 state)
{
	if (state != vx->intr_state) {
		vx->intr_state = state;
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, state);
	}
}

static void vmx_set_cpu_ctl(struct vmx_vcpu *vx, u32 ctl)
{
	if (ctl != vx->cpu_ctl) {
		vx->cpu_ctl = ctl;
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, ctl);
	}
}

/*
 * Interrupt- and NMI-window exiting (25.2): the exit comes as soon as the
 * guest could take the event; the NMI window also waits for the guest's
 * IRET from an NMI handler (virtual-NMI blocking). For the next entry
 * only: the core asks again before each one.
 */
static void vmx_request_window(struct hv_vcpu *vcpu, bool nmi)
{
	to_vmx(vcpu)->windows |= nmi ? CPU_BASED_NMI_WINDOW_EXITING :
				       CPU_BASED_INTR_WINDOW_EXITING;
}

/* What the core queued for this entry: vmx_inject(), vmx_request_window(). */
static void vmx_write_events(struct vmx_vcpu *vx)
{
	if (vx->inject) {
		vx->inject = false;
		if (vx->entry_intr & INTR_INFO_DELIVER_CODE_MASK)
			vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE,
				     vx->entry_err);
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, vx->entry_intr);
	}
	vmx_set_cpu_ctl(vx, (vx->cpu_ctl & ~VMX_WINDOW_EXITING) | vx->windows);
	vx->windows = 0;
}

/*
 * An event whose delivery the exit interrupted (IDT-vectoring information,
 * 27.2.4) is delivered again on the next entry, except software interrupts
 * and exceptions, which the guest re-executes since RIP still points at the
 * instruction.
 */
static void vmx_reinject(struct vmx_vcpu *vx)
{
	u32 info = vx->idt_info;
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;

	if (!(info & INTR_INFO_VALID_MASK) || type == INTR_TYPE_SOFT_INTR ||
	    type == INTR_TYPE_SOFT_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		return;
	if (info & INTR_INFO_DELIVER_CODE_MASK)
		vx->entry_err = vmcs_read32(IDT_VECTORING_ERROR_CODE);
	/* An NMI being delivered was not blocking NMIs yet. */
	if (type == INTR_TYPE_NMI_INTR)
		vmx_set_intr_state(vx, vx->intr_state & ~GUEST_INTR_STATE_NMI);
	vx->entry_intr = info & ~INTR_INFO_UNBLOCK_NMI;
	vx->inject = true;
}

/*
 * Virtual-NMI blocking (25.3): a fault in the middle of the guest's IRET
 * leaves NMIs unblocked though the IRET will run again, so blocking is set
 * back (27.2.3); once blocking is gone with no NMI in flight, the guest's
 * handler has returned.
 */
static void vmx_track_nmi_blocking(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	u32 basic = vx->exit_reason & 0xffff;
	bool unblocked = false;

	if (!(vx->idt_info & INTR_INFO_VALID_MASK)) {
		if (basic == EXIT_REASON_EXCEPTION_NMI)
			unblocked = (vx->exit_intr_info & INTR_INFO_VALID_MASK) &&
				    (vx->exit_intr_info & VMX_NMI_UNBLOCKED_IRET) &&
				    (vx->exit_intr_info & INTR_INFO_VECTOR_MASK) !=
				    X86_TRAP_DF;
		else if (basic == EXIT_REASON_EPT_VIOLATION)
			unblocked = vx->exit_qual & VMX_NMI_UNBLOCKED_IRET;
	}
	if (unblocked)
		vmx_set_intr_state(vx, vx->intr_state | GUEST_INTR_STATE_NMI);
	if (vcpu->events.nmi_masked && !(vx->intr_state & GUEST_INTR_STATE_NMI) &&
	    (vx->entry_intr & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK)) !=
	    (INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR))
		hv_nmi_iret(vcpu);
}

/* ---- running ---- */

/*
 * L1TF: nothing the host left in L1D may be read by the guest (SDM vol. 3
 * has no word on it; Intel's L1TF guidance). Without the flush MSR, reading
 * 64 KiB displaces every line of a 32 KiB L1D.
 *
 * As KVM's default (vmentry_l1d_flush=cond), only when the host may have
 * brought other data in since the last entry: it came back from userspace
 * or faulted memory in (vcpu->host_ran), the thread was switched out, or an
 * interrupt or NMI ran on this CPU. An exit handled by hv alone (CPUID, an
 * MSR, the APIC, MMIO decoding) touches the vCPU's own state only.
 * l1tf=full,force or vmentry_l1d_flush=always flushes every time.
 */
static bool vmx_l1d_flush_needed(struct hv_vcpu *vcpu, struct vmx_vcpu *vx)
{
	unsigned long switches = current->nvcsw + current->nivcsw;
	bool need = vmx.l1d_flush_always || vcpu->host_ran ||
		    switches != vx->l1d_switches || hv_l1tf_irq_seen();

	vcpu->host_ran = false;
	vx->l1d_switches = switches;
	hv_l1tf_irq_clear();
	return need;
}

static void vmx_l1d_flush(void)
{
	static u8 fill[SZ_64K] __aligned(PAGE_SIZE);
	unsigned int i;

	if (boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		wrmsrq(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		return;
	}
	for (i = 0; i < sizeof(fill); i += L1_CACHE_BYTES)
		READ_ONCE(fill[i]);
}

/*
 * A guest with RFLAGS.IF clear still exits on host interrupts
 * ("external-interrupt exiting"), but Bochs 2.7's emulated VMX misses that
 * case, and a guest spinning with interrupts off (entered so, or after a
 * CLI) would then hold the host CPU for good: with two such vCPUs waiting
 * for each other, the whole host stops. Where the CPU has the
 * VMX-preemption timer every entry also gets an exit after 1 ms (10 ms if
 * it enters with interrupts on); on hardware that costs at most one exit
 * per millisecond of a guest that does nothing else that exits.
 */
static void vmx_arm_preempt_timer(struct hv_vcpu *vcpu, struct vmx_vcpu *vx)
{
	u32 pin = vx->pin_ctl & ~PIN_BASED_VMX_PREEMPTION_TIMER;
	u32 ticks = vmx.preempt_timer;

	if (vcpu->rflags & X86_EFLAGS_IF)
		ticks = min_t(u64, (u64)ticks * 10, U32_MAX);
	if (ticks) {
		pin |= PIN_BASED_VMX_PREEMPTION_TIMER;
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, ticks);
	}
	if (pin != vx->pin_ctl) {
		vx->pin_ctl = pin;
		vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, pin);
	}
}

/* Guest state the run loop keeps in struct hv_vcpu, and STI/MOV SS shadow. */
static void vmx_sync_to_vmcs(struct hv_vcpu *vcpu, struct vmx_vcpu *vx)
{
	vmcs_writel(GUEST_RIP, vcpu->rip);
	vmcs_writel(GUEST_RSP, vcpu->gprs[HV_RSP]);
	vmcs_writel(GUEST_RFLAGS, vcpu->rflags);
	if (hv_shadow_over(vcpu))
		vmx_set_intr_state(vx, vx->intr_state &
				   ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
	vmx_arm_preempt_timer(vcpu, vx);
	vmx_write_events(vx);
	if (vx->flush_tlb) {
		vx->flush_tlb = false;
		if (vmx_invept(vmx.invept_type, vx->eptp))
			pr_err_ratelimited("vmx: INVEPT failed\n");
	}
}

static void vmx_read_exit(struct hv_vcpu *vcpu, struct vmx_vcpu *vx)
{
	vx->exit_reason = vmcs_read32(VM_EXIT_REASON);
	vx->exit_qual = vmcs_readl(EXIT_QUALIFICATION);
	vx->exit_intr_info = vmcs_read32(VM_EXIT_INTR_INFO);
	vx->insn_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	vx->idt_info = vx->exit_reason & VMX_EXIT_FAILED_ENTRY ? 0 :
		       vmcs_read32(IDT_VECTORING_INFO_FIELD);
	if ((vx->exit_reason & 0xffff) == EXIT_REASON_EPT_VIOLATION)
		vx->exit_gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	/* The operand size of a MOV to CR (vmx_exit_cr()). */
	if ((vx->exit_reason & 0xffff) == EXIT_REASON_CR_ACCESS &&
	    (vx->efer & EFER_LMA))
		vx->exit_cs_ar = vmcs_read32(GUEST_CS_AR_BYTES);
	vx->intr_state = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	vx->entry_intr = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	vcpu->rip = vmcs_readl(GUEST_RIP);
	vcpu->gprs[HV_RSP] = vmcs_readl(GUEST_RSP);
	vcpu->rflags = vmcs_readl(GUEST_RFLAGS);
}

/*
 * An NMI that ended the guest was not delivered to the host, and NMIs stay
 * blocked after such an exit (SDM vol. 3C, "NMI Exiting" and "Updating
 * Non-Register State"). The kernel's NMI entry is called through an
 * interrupt frame whose IRET ends the blocking. Without it, the NMI is sent
 * to this CPU again through the local APIC, where it waits while NMIs are
 * blocked, and an IRET to self ends the blocking (SDM vol. 3A, "NMI
 * Handling While Processing an NMI"): the host's handler runs right there,
 * through the IDT, with interrupts still off.
 */
static void vmx_host_nmi(void)
{
	if (static_branch_unlikely(&vmx_nmi_apic_key)) {
		hv_apic_self_nmi();
		hv_vmx_iret_to_self();
	} else {
		hv_vmx_call_nmi_handler((unsigned long)hv_host_nmi_entry);
	}
}

/* NMIs and machine checks that ended the guest are the host's (27.1). */
static void vmx_handle_host_events(struct vmx_vcpu *vx)
{
	u32 basic = vx->exit_reason & 0xffff;
	u32 info = vx->exit_intr_info;
	u32 type = info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK);

	if (basic == EXIT_REASON_MCE_DURING_VMENTRY) {
		hv_host_machine_check();
	} else if (basic == EXIT_REASON_EXCEPTION_NMI) {
		if (type == (INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR))
			vmx_host_nmi();
		else if ((info & INTR_INFO_VECTOR_MASK) == X86_TRAP_MC)
			hv_host_machine_check();
	}
}

static void vmx_enter(struct hv_vcpu *vcpu, struct vmx_vcpu *vx)
{
	bool failed;

	vx->fail = 0;
	vmx_check_host_cr(vx);
	vmx_guest_state_load(vx);
	vmx_sync_to_vmcs(vcpu, vx);
	/* No VMREAD/VMWRITE failed since this vCPU's state was last written. */
	if (unlikely(this_cpu_read(vmx_vmcs_failures))) {
		this_cpu_write(vmx_vmcs_failures, 0);
		vx->fail = VMX_FAIL_INSN | vmcs_read32(VM_INSTRUCTION_ERROR);
		return;
	}
	if (native_read_cr2() != vx->cr2)
		native_write_cr2(vx->cr2);
	if (vmx.l1d_flush && vmx_l1d_flush_needed(vcpu, vx))
		vmx_l1d_flush();
	hv_guest_xstate_load(vcpu);

	failed = hv_vmx_vmenter(vcpu->gprs, vx->launched);

	hv_guest_xstate_put(vcpu);
	vx->cr2 = native_read_cr2();
	if (vx->host_debugctl)
		update_debugctlmsr(vx->host_debugctl);
	if (unlikely(failed)) {
		vx->fail = VMX_FAIL_INSN | vmcs_read32(VM_INSTRUCTION_ERROR);
		return;
	}

	vx->launched = true;
	vmx_read_exit(vcpu, vx);
	vmx_handle_host_events(vx);
	vmx_reinject(vx);
	vmx_track_nmi_blocking(vcpu);
}

/*
 * One guest entry, interrupts off (hv_enter_guest()). In local mode all of
 * it is one window: the events the core queued a moment ago are written,
 * the guest runs, its exit is read and the VMCS is clear again before
 * interrupts are back on. The window costs a VMXON, VMPTRLD, VMCLEAR and
 * VMXOFF per entry, hundreds of cycles or more each on hardware; handling
 * the simple exits (interrupts, CPUID, the preemption timer) inside the
 * window, without going back through the core, would save most of them.
 */
static void vmx_run(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	int ret;

	if (!vmx_is_local()) {
		vmx_enter(vcpu, vx);
		return;
	}
	ret = vmx_window_open(vx);
	if (ret) {
		vx->fail = ret == -EBUSY ? HV_FAIL_VIRT_BUSY : VMX_FAIL_INSN;
		return;
	}
	vmx_enter(vcpu, vx);
	vmx_window_close(vx);
}

/* ---- exits ---- */

typedef int (*vmx_exit_fn)(struct hv_vcpu *vcpu);

static u64 vmx_next_rip(struct hv_vcpu *vcpu)
{
	return vcpu->rip + to_vmx(vcpu)->insn_len;
}

static int vmx_exit_resume(struct hv_vcpu *vcpu)
{
	vcpu->stats[HV_STAT_EXIT_INTR]++;
	return 1;
}

/* Exceptions and NMIs (25.2): #DB, #AC and #MC are intercepted, NMIs too. */
static int vmx_exit_exception(struct hv_vcpu *vcpu)
{
	u32 info = to_vmx(vcpu)->exit_intr_info;

	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		return vmx_exit_resume(vcpu);	/* the host's, handled */
	switch (info & INTR_INFO_VECTOR_MASK) {
	case X86_TRAP_DB:
		return hv_exit_db(vcpu);
	case X86_TRAP_AC:
		return hv_exit_ac(vcpu);
	case X86_TRAP_MC:
		vcpu->stats[HV_STAT_EXIT_EXCEPTION]++;
		return 1;			/* the host's, handled */
	default:
		return hv_exit_unhandled(vcpu, to_vmx(vcpu)->exit_reason, info,
					 to_vmx(vcpu)->exit_qual);
	}
}

/* INVD and WBINVD run as NOPs, as on SVM (see there). */
static int vmx_exit_nop(struct hv_vcpu *vcpu)
{
	vcpu->rip = vmx_next_rip(vcpu);
	return 1;
}

static int vmx_exit_cpuid(struct hv_vcpu *vcpu)
{
	return hv_exit_cpuid(vcpu, vmx_next_rip(vcpu));
}

static int vmx_exit_hlt(struct hv_vcpu *vcpu)
{
	return hv_exit_hlt(vcpu, vmx_next_rip(vcpu));
}

static int vmx_exit_vmcall(struct hv_vcpu *vcpu)
{
	return hv_exit_hypercall(vcpu, vmx_next_rip(vcpu));
}

static int vmx_exit_xsetbv(struct hv_vcpu *vcpu)
{
	return hv_exit_xsetbv(vcpu, vmx_next_rip(vcpu));
}

static int vmx_exit_rdmsr(struct hv_vcpu *vcpu)
{
	return hv_exit_rdmsr(vcpu, vmx_next_rip(vcpu));
}

static int vmx_exit_wrmsr(struct hv_vcpu *vcpu)
{
	return hv_exit_wrmsr(vcpu, vmx_next_rip(vcpu));
}

/* Triple fault: the core resets the registers, this the rest of the VMCS. */
static int vmx_exit_triple_fault(struct hv_vcpu *vcpu)
{
	int ret = vmx_get(vcpu);

	if (ret)
		return ret;
	vmx_guest_reset(vcpu);
	vmx_put(vcpu);
	return hv_exit_shutdown(vcpu);
}

/* I/O exit qualification (table 27-5). */
static int vmx_exit_io(struct hv_vcpu *vcpu)
{
	unsigned long q = to_vmx(vcpu)->exit_qual;
	struct hv_io_exit io = {
		.port = q >> 16,
		.size = (q & 7) + 1,
		.in = q & BIT(3),
		.string = q & BIT(4),
		.rep = q & BIT(5),
		.next_rip = vmx_next_rip(vcpu),
	};

	return hv_exit_io(vcpu, &io);
}

/* CS.L (bit 13 of the access rights, 24.4.1), read at the exit. */
static bool vmx_64bit_code(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	return (vx->efer & EFER_LMA) && (vx->exit_cs_ar & BIT(13));
}

/* CR8 is the TPR: 4 bits, more is #GP (SDM vol. 3, 11.8.6.1). */
static int vmx_exit_cr8(struct hv_vcpu *vcpu, bool write, int gpr)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	vcpu->stats[HV_STAT_EXIT_OTHER]++;
	if (write && vcpu->gprs[gpr] > 15) {
		hv_queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return 1;
	}
	/* With a local APIC, CR8 is its TPR[7:4] (SDM vol. 3, 11.8.6). */
	if (write && vcpu->lapic)
		hv_lapic_set_cr8(vcpu, vcpu->gprs[gpr]);
	else if (write)
		vx->cr8 = vcpu->gprs[gpr];
	else
		vcpu->gprs[gpr] = vcpu->lapic ? hv_lapic_get_cr8(vcpu) : vx->cr8;
	vcpu->rip = vmx_next_rip(vcpu);
	return 1;
}

/*
 * Control-register accesses (table 27-3): MOV to CR0/CR4 for the bits hv
 * owns, MOV to/from CR8, CLTS and LMSW (which cannot clear PE).
 */
static int vmx_exit_cr(struct hv_vcpu *vcpu)
{
	unsigned long q = to_vmx(vcpu)->exit_qual;
	int cr = q & 15, type = (q >> 4) & 3, gpr = (q >> 8) & 15;
	u64 next = vmx_next_rip(vcpu), cr0 = to_vmx(vcpu)->cr0_shadow, val;

	if (cr == 8 && type < 2)
		return vmx_exit_cr8(vcpu, type == 0, gpr);
	if (type == 0) {
		val = vcpu->gprs[gpr];
		if (!vmx_64bit_code(vcpu))
			val = (u32)val;
		return hv_exit_mov_to_cr(vcpu, cr, val, next);
	}
	if (type == 1)
		return hv_exit_unhandled(vcpu, to_vmx(vcpu)->exit_reason, q, 0);
	if (type == 2)
		val = cr0 & ~X86_CR0_TS;
	else
		val = (cr0 & ~0xeULL) | ((q >> 16) & 0xf) | (cr0 & X86_CR0_PE);
	return hv_exit_mov_to_cr(vcpu, 0, val, next);
}

/*
 * EPT violation (27.2.1, table 27-7): the GPA, the access, and whether it
 * was the instruction's own data access (bits 7 and 8) rather than a walk
 * of the guest's page tables; fetches are never emulated.
 */
static int vmx_exit_ept_violation(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	unsigned long q = vx->exit_qual;
	bool emulate = (q & BIT(7)) && (q & BIT(8)) &&
		       !(q & EPT_VIOLATION_ACC_INSTR);

	return hv_exit_npf(vcpu, vx->exit_gpa, q & EPT_VIOLATION_ACC_WRITE,
			   emulate);
}

static int vmx_exit_failed_entry(struct hv_vcpu *vcpu)
{
	return hv_exit_fail_entry(vcpu, to_vmx(vcpu)->exit_reason);
}

/* Basic exit reasons (appendix C); anything missing is an internal error. */
static const vmx_exit_fn vmx_exit_handlers[] = {
	[EXIT_REASON_EXCEPTION_NMI]		= vmx_exit_exception,
	[EXIT_REASON_EXTERNAL_INTERRUPT]	= vmx_exit_resume,
	[EXIT_REASON_TRIPLE_FAULT]		= vmx_exit_triple_fault,
	[EXIT_REASON_INTERRUPT_WINDOW]		= hv_exit_irq_window,
	[EXIT_REASON_NMI_WINDOW]		= hv_exit_irq_window,
	[EXIT_REASON_CPUID]			= vmx_exit_cpuid,
	[EXIT_REASON_HLT]			= vmx_exit_hlt,
	[EXIT_REASON_INVD]			= vmx_exit_nop,
	[EXIT_REASON_RDPMC]			= hv_exit_gp,
	[EXIT_REASON_VMCALL]			= vmx_exit_vmcall,
	[EXIT_REASON_VMCLEAR]			= hv_exit_ud,
	[EXIT_REASON_VMLAUNCH]			= hv_exit_ud,
	[EXIT_REASON_VMPTRLD]			= hv_exit_ud,
	[EXIT_REASON_VMPTRST]			= hv_exit_ud,
	[EXIT_REASON_VMREAD]			= hv_exit_ud,
	[EXIT_REASON_VMRESUME]			= hv_exit_ud,
	[EXIT_REASON_VMWRITE]			= hv_exit_ud,
	[EXIT_REASON_VMOFF]			= hv_exit_ud,
	[EXIT_REASON_VMON]			= hv_exit_ud,
	[EXIT_REASON_CR_ACCESS]			= vmx_exit_cr,
	[EXIT_REASON_DR_ACCESS]			= hv_exit_dr,
	[EXIT_REASON_IO_INSTRUCTION]		= vmx_exit_io,
	[EXIT_REASON_MSR_READ]			= vmx_exit_rdmsr,
	[EXIT_REASON_MSR_WRITE]			= vmx_exit_wrmsr,
	[EXIT_REASON_INVALID_STATE]		= vmx_exit_failed_entry,
	[EXIT_REASON_MSR_LOAD_FAIL]		= vmx_exit_failed_entry,
	[EXIT_REASON_MWAIT_INSTRUCTION]		= hv_exit_ud,
	[EXIT_REASON_MONITOR_INSTRUCTION]	= hv_exit_ud,
	[EXIT_REASON_MCE_DURING_VMENTRY]	= vmx_exit_failed_entry,
	[EXIT_REASON_EPT_VIOLATION]		= vmx_exit_ept_violation,
	[EXIT_REASON_INVEPT]			= hv_exit_ud,
	[EXIT_REASON_PREEMPTION_TIMER]		= vmx_exit_resume,
	[EXIT_REASON_INVVPID]			= hv_exit_ud,
	[EXIT_REASON_WBINVD]			= vmx_exit_nop,
	[EXIT_REASON_XSETBV]			= vmx_exit_xsetbv,
	[EXIT_REASON_VMFUNC]			= hv_exit_ud,
};

static int vmx_handle_exit(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	u32 basic = vx->exit_reason & 0xffff;

	if (unlikely(vx->fail))
		return hv_exit_fail_entry(vcpu, vx->fail);
	if (vx->exit_reason & VMX_EXIT_FAILED_ENTRY)
		return vmx_exit_failed_entry(vcpu);
	if (basic < ARRAY_SIZE(vmx_exit_handlers) && vmx_exit_handlers[basic])
		return vmx_exit_handlers[basic](vcpu);
	return hv_exit_unhandled(vcpu, vx->exit_reason, vx->exit_qual,
				 vx->exit_intr_info);
}

const struct hv_arch_ops hv_vmx_ops = {
	.name			= "vmx",
	.backend		= HV_BACKEND_VMX,
	.pt_format		= &vmx_pt_format,
	.vm_size		= 0,
	.vcpu_size		= sizeof(struct vmx_vcpu),
	.probe			= vmx_probe,
	.hardware_setup		= vmx_hardware_setup,
	.hardware_unsetup	= vmx_hardware_unsetup,
	.cpu_enable		= vmx_cpu_enable,
	.cpu_disable		= vmx_cpu_disable,
	.vm_init		= vmx_vm_init,
	.vm_destroy		= vmx_vm_destroy,
	.vcpu_init		= vmx_vcpu_init,
	.vcpu_destroy		= vmx_vcpu_destroy,
	.vcpu_load		= vmx_vcpu_load,
	.vcpu_put		= vmx_vcpu_put,
	.run			= vmx_run,
	.handle_exit		= vmx_handle_exit,
	.flush_tlb		= vmx_flush_tlb,
	.get_sregs		= vmx_get_sregs,
	.set_sregs		= vmx_set_sregs,
	.set_control		= vmx_set_control,
	.get_msr		= vmx_get_msr,
	.set_msr		= vmx_set_msr,
	.interrupt_allowed	= vmx_interrupt_allowed,
	.nmi_allowed		= vmx_nmi_allowed,
	.inject			= vmx_inject,
	.request_window		= vmx_request_window,
	.event_in_flight	= vmx_event_in_flight,
	.tsc_offset		= vmx_tsc_offset,
};
