// SPDX-License-Identifier: GPL-2.0
/* The APIC driver's IPI hook, called through the exported apic pointer. */
#include <asm/apic.h>
#include <asm/irq_vectors.h>

void hv_probe(void);
void hv_probe(void)
{
	apic->send_IPI_mask(cpumask_of(0), NMI_VECTOR);
}
