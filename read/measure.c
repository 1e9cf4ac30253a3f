/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "measure.h"

/* The pass, the system's figures, the sums. */
static int measure(Scanner *s, const char *proc_root, Snapshot *snap)
{
	int r = scanner_run(s, cg_tree_add_record, snap->tree, &snap->stats);
	if (r >= 0)
		r = sysinfo_read(proc_root, &snap->sys);
	if (r >= 0)
		cg_tree_sum(snap->tree);
	return r;
}

int snapshot_take(Scanner *s, const CgLayout *l, const char *proc_root, const char *cgroup_root,
		  Snapshot *ret)
{
	Snapshot snap = {};

	int r = cg_tree_new(cgroup_root, &snap.tree);
	if (r >= 0)
		r = cg_tree_walk(snap.tree, cg_layout_primary(l));
	if (r >= 0)
		r = measure(s, proc_root, &snap);
	if (r < 0) {
		snapshot_done(&snap);
		return r;
	}
	*ret = snap;
	return 0;
}

int snapshot_measure(Scanner *s, const char *proc_root, CgTree *tree, Snapshot *ret)
{
	Snapshot snap = {.tree = tree, .borrowed = true};

	cg_tree_clear(tree);
	int r = measure(s, proc_root, &snap);
	if (r < 0)
		return r;
	*ret = snap;
	return 0;
}

void snapshot_done(Snapshot *s)
{
	if (!s->borrowed)
		cg_tree_free(s->tree);
	*s = (Snapshot){};
}

uint64_t snapshot_unattributed(const Snapshot *s, uint64_t page_size)
{
	if (!s->sys.has_foll_pin || s->stats.scoped)
		return 0;
	uint64_t kernel = s->sys.foll_pinned_pages * page_size;
	return kernel > s->tree->all_pinned ? kernel - s->tree->all_pinned : 0;
}
