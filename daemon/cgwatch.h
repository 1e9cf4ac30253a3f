/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "cgtree.h"

/* The managed cgroup tree, kept current from the kernel's events instead of walked for
 * every scan: an inotify watch on every cgroup directory says when a child cgroup is
 * created, removed or renamed, and one on its cgroup.events (cgroup2) when it becomes
 * populated or empty, frozen or thawed (CgNode.populated, .frozen). The tree is walked
 * once at the start, and again only as a repair when the kernel's event queue
 * overflowed. Scans measure into the tree (cg_tree_clear, then records): the cgroups
 * stay. */

typedef struct CgWatch CgWatch;

/* Walks mount + root (a normalised cgroup path) and watches every directory in it;
 * events are read in the loop. -ENOENT when the root does not exist. */
int cgwatch_new(sd_event *e, const char *mount, const char *root, CgWatch **ret);
CgWatch *cgwatch_free(CgWatch *w);

/* Takes in what the kernel said up to now, re-walking the tree when events were lost:
 * call before a scan. A re-walk replaces the tree (cgwatch_tree() changes). */
int cgwatch_sync(CgWatch *w);

CgTree *cgwatch_tree(const CgWatch *w);
const char *cgwatch_root(const CgWatch *w);

/* Changes whenever a cgroup appears, goes or is renamed: what depends on which cgroups
 * exist (the budgets of units) is worked out again only then. */
uint64_t cgwatch_generation(const CgWatch *w);

/* Called when an empty cgroup became populated (path: its path): processes moved in,
 * which no process event announces; with NULL after a re-walk, when such moves may have
 * gone unseen. From the loop's inotify handler or from cgwatch_sync(). */
typedef void (*cgwatch_populated_fn)(const char *path, void *userdata);
void cgwatch_on_populated(CgWatch *w, cgwatch_populated_fn fn, void *userdata);

unsigned cgwatch_cgroups(CgWatch *w);       /* cgroups in the tree */
unsigned cgwatch_rewalks(const CgWatch *w); /* repairs after lost events */
