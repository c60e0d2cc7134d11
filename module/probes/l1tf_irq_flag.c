// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's note that an interrupt or NMI ran on this CPU since it was
 * last cleared (irq_stat, kept for KVM's conditional L1D flush).
 */
#include <linux/hardirq.h>
#include <asm/hardirq.h>

bool hv_probe(void);
bool hv_probe(void)
{
	bool seen = kvm_get_cpu_l1tf_flush_l1d();

	kvm_clear_cpu_l1tf_flush_l1d();
	return seen;
}
