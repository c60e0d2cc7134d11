// SPDX-License-Identifier: GPL-2.0
/* 6.3 gave KVM an NMI entry of its own. */
#include <asm/idtentry.h>

void *hv_probe(void);
void *hv_probe(void)
{
	return asm_exc_nmi_kvm_vmx;
}
