/* SPDX-License-Identifier: MIT */
/* The procfs scanner's process set over a fake /proc and cgroup2 tree: scope roots,
 * resync from cgroup.procs (nested cgroups, garbage, vanished processes), probes, reading
 * by path past the fd limit, and a scoped scanner pass end to end. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cglayout.h"
#include "macro.h"
#include "measure.h"
#include "procset.h"
#include "scan.h"
#include "testutil.h"

static char root[PATH_MAX], proc[PATH_MAX + 8], cg[PATH_MAX + 8];

/* A process: status (VmPin/VmLck in kB), cgroup and stat (start time 1000 + pid). */
static void put_proc(int pid, const char *cgroup, long pin_kb, long lck_kb)
{
	char path[PATH_MAX * 2];

	tu_xsnprintf(path, "%s/%d/status", proc, pid);
	tu_write_filef(path, "Name:\thog-%d\nTgid:\t%d\nPid:\t%d\nVmLck:\t%ld kB\nVmPin:\t%ld kB\n",
		       pid, pid, pid, lck_kb, pin_kb);
	tu_xsnprintf(path, "%s/%d/cgroup", proc, pid);
	tu_write_filef(path, "0::%s\n", cgroup);
	tu_xsnprintf(path, "%s/%d/stat", proc, pid);
	tu_write_filef(path, "%d (hog) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %d 1 1\n", pid,
		       1000 + pid);
}

static void put_procs_file(const char *cgroup, const char *content)
{
	char path[PATH_MAX * 2];
	tu_xsnprintf(path, "%s%s/cgroup.procs", cg, cgroup);
	tu_write_file(path, content);
}

static void setup(void)
{
	tu_mkdtemp(root, sizeof(root), tu_base_dir(), "procset-");
	tu_xsnprintf(proc, "%s/proc", root);
	tu_xsnprintf(cg, "%s/cg", root);
	put_procs_file("", "1\n");
	put_procs_file("/m.slice", "10\n11\n");
	put_procs_file("/m.slice/vm.scope", "");
	put_procs_file("/m.slice/vm.scope/libvirt", "12\n13\n");
	put_procs_file("/other.slice", "20\n");
	put_proc(1, "/", 0, 0);
	put_proc(10, "/m.slice", 1024, 0);
	put_proc(11, "/m.slice", 0, 0);
	put_proc(12, "/m.slice/vm.scope/libvirt", 4, 8);
	/* 13 is listed but has exited */
	put_proc(20, "/other.slice", 64, 0);
}

static const char *const scope_m[] = {"/m.slice"};

/* A set over the fake tree whose scope is /m.slice. */
static void open_set(ProcSet *s, unsigned max_fds)
{
	bool changed;
	ck_assert_int_eq(procset_init(s, proc, cg, "", max_fds), 0);
	ck_assert_int_eq(procset_set_roots(s, scope_m, 1, &changed), 0);
	ck_assert(changed);
}

START_TEST(test_roots)
{
	ProcSet s;
	bool changed;
	const char *roots[] = {"/m.slice/vm.scope", "/m.slice", "/b", "/m.slice", "/ab/c"};

	ck_assert_int_eq(procset_init(&s, proc, cg, "", 100), 0);
	ck_assert_int_eq(procset_set_roots(&s, roots, ARRAY_SIZE(roots), &changed), 0);
	ck_assert(changed);
	ck_assert_uint_eq(s.n_roots, 3); /* nested and repeated roots dropped */
	ck_assert_str_eq(s.roots[0], "/ab/c");
	ck_assert_str_eq(s.roots[1], "/b");
	ck_assert_str_eq(s.roots[2], "/m.slice");
	ck_assert(procset_in_scope(&s, "/m.slice"));
	ck_assert(procset_in_scope(&s, "/m.slice/x/y"));
	ck_assert(!procset_in_scope(&s, "/m.slicer"));
	ck_assert(!procset_in_scope(&s, "/ab"));
	ck_assert(!procset_in_scope(&s, "/"));
	const char *same[] = {"/b", "/m.slice", "/ab/c", "/m.slice/deeper"};
	ck_assert_int_eq(procset_set_roots(&s, same, ARRAY_SIZE(same), &changed), 0);
	ck_assert(!changed);
	const char *all[] = {"/x", "/"};
	ck_assert_int_eq(procset_set_roots(&s, all, ARRAY_SIZE(all), &changed), 0);
	ck_assert(changed);
	ck_assert_uint_eq(s.n_roots, 1);
	ck_assert(procset_in_scope(&s, "/anything"));
	ck_assert_int_eq(procset_set_roots(&s, NULL, 0, &changed), 0);
	ck_assert(changed);
	ck_assert(!procset_in_scope(&s, "/m.slice"));
	procset_done(&s);
}
END_TEST

START_TEST(test_resync)
{
	ProcSet s;
	bool changed;
	unsigned added, removed;

	open_set(&s, 100);
	ck_assert_int_eq(procset_resync(&s, &added, &removed), 0);
	ck_assert_uint_eq(added, 3); /* 10, 11, 12; 13 has exited, 20 is outside */
	ck_assert_uint_eq(removed, 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_int_eq(s.v[0].pid, 10);
	ck_assert_str_eq(s.v[0].cgroup, "/m.slice");
	ck_assert_int_eq(s.v[2].pid, 12);
	ck_assert_str_eq(s.v[2].cgroup, "/m.slice/vm.scope/libvirt");
	ck_assert_uint_eq(s.v[2].starttime, 1012);
	ck_assert_uint_eq(s.fds, 3);
	int fd11 = procset_find(&s, 11)->status_fd;
	ck_assert_int_ge(fd11, 0);

	/* 10 left, 14 came: the entry of 11 is kept as it was */
	put_proc(14, "/m.slice/vm.scope", 0, 0);
	put_procs_file("/m.slice", "11\n");
	put_procs_file("/m.slice/vm.scope", "14\n");
	ck_assert_int_eq(procset_resync(&s, &added, &removed), 0);
	ck_assert_uint_eq(added, 1);
	ck_assert_uint_eq(removed, 1);
	ck_assert_ptr_null(procset_find(&s, 10));
	ck_assert_int_eq(procset_find(&s, 11)->status_fd, fd11);
	ck_assert_str_eq(procset_find(&s, 14)->cgroup, "/m.slice/vm.scope");
	ck_assert_uint_eq(s.fds, 3);

	/* a process listed twice (moved between two reads) is one entry */
	put_procs_file("/m.slice/vm.scope", "14\n11\n");
	ck_assert_int_eq(procset_resync(&s, &added, &removed), 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_uint_eq(added + removed, 0);

	/* garbage in cgroup.procs: an error, the set as it was */
	put_procs_file("/m.slice/vm.scope", "14\nfourteen\n");
	ck_assert_int_eq(procset_resync(&s, NULL, NULL), -EBADMSG);
	ck_assert_uint_eq(s.n, 3);
	put_procs_file("/m.slice/vm.scope", "0\n");
	ck_assert_int_eq(procset_resync(&s, NULL, NULL), -EBADMSG);

	/* a root that does not exist (yet) lists nothing */
	const char *missing[] = {"/nowhere"};
	ck_assert_int_eq(procset_set_roots(&s, missing, 1, &changed), 0);
	ck_assert_int_eq(procset_resync(&s, &added, &removed), 0);
	ck_assert_uint_eq(removed, 3);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_uint_eq(s.fds, 0);
	procset_done(&s);
}
END_TEST

START_TEST(test_probe)
{
	ProcSet s;

	open_set(&s, 100);
	ck_assert_int_eq(procset_probe(&s, 12), 0);
	ck_assert_int_eq(procset_probe(&s, 20), 0); /* outside */
	ck_assert_int_eq(procset_probe(&s, 13), 0); /* gone */
	ck_assert_int_eq(procset_probe(&s, 10), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_int_eq(s.v[0].pid, 10);
	ck_assert_int_eq(s.v[1].pid, 12);
	/* it exec'd after moving out: dropped */
	put_proc(10, "/other.slice", 1024, 0);
	ck_assert_int_eq(procset_probe(&s, 10), 0);
	ck_assert_uint_eq(s.n, 1);
	procset_remove(&s, 12);
	procset_remove(&s, 12);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_uint_eq(s.fds, 0);
	procset_done(&s);
}
END_TEST

START_TEST(test_read)
{
	ProcSet s;

	/* no fds to keep: each status is read by path, checked by start time */
	open_set(&s, 0);
	ck_assert_int_eq(procset_resync(&s, NULL, NULL), 0);
	ck_assert(s.over_fds);
	ProcEntry *e = procset_find(&s, 12);
	ck_assert_int_eq(e->status_fd, -1);
	ck_assert_int_gt(procset_read_status(&s, e), 0);
	ck_assert_ptr_nonnull(strstr(s.buf, "VmPin:\t4 kB"));
	/* the PID names another process now */
	char path[PATH_MAX * 2];
	tu_xsnprintf(path, "%s/12/stat", proc);
	tu_write_file(path, "12 (hog) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5000 1 1\n");
	ck_assert_int_eq(procset_read_status(&s, e), -ESRCH);
	ck_assert_int_eq(procset_refresh_cgroup(&s, e), -ESRCH);
	procset_done(&s);

	/* with fds: an emptied status reads as an exit; the cgroup is read anew */
	open_set(&s, 100);
	ck_assert_int_eq(procset_resync(&s, NULL, NULL), 0);
	e = procset_find(&s, 10);
	ck_assert_int_ge(e->status_fd, 0);
	ck_assert_int_eq(procset_refresh_cgroup(&s, e), 0);
	ck_assert_int_ge(e->dir_fd, 0);
	ck_assert_uint_eq(s.fds, 4); /* 3 status, 1 directory */
	put_proc(10, "/m.slice/vm.scope", 1024, 0);
	ck_assert_int_eq(procset_refresh_cgroup(&s, e), 0);
	ck_assert_str_eq(e->cgroup, "/m.slice/vm.scope");
	procset_release_dir(&s, e);
	ck_assert_uint_eq(s.fds, 3);
	tu_xsnprintf(path, "%s/11/status", proc);
	tu_write_file(path, "");
	ck_assert_int_eq(procset_read_status(&s, procset_find(&s, 11)), -ESRCH);
	procset_done(&s);
}
END_TEST

typedef struct Seen {
	unsigned n;
	pid_t pid[8];
	char cgroup[8][64];
	uint64_t pinned[8];
	uint64_t locked[8];
} Seen;

static int collect(const PinRecord *r, void *userdata)
{
	Seen *s = userdata;
	ck_assert_uint_lt(s->n, 8);
	s->pid[s->n] = r->tgid;
	snprintf(s->cgroup[s->n], sizeof(s->cgroup[0]), "%s", r->cgroup);
	s->locked[s->n] = r->locked;
	s->pinned[s->n++] = r->pinned;
	return 0;
}

START_TEST(test_scoped_pass)
{
	CgLayout l;
	Scanner *sc;
	ScanStats st;
	Seen seen = {};

	ck_assert_int_eq(cg_layout_init(&l, cg, NULL, NULL, NULL), 0);
	ck_assert_int_eq(scanner_procfs_new(proc, &l, &sc), 0);
	ck_assert_int_eq(scanner_set_scope(sc, scope_m, 1), 0);
	ck_assert_int_eq(scanner_event_fd(sc), -1); /* a fake /proc has no events */
	ck_assert_int_eq(scanner_run(sc, collect, &seen, &st), 0);
	ck_assert(st.scoped);
	ck_assert_int_eq(st.resync, RESYNC_SCOPE);
	ck_assert_int_eq(st.events_error, -EXDEV);
	ck_assert_uint_eq(st.visited, 3);
	ck_assert_uint_eq(st.reported, 2);
	ck_assert_uint_eq(st.entered, 3);
	ck_assert_uint_eq(seen.n, 2);
	ck_assert_int_eq(seen.pid[0], 10);
	ck_assert_uint_eq(seen.pinned[0], 1024 * 1024);
	ck_assert_str_eq(seen.cgroup[1], "/m.slice/vm.scope/libvirt");

	/* a process holding pins moved out (its cgroup file says so before any listing
	 * does): not reported; one that moved within is reported where it is */
	put_proc(10, "/other.slice", 1024, 0);
	put_proc(12, "/m.slice", 4, 8);
	seen = (Seen){};
	ck_assert_int_eq(scanner_run(sc, collect, &seen, &st), 0);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert_int_eq(seen.pid[0], 12);
	ck_assert_str_eq(seen.cgroup[0], "/m.slice");
	ck_assert_uint_eq(st.vanished, 0); /* moved out is not gone */
	ck_assert_uint_eq(st.visited, 3);
	ck_assert_int_eq(st.resync, RESYNC_ALWAYS); /* no events: every pass */

	/* a snapshot through it: what lies outside the scope is not "unattributed" */
	char path[PATH_MAX * 2];
	Snapshot snap;
	tu_xsnprintf(path, "%s/meminfo", proc);
	tu_write_file(path, "MemTotal:       1000 kB\n");
	tu_xsnprintf(path, "%s/vmstat", proc);
	tu_write_file(path, "nr_foll_pin_acquired 100000\nnr_foll_pin_released 0\n");
	ck_assert_int_eq(snapshot_take(sc, &l, proc, "/", &snap), 0);
	ck_assert(snap.stats.scoped);
	ck_assert(snap.sys.has_foll_pin);
	ck_assert_uint_eq(snap.tree->all_pinned, 4096);
	ck_assert_uint_eq(snapshot_unattributed(&snap, 4096), 0);
	snapshot_done(&snap);
	scanner_free(sc);
	cg_layout_done(&l);
}
END_TEST

/* scanner_procfs_one(): its process's files stay open, so a second call reads what the
 * same files say now; a process that is gone is counted as vanished, not an error. */
START_TEST(test_procfs_one)
{
	CgLayout l;
	Scanner *sc;
	ScanStats st = {};
	Seen seen = {};
	char path[PATH_MAX * 2];

	ck_assert_int_eq(cg_layout_init(&l, cg, NULL, NULL, NULL), 0);
	ck_assert_int_eq(scanner_procfs_new(proc, &l, &sc), 0);
	ck_assert_int_eq(scanner_procfs_one(sc, 20, collect, &seen, &st), 0);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert_uint_eq(seen.pinned[0], 64 * 1024);
	ck_assert_str_eq(seen.cgroup[0], "/other.slice");

	/* the kept status file, rewritten in place; the name no longer leads to it */
	tu_xsnprintf(path, "%s/20/status", proc);
	tu_write_file(path, "Name:\thog-20\nTgid:\t20\nPid:\t20\nVmLck:\t8 kB\nVmPin:\t128 kB\n");
	char moved[PATH_MAX * 2];
	tu_xsnprintf(moved, "%s/20/status.old", proc);
	ck_assert_int_eq(rename(path, moved), 0);
	seen = (Seen){};
	ck_assert_int_eq(scanner_procfs_one(sc, 20, collect, &seen, &st), 0);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert_uint_eq(seen.pinned[0], 128 * 1024);
	ck_assert_uint_eq(seen.locked[0], 8 * 1024);

	seen = (Seen){};
	st = (ScanStats){};
	ck_assert_int_eq(scanner_procfs_one(sc, 13, collect, &seen, &st), 0); /* exited */
	ck_assert_uint_eq(seen.n, 0);
	ck_assert_uint_eq(st.visited, 1);
	ck_assert_uint_eq(st.vanished, 1);
	scanner_free(sc);
	cg_layout_done(&l);
}
END_TEST

/* A process whose main thread exited: its status has no Vm lines and says Threads: 2;
 * the live thread's status and cgroup are the process's. Both passes read those. */
START_TEST(test_leader_gone)
{
	char path[PATH_MAX * 2];
	CgLayout l;
	Scanner *sc;
	ScanStats st;
	Seen seen = {};

	tu_xsnprintf(path, "%s/30/status", proc);
	tu_write_file(path,
		      "Name:\thog-30\nState:\tZ (zombie)\nTgid:\t30\nPid:\t30\nThreads:\t2\n");
	tu_xsnprintf(path, "%s/30/cgroup", proc);
	tu_write_file(path, "0::/m.slice\n"); /* where the leader was */
	tu_xsnprintf(path, "%s/30/stat", proc);
	tu_write_file(path, "30 (hog) Z 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 2 0 1030 0 0\n");
	tu_xsnprintf(path, "%s/30/task/30/status", proc);
	tu_write_file(path, "Name:\thog-30\nTgid:\t30\nPid:\t30\nThreads:\t2\n");
	tu_xsnprintf(path, "%s/30/task/31/status", proc);
	tu_write_file(path, "Name:\tworker\nTgid:\t30\nPid:\t31\nVmLck:\t4 kB\nVmPin:\t256 kB\n"
			    "Threads:\t2\n");
	tu_xsnprintf(path, "%s/30/task/31/cgroup", proc);
	tu_write_file(path, "0::/m.slice/vm.scope/libvirt\n"); /* where the process is */
	put_procs_file("/m.slice", "10\n11\n30\n");

	ck_assert_int_eq(cg_layout_init(&l, cg, NULL, NULL, NULL), 0);
	for (int scoped = 0; scoped < 2; scoped++) {
		ck_assert_int_eq(scanner_procfs_new(proc, &l, &sc), 0);
		if (scoped)
			ck_assert_int_eq(scanner_set_scope(sc, scope_m, 1), 0);
		seen = (Seen){};
		ck_assert_int_eq(scanner_run(sc, collect, &seen, &st), 0);
		unsigned i = 0;
		while (i < seen.n && seen.pid[i] != 30)
			i++;
		ck_assert_msg(i < seen.n, "pid 30 not reported (scoped: %d)", scoped);
		ck_assert_uint_eq(seen.pinned[i], 256 * 1024);
		ck_assert_uint_eq(seen.locked[i], 4 * 1024);
		ck_assert_str_eq(seen.cgroup[i], "/m.slice/vm.scope/libvirt");
		scanner_free(sc);
	}
	cg_layout_done(&l);
}
END_TEST

static Suite *procset_suite(void)
{
	Suite *s = suite_create("procset");
	TCase *tc = tcase_create("procset");

	/* the base directory outlives failed tests' forks: removed once, at the end */
	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_roots);
	tcase_add_test(tc, test_resync);
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_read);
	tcase_add_test(tc, test_scoped_pass);
	tcase_add_test(tc, test_procfs_one);
	tcase_add_test(tc, test_leader_gone);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(procset_suite());
}
