// SPDX-License-Identifier: GPL-2.0
/* 6.6 turned the APIC driver's IPI hooks into static calls. */
#include <asm/apic.h>
#include <asm/irq_vectors.h>

void hv_probe(void);
void hv_probe(void)
{
	__apic_send_IPI_mask(cpumask_of(0), NMI_VECTOR);
}
