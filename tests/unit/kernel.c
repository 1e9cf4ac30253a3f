/* SPDX-License-Identifier: MIT */
/* The kernel.h fixtures: the hierarchies, the test's tree in them, the children, and the
 * cleanup after a test. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../helpers/mainexit.h"
#include "kernel.h"
#include "macro.h"
#include "procfs.h"
#include "testutil.h"

/* ---- hierarchies and the test's tree in them ---- */

Hier kt_v2 = {.what = "cgroup2", .key = ""};
Hier kt_fz = {.what = "v1 freezer", .key = "freezer"};
Hier kt_sd = {.what = "v1 name=systemd", .key = "name=systemd"};
static Hier *const hiers[] = {&kt_v2, &kt_fz, &kt_sd};

uint64_t kt_mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void kt_msleep(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Reads a file into buf; -errno on failure. */
ssize_t kt_read_file(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

static int write_file(const char *path, const char *value)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return write(fd, value, strlen(value)) == (ssize_t)strlen(value) ? 0 : -errno;
}

void kt_xwrite_file(const char *path, const char *value)
{
	int r = write_file(path, value);
	ck_assert_msg(r == 0, "writing \"%s\" to %s: %s", value, path, strerror(-r));
}

void kt_read_at(const Cg *c, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX + 64];

	tu_xsnprintf(path, "%s/%s", c->dir, file);
	ssize_t n = kt_read_file(path, buf, size);
	ck_assert_msg(n >= 0, "reading %s: %s", path, strerror((int)-n));
}

static bool pid_listed(const char *procs_file, pid_t pid)
{
	char buf[65536], *save = NULL;

	if (kt_read_file(procs_file, buf, sizeof(buf)) < 0)
		return false;
	for (char *t = strtok_r(buf, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
		if (atoi(t) == pid)
			return true;
	return false;
}

static void find_mounts(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0) {
		char mnt[PATH_MAX], type[64], source[256], opts[1024];
		const char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %255s %1023s", type, source, opts) != 3)
			continue;
		char list[1100];
		snprintf(list, sizeof(list), ",%s,", opts);
		Hier *h = NULL;
		if (strcmp(type, "cgroup2") == 0)
			h = &kt_v2;
		else if (strcmp(type, "cgroup") == 0 && strstr(list, ",freezer,"))
			h = &kt_fz;
		else if (strcmp(type, "cgroup") == 0 && strstr(list, ",name=systemd,"))
			h = &kt_sd;
		if (h && !h->mount[0])
			snprintf(h->mount, sizeof(h->mount), "%s", mnt);
	}
}

/* Finds our own cgroup in h and makes the test tree below it. */
static void hier_setup(Hier *h, const char *proc_cgroup, size_t len)
{
	_cleanup_free_ char *own = NULL;
	char procs[PATH_MAX * 2];

	if (!h->mount[0]) {
		snprintf(h->why, sizeof(h->why), "not mounted");
		return;
	}
	if (proc_cgroup_find(proc_cgroup, len, h->key, &own) < 0) {
		snprintf(h->why, sizeof(h->why), "not in /proc/self/cgroup");
		return;
	}
	snprintf(procs, sizeof(procs), "%s%s/cgroup.procs", h->mount, own);
	if (!pid_listed(procs, getpid())) {
		snprintf(h->why, sizeof(h->why), "own cgroup %s not found below %s", own, h->mount);
		return;
	}
	snprintf(h->base_cg, sizeof(h->base_cg), "%s/pind-actuate-test-%d",
		 strcmp(own, "/") == 0 ? "" : own, (int)getpid());
	snprintf(h->base_dir, sizeof(h->base_dir), "%s%s", h->mount, h->base_cg);
	if (mkdir(h->base_dir, 0755) < 0) {
		snprintf(h->why, sizeof(h->why), "mkdir %s: %s", h->base_dir, strerror(errno));
		return;
	}
	h->made = true;
}

/* Unchecked setup, in the runner: finds the hierarchies, makes the test trees. Orphans
 * of a failed test are reparented to the runner, which reaps them in the teardown. */
static void kernel_setup(void)
{
	char buf[4096];

	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (geteuid() != 0) {
		for (size_t i = 0; i < ARRAY_SIZE(hiers); i++)
			snprintf(hiers[i]->why, sizeof(hiers[i]->why), "not root");
		return;
	}
	find_mounts();
	ssize_t n = kt_read_file("/proc/self/cgroup", buf, sizeof(buf));
	for (size_t i = 0; i < ARRAY_SIZE(hiers); i++)
		hier_setup(hiers[i], buf, n > 0 ? (size_t)n : 0);
	if (!kt_v2.why[0]) { /* a new enough kernel? */
		char path[sizeof(kt_v2.base_dir) + 32];
		snprintf(path, sizeof(path), "%s/cgroup.freeze", kt_v2.base_dir);
		if (access(path, F_OK) < 0)
			snprintf(kt_v2.why, sizeof(kt_v2.why), "no cgroup.freeze (kernel < 5.2)");
	}
}

/* ---- children ---- */

static const char odd_comm[] = "a) b (c";

static pid_t kids[KT_MAX_KIDS]; /* forked and not reaped yet */
static size_t n_kids;

static void forget_kid(pid_t pid)
{
	for (size_t i = 0; i < n_kids; i++)
		if (kids[i] == pid)
			kids[i] = 0;
}

/* KID_NOLEAD's second thread: says it is set up once the main thread is a zombie. */
static void *nolead(void *arg)
{
	int ready = *(int *)arg;

	wait_main_thread_exited();
	if (write(ready, "r", 1) != 1)
		_exit(94);
	for (;;)
		pause();
}

/* Forks a child that dies with the test process, puts it into the cgroups a and b (either
 * may be NULL) before it does anything, and waits until it is set up as kind says (but
 * not until a busy one runs). */
pid_t kt_spawn(KidKind kind, const Cg *a, const Cg *b)
{
	pid_t parent = getpid();
	int go[2], ready[2];
	char c;

	ck_assert_uint_lt(n_kids, KT_MAX_KIDS);
	ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sigset_t none;
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* not Check's handlers: its SIGTERM handler kills the whole process group */
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (getppid() != parent || read(go[0], &c, 1) != 1)
			_exit(98);
		if (kind == KID_EXIT)
			_exit(0);
		if (kind == KID_IGNTERM)
			signal(SIGTERM, SIG_IGN);
		if (kind == KID_COMM && prctl(PR_SET_NAME, odd_comm) < 0)
			_exit(97);
		if (kind == KID_NOLEAD) {
			static int fd;
			pthread_t t;
			fd = ready[1];
			if (pthread_create(&t, NULL, nolead, &fd) != 0)
				_exit(95);
			pthread_exit(NULL);
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(96);
		if (kind == KID_BUSY)
			for (volatile unsigned long i = 0;; i++)
				;
		for (;;)
			pause();
	}
	kids[n_kids++] = pid;
	close(go[0]);
	close(ready[1]);
	const Cg *in[] = {a, b};
	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		char path[PATH_MAX + 32], num[32];
		if (!in[i])
			continue;
		tu_xsnprintf(path, "%s/cgroup.procs", in[i]->dir);
		tu_xsnprintf(num, "%d", (int)pid);
		kt_xwrite_file(path, num);
	}
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	close(go[1]);
	if (kind != KID_EXIT && kind != KID_BUSY) /* a busy one can take long to get the CPU */
		ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

/* Waits up to timeout_ms for the child pid to end; returns its wait status. */
int kt_reap(pid_t pid, unsigned timeout_ms)
{
	int status;

	for (unsigned i = 0;; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		ck_assert_msg(r >= 0, "waitpid %d: %s", (int)pid, strerror(errno));
		if (r == pid) {
			forget_kid(pid);
			return status;
		}
		ck_assert_msg(i < timeout_ms, "child %d still alive after %u ms", (int)pid,
			      timeout_ms);
		kt_msleep(1);
	}
}

void kt_assert_killed_by(pid_t pid, int sig)
{
	int status = kt_reap(pid, 3000);

	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == sig,
		      "child %d: status 0x%x, expected death by signal %d", (int)pid, status, sig);
}

void kt_assert_alive(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0);
}

/* utime + stime of a process, parsed here independently of pind's parsers. */
static unsigned long long cpu_ticks(pid_t pid)
{
	char path[64], buf[2048];
	unsigned long long ut, st;

	tu_xsnprintf(path, "/proc/%d/stat", (int)pid);
	ck_assert_int_gt(kt_read_file(path, buf, sizeof(buf)), 0);
	char *p = strrchr(buf, ')');
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(
	    sscanf(p + 2, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu", &ut, &st), 2);
	return ut + st;
}

/* ---- cleanup ---- */

typedef void (*DirFn)(const char *dir);

static void for_each_subdir(const char *dir, DirFn fn)
{
	_cleanup_closedir_ DIR *d = opendir(dir);

	for (struct dirent *e; d && (e = readdir(d));) {
		char sub[PATH_MAX * 2];
		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		fn(sub);
	}
}

static void thaw_tree(const char *dir)
{
	char path[PATH_MAX * 2 + 32];

	snprintf(path, sizeof(path), "%s/cgroup.freeze", dir);
	(void)write_file(path, "0");
	snprintf(path, sizeof(path), "%s/freezer.state", dir);
	(void)write_file(path, "THAWED");
	for_each_subdir(dir, thaw_tree);
}

static void reap_any(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* SIGKILLs what is left in a cgroup of the test tree: only processes a test put there. */
static void kill_listed(const char *dir)
{
	static const char *const files[] = {"cgroup.procs", "cgroup.threads"};
	char path[PATH_MAX * 2 + 32], buf[65536], *save = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (kt_read_file(path, buf, sizeof(buf)) >= 0)
			break;
		buf[0] = 0;
	}
	for (char *t = strtok_r(buf, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
		pid_t pid = atoi(t);
		if (pid <= 1 || pid == getpid())
			continue;
		fprintf(stderr, "teardown: killing leftover process %d in %s\n", (int)pid, dir);
		kill(pid, SIGKILL);
	}
}

static void remove_tree(const char *dir)
{
	for_each_subdir(dir, remove_tree);
	for (int i = 0; i < 300; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return;
		if (errno != EBUSY)
			break;
		kill_listed(dir);
		reap_any();
		kt_msleep(10);
	}
	fprintf(stderr, "teardown: cannot remove %s: %s\n", dir, strerror(errno));
}

/* Checked teardown, in the test process (skipped by Check when a test fails: the
 * unchecked one cleans up then). */
static void test_teardown(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(hiers); i++)
		if (hiers[i]->made)
			thaw_tree(hiers[i]->base_dir);
	for (size_t i = 0; i < n_kids; i++) /* our own unreaped children: their PIDs are ours */
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
			kids[i] = 0;
		}
	n_kids = 0;
	for (size_t i = 0; i < ARRAY_SIZE(hiers); i++)
		if (hiers[i]->made)
			for_each_subdir(hiers[i]->base_dir, remove_tree);
}

/* Unchecked teardown, in the runner. */
static void kernel_teardown(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(hiers); i++) {
		Hier *h = hiers[i];
		if (h->made) {
			thaw_tree(h->base_dir);
			remove_tree(h->base_dir);
		}
		h->made = false;
		h->why[0] = 0;
	}
	reap_any();
}

/* ---- helpers for the tests ---- */

void kt_mkcg(Cg *ret, const Hier *h, const char *rel)
{
	tu_xsnprintf(ret->cg, "%s/%s", h->base_cg, rel);
	tu_xsnprintf(ret->dir, "%s/%s", h->base_dir, rel);
	ck_assert_msg(mkdir(ret->dir, 0755) == 0, "mkdir %s: %s", ret->dir, strerror(errno));
}

void kt_layout_init(CgLayout *l, const char *unified, const char *systemd_v1,
		    const char *freezer_v1)
{
	ck_assert_int_eq(cg_layout_init(l, unified, systemd_v1, NULL, freezer_v1), 0);
}

bool kt_file_has_line(const Cg *c, const char *file, const char *line)
{
	char buf[1024], want[128];

	buf[0] = '\n';
	kt_read_at(c, file, buf + 1, sizeof(buf) - 1);
	tu_xsnprintf(want, "\n%s\n", line);
	return strstr(buf, want) != NULL;
}

void kt_assert_running(const pid_t *pids, size_t n, bool running)
{
	unsigned long long before[8];

	ck_assert_uint_le(n, ARRAY_SIZE(before));
	for (size_t i = 0; i < n; i++)
		before[i] = cpu_ticks(pids[i]);
	kt_msleep(200);
	for (size_t i = 0; i < n; i++) {
		unsigned long long after = cpu_ticks(pids[i]);
		if (running)
			ck_assert_msg(after > before[i], "child %d got no CPU in 200 ms",
				      (int)pids[i]);
		else
			ck_assert_msg(after == before[i], "frozen child %d ran: %llu -> %llu ticks",
				      (int)pids[i], before[i], after);
	}
}

void kt_assert_policy(int policy, int priority)
{
	struct sched_param p;

	ck_assert_int_eq(sched_getscheduler(0) & ~SCHED_RESET_ON_FORK, policy);
	ck_assert_int_eq(sched_getparam(0, &p), 0);
	ck_assert_int_eq(p.sched_priority, priority);
}

/* ---- the test cases ---- */

static TCase *new_tcase(const char *name, bool kernel)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	if (kernel)
		tcase_add_unchecked_fixture(tc, kernel_setup, kernel_teardown);
	tcase_add_checked_fixture(tc, NULL, test_teardown);
	tcase_set_timeout(tc, 20);
	return tc;
}

TCase *kt_kernel_tcase(void)
{
	return new_tcase("kernel", true);
}

TCase *kt_fake_tcase(void)
{
	return new_tcase("fake", false);
}
