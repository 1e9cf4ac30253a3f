/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "procfs.h"
#include "scan.h"

/* A cgroup subtree with the pins of the processes in it, summed hierarchically. */

typedef struct CgProc {
	pid_t pid;
	char comm[PROC_COMM_MAX];
	uint64_t pinned, locked;
	uint64_t starttime; /* see PinRecord */
	struct CgNode *node;
	struct CgProc *next; /* in node->procs */
} CgProc;

typedef struct CgNode {
	char *path;       /* in the hierarchy: "/" or "/a/b" */
	const char *name; /* last component of path ("/" for the hierarchy root) */
	struct CgNode *parent, *children, *next_sibling;
	bool is_unit;                    /* name is a slice, service or scope */
	uint64_t pinned, locked;         /* of the processes in this very cgroup */
	uint64_t pinned_sum, locked_sum; /* of the whole subtree */
	unsigned nprocs, nprocs_sum;     /* processes holding pins */
	CgProc *procs;
	unsigned mark;    /* free for the caller (views mark what to show) */
	int watch;        /* cgwatch's inotify watch descriptor, 0 when none */
	int events_watch; /* cgwatch's on its cgroup.events (cgroup2), 0 when none */
	bool populated;   /* cgroup.events, as cgwatch last read it: processes in the subtree */
	bool frozen;      /* cgroup.events: the kernel has frozen the subtree */
} CgNode;

typedef struct CgTree {
	CgNode *root; /* the managed root: CgroupRoot, "/" for the whole hierarchy */
	uint64_t all_pinned, all_locked; /* every record added, also outside root */
	unsigned all_procs;
} CgTree;

/* root_path: "/" or "/a/b", normalised (no trailing '/', no "//", "." or ".."). */
int cg_tree_new(const char *root_path, CgTree **ret);
void cg_tree_free(CgTree *t);

/* Adds every cgroup directory below mount + root path. A cgroup that vanishes during
 * the walk is skipped. -ENOENT when the root itself does not exist. */
int cg_tree_walk(CgTree *t, const char *mount);

/* Accounts one scan record: to its cgroup when inside the root (created if the walk
 * did not see it), to the all_* totals always. Usable directly as a scan_cb. */
int cg_tree_add_record(const PinRecord *r, void *tree);

/* Computes the *_sum fields. Call once after the last record. */
void cg_tree_sum(CgTree *t);

/* The child name of parent, created when it is not there yet (in name order). */
int cg_tree_add_child(CgNode *parent, const char *name, CgNode **ret);

/* Unlinks n (not the root) from its parent and frees it with its subtree. */
void cg_tree_remove(CgNode *n);

/* Forgets every measurement (records, sums, totals): the cgroups stay, for the next
 * pass to fill. */
void cg_tree_clear(CgTree *t);

/* The node of an absolute cgroup path, or NULL. */
CgNode *cg_tree_find(CgTree *t, const char *path);

/* The unit a cgroup belongs to: the nearest ancestor-or-self that is a unit, or NULL
 * (a cgroup outside any unit, e.g. on a host without systemd). */
CgNode *cg_node_unit(CgNode *n);

/* A "group" is what pind budgets and shows: a unit, or a cgroup inside no unit.
 * Sub-cgroups inside a unit (libvirt's .../libvirt/emulator) are part of their unit. */
bool cg_node_is_group(const CgNode *n);

/* The group name of a node, as budgets name it: the unit name for a unit, "/" for the
 * root, else the path relative to the root ("/machine/qemu-1-vm1.libvirt-qemu"). */
int cg_group_name(const CgTree *t, const CgNode *n, char **ret);

/* What a budget counts of a node's subtree: pinned, locked or both (CountMask); 0 for
 * NULL. */
uint64_t cg_usage(const CgNode *n, unsigned count);

/* Resolves a budget name below the root: "/rel/path" (relative to the root), a slice
 * (by systemd's nesting, starting at the root: a user manager's root holds its own
 * app.slice; "-.slice" is the root itself), or a service or scope wherever it is below
 * the root (the shallowest).
 * -EINVAL for a name that is neither a unit name nor a clean path, -ENOENT when no
 * such cgroup exists. */
int cg_tree_resolve(CgTree *t, const char *name, CgNode **ret);

/* Checks and normalises a cgroup path: absolute, no "." or ".." components, no empty
 * components except a trailing '/', at most 4096 bytes. */
int cg_path_normalize(const char *path, char **ret);

/* Visits nodes depth-first, parents first; children in name order. */
typedef int (*cg_visit_fn)(CgNode *n, unsigned depth, void *userdata);
int cg_tree_visit(CgNode *from, cg_visit_fn fn, void *userdata);
