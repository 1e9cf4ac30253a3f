/* SPDX-License-Identifier: MIT */
#pragma once

#include "policy.h"
#include "reserve.h"

/* StateFile: what pind holds across restarts that the cgroups cannot carry themselves
 * (the freezes on v1 hosts, where cgroups have no user.* xattrs), as JSON written
 * atomically (temporary file, fsync, rename). */

/* Writes the cgroups pind froze, per budget, and the reservations. */
int state_save(const char *path, const PolicyState *s, const Reservations *rs);

/* Calls fn(budget, cgroup, userdata) for every freeze recorded and adds the reservations
 * recorded to rs. -ENOENT: no file. */
int state_load(const char *path, int (*fn)(const char *budget, const char *cgroup, void *userdata),
	       Reservations *rs, void *userdata);
