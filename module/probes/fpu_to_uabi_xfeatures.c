// SPDX-License-Identifier: GPL-2.0
/* 6.1 added the xfeatures and PKRU arguments. */
#include <asm/fpu/api.h>

void hv_probe(struct fpu_guest *gfpu, void *buf);
void hv_probe(struct fpu_guest *gfpu, void *buf)
{
	fpu_copy_guest_fpstate_to_uabi(gfpu, buf, 4096, 0, 0);
}
