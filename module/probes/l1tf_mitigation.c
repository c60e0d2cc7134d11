// SPDX-License-Identifier: GPL-2.0
/* The L1TF mitigation settings (for KVM only since 6.19). */
#include <asm/processor.h>
#include <asm/vmx.h>

bool hv_probe(void);
bool hv_probe(void)
{
	return l1tf_mitigation == L1TF_MITIGATION_OFF ||
	       l1tf_vmx_mitigation == VMENTER_L1D_FLUSH_NEVER;
}
