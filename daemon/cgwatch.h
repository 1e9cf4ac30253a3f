/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "cgtree.h"

/* The managed cgroup tree, kept current from the kernel's events instead of walked for
 * every scan: an inotify watch on every cgroup directory says when a child cgroup is
 * created, removed or renamed. The tree is walked once at the start, and again only as a
 * repair when the kernel's event queue overflowed. Scans measure into the tree
 * (cg_tree_clear, then records): the cgroups stay. */

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

unsigned cgwatch_cgroups(CgWatch *w);       /* cgroups in the tree */
unsigned cgwatch_rewalks(const CgWatch *w); /* repairs after lost events */
