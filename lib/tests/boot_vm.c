// SPDX-License-Identifier: LGPL-2.1-or-later
/* A fake VM with PC low RAM for the loader and table tests (boot_vm.h). */
#include <string.h>

#include "boot_vm.h"
#include "fake_hv.h"
#include "test.h"

bool boot_vm_create(struct boot_vm *b, uint64_t mem)
{
	memset(b, 0, sizeof(*b));
	fake_reset();
	libhv_ram_plan(mem, &b->ram);
	if (hv_open(fake_path(), &b->hv) || hv_vm_create(b->hv, &b->vm) ||
	    hv_vm_alloc_memory(b->vm, 0, 0, b->ram.low_size, 0, (void **)&b->mem)) {
		CHECK(false, "a fake VM with %llu bytes of low RAM: %s",
		      (unsigned long long)b->ram.low_size, hv_error_detail());
		boot_vm_destroy(b);
		return false;
	}
	return true;
}

void boot_vm_destroy(struct boot_vm *b)
{
	hv_vm_destroy(b->vm);
	hv_close(b->hv);
	b->vm = NULL;
	b->hv = NULL;
}

bool detail_has(const char *word)
{
	return strstr(hv_error_detail(), word) != NULL;
}
