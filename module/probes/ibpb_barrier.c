// SPDX-License-Identifier: GPL-2.0
/* indirect_branch_prediction_barrier(), all of it exported to hv. */
#include <asm/nospec-branch.h>

void hv_probe(void);
void hv_probe(void)
{
	indirect_branch_prediction_barrier();
}
