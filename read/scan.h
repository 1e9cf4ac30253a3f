/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "cglayout.h"
#include "settings.h"

/* The process scan: one pass yields every thread-group leader that holds pinned or
 * locked memory, with its cgroup. Backends: procfs (scan_procfs.c) and bpf (scan_bpf.c,
 * whose own knobs are in scan_bpf.h); nothing above this interface knows which one
 * runs. */

typedef struct PinRecord {
	pid_t tgid;
	const char *comm;   /* as the kernel prints it in /proc/PID/status "Name:" */
	const char *cgroup; /* path in the primary hierarchy, "/a/b" */
	uint64_t pinned;    /* bytes */
	uint64_t locked;    /* bytes */
	uint64_t starttime; /* clock ticks after boot: with tgid, names the process for good */
} PinRecord;

/* Why a scoped pass re-read the membership of its subtrees from cgroup.procs. */
typedef enum ScanResync {
	RESYNC_NONE,     /* process events kept the set current */
	RESYNC_SCOPE,    /* the first pass, or the budgeted subtrees changed */
	RESYNC_LOST,     /* the proc connector lost events */
	RESYNC_CGROUPS,  /* cgroup events were lost: moves between cgroups unknown */
	RESYNC_PERIODIC, /* cgroup moves have no event: looked again */
	RESYNC_ALWAYS,   /* no process events here: every pass */
} ScanResync;

typedef struct ScanStats {
	unsigned visited;     /* processes looked at */
	unsigned reported;    /* records passed to the callback */
	unsigned vanished;    /* exited while being read */
	unsigned malformed;   /* unreadable status or cgroup file (skipped) */
	uint64_t usec;        /* duration of the pass */
	bool scoped;          /* only processes in the scope (scanner_set_scope) were read */
	ScanResync resync;    /* set by scoped passes */
	unsigned entered;     /* a resync found these, which no event had announced */
	unsigned left;        /* a resync no longer found these */
	unsigned moved_in;    /* found in cgroups that became populated, no event had said */
	int events_error;     /* why a scoped pass has no process events (negative errno), or 0 */
	const char *fallback; /* why this pass scanned a slower way than usual, or NULL */
} ScanStats;

/* Called once per record; the record's strings live until it returns. A negative
 * return ends the pass with that value. */
typedef int (*scan_cb)(const PinRecord *r, void *userdata);

typedef struct Scanner Scanner;

typedef struct ScannerOps {
	const char *name;
	int (*run)(Scanner *s, scan_cb cb, void *userdata, ScanStats *stats);
	void (*free)(Scanner *s);
	/* optional: */
	int (*set_scope)(Scanner *s, const char *const *cgroups, size_t n);
	int (*event_fd)(Scanner *s);
	int (*process_events)(Scanner *s);
	void (*cgroup_populated)(Scanner *s, const char *cgroup);
	const char *(*detail)(Scanner *s); /* how it scans, for the log */
} ScannerOps;

struct Scanner {
	const ScannerOps *ops;
};

/* procfs backend. Without a scope each pass walks proc_root and reads PID/status,
 * PID/cgroup and PID/stat through one directory fd per process, so all three come from
 * the same process even when its PID is reused meanwhile. With a scope it reads the
 * status of the processes in the scope only (procset.h), which process events from the
 * proc connector keep current (on the real /proc). */
int scanner_procfs_new(const char *proc_root, const CgLayout *layout, Scanner **ret);

/* One process through a procfs scanner, as a pass would see it. */
int scanner_procfs_one(Scanner *procfs, pid_t pid, scan_cb cb, void *userdata, ScanStats *stats);

/* bpf backend (scan_bpf.c): -EOPNOTSUPP when built without it; the load's errno (EPERM
 * without privileges, ENOENT without BTF, ...) when the kernel refuses it. */
int scanner_bpf_new(const char *proc_root, const CgLayout *layout, Scanner **ret);

/* The scanner Scanner= asks for: bpf, procfs, or auto (bpf where it loads, else procfs).
 * *ret_bpf_error (may be NULL) says why bpf was not used (0 when it was, or not asked). */
int scanner_new(ScannerKind kind, const char *proc_root, const CgLayout *layout, Scanner **ret,
		int *ret_bpf_error);

int scanner_run(Scanner *s, scan_cb cb, void *userdata, ScanStats *ret_stats);

/* How the scanner works here ("task walk"), or NULL when its name says it all. */
const char *scanner_detail(Scanner *s);

/* Limits what passes must read to the processes in these cgroups and below (paths in the
 * primary hierarchy): the budgeted subtrees. A backend that reads everything at little
 * cost (bpf) ignores it; procfs reads only these. Without a call: everything. */
int scanner_set_scope(Scanner *s, const char *const *cgroups, size_t n);

/* A file descriptor to poll for process events, which scanner_process_events() takes in
 * between passes; -1 when the scanner has none. */
int scanner_event_fd(Scanner *s);
int scanner_process_events(Scanner *s);

/* Processes moved into a cgroup that was empty (cgroup.events said populated), which no
 * process event says; cgroup NULL: such moves may have gone unseen. A scanner that keeps
 * a set of processes looks at that cgroup's (NULL: at all) at its next pass. */
void scanner_cgroup_populated(Scanner *s, const char *cgroup);

/* CLOCK_MONOTONIC in microseconds: what scan durations are measured in. */
uint64_t scan_now_usec(void);
void scanner_free(Scanner *s);
