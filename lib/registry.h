/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VM registry's reply parsers (registry.c): from one generic netlink
 * message of family HV_GENL_NAME to libhv's structs. Pure, so that the unit
 * tests can feed them messages built with libnl (tests/test_registry.c).
 *
 * Each returns 0, or -EPROTO with a detail naming what is wrong: a
 * mandatory attribute missing, a known one of the wrong size, a name
 * without its NUL. What they do not know they skip: attributes above
 * HV_A_MAX, counters past HV_REGISTRY_MAX_STATS, padding (type 0 in an
 * HV_A_STATS nest, HV_A_PAD elsewhere).
 */
#ifndef LIBHV_REGISTRY_H
#define LIBHV_REGISTRY_H

#include <linux/netlink.h>

#include "internal.h"

/* HV_CMD_GET_VM's reply (one message of the dump, or the doit's). */
int libhv_registry_parse_vm(struct nlmsghdr *nlh, struct hv_vm_info *info);
/*
 * HV_CMD_GET_STATS's reply. On success stats->vcpus is malloc'd (NULL with
 * no vCPU); on failure *stats is zeroed and nothing is left allocated.
 */
int libhv_registry_parse_stats(struct nlmsghdr *nlh, struct hv_vm_stats *stats);
/* An HV_CMD_NOTIFY message; -EPROTO for another command too. */
int libhv_registry_parse_notify(struct nlmsghdr *nlh, struct hv_notify *ev);

#endif /* LIBHV_REGISTRY_H */
