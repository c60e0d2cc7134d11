/* SPDX-License-Identifier: GPL-2.0 */
/* The VERW before a guest entry as a feature of its own (7.x). */
#include <linux/linkage.h>
#include <asm/alternative.h>
#include <asm/cpufeatures.h>

SYM_FUNC_START(hv_probe)
	ALTERNATIVE "", "nop", X86_FEATURE_CLEAR_CPU_BUF_VM
	RET
SYM_FUNC_END(hv_probe)
