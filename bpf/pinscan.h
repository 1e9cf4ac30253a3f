/* SPDX-License-Identifier: MIT */
#pragma once

/* Records pinwalk keeps per pass: 56 bytes each, 229 KiB of kernel memory in all (charged
 * to pind's cgroup); a pass with more holders falls back to the pinscan iterator, which
 * streams. */
#define PINSCAN_MAX 4096

/* One record of the pinscan iterator: a thread-group leader that pins or locks memory. */
struct pinscan_record {
	unsigned int tgid;
	unsigned int cgroup_tid;      /* the thread whose cgroup is the process's (tgid, or a live
				       * one where the main thread has exited) */
	unsigned long long cgroup_id; /* cgroup2 id (its directory's inode number) */
	unsigned long long pinned;    /* pages */
	unsigned long long locked;    /* pages */
	unsigned long long start_boottime; /* ns after boot */
	char comm[16];
};
