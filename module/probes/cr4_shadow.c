// SPDX-License-Identifier: GPL-2.0
/* The CR4 shadow and its update helpers (for KVM only since 6.19). */
#include <asm/tlbflush.h>

unsigned long hv_probe(void);
unsigned long hv_probe(void)
{
	cr4_set_bits(X86_CR4_VMXE);
	cr4_clear_bits(X86_CR4_VMXE);
	return cr4_read_shadow();
}
