/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "budgets.h"
#include "cgtree.h"
#include "config.h"
#include "unitfiles.h"

/* Everything budgets are read from, for the system manager or a user manager, below a
 * root directory ("/" normally; tests point it into a temporary tree). */
typedef struct Sources {
	char *root;
	bool user;
	char *config_path; /* pind.conf */
	UnitPaths paths;
	Config config;
	UnitIndex index;
} Sources;

/* Reads pind.conf and the unit files. On a bad file returns -EINVAL and *ret_error names
 * file, line and key; *ret is untouched. */
int sources_load(const char *root, bool user, uint64_t mem_total, Sources *ret, char **ret_error);
void sources_done(Sources *s);

/* Budgets for the units in tree (prefix and type drop-ins apply to what exists). */
int sources_budgets(const Sources *s, CgTree *tree, BudgetSet *ret);

/* The managed cgroup subtree: override if given, else CgroupRoot=, else (a user manager's
 * sources, where it has no default) manager: the user manager's own cgroup, as it says
 * (sdmanager.h), which may be NULL when it could not be asked. */
const char *sources_cgroup_root(const Sources *s, const char *override, const char *manager);
