/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "settings.h"
#include "unitfiles.h"

/* The budgets in force: unit files and drop-ins first, pind.conf's [Budget NAME] after,
 * key by key. */

typedef struct Budget {
	char *name;
	uint64_t max; /* bytes; UINT64_MAX: infinity */
	char *max_text;
	char *max_source; /* file that set PinnedMemoryMax */
	Action action;
	char *action_source; /* file that set the action; NULL: DefaultAction */
	Target target;
	char *target_source; /* file that set the target; NULL: [Daemon] Target= */
	uint64_t reserved;   /* bytes reserved and not yet pinned (the daemon's Reserve()) */
} Budget;

/* What a budget counts against its max: usage, and its reservations as if pinned
 * already (UINT64_MAX at most). */
static inline uint64_t budget_charged(const Budget *b, uint64_t usage)
{
	return usage + b->reserved < usage ? UINT64_MAX : usage + b->reserved;
}

typedef struct BudgetSet {
	Budget *budgets; /* sorted by name */
	size_t n;
} BudgetSet;

/* Budgets of: every [Budget NAME] in c, every unit the index names, and every unit in
 * seen (units that exist now, which prefix and type drop-ins may apply to). A name gets a
 * budget when some source sets PinnedMemoryMax for it; a masked unit gets none from unit
 * files. */
int budgets_build(const Config *c, const UnitIndex *idx, const char *const *seen, size_t n_seen,
		  BudgetSet *ret);

const Budget *budgets_find(const BudgetSet *s, const char *name);
void budgets_done(BudgetSet *s);
