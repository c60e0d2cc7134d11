/* SPDX-License-Identifier: GPL-2.0 */
/* The return predictor untrained after a guest ran, all of it exported to hv. */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>

SYM_FUNC_START(hv_probe)
	UNTRAIN_RET
	RET
SYM_FUNC_END(hv_probe)
