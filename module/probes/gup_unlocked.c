// SPDX-License-Identifier: GPL-2.0
/* Take a page reference without the mmap lock held. */
#include <linux/mm.h>

long hv_probe(unsigned long addr, struct page **page);
long hv_probe(unsigned long addr, struct page **page)
{
	return get_user_pages_unlocked(addr, 1, page, FOLL_WRITE);
}
