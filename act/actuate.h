/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cglayout.h"

/* What pind does to cgroups and processes. Every function returns 0 or a negative errno
 * and logs nothing: the caller logs the outcome once. cgroup paths are as in the primary
 * hierarchy ("/machine.slice/vm1.scope"). */

#define FREEZE_TIMEOUT_USEC (2 * 1000000ULL)

/* Freezes (or thaws) a cgroup: cgroup2's cgroup.freeze, waiting until cgroup.events says
 * "frozen 1" (or 0) for at most timeout_usec (-ETIMEDOUT then; the request stays
 * written); on a host whose cgroup2 lacks cgroup.freeze, the v1 freezer's freezer.state
 * at the same path. The write runs at SCHED_FIFO priority: thawing many busy processes can
 * starve a normal-priority writer for seconds. */
int cg_freeze(const CgLayout *l, const char *cgroup, bool freeze, uint64_t timeout_usec);

/* Whether a cgroup is frozen or being frozen (cgroup.freeze reads 1, or freezer.state is
 * FREEZING/FROZEN). */
int cg_frozen(const CgLayout *l, const char *cgroup, bool *ret);

/* pind's mark on a cgroup: the extended attribute user.pind.frozen on its cgroup2
 * directory, whose value says why (the budget's name). A new cgroup of the same name
 * does not inherit it. -ENODATA when there is none; -EOPNOTSUPP where xattrs are not
 * supported (v1). */
/* What pinctl freezes by hand carries this mark, which pind never adopts. */
#define MARK_MANUAL "pinctl"

/* The mark pind puts on what it freezes for a budget names its owner too: the cgroup root
 * of the pind that froze it ("ROOT\nBUDGET"), so that no other instance (a pind --user
 * beside the system's, one with a root above another's) adopts, thaws or counts it. */
int mark_format(const char *owner, const char *budget, char **ret);
/* The budget of a mark that owner put there, borrowed from value; NULL for another
 * instance's, pinctl's or anything else. */
const char *mark_budget(const char *value, const char *owner);

int cg_mark_get(const CgLayout *l, const char *cgroup, char **ret_value);
int cg_mark_set(const CgLayout *l, const char *cgroup, const char *value);
int cg_mark_remove(const CgLayout *l, const char *cgroup);

/* Kills every process in the cgroup and below: cgroup.kill where the kernel has it; then,
 * while the subtree is not empty (also without cgroup.kill), SIGKILL to the process of
 * every thread listed in it (found through proc_root), again, for up to 2 s. */
int cg_kill(const CgLayout *l, const char *proc_root, const char *cgroup);

/* Sends sig to the process pid if it is still the one that started at starttime (field
 * 22 of /proc/PID/stat, clock ticks after boot), through a pidfd, so that a PID reused
 * in the meantime is never hit. -ESRCH when that process is gone. */
int proc_signal(const char *proc_root, pid_t pid, uint64_t starttime, int sig);

/* The start time of a process (field 22 of proc_root/PID/stat). */
int proc_starttime(const char *proc_root, pid_t pid, uint64_t *ret);

/* By hand (pinctl freeze, D-Bus Freeze): marks the cgroup MARK_MANUAL, then freezes it.
 * 1 when it was frozen already (nothing done), 0 done, or a negative errno. */
int cg_manual_freeze(const CgLayout *l, const char *cgroup);

/* By hand: thaws what pind or pinctl froze and removes the mark. 1 when it was not frozen,
 * 0 done, -EPERM when someone else froze it (left alone), or a negative errno. */
int cg_manual_thaw(const CgLayout *l, const char *cgroup);
