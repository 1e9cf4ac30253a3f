/* SPDX-License-Identifier: MIT */
#pragma once

#include "cglayout.h"
#include "policy.h"

/* Carries out the policy's decisions and logs each transition once, with journal fields
 * (MESSAGE_ID per kind, PIND_UNIT, PIND_PINNED, PIND_MAX, PIND_ACTION, PIND_PID). */

typedef struct Enforcer {
	const CgLayout *layout;
	const char *proc_root;
} Enforcer;

/* Returns the outcome for policy_outcome(): 0 done, or a negative errno (-EBUSY: the
 * cgroup was frozen by someone else and is left alone). */
int enforce(const Enforcer *e, const Decision *d);
