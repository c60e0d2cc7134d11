/* SPDX-License-Identifier: GPL-2.0 */
/* IBPB for the entry and VM-exit mitigations, exported to hv (KVM only in 6.19+). */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>

SYM_FUNC_START(hv_probe)
	call write_ibpb
	RET
SYM_FUNC_END(hv_probe)
