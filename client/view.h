/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cgtree.h"
#include "measure.h"

/* What pinctl shows, chosen once and rendered as text or JSON. */

typedef struct GroupView {
	CgNode *node;
	char *name;     /* budget name: unit name, "/rel/path" for a plain cgroup, "/" root */
	unsigned depth; /* in the shown tree; 0 for a block's top */
	bool block_top; /* the group a status block is about */
} GroupView;

typedef struct View {
	GroupView *groups;
	size_t n_groups;
	CgProc **procs; /* largest first */
	size_t n_procs;
} View;

/* Groups to show: for each name (or the root when there are none), the group itself,
 * then its descendant groups that hold pins, parents first. with_children=false keeps
 * only the named groups (or, without names, every group holding pins).
 * -EINVAL / -ENOENT name the failing argument through *ret_bad. */
int view_groups(Snapshot *s, char **names, size_t n_names, bool with_children, View *v,
		const char **ret_bad);

/* Processes holding pins below node, largest (pinned + locked) first. */
int view_procs(CgNode *node, View *v);

/* The group name of a node, relative to the snapshot's root. */
int group_name(const CgTree *t, const CgNode *n, char **ret);

void view_done(View *v);
