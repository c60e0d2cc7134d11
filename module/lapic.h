/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv: the in-kernel interrupt controllers - a local APIC per vCPU and one
 * IOAPIC per VM - and the paravirtual clock. See docs/ARCHITECTURE.md,
 * "Interrupts and time".
 */
#ifndef HV_LAPIC_H
#define HV_LAPIC_H

#include <linux/hrtimer.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/hv.h>

struct hv_vm;
struct hv_vcpu;

/* An interrupt message, as an IOAPIC entry, an ICR write or an MSI has it. */
struct hv_irq_msg {
	u32 dest;		/* APIC ID or logical destination */
	u8 vector;
	u8 delivery;		/* APIC_DM_* >> 8: fixed, lowest, NMI, INIT, SIPI */
	bool logical;		/* destination mode */
	bool level;		/* trigger mode: level */
	u8 shorthand;		/* ICR only: APIC_DEST_* >> 18 */
	bool broadcast_ok;	/* 0xff / 0xffffffff means everyone */
};

/* vcpu->mp_state: what the vCPU does between exits (SDM vol. 3, 9.4). */
enum hv_mp_state {
	HV_MP_RUNNABLE,
	HV_MP_HALTED,		/* HLT: waits for an interrupt it can take */
	HV_MP_WAIT_SIPI,	/* after INIT (APs from the start) */
};

/* struct hv_lapic.events bits, set by any CPU, consumed by the vCPU. */
#define HV_LAPIC_EV_NMI		0
#define HV_LAPIC_EV_INIT	1
#define HV_LAPIC_EV_SIPI	2

/**
 * struct hv_lapic - a local APIC
 * @vcpu: its vCPU.
 * @regs: the register page (xAPIC layout, SDM vol. 3, table 11-1) but for
 *	IRR, ISR and TMR, which live in the bitmaps below.
 * @irr: interrupt request bits; set atomically by any CPU.
 * @tmr: trigger mode of each requested vector; set with @irr.
 * @isr: in-service bits; the vCPU's own.
 * @events: HV_LAPIC_EV_* bits.
 * @sipi_vector: vector of the last SIPI; written before its event bit.
 * @timer: the APIC timer (one-shot, periodic, TSC deadline).
 * @timer_period: periodic mode: nanoseconds per period.
 * @timer_start: one-shot and periodic: when the count was loaded.
 * @tsc_deadline: TSC-deadline mode: the guest's IA32_TSC_DEADLINE.
 */
struct hv_lapic {
	struct hv_vcpu *vcpu;
	u32 regs[0x400 / 4];
	unsigned long irr[BITS_TO_LONGS(256)];
	unsigned long tmr[BITS_TO_LONGS(256)];
	unsigned long isr[BITS_TO_LONGS(256)];
	unsigned long events;
	u8 sipi_vector;
	struct hrtimer timer;
	u64 timer_period;
	ktime_t timer_start;
	u64 tsc_deadline;
};

/**
 * struct hv_ioapic - the VM's IOAPIC (82093AA register model, version 0x11)
 * @lock: guards everything below.
 * @vm: the VM.
 * @id: IOAPIC ID register.
 * @ioregsel: the selected register.
 * @redir: redirection table.
 * @line: the level of each input line (1 = asserted).
 */
struct hv_ioapic {
	spinlock_t lock;	/* see the kernel-doc above */
	struct hv_vm *vm;
	u32 id;
	u32 ioregsel;
	u64 redir[HV_IOAPIC_PINS];
	unsigned long line;
};

/**
 * struct hv_pvclock - the guest's kvmclock registrations
 * @system_time: MSR_KVM_SYSTEM_TIME_NEW as written (GPA | enable).
 * @wall_clock: MSR_KVM_WALL_CLOCK_NEW as written (GPA).
 * @version: version of the last published time structure.
 */
struct hv_pvclock {
	u64 system_time;
	u64 wall_clock;
	u32 version;
};

/* lapic.c */
int hv_lapic_create(struct hv_vcpu *vcpu);
void hv_lapic_destroy(struct hv_vcpu *vcpu);
void hv_lapic_reset(struct hv_vcpu *vcpu);
bool hv_lapic_mmio(struct hv_vcpu *vcpu, u64 gpa, unsigned int size,
		   bool write, u64 *val);
bool hv_lapic_is_msr(u32 index);
int hv_lapic_msr_read(struct hv_vcpu *vcpu, u32 index, u64 *data);
int hv_lapic_msr_write(struct hv_vcpu *vcpu, u32 index, u64 data);
int hv_lapic_set_base(struct hv_vcpu *vcpu, u64 data, bool host);
int hv_lapic_deliver(struct hv_vm *vm, const struct hv_irq_msg *msg,
		     struct hv_vcpu *src);
int hv_lapic_pending_vector(struct hv_vcpu *vcpu);
void hv_lapic_ack(struct hv_vcpu *vcpu, int vector);
bool hv_lapic_has_events(struct hv_vcpu *vcpu);
bool hv_lapic_tpr_blocks(struct hv_vcpu *vcpu);
int hv_lapic_process_events(struct hv_vcpu *vcpu);
void hv_lapic_set_cr8(struct hv_vcpu *vcpu, u64 cr8);
u64 hv_lapic_get_cr8(struct hv_vcpu *vcpu);
u64 hv_guest_tsc(struct hv_vcpu *vcpu);

/* ioapic.c */
int hv_ioapic_create(struct hv_vm *vm);
void hv_ioapic_destroy(struct hv_vm *vm);
bool hv_ioapic_mmio(struct hv_vcpu *vcpu, u64 gpa, unsigned int size,
		    bool write, u64 *val);
int hv_ioapic_set_line(struct hv_vm *vm, u32 gsi, bool level);
void hv_ioapic_eoi(struct hv_vm *vm, u8 vector);

/* pvclock.c */
bool hv_pvclock_is_msr(u32 index);
int hv_pvclock_msr_read(struct hv_vcpu *vcpu, u32 index, u64 *data);
int hv_pvclock_msr_write(struct hv_vcpu *vcpu, u32 index, u64 data);
void hv_pvclock_update(struct hv_vcpu *vcpu);

#endif /* HV_LAPIC_H */
