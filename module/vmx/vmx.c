// SPDX-License-Identifier: GPL-2.0
/*
 * hv: the Intel VT-x backend.
 *
 * Not implemented yet: on an Intel CPU with VMX the probe says so and
 * declines, so hv.ko refuses to load with a clear message instead of
 * running half a backend.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/cpufeature.h>

#include "hv.h"

static int vmx_probe(void)
{
	if (!boot_cpu_has(X86_FEATURE_VMX))
		return -ENODEV;
	pr_err("Intel VT-x is not supported by this version of hv yet\n");
	return -EOPNOTSUPP;
}

const struct hv_arch_ops hv_vmx_ops = {
	.name		= "vmx",
	.backend	= HV_BACKEND_VMX,
	.probe		= vmx_probe,
};
