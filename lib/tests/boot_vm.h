/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * For the tests of the firmware tables and loaders: a VM on the fake device
 * whose low RAM is one slot from 0, as the PC machine maps it.
 */
#ifndef LIBHV_TEST_BOOT_VM_H
#define LIBHV_TEST_BOOT_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "../boot.h"

#define MiB		(1ULL << 20)
#define GiB		(1ULL << 30)

struct boot_vm {
	struct hv *hv;
	struct hv_vm *vm;
	uint8_t *mem;		/* guest-physical 0 */
	struct libhv_ram ram;
};

/* Guest RAM of mem bytes, of which the first min(mem, 3 GiB) are mapped. */
bool boot_vm_create(struct boot_vm *b, uint64_t mem);
void boot_vm_destroy(struct boot_vm *b);

/* Does detail (hv_error_detail()) mention word? */
bool detail_has(const char *word);

#endif /* LIBHV_TEST_BOOT_VM_H */
