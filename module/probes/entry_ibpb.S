/* SPDX-License-Identifier: GPL-2.0 */
/* IBPB for the entry and VM-exit mitigations, before 6.15 (write_ibpb). */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>

SYM_FUNC_START(hv_probe)
	call entry_ibpb
	RET
SYM_FUNC_END(hv_probe)
