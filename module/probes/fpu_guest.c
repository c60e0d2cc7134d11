// SPDX-License-Identifier: GPL-2.0
/* KVM's guest FPU API (5.16+), all of it exported to hv (6.19+: KVM only). */
#include <asm/fpu/api.h>

bool hv_probe(struct fpu_guest *gfpu, void *buf);
bool hv_probe(struct fpu_guest *gfpu, void *buf)
{
	u32 pkru = 0;

	if (!fpu_alloc_guest_fpstate(gfpu))
		return false;
	fpu_swap_kvm_fpstate(gfpu, true);
	switch_fpu_return();
	fpu_swap_kvm_fpstate(gfpu, false);
	if (fpu_copy_uabi_to_guest_fpstate(gfpu, buf, 0, &pkru))
		return false;
	fpu_free_guest_fpstate(gfpu);
	return gfpu->uabi_size != 0;
}
