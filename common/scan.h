/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "cglayout.h"
#include "settings.h"

/* The process scan: one pass yields every thread-group leader that holds pinned or
 * locked memory, with its cgroup. Backends: procfs (here), bpf (later); nothing above
 * this interface knows which one runs. */

typedef struct PinRecord {
	pid_t tgid;
	const char *comm;   /* as the kernel prints it in /proc/PID/status "Name:" */
	const char *cgroup; /* path in the primary hierarchy, "/a/b" */
	uint64_t pinned;    /* bytes */
	uint64_t locked;    /* bytes */
	uint64_t starttime; /* clock ticks after boot: with tgid, names the process for good */
} PinRecord;

typedef struct ScanStats {
	unsigned visited;   /* processes looked at */
	unsigned reported;  /* records passed to the callback */
	unsigned vanished;  /* exited while being read */
	unsigned malformed; /* unreadable status or cgroup file (skipped) */
	uint64_t usec;      /* duration of the pass */
} ScanStats;

/* Called once per record; the record's strings live until it returns. A negative
 * return ends the pass with that value. */
typedef int (*scan_cb)(const PinRecord *r, void *userdata);

typedef struct Scanner Scanner;

typedef struct ScannerOps {
	const char *name;
	int (*run)(Scanner *s, scan_cb cb, void *userdata, ScanStats *stats);
	void (*free)(Scanner *s);
} ScannerOps;

struct Scanner {
	const ScannerOps *ops;
};

/* procfs backend: reads proc_root/PID/status and proc_root/PID/cgroup through one
 * directory fd per process, so both files come from the same process even when its
 * PID is reused in between. */
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
void scanner_free(Scanner *s);

static inline void scanner_freep(Scanner **s)
{
	if (*s)
		scanner_free(*s);
}
