/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/* Where the cgroup hierarchies are mounted and which one tracks processes. */

typedef enum {
	CG_MODE_UNIFIED, /* cgroup2 only */
	CG_MODE_HYBRID,  /* v1 controllers plus cgroup2 (e.g. at /sys/fs/cgroup/unified) */
	CG_MODE_LEGACY,  /* v1 only; processes tracked by the name=systemd hierarchy */
} CgMode;

typedef struct CgLayout {
	CgMode mode;
	char *unified;    /* cgroup2 mount point, or NULL */
	char *systemd_v1; /* name=systemd mount point, or NULL */
	char *memory_v1;  /* v1 memory controller mount point, or NULL */
	char *freezer_v1; /* v1 freezer mount point, or NULL */
	bool memory_v2;   /* the memory controller is on cgroup2 */
} CgLayout;

/* Builds a layout from mount points (any may be NULL; copied). memory_v2 is read from
 * unified/cgroup.controllers. -ENOMEDIUM when neither unified nor systemd_v1 is set. */
int cg_layout_init(CgLayout *ret, const char *unified, const char *systemd_v1,
		   const char *memory_v1, const char *freezer_v1);

/* Finds this host's mounts: the controllers through libcgroup; libcgroup 2.0 reports
 * neither a cgroup2 mount without controllers nor named v1 hierarchies, so those two
 * come from the mount table. */
int cg_layout_discover(CgLayout *ret);

void cg_layout_done(CgLayout *l);

/* The hierarchy whose paths name a process's cgroup: cgroup2 when mounted, else
 * name=systemd. */
const char *cg_layout_primary(const CgLayout *l);

/* The /proc/PID/cgroup key of the primary hierarchy for proc_cgroup_find(). */
const char *cg_layout_primary_key(const CgLayout *l);

/* Whether the cgroup path ("/a/b") is root or below it ("/a" holds "/a/b", not "/ab"). */
bool cg_path_below(const char *path, const char *root);

const char *cg_mode_to_string(CgMode m);
