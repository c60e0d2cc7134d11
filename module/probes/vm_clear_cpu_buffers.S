/* SPDX-License-Identifier: GPL-2.0 */
/* The VERW before a guest entry (MDS and friends), 6.8+. */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>

SYM_FUNC_START(hv_probe)
	VM_CLEAR_CPU_BUFFERS
	RET
SYM_FUNC_END(hv_probe)
