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
} Snapshot;

/* Walks the primary hierarchy below cgroup_root, runs one scan pass, sums. */
int snapshot_take(Scanner *s, const CgLayout *l, const char *proc_root, const char *cgroup_root,
		  Snapshot *ret);

/* The same, with prepare called between the walk and the pass: it sees the cgroups that
 * exist (no pins yet) and may set the scanner's scope from them. A negative return
 * ends the snapshot with it. */
typedef int (*snapshot_prepare_fn)(CgTree *tree, void *userdata);
int snapshot_take_with(Scanner *s, const CgLayout *l, const char *proc_root,
		       const char *cgroup_root, snapshot_prepare_fn prepare, void *userdata,
		       Snapshot *ret);
void snapshot_done(Snapshot *s);

/* Pinned bytes the kernel counts (FOLL_PIN) that no process's VmPin shows; 0 when the
 * kernel has no such counter or the pass read only part of the processes (scoped). */
uint64_t snapshot_unattributed(const Snapshot *s, uint64_t page_size);
