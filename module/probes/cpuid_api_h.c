// SPDX-License-Identifier: GPL-2.0
/* 6.15: the CPUID accessors in <asm/cpuid/api.h>. */
#include <asm/cpuid/api.h>

u32 hv_probe(void);
u32 hv_probe(void)
{
	return cpuid_eax(0);
}
