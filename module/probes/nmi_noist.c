// SPDX-License-Identifier: GPL-2.0
/* The NMI entry without IST that KVM used before 6.3. */
#include <asm/idtentry.h>

void *hv_probe(void);
void *hv_probe(void)
{
	return asm_exc_nmi_noist;
}
