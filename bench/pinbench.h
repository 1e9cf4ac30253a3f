/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

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
} Report;

/* Prints the tables (Markdown) to stdout. */
void report(const Report *R);
