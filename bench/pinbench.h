/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

/* What pinbench measures (pinbench.c) and prints (report.c). */

#define PASSES      15
#define PIPE_PASSES 5
#define WARMUP      2
#define MiB         (1024ULL * 1024)

enum {
	M_PROCFS,     /* pind's procfs scanner reading the budgeted subtree (the bench's) */
	M_PROCFS_ALL, /* the same without a scope: every process in /proc (pinctl's) */
	M_BPF,        /* pind's bpf scanner (the task walk, where it loads) */
	M_BPF_ITER,   /* pind's bpf scanner with the task iterator (its fallback) */
	M_WALK,       /* floor: the bare task walk program */
	M_ITER,       /* floor: the bare task iterator program */
	M_PREAD,      /* floor: pread of open status files, the budgeted subtree's */
	M_PREAD_ALL,  /* the same, every process's */
	M_OPEN_READ,  /* open + read + close of every status file: fds not kept */
	M_PIPE,       /* the shell pipeline */
	N_METHODS
};

extern const char *const method_name[N_METHODS];

typedef struct Totals {
	uint64_t pinned, locked;             /* everything the method found, host-wide */
	uint64_t bench_pinned, bench_locked; /* of the processes below the bench cgroup */
	unsigned records;                    /* processes holding something */
	bool skipped_init;                   /* a bare floor did not visit PID 1 */
} Totals;

typedef struct Result {
	bool ran;
	double med_ns, min_ns, max_ns;
	Totals tot;
} Result;

typedef struct DaemonResult {
	bool ran;
	const char *scanner;
	unsigned secs;
	double cpu_pct;
	uint64_t rss, hwm, rss_file; /* rss_file: of rss, file pages (the libraries' code) */
} DaemonResult;

/* pind's full scan (fullscan.c), in turn with the bare task walk. */
typedef struct FullScanEnv {
	const char *pind;
	const char *bench_dir, *bench_rel, *tmp_dir;
	char (*idle_dirs)[PATH_MAX + 16]; /* the cgroups the idle processes are in */
	size_t n_idle;
	pid_t (*spawn_pind)(char *const argv[], char *const envp[], int log_fd);
	int64_t (*floor)(void *ctx); /* one bare task walk: ns, or a negative errno */
	void *floor_ctx;
} FullScanEnv;

typedef struct FullScanResult {
	bool ran;
	unsigned procs, cgroups, budgets, rewalks;
	double scan_us, walk_us;       /* medians: pind's LastScanUSec, the bare task walk's */
	bool seen_create, seen_remove; /* a cgroup made and removed, as pind counted it */
	char why[256];                 /* when it did not run */
} FullScanResult;

void fullscan_run(const FullScanEnv *env, FullScanResult *r);

typedef struct Report {
	unsigned counts[2];
	unsigned procs[2];    /* processes in /proc */
	unsigned budgeted[2]; /* of them, in the bench's (budgeted) subtree */
	Result res[2][N_METHODS];
	bool mismatch[2];
	DaemonResult daemon[2];
	unsigned pinning; /* processes holding pins at the largest N, as pind's scan saw them */
	const char *bpf_detail; /* how pind's bpf scanner scans (scanner_detail()) */
	bool apart[2];          /* the procfs scan and its floor measured one after the other */
	FullScanResult full;
} Report;

/* Prints the tables (Markdown) to stdout. */
void report(const Report *R);
