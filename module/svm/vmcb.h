/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMCB (AMD APM vol. 2, appendix B "Layout of VMCB"), with every field
 * hv uses checked against the manual's offsets at build time. Names are
 * hv's own so they never clash with the kernel's <asm/svm.h>.
 */
#ifndef HV_SVM_VMCB_H
#define HV_SVM_VMCB_H

#include <linux/build_bug.h>
#include <linux/types.h>

/* Intercept vector indexes (APM B.1: words at 0x00-0x14) */
enum svm_icpt_word {
	SVM_ICPT_CR,		/* 0x00: CR reads [15:0], writes [31:16] */
	SVM_ICPT_DR,		/* 0x04: DR reads [15:0], writes [31:16] */
	SVM_ICPT_EXC,		/* 0x08: exception vectors */
	SVM_ICPT_MISC1,		/* 0x0c */
	SVM_ICPT_MISC2,		/* 0x10 */
	SVM_ICPT_MISC3,		/* 0x14 */
	SVM_ICPT_WORDS,
};

/* SVM_ICPT_MISC1 bits */
#define SVM_ICPT_INTR		BIT(0)
#define SVM_ICPT_NMI		BIT(1)
#define SVM_ICPT_SMI		BIT(2)
#define SVM_ICPT_INIT		BIT(3)
#define SVM_ICPT_VINTR		BIT(4)
#define SVM_ICPT_RDPMC		BIT(15)
#define SVM_ICPT_CPUID		BIT(18)
#define SVM_ICPT_RSM		BIT(19)
#define SVM_ICPT_IRET		BIT(20)
#define SVM_ICPT_INVD		BIT(22)
#define SVM_ICPT_HLT		BIT(24)
#define SVM_ICPT_INVLPGA	BIT(26)
#define SVM_ICPT_IOIO		BIT(27)
#define SVM_ICPT_MSR		BIT(28)
#define SVM_ICPT_TASK_SWITCH	BIT(29)
#define SVM_ICPT_FERR_FREEZE	BIT(30)
#define SVM_ICPT_SHUTDOWN	BIT(31)
/* SVM_ICPT_MISC2 bits */
#define SVM_ICPT_VMRUN		BIT(0)
#define SVM_ICPT_VMMCALL	BIT(1)
#define SVM_ICPT_VMLOAD		BIT(2)
#define SVM_ICPT_VMSAVE		BIT(3)
#define SVM_ICPT_STGI		BIT(4)
#define SVM_ICPT_CLGI		BIT(5)
#define SVM_ICPT_SKINIT		BIT(6)
#define SVM_ICPT_ICEBP		BIT(8)
#define SVM_ICPT_WBINVD		BIT(9)
#define SVM_ICPT_MONITOR	BIT(10)
#define SVM_ICPT_MWAIT		BIT(11)
#define SVM_ICPT_MWAIT_COND	BIT(12)
#define SVM_ICPT_XSETBV		BIT(13)
#define SVM_ICPT_RDPRU		BIT(14)
/* SVM_ICPT_MISC3 bits */
#define SVM_ICPT_INVLPGB	BIT(0)
#define SVM_ICPT_INVLPGB_BAD	BIT(1)
#define SVM_ICPT_INVPCID	BIT(2)
#define SVM_ICPT_MCOMMIT	BIT(3)
#define SVM_ICPT_TLBSYNC	BIT(4)

/* int_ctl (APM B.1, offset 0x60) */
#define SVM_V_TPR_MASK		0xffU
#define SVM_V_IRQ		BIT(8)
#define SVM_V_INTR_PRIO_SHIFT	16
#define SVM_V_IGN_TPR		BIT(20)
#define SVM_V_INTR_MASKING	BIT(24)
/* int_state */
#define SVM_INT_SHADOW		BIT(0)
/* tlb_ctl (APM 15.16.1) */
#define SVM_TLB_NONE		0
#define SVM_TLB_FLUSH_ALL	1
#define SVM_TLB_FLUSH_ASID	3
/* nested_ctl */
#define SVM_NP_ENABLE		BIT_ULL(0)

/* EVENTINJ / EXITINTINFO (APM 15.20) */
#define SVM_EVT_VECTOR_MASK	0xffU
#define SVM_EVT_TYPE_SHIFT	8
#define SVM_EVT_TYPE_INTR	(0U << SVM_EVT_TYPE_SHIFT)
#define SVM_EVT_TYPE_NMI	(2U << SVM_EVT_TYPE_SHIFT)
#define SVM_EVT_TYPE_EXC	(3U << SVM_EVT_TYPE_SHIFT)
#define SVM_EVT_TYPE_SOFT	(4U << SVM_EVT_TYPE_SHIFT)
#define SVM_EVT_TYPE_MASK	(7U << SVM_EVT_TYPE_SHIFT)
#define SVM_EVT_ERR_VALID	BIT(11)
#define SVM_EVT_VALID		BIT(31)

/* SVM_ICPT_CR: writes of CRn are bit 16 + n */
#define SVM_ICPT_CR_WRITE(n)	BIT(16 + (n))

/* Exit codes (APM appendix C), with the APM's names */
#define VMEXIT_CR4_WRITE	0x014
#define VMEXIT_CR8_WRITE	0x018
#define VMEXIT_READ_DR0		0x020
#define VMEXIT_READ_DR7		0x027
#define VMEXIT_WRITE_DR0	0x030
#define VMEXIT_WRITE_DR7	0x037
#define VMEXIT_EXCP_BASE	0x040
#define VMEXIT_EXCP_DB		(VMEXIT_EXCP_BASE + 1)
#define VMEXIT_EXCP_AC		(VMEXIT_EXCP_BASE + 17)
#define VMEXIT_EXCP_MC		(VMEXIT_EXCP_BASE + 18)
#define VMEXIT_INTR		0x060
#define VMEXIT_NMI		0x061
#define VMEXIT_SMI		0x062
#define VMEXIT_INIT		0x063
#define VMEXIT_VINTR		0x064
#define VMEXIT_RDPMC		0x06f
#define VMEXIT_CPUID		0x072
#define VMEXIT_RSM		0x073
#define VMEXIT_IRET		0x074
#define VMEXIT_INVD		0x076
#define VMEXIT_HLT		0x078
#define VMEXIT_INVLPGA		0x07a
#define VMEXIT_IOIO		0x07b
#define VMEXIT_MSR		0x07c
#define VMEXIT_TASK_SWITCH	0x07d
#define VMEXIT_FERR_FREEZE	0x07e
#define VMEXIT_SHUTDOWN		0x07f
#define VMEXIT_VMRUN		0x080
#define VMEXIT_VMMCALL		0x081
#define VMEXIT_VMLOAD		0x082
#define VMEXIT_VMSAVE		0x083
#define VMEXIT_STGI		0x084
#define VMEXIT_CLGI		0x085
#define VMEXIT_SKINIT		0x086
#define VMEXIT_ICEBP		0x088
#define VMEXIT_WBINVD		0x089
#define VMEXIT_MONITOR		0x08a
#define VMEXIT_MWAIT		0x08b
#define VMEXIT_MWAIT_COND	0x08c
#define VMEXIT_XSETBV		0x08d
#define VMEXIT_RDPRU		0x08e
#define VMEXIT_INVLPGB		0x0a0
#define VMEXIT_INVLPGB_BAD	0x0a1
#define VMEXIT_INVPCID		0x0a2
#define VMEXIT_MCOMMIT		0x0a3
#define VMEXIT_TLBSYNC		0x0a4
#define VMEXIT_NPF		0x400
#define VMEXIT_INVALID		((u64)-1)
#define VMEXIT_NR_HANDLED	(VMEXIT_NPF + 1)

/* IOIO exit information 1 (APM 15.10.2, figure 15-2) */
#define SVM_IOIO_IN		BIT(0)
#define SVM_IOIO_STR		BIT(2)
#define SVM_IOIO_REP		BIT(3)
#define SVM_IOIO_SZ8		BIT(4)
#define SVM_IOIO_SZ16		BIT(5)
#define SVM_IOIO_SZ32		BIT(6)
#define SVM_IOIO_PORT_SHIFT	16

/* NPF exit information 1 (APM 15.25.6) */
#define SVM_NPF_WRITE		BIT_ULL(1)
#define SVM_NPF_FETCH		BIT_ULL(4)
#define SVM_NPF_FINAL		BIT_ULL(32)
#define SVM_NPF_TABLE		BIT_ULL(33)

struct svm_vmcb_ctrl {
	u32 intercepts[SVM_ICPT_WORDS];
	u8 reserved_18[0x3c - 0x18];
	u16 pause_filter_thresh;
	u16 pause_filter_count;
	u64 iopm_base_pa;
	u64 msrpm_base_pa;
	u64 tsc_offset;
	u32 asid;
	u8 tlb_ctl;
	u8 reserved_5d[3];
	u32 int_ctl;
	u32 int_vector;
	u32 int_state;
	u8 reserved_6c[4];
	u64 exit_code;
	u64 exit_info_1;
	u64 exit_info_2;
	u32 exit_int_info;
	u32 exit_int_info_err;
	u64 nested_ctl;
	u64 avic_vapic_bar;
	u64 ghcb_gpa;
	u32 event_inj;
	u32 event_inj_err;
	u64 nested_cr3;
	u64 virt_ext;
	u32 clean;
	u32 reserved_c4;
	u64 next_rip;
	u8 insn_len;
	u8 insn_bytes[15];
	u8 reserved_e0[0x400 - 0xe0];
} __packed;

struct svm_vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;

struct svm_vmcb_save {
	struct svm_vmcb_seg es, cs, ss, ds, fs, gs;
	struct svm_vmcb_seg gdtr, ldtr, idtr, tr;
	u8 reserved_a0[0xcb - 0xa0];
	u8 cpl;
	u32 reserved_cc;
	u64 efer;
	u8 reserved_d8[0x148 - 0xd8];
	u64 cr4;
	u64 cr3;
	u64 cr0;
	u64 dr7;
	u64 dr6;
	u64 rflags;
	u64 rip;
	u8 reserved_180[0x1d8 - 0x180];
	u64 rsp;
	u8 reserved_1e0[0x1f8 - 0x1e0];
	u64 rax;
	u64 star;
	u64 lstar;
	u64 cstar;
	u64 sfmask;
	u64 kernel_gs_base;
	u64 sysenter_cs;
	u64 sysenter_esp;
	u64 sysenter_eip;
	u64 cr2;
	u8 reserved_248[0x268 - 0x248];
	u64 g_pat;
	u64 dbgctl;
} __packed;

struct svm_vmcb {
	struct svm_vmcb_ctrl ctrl;
	struct svm_vmcb_save save;
} __packed;

/* Offsets from APM vol. 2, tables B-1 and B-2. */
#define SVM_CTRL_AT(field, off) \
	static_assert(offsetof(struct svm_vmcb_ctrl, field) == (off))
#define SVM_SAVE_AT(field, off) \
	static_assert(offsetof(struct svm_vmcb, save.field) == 0x400 + (off))

SVM_CTRL_AT(pause_filter_thresh, 0x3c);
SVM_CTRL_AT(iopm_base_pa, 0x40);
SVM_CTRL_AT(msrpm_base_pa, 0x48);
SVM_CTRL_AT(tsc_offset, 0x50);
SVM_CTRL_AT(asid, 0x58);
SVM_CTRL_AT(tlb_ctl, 0x5c);
SVM_CTRL_AT(int_ctl, 0x60);
SVM_CTRL_AT(int_state, 0x68);
SVM_CTRL_AT(exit_code, 0x70);
SVM_CTRL_AT(exit_info_1, 0x78);
SVM_CTRL_AT(exit_info_2, 0x80);
SVM_CTRL_AT(exit_int_info, 0x88);
SVM_CTRL_AT(nested_ctl, 0x90);
SVM_CTRL_AT(event_inj, 0xa8);
SVM_CTRL_AT(nested_cr3, 0xb0);
SVM_CTRL_AT(clean, 0xc0);
SVM_CTRL_AT(next_rip, 0xc8);
SVM_CTRL_AT(insn_len, 0xd0);
static_assert(sizeof(struct svm_vmcb_ctrl) == 0x400);

SVM_SAVE_AT(cs, 0x10);
SVM_SAVE_AT(tr, 0x90);
SVM_SAVE_AT(cpl, 0xcb);
SVM_SAVE_AT(efer, 0xd0);
SVM_SAVE_AT(cr4, 0x148);
SVM_SAVE_AT(cr0, 0x158);
SVM_SAVE_AT(dr7, 0x160);
SVM_SAVE_AT(rflags, 0x170);
SVM_SAVE_AT(rip, 0x178);
SVM_SAVE_AT(rsp, 0x1d8);
SVM_SAVE_AT(rax, 0x1f8);
SVM_SAVE_AT(star, 0x200);
SVM_SAVE_AT(kernel_gs_base, 0x220);
SVM_SAVE_AT(sysenter_eip, 0x238);
SVM_SAVE_AT(cr2, 0x240);
SVM_SAVE_AT(g_pat, 0x268);

#endif /* HV_SVM_VMCB_H */
