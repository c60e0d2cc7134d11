// SPDX-License-Identifier: GPL-2.0
/* 6.16 renamed rdmsrq()/wrmsrq() and their _safe forms to rdmsrq()... */
#include <asm/msr.h>

u64 hv_probe(void);
u64 hv_probe(void)
{
	u64 v;

	rdmsrq(MSR_EFER, v);
	wrmsrq(MSR_EFER, v);
	if (rdmsrq_safe(MSR_EFER, &v))
		return 0;
	return wrmsrq_safe(MSR_EFER, v);
}
