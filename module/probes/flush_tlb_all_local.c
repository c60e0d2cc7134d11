// SPDX-License-Identifier: GPL-2.0
/* This CPU's whole TLB, global entries too (for KVM only since 6.19). */
#include <asm/tlbflush.h>

void hv_probe(void);
void hv_probe(void)
{
	__flush_tlb_all();
}
