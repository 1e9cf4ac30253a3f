/* SPDX-License-Identifier: MIT */
#pragma once

#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cglayout.h"

/* Fixtures for testing the actuators against the running kernel. The "kernel" test case
 * (kt_kernel_tcase()) needs root and cgroup2 (else KT_REQUIRE() prints "SKIP: reason" and
 * the test passes); it builds its own cgroup tree below the test's own cgroup
 * (pind-actuate-test-<pid>), freezes, signals and kills only the children it forks into it
 * (kt_spawn()), and removes it all again (also after a failure: a checked teardown in the
 * test process, an unchecked one in the runner, and every child dies with its parent
 * through PR_SET_PDEATHSIG). The "fake" test case (kt_fake_tcase()) runs anywhere, on
 * directories below tu_base_dir() that look like cgroupfs and procfs. */

/* A hierarchy and the test's tree in it */
typedef struct Hier {
	const char *what;
	const char *key;             /* for proc_cgroup_find() */
	char mount[PATH_MAX];        /* "" when not mounted */
	char base_cg[PATH_MAX];      /* the test tree as a cgroup path */
	char base_dir[2 * PATH_MAX]; /* ... and as a directory */
	char why[3 * PATH_MAX];      /* why it cannot be used, or "" */
	bool made;
} Hier;

extern Hier kt_v2, kt_fz, kt_sd; /* cgroup2, v1 freezer, v1 name=systemd */

/* Returns from the test, which passes, when the hierarchy h cannot be used. */
#define KT_REQUIRE(h)                                                                              \
	do {                                                                                       \
		if ((h)->why[0]) {                                                                 \
			printf("SKIP: %s: %s: %s\n", __func__, (h)->what, (h)->why);               \
			fflush(stdout);                                                            \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* A cgroup of the test tree */
typedef struct Cg {
	char cg[PATH_MAX];  /* "/pind-actuate-test-42/freeze" */
	char dir[PATH_MAX]; /* "/sys/fs/cgroup/unified/pind-actuate-test-42/freeze" */
} Cg;

/* The test cases, with a 20 s timeout and their fixtures: both have tu_base_dir() and kill
 * the children a test left; "kernel" also makes the test trees, empties them after each
 * test and removes them after the case. */
TCase *kt_kernel_tcase(void);
TCase *kt_fake_tcase(void);

uint64_t kt_mono_usec(void);
void kt_msleep(unsigned ms);

/* Reads a file into buf; -errno on failure. */
ssize_t kt_read_file(const char *path, char *buf, size_t size);
/* Writes value to path (not creating it), failing the test on an error. */
void kt_xwrite_file(const char *path, const char *value);
/* Reads the file c->dir/file into buf, failing the test on an error. */
void kt_read_at(const Cg *c, const char *file, char *buf, size_t size);
/* Whether the file c->dir/file has the line line. */
bool kt_file_has_line(const Cg *c, const char *file, const char *line);

/* ---- children ---- */

/* KID_NOLEAD: its main thread exits (pthread_exit), a second thread pauses; set up once
 * the main thread is a zombie. */
typedef enum { KID_PAUSE, KID_BUSY, KID_IGNTERM, KID_COMM, KID_EXIT, KID_NOLEAD } KidKind;

#define KT_MAX_KIDS 2100

/* Forks a child that dies with the test process, puts it into the cgroups a and b (either
 * may be NULL) before it does anything, and waits until it is set up as kind says (but
 * not until a busy one runs). KID_COMM names itself "a) b (c". */
pid_t kt_spawn(KidKind kind, const Cg *a, const Cg *b);
/* Waits up to timeout_ms for the child pid to end; returns its wait status. */
int kt_reap(pid_t pid, unsigned timeout_ms);
void kt_assert_killed_by(pid_t pid, int sig);
void kt_assert_alive(pid_t pid);
/* Whether the n processes pids get CPU time in 200 ms, as running says. */
void kt_assert_running(const pid_t *pids, size_t n, bool running);
/* The scheduling policy and priority of the calling thread */
void kt_assert_policy(int policy, int priority);

/* ---- cgroups ---- */

/* Makes the cgroup rel of the test tree in h. */
void kt_mkcg(Cg *ret, const Hier *h, const char *rel);
void kt_layout_init(CgLayout *l, const char *unified, const char *systemd_v1,
		    const char *freezer_v1);
