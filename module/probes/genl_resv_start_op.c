// SPDX-License-Identifier: GPL-2.0
/*
 * 6.1: a family says from which command on the reserved header fields and
 * attribute policies are checked strictly (before 6.1: every command).
 */
#include <net/genetlink.h>

struct genl_family hv_probe_family = { .resv_start_op = 1 };
