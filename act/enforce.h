/* SPDX-License-Identifier: MIT */
#pragma once

#include <systemd/sd-bus.h>

#include "cglayout.h"
#include "policy.h"

/* Carries out the policy's decisions and logs each transition once, with journal fields
 * (MESSAGE_ID per kind, PIND_UNIT, PIND_PINNED, PIND_MAX, PIND_ACTION, PIND_PID). */

typedef struct Enforcer {
	const CgLayout *layout;
	const char *proc_root;
	sd_bus *systemd;             /* the manager's bus for FreezeUnit, or NULL */
	bool *systemd_cannot_freeze; /* learnt once: the manager said it cannot freeze here */
} Enforcer;

/* Returns the outcome for policy_outcome(): 0 done, or a negative errno (-EBUSY: the
 * cgroup was frozen by someone else and is left alone). */
int enforce(const Enforcer *e, const Decision *d);
