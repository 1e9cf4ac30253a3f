/* SPDX-License-Identifier: MIT */
#pragma once

#include "cglayout.h"
#include "cgtree.h"
#include "procfs.h"
#include "scan.h"

/* One measurement: the cgroup tree below the managed root with every pin in it, and the
 * system context. */
typedef struct Snapshot {
	CgTree *tree;
	SysInfo sys;
	ScanStats stats;
	bool borrowed; /* the tree is the caller's (snapshot_measure) */
} Snapshot;

/* Walks the primary hierarchy below cgroup_root, runs one scan pass, sums. */
int snapshot_take(Scanner *s, const CgLayout *l, const char *proc_root, const char *cgroup_root,
		  Snapshot *ret);

/* One pass into a tree the caller keeps (cgwatch's): its measurements are cleared, the
 * cgroups stay. The snapshot borrows the tree: snapshot_done() leaves it. */
int snapshot_measure(Scanner *s, const char *proc_root, CgTree *tree, Snapshot *ret);

/* Frees the tree when the snapshot took it (snapshot_take). */
void snapshot_done(Snapshot *s);

/* Pinned bytes the kernel counts (FOLL_PIN) that no process's VmPin shows; 0 when the
 * kernel has no such counter or the pass read only part of the processes (scoped). */
uint64_t snapshot_unattributed(const Snapshot *s, uint64_t page_size);
