/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The processes of the budgeted subtrees ("roots"), which the procfs scanner reads each
 * pass. Each keeps its /proc/PID/status open: a pread per pass costs 11.6 us where
 * open+read+close costs 17 us (bench/RESULTS.md), for about 5 kB of kernel memory per
 * process, charged to pind's own cgroup. Past max_fds a process is read by path.
 * Membership comes from the roots' cgroup.procs (procset_resync) and from single
 * processes that started or exec'd (procset_probe). */

typedef struct ProcEntry {
	pid_t pid;
	int status_fd;      /* /proc/PID/status, or -1: opened per pass (past max_fds) */
	int dir_fd;         /* /proc/PID while the process holds pins, else -1 */
	uint64_t starttime; /* names the process together with pid */
	char *cgroup;       /* in the primary hierarchy */
} ProcEntry;

typedef struct ProcSet {
	int proc_fd;     /* proc root */
	char *mount;     /* primary hierarchy's mount point */
	const char *key; /* its key in /proc/PID/cgroup */
	char **roots;    /* budgeted subtrees, none below another, sorted */
	size_t n_roots;
	ProcEntry *v; /* sorted by pid */
	size_t n, cap;
	unsigned fds;     /* fds the entries hold */
	unsigned max_fds; /* at most this many */
	bool over_fds;    /* some entry is read by path */
	char *buf;        /* scratch for whole files */
	size_t buf_size;
} ProcSet;

int procset_init(ProcSet *s, const char *proc_root, const char *mount, const char *key,
		 unsigned max_fds);
void procset_done(ProcSet *s);

/* Sets the roots (paths in the primary hierarchy; duplicates and nested ones are
 * dropped). *ret_changed says whether they differ from before. Entries are kept: call
 * procset_resync when changed. */
int procset_set_roots(ProcSet *s, const char *const *roots, size_t n, bool *ret_changed);

/* Whether a cgroup path is one of the roots or below one. */
bool procset_in_scope(const ProcSet *s, const char *cgroup);

/* Makes the set what the roots' cgroup.procs (and their descendants') list now.
 * *ret_added and *ret_removed (may be NULL) count the differences. */
int procset_resync(ProcSet *s, unsigned *ret_added, unsigned *ret_removed);

/* The processes a cgroup (not its descendants) lists now, which moved in without an
 * event: those not in the set are probed; *ret_added counts the ones added. Nothing for
 * a cgroup out of scope or gone. */
int procset_probe_cgroup(ProcSet *s, const char *cgroup, unsigned *ret_added);

/* One process that started or exec'd: added when in scope, dropped when not. */
int procset_probe(ProcSet *s, pid_t pid);

ProcEntry *procset_find(ProcSet *s, pid_t pid);
void procset_remove(ProcSet *s, pid_t pid);

/* Reads the process's status into s->buf, for the entry's own process: ESRCH once it
 * has exited, even when its PID is in use again. Returns the length. */
ssize_t procset_read_status(ProcSet *s, ProcEntry *e);

/* The entry's current cgroup (for processes holding pins; keeps dir_fd open). */
int procset_refresh_cgroup(ProcSet *s, ProcEntry *e);

/* Closes what the entry holds besides its status fd (a process that no longer pins). */
void procset_release_dir(ProcSet *s, ProcEntry *e);

/* Closes an entry during a pass, leaving it with pid 0; procset_compact removes it. */
void procset_drop(ProcSet *s, ProcEntry *e);
void procset_compact(ProcSet *s);
