/* SPDX-License-Identifier: MIT */
#pragma once

/* One record of the pinscan iterator: a thread-group leader that pins or locks memory. */
struct pinscan_record {
	unsigned int tgid;
	unsigned int pad;
	unsigned long long cgroup_id;  /* cgroup2 id (its directory's inode number) */
	unsigned long long pinned;     /* pages */
	unsigned long long locked;     /* pages */
	unsigned long long start_boottime; /* ns after boot */
	char comm[16];
};
