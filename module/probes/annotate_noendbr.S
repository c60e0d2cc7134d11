/* SPDX-License-Identifier: GPL-2.0 */
/* objtool's marker for code reached without a branch (IBT), 5.18+. */
#include <linux/linkage.h>
#include <linux/objtool.h>

SYM_FUNC_START(hv_probe)
	ANNOTATE_NOENDBR
	RET
SYM_FUNC_END(hv_probe)
