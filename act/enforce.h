/* SPDX-License-Identifier: MIT */
#pragma once

#include <systemd/sd-bus.h>

#include "cglayout.h"
#include "policy.h"

/* Carries out the policy's decisions and logs each transition once, with journal fields
 * (MESSAGE_ID per kind, PIND_UNIT, PIND_PINNED, PIND_MAX, PIND_ACTION, PIND_PID). */

typedef struct Pending Pending;

/* The outcome of an action carried out later (ENFORCE_PENDING), for policy_outcome(). */
typedef void (*enforce_done_fn)(const Decision *d, int result, void *userdata);

typedef struct Enforcer {
	const CgLayout *layout;
	const char *owner; /* the instance's cgroup root: what its marks say (mark_format) */
	const char *proc_root;
	sd_bus *systemd;            /* the manager's bus for FreezeUnit, or NULL */
	bool systemd_cannot_freeze; /* learnt once: the manager said it cannot freeze here */
	enforce_done_fn done;       /* without it, freezes go through cgroupfs at once */
	void *userdata;
	Pending *pending; /* FreezeUnit and ThawUnit calls out, in order */
	uint64_t calls;   /* calls made so far (enforcer_calls()) */
} Enforcer;

#define ENFORCE_PENDING 1

/* Returns the outcome for policy_outcome(): 0 done, or a negative errno (-EBUSY: the
 * cgroup was frozen by someone else and is left alone); or ENFORCE_PENDING: a freeze or
 * thaw went to systemd, *d is the enforcer's now (the caller's copy is emptied), and
 * done() gets the outcome when systemd has answered (or cgroupfs did it instead). Calls
 * for one cgroup run one after the other. */
int enforce(Enforcer *e, Decision *d);

/* How many calls to systemd were made so far; and whether one of those made after the
 * first `since` is still out. */
uint64_t enforcer_calls(const Enforcer *e);
bool enforcer_out_since(const Enforcer *e, uint64_t since);

/* Forgets the calls out (systemd carries them out all the same). */
void enforcer_done(Enforcer *e);
