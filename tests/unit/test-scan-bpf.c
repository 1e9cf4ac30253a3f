/* SPDX-License-Identifier: MIT */
/* The bpf scanner's three ways of making a pass on the real kernel: the task walk, the task
 * iterator, and the walk overflowing into the iterator (and back). Pinhogs of known sizes,
 * one of them with its main thread exited, must come out of each exactly as procfs reads
 * them, PID 1 at most once; from inside a pid namespace, by the pids it knows, and nothing
 * from outside it. Needs root and a kernel that loads the programs; says why and
 * passes otherwise. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cglayout.h"
#include "macro.h"
#include "scan.h"
#include "scan_bpf.h"
#include "testutil.h"

#define MiB      (1024ULL * 1024)
#define MAX_HOGS 6
#define MAX_SEEN 4096

typedef struct Hog {
	const char *name;
	const char *pin, *lock;
	uint64_t pinned, locked;
	bool leader_exits; /* its main thread exits, a second one holds the pins */
	pid_t pid;
} Hog;

static Hog hogs[MAX_HOGS] = {
    {"bpfhog-pin", "8M", "0", 8 * MiB, 0, false, 0},
    {"bpfhog-both", "4M", "2M", 4 * MiB, 2 * MiB, false, 0},
    {"bpfhog-lock", "0", "1M", 0, 1 * MiB, false, 0},
    {"bpfhog-nolead", "2M", "3M", 2 * MiB, 3 * MiB, true, 0},
    {"bpfhog-extra1", "1M", "0", 1 * MiB, 0, false, 0}, /* the overflow test's only */
    {"bpfhog-extra2", "0", "1M", 0, 1 * MiB, false, 0},
};

typedef struct Seen {
	PinRecord r[MAX_SEEN];
	char comm[MAX_SEEN][32];
	char cgroup[MAX_SEEN][256];
	size_t n;
} Seen;

static int collect(const PinRecord *r, void *userdata)
{
	Seen *s = userdata;
	ck_assert_uint_lt(s->n, MAX_SEEN);
	s->r[s->n] = *r;
	snprintf(s->comm[s->n], sizeof(s->comm[0]), "%s", r->comm);
	snprintf(s->cgroup[s->n], sizeof(s->cgroup[0]), "%s", r->cgroup);
	s->r[s->n].comm = s->comm[s->n];
	s->r[s->n].cgroup = s->cgroup[s->n];
	s->n++;
	return 0;
}

static const PinRecord *find(const Seen *s, pid_t pid)
{
	const PinRecord *hit = NULL;
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i].tgid == pid) {
			ck_assert_msg(!hit, "process %d reported twice in one pass", (int)pid);
			hit = &s->r[i];
		}
	return hit;
}

static void start_hog(Hog *h)
{
	char ready[PATH_MAX], buf[32] = "";
	const char *pinhog = getenv("PINHOG");

	ck_assert_msg(pinhog, "PINHOG is not set (meson sets it)");
	tu_xsnprintf(ready, "%s/%s.ready", tu_base_dir(), h->name);
	unlink(ready); /* an earlier test's */
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with the test */
		execl(pinhog, "pinhog", "--name", h->name, "--lock", h->lock, "--ready-file", ready,
		      h->pin, h->leader_exits ? "--leader-exits" : (char *)NULL, (char *)NULL);
		_exit(127);
	}
	h->pid = pid;
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(ready, "r");
		if (f) {
			bool got = fgets(buf, sizeof(buf), f) != NULL;
			fclose(f);
			if (got)
				break;
		}
		usleep(25000);
	}
	ck_assert_int_eq(atoi(buf), pid);
}

static void stop_hog(Hog *h)
{
	if (h->pid <= 0)
		return;
	kill(h->pid, SIGKILL);
	waitpid(h->pid, NULL, 0);
	h->pid = 0;
}

static void stop_hogs(void)
{
	for (size_t i = 0; i < MAX_HOGS; i++)
		stop_hog(&hogs[i]);
}

/* A pass of s into seen, with its stats. */
static void pass(Scanner *s, Seen *seen, ScanStats *st)
{
	seen->n = 0;
	int r = scanner_run(s, collect, seen, st);
	ck_assert_msg(r == 0, "scan: %s", strerror(-r));
	ck_assert_uint_gt(st->visited, 3);
	ck_assert_uint_eq(st->reported, seen->n);
}

/* Each running hog exactly as procfs reads it; PID 1 once if it holds anything. */
static void check_pass(Scanner *procfs, const Seen *seen)
{
	Seen want = {};
	ScanStats st = {};

	for (size_t i = 0; i < MAX_HOGS; i++) {
		if (hogs[i].pid <= 0)
			continue;
		const PinRecord *got = find(seen, hogs[i].pid);
		ck_assert_msg(got, "%s (%d) not reported", hogs[i].name, (int)hogs[i].pid);
		ck_assert_uint_eq(got->pinned, hogs[i].pinned);
		ck_assert_uint_eq(got->locked, hogs[i].locked);
		ck_assert_str_eq(got->comm, hogs[i].name);
		want.n = 0;
		ck_assert_int_eq(scanner_procfs_one(procfs, hogs[i].pid, collect, &want, &st), 0);
		ck_assert_uint_eq(want.n, 1);
		ck_assert_str_eq(got->cgroup, want.r[0].cgroup);
		ck_assert_uint_eq(got->starttime, want.r[0].starttime);
	}
	want.n = 0;
	ck_assert_int_eq(scanner_procfs_one(procfs, 1, collect, &want, &st), 0);
	const PinRecord *init = find(seen, 1);
	ck_assert_msg(!init == !want.n, "PID 1 %s by the pass, %s by procfs",
		      init ? "reported" : "not reported", want.n ? "holds" : "holds nothing");
}

typedef struct Env {
	CgLayout layout;
	Scanner *procfs;
} Env;

/* Returns false, having said why, when the bpf scanner cannot run here. */
static bool env_open(Env *e, const BpfScanOptions *o, Scanner **ret)
{
	if (geteuid() != 0) {
		printf("SKIP: %s: loading BPF programs needs root\n", __func__);
		return false;
	}
	ck_assert_int_eq(cg_layout_discover(&e->layout), 0);
	ck_assert_int_eq(scanner_procfs_new("/proc", &e->layout, &e->procfs), 0);
	int r = scanner_bpf_new_with("/proc", &e->layout, o, ret);
	if (r < 0) {
		printf("SKIP: the bpf scanner does not load here: %s\n", strerror(-r));
		scanner_free(e->procfs);
		cg_layout_done(&e->layout);
		return false;
	}
	for (size_t i = 0; i < 4; i++)
		start_hog(&hogs[i]);
	return true;
}

static void env_close(Env *e, Scanner *s)
{
	stop_hogs();
	scanner_free(s);
	scanner_free(e->procfs);
	cg_layout_done(&e->layout);
}

/* Two passes that fit the walk's records, exact; then a hog exits and is gone. */
static void exact_passes(Env *e, Scanner *s)
{
	static Seen seen;
	ScanStats st;

	for (int i = 0; i < 2; i++) {
		pass(s, &seen, &st);
		ck_assert(!st.fallback);
		check_pass(e->procfs, &seen);
	}
	pid_t gone = hogs[0].pid;
	stop_hog(&hogs[0]);
	pass(s, &seen, &st);
	ck_assert_ptr_null(find(&seen, gone));
	check_pass(e->procfs, &seen);
}

/* Whether s walks; else, before Linux 6.7 (no open-coded task iterator), says that the
 * test is skipped, and fails from 6.7 on, where the walk must load. */
static bool walk_loaded(Scanner *s, const char *test)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (strcmp(scanner_detail(s), "task walk") == 0)
		return true;
	ck_assert_int_eq(uname(&u), 0);
	sscanf(u.release, "%u.%u", &major, &minor);
	ck_assert_msg(major * 1000 + minor < 6007, "Linux %s does not walk: %s", u.release,
		      scanner_detail(s));
	printf("SKIP: %s: Linux %s has no open-coded task iterator (6.7+)\n", test, u.release);
	return false;
}

START_TEST(test_walk)
{
	Env e = {};
	Scanner *s;

	if (!env_open(&e, &(BpfScanOptions){}, &s))
		return;
	if (walk_loaded(s, __func__))
		exact_passes(&e, s);
	env_close(&e, s);
}
END_TEST

START_TEST(test_iterator)
{
	Env e = {};
	Scanner *s;

	if (!env_open(&e, &(BpfScanOptions){.iterator_only = true}, &s))
		return;
	ck_assert_str_eq(scanner_detail(s), "task iterator");
	exact_passes(&e, s);
	env_close(&e, s);
}
END_TEST

/* Holders beyond the walk's capacity: the pass runs the iterator and is still exact; the
 * next ones go straight to the iterator while the holders do not fit, then walk again. */
START_TEST(test_overflow)
{
	static Seen seen;
	Env e = {};
	Scanner *s, *probe;
	ScanStats st;

	if (!env_open(&e, &(BpfScanOptions){}, &probe))
		return;
	if (!walk_loaded(probe, __func__)) {
		env_close(&e, probe);
		return;
	}
	pass(probe, &seen, &st); /* the host's holders, the test's three among them */
	scanner_free(probe);
	/* As many records as the pass reported (PID 1 may come through procfs, outside
	 * them): two more holders overflow them in any case. */
	unsigned holders = (unsigned)seen.n;
	ck_assert_int_eq(
	    scanner_bpf_new_with("/proc", &e.layout, &(BpfScanOptions){.capacity = holders}, &s),
	    0);
	pass(s, &seen, &st);
	ck_assert_msg(!st.fallback, "%u holders fit in %u records", (unsigned)seen.n, holders);
	start_hog(&hogs[4]);
	start_hog(&hogs[5]);
	for (int i = 0; i < 2; i++) { /* the walk overflows; then the iterator alone */
		pass(s, &seen, &st);
		ck_assert(st.fallback);
		ck_assert_uint_eq(seen.n, holders + 2);
		check_pass(e.procfs, &seen);
	}
	stop_hog(&hogs[4]);
	stop_hog(&hogs[5]);
	pass(s, &seen, &st); /* the iterator finds they fit again */
	ck_assert(st.fallback);
	check_pass(e.procfs, &seen);
	pass(s, &seen, &st);
	ck_assert(!st.fallback);
	ck_assert_uint_eq(seen.n, holders);
	check_pass(e.procfs, &seen);
	env_close(&e, s);
}
END_TEST

/* In a new pid namespace (the caller is its PID 1, with its own /proc): one pass of a
 * scanner made here. 0 when the pass reports the namespace's pinhog (pid) exactly, by that
 * pid, and nothing of the host's (outside_comm); else 1, having said why on stderr. */
static int pidns_pass(const BpfScanOptions *o, pid_t pid, uint64_t pinned, const char *outside_comm)
{
	static Seen seen;
	CgLayout layout;
	Scanner *s;
	ScanStats st = {};

	if (cg_layout_discover(&layout) < 0 || scanner_bpf_new_with("/proc", &layout, o, &s) < 0) {
		fprintf(stderr, "pidns: the bpf scanner does not load in the namespace\n");
		return 1;
	}
	seen.n = 0;
	int r = scanner_run(s, collect, &seen, &st);
	scanner_free(s);
	cg_layout_done(&layout);
	if (r < 0) {
		fprintf(stderr, "pidns: scan: %s\n", strerror(-r));
		return 1;
	}
	bool found = false;
	for (size_t i = 0; i < seen.n; i++) {
		if (strcmp(seen.r[i].comm, outside_comm) == 0) {
			fprintf(stderr, "pidns: %s from outside reported as %d\n", outside_comm,
				(int)seen.r[i].tgid);
			return 1;
		}
		if (seen.r[i].tgid == pid)
			found =
			    seen.r[i].pinned == pinned && strcmp(seen.r[i].comm, "bpfhog-ns") == 0;
	}
	if (!found || st.visited != 2) { /* PID 1 and the pinhog */
		fprintf(stderr, "pidns: pinhog %d %s; %u processes visited, not 2\n", (int)pid,
			found ? "reported" : "not reported exactly", st.visited);
		return 1;
	}
	return 0;
}

/* PID 1 of the new namespace: mounts its /proc, starts a pinhog, scans both ways. */
static int pidns_init(const char *outside_comm)
{
	char ready[PATH_MAX], buf[32] = "";

	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return 1;
	snprintf(ready, sizeof(ready), "%s/ns.ready", tu_base_dir());
	unlink(ready);
	pid_t pid = fork();
	if (pid == 0) {
		execl(getenv("PINHOG"), "pinhog", "--name", "bpfhog-ns", "--ready-file", ready,
		      "3M", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && atoi(buf) != pid; i++) {
		FILE *f = fopen(ready, "r");
		if (f) {
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = 0;
			fclose(f);
		}
		usleep(25000);
	}
	if (atoi(buf) != pid) {
		fprintf(stderr, "pidns: the pinhog did not get ready\n");
		return 1;
	}
	int r = pidns_pass(&(BpfScanOptions){}, pid, 3 * MiB, outside_comm);
	if (r == 0)
		r = pidns_pass(&(BpfScanOptions){.iterator_only = true}, pid, 3 * MiB,
			       outside_comm);
	return r; /* the namespace's processes die with its PID 1 */
}

/* pind in a container: the host's pids mean nothing there, and the host's processes are
 * none of its business. A pinhog outside and one inside; a scan inside sees only the one
 * inside, by its pid there. */
START_TEST(test_pidns)
{
	Env e = {};
	Scanner *s;
	int status;

	if (!env_open(&e, &(BpfScanOptions){.iterator_only = true}, &s))
		return;
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		if (unshare(CLONE_NEWPID | CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(2);
		pid_t init = fork();
		if (init == 0)
			_exit(pidns_init(hogs[0].name));
		_exit(init > 0 && waitpid(init, &status, 0) == init && WIFEXITED(status)
			  ? WEXITSTATUS(status)
			  : 3);
	}
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the scan in the pid namespace failed (%d; see above)", status);
	env_close(&e, s);
}
END_TEST

static Suite *scan_bpf_suite(void)
{
	Suite *s = suite_create("scan-bpf");
	TCase *tc = tcase_create("kernel");
	tcase_set_timeout(tc, 30);
	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_add_test(tc, test_walk);
	tcase_add_test(tc, test_iterator);
	tcase_add_test(tc, test_overflow);
	tcase_add_test(tc, test_pidns);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(scan_bpf_suite());
}
