/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "budgets.h"
#include "cglayout.h"
#include "cgtree.h"
#include "measure.h"

/* What pinctl shows, chosen once and rendered as text or JSON. */

typedef struct GroupView {
	CgNode *node;         /* NULL: a budget whose cgroup does not exist now */
	char *name;           /* budget name: unit name, "/rel/path" for a plain cgroup, "/" root */
	unsigned depth;       /* in the shown tree; 0 for a block's top */
	bool block_top;       /* the group a status block is about */
	const Budget *budget; /* NULL when none */
} GroupView;

typedef struct View {
	GroupView *groups;
	size_t n_groups;
	CgProc **procs; /* largest first */
	size_t n_procs;
} View;

/* Groups to show: for each name (or the root when there are none), the group itself,
 * then its descendant groups that hold pins or have a budget, parents first; without
 * names, budgets whose cgroup does not exist now follow, each as a block of its own.
 * with_children=false lists the groups flat (for list). A failing name is returned
 * through *ret_bad (-EINVAL: invalid; -ENOENT: neither a cgroup nor a budget). */
int view_groups(Snapshot *s, const BudgetSet *b, char **names, size_t n_names, bool with_children,
		View *v, const char **ret_bad);

/* Processes holding pins below node, largest (pinned + locked) first. */
int view_procs(CgNode *node, View *v);

/* A group's state (report_group_state()): state is static, frozen_by malloc'd or NULL. */
typedef struct GroupState {
	const char *state;
	char *frozen_by;
} GroupState;

void group_state_done(GroupState *s);

void view_done(View *v);
