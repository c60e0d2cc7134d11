// SPDX-License-Identifier: GPL-2.0
/* Reload the host's debug registers (for KVM only since 6.19). */
#include <linux/percpu.h>
#include <asm/debugreg.h>
#include <asm/hw_breakpoint.h>

void hv_probe(void);
void hv_probe(void)
{
	hw_breakpoint_restore();
}
