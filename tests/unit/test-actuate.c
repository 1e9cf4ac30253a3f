/* SPDX-License-Identifier: MIT */
/* The actuators against the running kernel: they are kernel behaviour. The "kernel" tests
 * need root and cgroup2 (else they print "SKIP: reason" and pass); they build their own
 * cgroup tree below the test's own cgroup (pind-actuate-test-<pid>), freeze, signal and
 * kill only the children they fork into it, and remove it all again (also after a
 * failure: a checked teardown in the test process, an unchecked one in the runner, and
 * every child dies with its parent through PR_SET_PDEATHSIG). The "fake" tests run
 * anywhere, on directories that look like cgroupfs and procfs. */
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
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "actuate.h"
#include "cglayout.h"
#include "macro.h"
#include "procfs.h"
#include "testutil.h"

/* ---- hierarchies and the test's tree in them ---- */

typedef struct Hier {
	const char *what;
	const char *key;             /* for proc_cgroup_find() */
	char mount[PATH_MAX];        /* "" when not mounted */
	char base_cg[PATH_MAX];      /* the test tree as a cgroup path */
	char base_dir[2 * PATH_MAX]; /* ... and as a directory */
	char why[3 * PATH_MAX];      /* why it cannot be used, or "" */
	bool made;
} Hier;

static Hier v2 = {.what = "cgroup2", .key = ""};
static Hier fz = {.what = "v1 freezer", .key = "freezer"};
static Hier sd = {.what = "v1 name=systemd", .key = "name=systemd"};
static Hier *const hiers[] = {&v2, &fz, &sd};

#define REQUIRE(h)                                                                                 \
	do {                                                                                       \
		if ((h)->why[0]) {                                                                 \
			printf("SKIP: %s: %s: %s\n", __func__, (h)->what, (h)->why);               \
			fflush(stdout);                                                            \
			return;                                                                    \
		}                                                                                  \
	} while (0)

typedef struct Cg {
	char cg[PATH_MAX];  /* "/pind-actuate-test-42/freeze" */
	char dir[PATH_MAX]; /* "/sys/fs/cgroup/unified/pind-actuate-test-42/freeze" */
} Cg;

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void msleep(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Reads a file into buf; -errno on failure. */
static ssize_t read_file(const char *path, char *buf, size_t size)
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

static void xwrite_file(const char *path, const char *value)
{
	int r = write_file(path, value);
	ck_assert_msg(r == 0, "writing \"%s\" to %s: %s", value, path, strerror(-r));
}

static void read_at(const Cg *c, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX + 64];

	tu_xsnprintf(path, "%s/%s", c->dir, file);
	ssize_t n = read_file(path, buf, size);
	ck_assert_msg(n >= 0, "reading %s: %s", path, strerror((int)-n));
}

static bool pid_listed(const char *procs_file, pid_t pid)
{
	char buf[65536], *save = NULL;

	if (read_file(procs_file, buf, sizeof(buf)) < 0)
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
			h = &v2;
		else if (strcmp(type, "cgroup") == 0 && strstr(list, ",freezer,"))
			h = &fz;
		else if (strcmp(type, "cgroup") == 0 && strstr(list, ",name=systemd,"))
			h = &sd;
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
	ssize_t n = read_file("/proc/self/cgroup", buf, sizeof(buf));
	for (size_t i = 0; i < ARRAY_SIZE(hiers); i++)
		hier_setup(hiers[i], buf, n > 0 ? (size_t)n : 0);
	if (!v2.why[0]) { /* a new enough kernel? */
		char path[sizeof(v2.base_dir) + 32];
		snprintf(path, sizeof(path), "%s/cgroup.freeze", v2.base_dir);
		if (access(path, F_OK) < 0)
			snprintf(v2.why, sizeof(v2.why), "no cgroup.freeze (kernel < 5.2)");
	}
}

/* ---- children ---- */

typedef enum { KID_PAUSE, KID_BUSY, KID_IGNTERM, KID_COMM, KID_EXIT } KidKind;

static const char odd_comm[] = "a) b (c";

#define MAX_KIDS 2100
static pid_t kids[MAX_KIDS]; /* forked and not reaped yet */
static size_t n_kids;

static void forget_kid(pid_t pid)
{
	for (size_t i = 0; i < n_kids; i++)
		if (kids[i] == pid)
			kids[i] = 0;
}

/* Forks a child that dies with the test process, puts it into the cgroups a and b (either
 * may be NULL) before it does anything, and waits until it is set up as kind says (but
 * not until a busy one runs). */
static pid_t spawn(KidKind kind, const Cg *a, const Cg *b)
{
	pid_t parent = getpid();
	int go[2], ready[2];
	char c;

	ck_assert_uint_lt(n_kids, MAX_KIDS);
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
		xwrite_file(path, num);
	}
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	close(go[1]);
	if (kind != KID_EXIT && kind != KID_BUSY) /* a busy one can take long to get the CPU */
		ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

/* Waits up to timeout_ms for the child pid to end; returns its wait status. */
static int reap(pid_t pid, unsigned timeout_ms)
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
		msleep(1);
	}
}

static void assert_killed_by(pid_t pid, int sig)
{
	int status = reap(pid, 3000);

	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == sig,
		      "child %d: status 0x%x, expected death by signal %d", (int)pid, status, sig);
}

static void assert_alive(pid_t pid)
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
	ck_assert_int_gt(read_file(path, buf, sizeof(buf)), 0);
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
		if (read_file(path, buf, sizeof(buf)) >= 0)
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
		msleep(10);
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

static void mkcg(Cg *ret, const Hier *h, const char *rel)
{
	tu_xsnprintf(ret->cg, "%s/%s", h->base_cg, rel);
	tu_xsnprintf(ret->dir, "%s/%s", h->base_dir, rel);
	ck_assert_msg(mkdir(ret->dir, 0755) == 0, "mkdir %s: %s", ret->dir, strerror(errno));
}

static void layout_init(CgLayout *l, const char *unified, const char *systemd_v1,
			const char *freezer_v1)
{
	ck_assert_int_eq(cg_layout_init(l, unified, systemd_v1, NULL, freezer_v1), 0);
}

static bool file_has_line(const Cg *c, const char *file, const char *line)
{
	char buf[1024], want[128];

	buf[0] = '\n';
	read_at(c, file, buf + 1, sizeof(buf) - 1);
	tu_xsnprintf(want, "\n%s\n", line);
	return strstr(buf, want) != NULL;
}

static void assert_running(const pid_t *pids, size_t n, bool running)
{
	unsigned long long before[8];

	ck_assert_uint_le(n, ARRAY_SIZE(before));
	for (size_t i = 0; i < n; i++)
		before[i] = cpu_ticks(pids[i]);
	msleep(200);
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

static void assert_policy(int policy, int priority)
{
	struct sched_param p;

	ck_assert_int_eq(sched_getscheduler(0) & ~SCHED_RESET_ON_FORK, policy);
	ck_assert_int_eq(sched_getparam(0, &p), 0);
	ck_assert_int_eq(p.sched_priority, priority);
}

/* ---- kernel: freeze ---- */

START_TEST(test_freeze_thaw)
{
	REQUIRE(&v2);
	CgLayout l;
	Cg c;
	bool frozen = true;

	layout_init(&l, v2.mount, NULL, NULL);
	mkcg(&c, &v2, "freeze");
	pid_t pids[2] = {spawn(KID_BUSY, &c, NULL), spawn(KID_BUSY, &c, NULL)};
	ck_assert_int_eq(cg_frozen(&l, c.cg, &frozen), 0);
	ck_assert(!frozen);
	assert_running(pids, 2, true);

	uint64_t t0 = mono_usec();
	ck_assert_int_eq(cg_freeze(&l, c.cg, true, FREEZE_TIMEOUT_USEC), 0);
	uint64_t t1 = mono_usec();
	assert_policy(SCHED_OTHER, 0);
	ck_assert_int_eq(cg_frozen(&l, c.cg, &frozen), 0);
	ck_assert(frozen);
	ck_assert(file_has_line(&c, "cgroup.events", "frozen 1"));
	assert_running(pids, 2, false);
	/* freezing what is frozen returns at once */
	ck_assert_int_eq(cg_freeze(&l, c.cg, true, 0), 0);

	uint64_t t2 = mono_usec();
	ck_assert_int_eq(cg_freeze(&l, c.cg, false, FREEZE_TIMEOUT_USEC), 0);
	uint64_t t3 = mono_usec();
	assert_policy(SCHED_OTHER, 0);
	ck_assert_int_eq(cg_frozen(&l, c.cg, &frozen), 0);
	ck_assert(!frozen);
	ck_assert(file_has_line(&c, "cgroup.events", "frozen 0"));
	assert_running(pids, 2, true);
	printf("cgroup2: freeze of 2 busy processes %.2f ms, thaw %.2f ms\n", (t1 - t0) / 1e3,
	       (t3 - t2) / 1e3);
	cg_layout_done(&l);
}
END_TEST

/* Many busy processes: a timed-out freeze stays requested; thaw at normal priority
 * against thaw through cg_freeze() (SCHED_FIFO). */
START_TEST(test_freeze_many)
{
	REQUIRE(&v2);
	const char *env = getenv("PIND_TEST_FREEZE_N");
	int n = env ? atoi(env) : 100;
	CgLayout l;
	Cg c;
	bool frozen;
	char path[PATH_MAX + 32];

	ck_assert(n > 0 && n < MAX_KIDS);
	layout_init(&l, v2.mount, NULL, NULL);
	mkcg(&c, &v2, "many");
	tu_xsnprintf(path, "%s/cgroup.freeze", c.dir);
	uint64_t t0 = mono_usec();
	for (int i = 0; i < n; i++)
		spawn(KID_BUSY, &c, NULL);
	uint64_t t1 = mono_usec();

	/* timeout 0: one look right after the write; n busy processes are not frozen yet */
	ck_assert_int_eq(cg_freeze(&l, c.cg, true, 0), -ETIMEDOUT);
	ck_assert_int_eq(cg_frozen(&l, c.cg, &frozen), 0);
	ck_assert(frozen);
	uint64_t t2 = mono_usec();
	ck_assert_int_eq(cg_freeze(&l, c.cg, true, FREEZE_TIMEOUT_USEC), 0);
	uint64_t t3 = mono_usec();

	/* thaw by hand at normal priority, as a plain writer would */
	xwrite_file(path, "0");
	uint64_t t4 = mono_usec();
	for (int i = 0; !file_has_line(&c, "cgroup.events", "frozen 0"); i++) {
		ck_assert_msg(i < 10000, "still frozen 10 s after a thaw");
		msleep(1);
	}
	uint64_t t5 = mono_usec();

	uint64_t t6 = mono_usec();
	ck_assert_int_eq(cg_freeze(&l, c.cg, true, FREEZE_TIMEOUT_USEC), 0);
	uint64_t t7 = mono_usec();
	ck_assert_int_eq(cg_freeze(&l, c.cg, false, FREEZE_TIMEOUT_USEC), 0);
	uint64_t t8 = mono_usec();
	assert_policy(SCHED_OTHER, 0);
	printf("cgroup2, %d busy processes: spawn %.1f ms; freeze (after a timed-out one) %.2f "
	       "ms, freeze %.2f ms; thaw at normal priority: write %.2f ms, until frozen 0 "
	       "%.2f ms; thaw through cg_freeze (SCHED_FIFO) %.2f ms\n",
	       n, (t1 - t0) / 1e3, (t3 - t2) / 1e3, (t7 - t6) / 1e3, (t4 - t3) / 1e3,
	       (t5 - t3) / 1e3, (t8 - t7) / 1e3);
	cg_layout_done(&l);
}
END_TEST

START_TEST(test_freeze_enoent)
{
	REQUIRE(&v2);
	CgLayout l2, lh;
	char cg[PATH_MAX];
	bool frozen;

	layout_init(&l2, v2.mount, NULL, NULL);
	layout_init(&lh, v2.mount, NULL, fz.mount[0] ? fz.mount : NULL);
	tu_xsnprintf(cg, "%s/no-such-cgroup", v2.base_cg);
	ck_assert_int_eq(cg_freeze(&l2, cg, true, FREEZE_TIMEOUT_USEC), -ENOENT);
	ck_assert_int_eq(cg_freeze(&l2, cg, false, FREEZE_TIMEOUT_USEC), -ENOENT);
	ck_assert_int_eq(cg_freeze(&lh, cg, true, FREEZE_TIMEOUT_USEC), -ENOENT);
	ck_assert_int_eq(cg_frozen(&l2, cg, &frozen), -ENOENT);
	ck_assert_int_eq(cg_frozen(&lh, cg, &frozen), -ENOENT);
	ck_assert_int_eq(cg_kill(&l2, cg), -ENOENT);
	ck_assert_int_eq(cg_freeze(&l2, "relative", true, 0), -EINVAL);
	assert_policy(SCHED_OTHER, 0);
	cg_layout_done(&l2);
	cg_layout_done(&lh);
}
END_TEST

/* The v1 freezer, as on a legacy host, and as the fallback of a cgroup2 without
 * cgroup.freeze (a directory that merely looks like cgroup2). */
START_TEST(test_freeze_v1)
{
	REQUIRE(&fz);
	CgLayout legacy, hybrid;
	Cg c;
	char fake[PATH_MAX], fake_dir[PATH_MAX * 2], buf[64];
	bool frozen;

	layout_init(&legacy, NULL, sd.mount[0] ? sd.mount : fz.mount, fz.mount);
	mkcg(&c, &fz, "freeze-v1");
	tu_xsnprintf(fake, "%s/fake-v2", tu_base_dir());
	tu_xsnprintf(fake_dir, "%s%s", fake, c.cg);
	tu_mkdir_p(fake_dir);
	layout_init(&hybrid, fake, NULL, fz.mount);

	pid_t pids[2] = {spawn(KID_BUSY, &c, NULL), spawn(KID_BUSY, &c, NULL)};
	uint64_t t0 = mono_usec();
	ck_assert_int_eq(cg_freeze(&legacy, c.cg, true, FREEZE_TIMEOUT_USEC), 0);
	uint64_t t1 = mono_usec();
	read_at(&c, "freezer.state", buf, sizeof(buf));
	ck_assert_str_eq(buf, "FROZEN\n");
	ck_assert_int_eq(cg_frozen(&legacy, c.cg, &frozen), 0);
	ck_assert(frozen);
	ck_assert_int_eq(cg_frozen(&hybrid, c.cg, &frozen), 0);
	ck_assert(frozen);
	assert_running(pids, 2, false);

	uint64_t t2 = mono_usec();
	ck_assert_int_eq(cg_freeze(&hybrid, c.cg, false, FREEZE_TIMEOUT_USEC), 0);
	uint64_t t3 = mono_usec();
	read_at(&c, "freezer.state", buf, sizeof(buf));
	ck_assert_str_eq(buf, "THAWED\n");
	ck_assert_int_eq(cg_frozen(&legacy, c.cg, &frozen), 0);
	ck_assert(!frozen);
	assert_running(pids, 2, true);
	assert_policy(SCHED_OTHER, 0);
	printf("v1 freezer: freeze of 2 busy processes %.2f ms, thaw %.2f ms\n", (t1 - t0) / 1e3,
	       (t3 - t2) / 1e3);
	cg_layout_done(&legacy);
	cg_layout_done(&hybrid);
}
END_TEST

/* ---- kernel: marks ---- */

START_TEST(test_mark)
{
	REQUIRE(&v2);
	CgLayout l, legacy;
	Cg c;
	_cleanup_free_ char *v = NULL;
	char raw[64], gone[PATH_MAX];

	layout_init(&l, v2.mount, NULL, NULL);
	layout_init(&legacy, NULL, sd.mount[0] ? sd.mount : "/nonexistent-v1", NULL);
	mkcg(&c, &v2, "mark");
	ck_assert_int_eq(cg_mark_get(&l, c.cg, &v), -ENODATA);
	ck_assert_int_eq(cg_mark_remove(&l, c.cg), -ENODATA);

	ck_assert_int_eq(cg_mark_set(&l, c.cg, "machine.slice"), 0);
	ck_assert_int_eq(cg_mark_get(&l, c.cg, &v), 0);
	ck_assert_str_eq(v, "machine.slice");
	free(TAKE_PTR(v));
	/* stored without the NUL */
	ck_assert_int_eq(getxattr(c.dir, "user.pind.frozen", raw, sizeof(raw)), 13);

	ck_assert_int_eq(cg_mark_set(&l, c.cg, "x\\x2dy z.slice"), 0); /* replaces */
	ck_assert_int_eq(cg_mark_get(&l, c.cg, &v), 0);
	ck_assert_str_eq(v, "x\\x2dy z.slice");
	free(TAKE_PTR(v));
	ck_assert_int_eq(cg_mark_set(&l, c.cg, ""), 0);
	ck_assert_int_eq(cg_mark_get(&l, c.cg, &v), 0);
	ck_assert_str_eq(v, "");
	free(TAKE_PTR(v));

	ck_assert_int_eq(cg_mark_remove(&l, c.cg), 0);
	ck_assert_int_eq(cg_mark_get(&l, c.cg, &v), -ENODATA);
	ck_assert_int_eq(cg_mark_remove(&l, c.cg), -ENODATA);

	/* a new cgroup of the same name does not inherit the mark */
	ck_assert_int_eq(cg_mark_set(&l, c.cg, "old.slice"), 0);
	ck_assert_int_eq(rmdir(c.dir), 0);
	ck_assert_int_eq(mkdir(c.dir, 0755), 0);
	ck_assert_int_eq(cg_mark_get(&l, c.cg, &v), -ENODATA);

	tu_xsnprintf(gone, "%s/no-such-cgroup", v2.base_cg);
	ck_assert_int_eq(cg_mark_get(&l, gone, &v), -ENOENT);
	ck_assert_int_eq(cg_mark_set(&l, gone, "a"), -ENOENT);
	ck_assert_int_eq(cg_mark_get(&legacy, c.cg, &v), -EOPNOTSUPP);
	ck_assert_int_eq(cg_mark_set(&legacy, c.cg, "a"), -EOPNOTSUPP);
	ck_assert_int_eq(cg_mark_remove(&legacy, c.cg), -EOPNOTSUPP);
	ck_assert_ptr_null(v);
	cg_layout_done(&l);
	cg_layout_done(&legacy);
}
END_TEST

/* ---- kernel: kill ---- */

START_TEST(test_kill_nested)
{
	REQUIRE(&v2);
	CgLayout l;
	Cg k, a, b, c;
	pid_t pids[6];

	layout_init(&l, v2.mount, NULL, NULL);
	mkcg(&k, &v2, "kill");
	mkcg(&a, &v2, "kill/a");
	mkcg(&b, &v2, "kill/a/b");
	mkcg(&c, &v2, "kill/c");
	pids[0] = spawn(KID_PAUSE, &k, NULL);
	pids[1] = spawn(KID_BUSY, &a, NULL);
	pids[2] = spawn(KID_IGNTERM, &b, NULL);
	pids[3] = spawn(KID_PAUSE, &b, NULL);
	pids[4] = spawn(KID_PAUSE, &c, NULL);
	pids[5] = spawn(KID_IGNTERM, &c, NULL);
	ck_assert(file_has_line(&k, "cgroup.events", "populated 1"));

	uint64_t t0 = mono_usec();
	ck_assert_int_eq(cg_kill(&l, k.cg), 0);
	uint64_t t1 = mono_usec();
	ck_assert(file_has_line(&k, "cgroup.events", "populated 0"));
	for (size_t i = 0; i < ARRAY_SIZE(pids); i++)
		assert_killed_by(pids[i], SIGKILL);
	ck_assert_int_eq(cg_kill(&l, k.cg), 0); /* empty: nothing to do */
	printf("cgroup.kill of 6 processes in 4 nested cgroups: %.2f ms\n", (t1 - t0) / 1e3);
	cg_layout_done(&l);
}
END_TEST

START_TEST(test_kill_frozen)
{
	REQUIRE(&v2);
	CgLayout l;
	Cg k;

	layout_init(&l, v2.mount, NULL, NULL);
	mkcg(&k, &v2, "kill-frozen");
	pid_t a = spawn(KID_BUSY, &k, NULL), b = spawn(KID_IGNTERM, &k, NULL);
	ck_assert_int_eq(cg_freeze(&l, k.cg, true, FREEZE_TIMEOUT_USEC), 0);
	ck_assert_int_eq(cg_kill(&l, k.cg), 0);
	assert_killed_by(a, SIGKILL);
	assert_killed_by(b, SIGKILL);
	cg_layout_done(&l);
}
END_TEST

/* A domain cgroup with a threaded child (libvirt's emulator/vcpuN): cgroup.kill works on
 * the domain, not on the threaded child. */
START_TEST(test_kill_threaded)
{
	REQUIRE(&v2);
	CgLayout l;
	Cg d, t;
	char path[PATH_MAX + 32], num[32], buf[64];

	layout_init(&l, v2.mount, NULL, NULL);
	mkcg(&d, &v2, "domain");
	mkcg(&t, &v2, "domain/vcpu0");
	tu_xsnprintf(path, "%s/cgroup.type", t.dir);
	xwrite_file(path, "threaded");
	pid_t pid = spawn(KID_PAUSE, &d, NULL);
	tu_xsnprintf(path, "%s/cgroup.threads", t.dir);
	tu_xsnprintf(num, "%d", (int)pid);
	xwrite_file(path, num);
	tu_xsnprintf(path, "%s/cgroup.procs", t.dir);
	ck_assert_int_eq(read_file(path, buf, sizeof(buf)), -EOPNOTSUPP);

	ck_assert_int_eq(cg_kill(&l, t.cg), -EOPNOTSUPP);
	msleep(20);
	assert_alive(pid);
	ck_assert_int_eq(cg_kill(&l, d.cg), 0);
	assert_killed_by(pid, SIGKILL);
	cg_layout_done(&l);
}
END_TEST

/* Without cgroup.kill: the SIGKILL loop, on a v1 hierarchy as the primary one. */
START_TEST(test_kill_v1)
{
	Hier *h = sd.why[0] ? &fz : &sd;
	REQUIRE(h);
	CgLayout l;
	Cg k, a, b;
	pid_t pids[5];

	layout_init(&l, NULL, h->mount, NULL);
	mkcg(&k, h, "kill-v1");
	mkcg(&a, h, "kill-v1/a");
	mkcg(&b, h, "kill-v1/a/b");
	pids[0] = spawn(KID_PAUSE, &k, NULL);
	pids[1] = spawn(KID_BUSY, &a, NULL);
	pids[2] = spawn(KID_IGNTERM, &a, NULL);
	pids[3] = spawn(KID_PAUSE, &b, NULL);
	pids[4] = spawn(KID_BUSY, &b, NULL);

	uint64_t t0 = mono_usec();
	ck_assert_int_eq(cg_kill(&l, k.cg), 0);
	uint64_t t1 = mono_usec();
	for (size_t i = 0; i < ARRAY_SIZE(pids); i++)
		assert_killed_by(pids[i], SIGKILL);
	printf("%s: SIGKILL loop over 5 processes in 3 nested cgroups: %.2f ms\n", h->what,
	       (t1 - t0) / 1e3);
	cg_layout_done(&l);
}
END_TEST

/* ---- kernel: processes ---- */

START_TEST(test_signal_starttime)
{
	uint64_t st;

	pid_t pid = spawn(KID_PAUSE, NULL, NULL);
	ck_assert_int_eq(proc_starttime("/proc", pid, &st), 0);
	ck_assert_int_eq(proc_signal("/proc", pid, st + 1, SIGKILL), -ESRCH);
	ck_assert_int_eq(proc_signal("/proc", pid, st - 1, SIGKILL), -ESRCH);
	msleep(50);
	assert_alive(pid);
	ck_assert_int_eq(proc_signal("/proc", pid, st, SIGTERM), 0);
	assert_killed_by(pid, SIGTERM);
}
END_TEST

START_TEST(test_signal_reaped)
{
	uint64_t st;

	pid_t pid = spawn(KID_EXIT, NULL, NULL);
	int status = reap(pid, 3000);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* signal 0: should the PID have been reused by now, nothing is sent to anyone */
	ck_assert_int_eq(proc_signal("/proc", pid, 0, 0), -ESRCH);
	ck_assert_int_eq(proc_signal("/proc", 0, 0, 0), -EINVAL);
	ck_assert_int_eq(proc_signal("/proc", -1, 0, 0), -EINVAL);
	int r = proc_starttime("/proc", pid, &st);
	ck_assert_msg(r == -ESRCH || r == 0, "%d", r); /* 0 only if the PID is in use again */
}
END_TEST

#define FIELDS_3_TO_21                                                                             \
	"%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "

/* comm "a) b (c": the field count starts after the last ')'. Checked against sscanf()
 * after strrchr() and against CLOCK_BOOTTIME around the fork. */
START_TEST(test_starttime_comm)
{
	char path[64], buf[2048], comm[64];
	unsigned long long want, naive;
	struct timespec b0, b1;
	uint64_t st;
	long hz = sysconf(_SC_CLK_TCK);

	clock_gettime(CLOCK_BOOTTIME, &b0);
	pid_t pid = spawn(KID_COMM, NULL, NULL);
	clock_gettime(CLOCK_BOOTTIME, &b1);
	tu_xsnprintf(path, "/proc/%d/comm", (int)pid);
	ck_assert_int_gt(read_file(path, comm, sizeof(comm)), 0);
	ck_assert_str_eq(comm, "a) b (c\n");

	tu_xsnprintf(path, "/proc/%d/stat", (int)pid);
	ck_assert_int_gt(read_file(path, buf, sizeof(buf)), 0);
	ck_assert_int_eq(sscanf(strrchr(buf, ')') + 2, FIELDS_3_TO_21 "%llu", &want), 1);
	ck_assert_int_eq(proc_starttime("/proc", pid, &st), 0);
	ck_assert_uint_eq(st, want);
	/* counting from the first ')' would land elsewhere */
	ck_assert(sscanf(strchr(buf, ')') + 2, FIELDS_3_TO_21 "%llu", &naive) != 1 ||
		  naive != want);
	unsigned long long lo = (unsigned long long)b0.tv_sec * hz + b0.tv_nsec / (1000000000 / hz);
	unsigned long long hi = (unsigned long long)b1.tv_sec * hz + b1.tv_nsec / (1000000000 / hz);
	ck_assert_msg(st + 1 >= lo && st <= hi + 1, "starttime %llu not in [%llu, %llu]",
		      (unsigned long long)st, lo, hi);
}
END_TEST

/* ---- fake proc and cgroup directories ---- */

/* A /proc/PID/stat line whose every field differs, with field 22 = starttime. */
static void fake_stat(const char *root, pid_t pid, const char *comm, const char *starttime)
{
	char path[PATH_MAX], line[2048];
	size_t n = 0;

	n += (size_t)snprintf(line, sizeof(line), "%d (%s) S", (int)pid, comm);
	for (int field = 4; field <= 52; field++)
		if (field == 22)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s", starttime);
		else
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %d", field * 1000 + 7);
	ck_assert_uint_lt(n, sizeof(line) - 2);
	strcat(line, "\n");
	tu_xsnprintf(path, "%s/%d/stat", root, (int)pid);
	tu_write_file(path, line);
}

START_TEST(test_starttime_fake)
{
	char root[PATH_MAX], path[PATH_MAX];
	static const struct {
		const char *comm, *value;
		int ret;
		uint64_t want;
	} cases[] = {
	    {"cat", "123456789", 0, 123456789}, {"a) b (c", "42", 0, 42},
	    {") ) ) S 1 2 3", "7", 0, 7},       {"((", "18446744073709551615", 0, UINT64_MAX},
	    {"new\nline", "99", 0, 99},         {"", "5", 0, 5},
	    {"cat", "x5", -EBADMSG, 0},         {"cat", "-5", -EBADMSG, 0},
	};
	uint64_t v;

	tu_xsnprintf(root, "%s/proc", tu_base_dir());
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		pid_t pid = 1000 + (pid_t)i;
		fake_stat(root, pid, cases[i].comm, cases[i].value);
		v = 1;
		ck_assert_msg(proc_starttime(root, pid, &v) == cases[i].ret, "case %zu", i);
		if (cases[i].ret == 0)
			ck_assert_uint_eq(v, cases[i].want);
	}
	tu_xsnprintf(path, "%s/2000/stat", root);
	tu_write_file(path, "2000 (cat S 1 2 3\n"); /* no ')' */
	ck_assert_int_eq(proc_starttime(root, 2000, &v), -EBADMSG);
	tu_xsnprintf(path, "%s/2001/stat", root);
	tu_write_file(path, "2001 (cat) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n");
	ck_assert_int_eq(proc_starttime(root, 2001, &v), -EBADMSG);
	ck_assert_int_eq(proc_starttime(root, 4242, &v), -ESRCH);
	ck_assert_int_eq(proc_starttime(root, 0, &v), -EINVAL);
	ck_assert_int_eq(proc_starttime(root, -3, &v), -EINVAL);
	tu_xsnprintf(path, "%s/nonexistent", root);
	ck_assert_int_eq(proc_starttime(path, 1, &v), -ENOENT);
}
END_TEST

/* proc_signal() takes the start time from proc_root, the process from the kernel. */
START_TEST(test_signal_fake_root)
{
	char root[PATH_MAX];

	tu_xsnprintf(root, "%s/proc-signal", tu_base_dir());
	pid_t pid = spawn(KID_PAUSE, NULL, NULL);
	fake_stat(root, pid, "pause", "777");
	ck_assert_int_eq(proc_signal(root, pid, 778, SIGKILL), -ESRCH);
	msleep(20);
	assert_alive(pid);
	ck_assert_int_eq(proc_signal(root, pid, 777, SIGUSR1), 0);
	assert_killed_by(pid, SIGUSR1);
}
END_TEST

static void fake_cgroup(const char *dir, const char *events, bool with_freeze)
{
	char path[PATH_MAX * 2];

	tu_mkdir_p(dir);
	tu_xsnprintf(path, "%s/cgroup.events", dir);
	tu_write_file(path, events);
	tu_xsnprintf(path, "%s/cgroup.procs", dir);
	tu_write_file(path, "");
	if (with_freeze) {
		tu_xsnprintf(path, "%s/cgroup.freeze", dir);
		tu_write_file(path, "0\n");
	}
}

typedef struct FreezeCall {
	const CgLayout *l;
	const char *cg;
	uint64_t timeout;
	int result;
	pid_t tid;
} FreezeCall;

static void *freeze_thread(void *userdata)
{
	FreezeCall *c = userdata;

	__atomic_store_n(&c->tid, gettid(), __ATOMIC_SEQ_CST);
	c->result = cg_freeze(c->l, c->cg, true, c->timeout);
	return NULL;
}

/* Field 41 (policy) of a thread's stat. */
static int thread_policy(pid_t tid)
{
	char path[64], buf[2048], *save = NULL;
	int field = 2;

	tu_xsnprintf(path, "/proc/self/task/%d/stat", (int)tid);
	ck_assert_int_gt(read_file(path, buf, sizeof(buf)), 0);
	for (char *t = strtok_r(strrchr(buf, ')') + 1, " ", &save); t;
	     t = strtok_r(NULL, " ", &save))
		if (++field == 41)
			return atoi(t);
	ck_abort_msg("no field 41");
	return -1;
}

/* A freeze that never completes: -ETIMEDOUT at the deadline, the request stays written,
 * the thread runs at SCHED_FIFO meanwhile (where allowed) and at its old policy after. */
START_TEST(test_freeze_fake_timeout)
{
	char v2dir[PATH_MAX], dir[PATH_MAX * 2], buf[64];
	CgLayout l;
	pthread_t th;
	bool frozen;

	tu_xsnprintf(v2dir, "%s/v2", tu_base_dir());
	tu_xsnprintf(dir, "%s/x", v2dir);
	fake_cgroup(dir, "populated 1\nfrozen 0\n", true);
	layout_init(&l, v2dir, NULL, NULL);

	FreezeCall call = {.l = &l, .cg = "/x", .timeout = 400 * 1000, .result = 1};
	uint64_t t0 = mono_usec();
	ck_assert_int_eq(pthread_create(&th, NULL, freeze_thread, &call), 0);
	msleep(150);
	pid_t tid = __atomic_load_n(&call.tid, __ATOMIC_SEQ_CST);
	ck_assert_int_gt(tid, 0);
	int during = thread_policy(tid);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	uint64_t elapsed = mono_usec() - t0;
	ck_assert_int_eq(call.result, -ETIMEDOUT);
	ck_assert_msg(elapsed >= 400000 && elapsed < 1500000, "%ju us", (uintmax_t)elapsed);
	if (geteuid() == 0)
		ck_assert_int_eq(during, SCHED_FIFO);
	else
		printf("note: not root, cg_freeze() ran at policy %d\n", during);
	tu_xsnprintf(dir, "%s/x/cgroup.freeze", v2dir);
	ck_assert_int_gt(read_file(dir, buf, sizeof(buf)), 0);
	ck_assert(buf[0] == '1');
	ck_assert_int_eq(cg_frozen(&l, "/x", &frozen), 0);
	ck_assert(frozen);
	assert_policy(SCHED_OTHER, 0);

	/* already "frozen 1": returns at once; the old policy, whatever it was, comes back */
	tu_xsnprintf(dir, "%s/y", v2dir);
	fake_cgroup(dir, "populated 1\nfrozen 1\n", true);
	struct sched_param p = {.sched_priority = 0};
	ck_assert_int_eq(sched_setscheduler(0, SCHED_BATCH, &p), 0);
	ck_assert_int_eq(cg_freeze(&l, "/y", true, 0), 0);
	assert_policy(SCHED_BATCH, 0);
	if (geteuid() == 0) { /* real-time threads are left as they are */
		p.sched_priority = 3;
		ck_assert_int_eq(sched_setscheduler(0, SCHED_RR, &p), 0);
		ck_assert_int_eq(cg_freeze(&l, "/y", true, 0), 0);
		assert_policy(SCHED_RR, 3);
	}
	p.sched_priority = 0;
	ck_assert_int_eq(sched_setscheduler(0, SCHED_OTHER, &p), 0);
	cg_layout_done(&l);
}
END_TEST

/* Which freezer: cgroup.freeze where the cgroup2 directory has it, else the v1 freezer. */
START_TEST(test_freeze_fake_fallback)
{
	char v2dir[PATH_MAX], v1dir[PATH_MAX], path[PATH_MAX * 2], buf[64];
	CgLayout hybrid, no_v1, legacy;
	bool frozen;

	tu_xsnprintf(v2dir, "%s/fb-v2", tu_base_dir());
	tu_xsnprintf(v1dir, "%s/fb-freezer", tu_base_dir());
	tu_xsnprintf(path, "%s/old/kernel", v2dir);
	fake_cgroup(path, "populated 1\n", false);
	tu_xsnprintf(path, "%s/old/kernel/freezer.state", v1dir);
	tu_write_file(path, "THAWED\n");
	layout_init(&hybrid, v2dir, NULL, v1dir);
	layout_init(&no_v1, v2dir, NULL, NULL);
	layout_init(&legacy, NULL, "/nonexistent-v1", v1dir);

	ck_assert_int_eq(cg_freeze(&hybrid, "/old/kernel", true, 0), 0);
	ck_assert_int_gt(read_file(path, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "FROZEN\n");
	ck_assert_int_eq(cg_frozen(&hybrid, "/old/kernel", &frozen), 0);
	ck_assert(frozen);
	tu_write_file(path, "FREEZING\n");
	ck_assert_int_eq(cg_frozen(&legacy, "/old/kernel", &frozen), 0);
	ck_assert(frozen);
	tu_write_file(path, "FROZEN\n");
	ck_assert_int_eq(cg_freeze(&legacy, "/old/kernel", false, 0), 0);
	ck_assert_int_eq(cg_frozen(&legacy, "/old/kernel", &frozen), 0);
	ck_assert(!frozen);

	ck_assert_int_eq(cg_freeze(&no_v1, "/old/kernel", true, 0), -EOPNOTSUPP);
	ck_assert_int_eq(cg_frozen(&no_v1, "/old/kernel", &frozen), -EOPNOTSUPP);
	ck_assert_int_eq(cg_freeze(&hybrid, "/nowhere", true, 0), -ENOENT);
	ck_assert_int_eq(cg_freeze(&no_v1, "/nowhere", true, 0), -ENOENT);
	tu_write_file(path, "BOGUS\n");
	ck_assert_int_eq(cg_frozen(&legacy, "/old/kernel", &frozen), -EBADMSG);
	cg_layout_done(&hybrid);
	cg_layout_done(&no_v1);
	cg_layout_done(&legacy);
}
END_TEST

/* Without cgroup.kill on cgroup2: every listed process in the subtree gets SIGKILL (the
 * listed PIDs are this test's children; never PID 1 or the caller); a subtree that stays
 * populated gives -ETIMEDOUT after the bounded loop. */
START_TEST(test_kill_fake)
{
	char v2dir[PATH_MAX], dir[PATH_MAX * 2], path[PATH_MAX * 3], list[128];
	CgLayout l;
	pid_t p[4];

	for (size_t i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = spawn(i == 3 ? KID_IGNTERM : KID_PAUSE, NULL, NULL);
	tu_xsnprintf(v2dir, "%s/kill-v2", tu_base_dir());
	layout_init(&l, v2dir, NULL, NULL);
	tu_xsnprintf(dir, "%s/k/a/b", v2dir);
	fake_cgroup(dir, "populated 0\n", false);
	tu_xsnprintf(dir, "%s/k/c", v2dir);
	fake_cgroup(dir, "populated 0\n", false);
	tu_xsnprintf(dir, "%s/k", v2dir);
	fake_cgroup(dir, "populated 0\nfrozen 0\n", false);
	tu_xsnprintf(path, "%s/k/cgroup.procs", v2dir);
	tu_xsnprintf(list, "%d\n", (int)p[0]);
	tu_write_file(path, list);
	tu_xsnprintf(path, "%s/k/a/b/cgroup.procs", v2dir);
	tu_xsnprintf(list, "%d\n%d\n%d\n", (int)p[1], (int)getpid(), (int)p[2]);
	tu_write_file(path, list);
	tu_xsnprintf(path, "%s/k/c/cgroup.procs", v2dir);
	tu_xsnprintf(list, "%d\n", (int)p[3]);
	tu_write_file(path, list);

	ck_assert_int_eq(cg_kill(&l, "/k"), 0);
	for (size_t i = 0; i < ARRAY_SIZE(p); i++)
		assert_killed_by(p[i], SIGKILL);

	tu_xsnprintf(dir, "%s/full", v2dir);
	fake_cgroup(dir, "populated 1\nfrozen 0\n", false);
	uint64_t t0 = mono_usec();
	ck_assert_int_eq(cg_kill(&l, "/full"), -ETIMEDOUT);
	uint64_t elapsed = mono_usec() - t0;
	ck_assert_msg(elapsed >= 900000 && elapsed < 3000000, "%ju us", (uintmax_t)elapsed);
	ck_assert_int_eq(cg_kill(&l, "/nowhere"), -ENOENT);
	cg_layout_done(&l);
}
END_TEST

static Suite *actuate_suite(void)
{
	Suite *s = suite_create("actuate");
	TCase *tc;

	tc = tcase_create("fake");
	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_add_checked_fixture(tc, NULL, test_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_starttime_fake);
	tcase_add_test(tc, test_signal_fake_root);
	tcase_add_test(tc, test_freeze_fake_timeout);
	tcase_add_test(tc, test_freeze_fake_fallback);
	tcase_add_test(tc, test_kill_fake);
	suite_add_tcase(s, tc);

	tc = tcase_create("kernel");
	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_add_unchecked_fixture(tc, kernel_setup, kernel_teardown);
	tcase_add_checked_fixture(tc, NULL, test_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_freeze_thaw);
	tcase_add_test(tc, test_freeze_many);
	tcase_add_test(tc, test_freeze_enoent);
	tcase_add_test(tc, test_freeze_v1);
	tcase_add_test(tc, test_mark);
	tcase_add_test(tc, test_kill_nested);
	tcase_add_test(tc, test_kill_frozen);
	tcase_add_test(tc, test_kill_threaded);
	tcase_add_test(tc, test_kill_v1);
	tcase_add_test(tc, test_signal_starttime);
	tcase_add_test(tc, test_signal_reaped);
	tcase_add_test(tc, test_starttime_comm);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(actuate_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
