// SPDX-License-Identifier: GPL-2.0
/* 6.13: hrtimer_setup() sets the callback with the rest. */
#include <linux/hrtimer.h>

void hv_probe(struct hrtimer *t, enum hrtimer_restart (*fn)(struct hrtimer *));
void hv_probe(struct hrtimer *t, enum hrtimer_restart (*fn)(struct hrtimer *))
{
	hrtimer_setup(t, fn, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
}
