/* SPDX-License-Identifier: MIT */
#pragma once

#include "policy.h"
#include "reserve.h"

/* StateFile: what pind holds across restarts that the cgroups cannot carry themselves
 * (the freezes on v1 hosts, where cgroups have no user.* xattrs), as JSON written
 * atomically (temporary file, fsync, rename). */

/* Writes the cgroups pind froze, per budget, and the reservations. */
int state_save(const char *path, const PolicyState *s, const Reservations *rs);

/* What a load hands back: each freeze recorded (frozen), the leaves' usage at the last
 * freeze (leaf, may be NULL), and each entry dropped, with why, for the log (dropped, may
 * be NULL). */
typedef struct StateLoad {
	const char *path;
	int (*frozen)(const char *budget, const char *cgroup, void *userdata);
	/* a leaf's usage at the last freeze for budget (after every frozen()) */
	int (*leaf)(const char *budget, const char *cgroup, uint64_t usage, void *userdata);
	void (*dropped)(const char *message, void *userdata);
	void *userdata;
} StateLoad;

/* Reads StateFile, bounded (4 MiB) and a regular file only, checking every field: a bad
 * entry is dropped (said through l->dropped), the rest is loaded; the reservations are
 * added to rs. -ENOENT: no file; -EBADMSG: no JSON object; -EBADFD, -EFBIG: as
 * read_regular_file_at() says (and said through l->dropped). */
int state_load(const StateLoad *l, Reservations *rs);

/* The same from StateFile's text (l->path only for messages). */
int state_parse(const char *text, const StateLoad *l, Reservations *rs);
