// SPDX-License-Identifier: GPL-2.0
/* asm flag outputs through CC_SET()/CC_OUT() (gone in 7.x). */
#include <linux/types.h>
#include <asm/asm.h>

bool hv_probe(unsigned long a);
bool hv_probe(unsigned long a)
{
	bool z;

	asm("test %1, %1" CC_SET(z) : CC_OUT(z) (z) : "r" (a));
	return z;
}
