/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "actuate.h"
#include "timespan.h"
#include "macro.h"
#include "procfs.h"

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

#define MARK_XATTR "user.pind.frozen"

#define KILL_WAIT_USEC     (2 * 1000000ULL) /* until the subtree is empty, at most */
#define KILL_FIRST_USEC    (100 * 1000ULL)  /* after cgroup.kill, before SIGKILL by hand */
#define KILL_INTERVAL_MSEC 20               /* between rounds of SIGKILL by hand */
#define POLL_SLICE_MSEC    100              /* re-read at least this often while waiting */

static uint64_t deadline_after(uint64_t usec)
{
	uint64_t now = clock_usec(CLOCK_MONOTONIC);

	return usec > UINT64_MAX - now ? UINT64_MAX : now + usec;
}

/* Opens the directory of cgroup below the hierarchy mounted at mount. */
static int open_cgroup(const char *mount, const char *cgroup)
{
	_cleanup_free_ char *path = NULL;

	if (!mount)
		return -EOPNOTSUPP;
	if (!cgroup || cgroup[0] != '/')
		return -EINVAL;
	if (asprintf(&path, "%s%s", mount, cgroup) < 0)
		return -ENOMEM;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? negative_errno() : fd;
}

static int write_at(int dfd, const char *name, const char *value)
{
	_cleanup_close_ int fd = openat(dfd, name, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	size_t len = strlen(value);

	if (fd < 0)
		return negative_errno();
	ssize_t n = write(fd, value, len);
	if (n < 0)
		return negative_errno();
	return (size_t)n == len ? 0 : -EIO;
}

/* Whether one line of the file open at fd is exactly line. pread() from the start keeps
 * poll() armed on kernfs files. */
static int has_line(int fd, const char *line)
{
	char buf[512], *save = NULL;
	ssize_t n;

	do
		n = pread(fd, buf, sizeof(buf) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	buf[n] = 0;
	for (char *t = strtok_r(buf, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
		if (strcmp(t, line) == 0)
			return 1;
	return 0;
}

/* Waits until the file open at fd has the line, -ETIMEDOUT at the deadline. The kernel
 * flags changes of cgroup.events with POLLPRI; the v1 freezer.state does not notify, and
 * a notification could be missed: so it is re-read every 1, 2, 4 ... max_ms anyway. */
static int wait_line(int fd, const char *line, uint64_t deadline, int max_ms)
{
	for (int slice = 1;; slice = slice * 2 < max_ms ? slice * 2 : max_ms) {
		int r = has_line(fd, line);
		if (r != 0)
			return r < 0 ? r : 0;
		uint64_t now = clock_usec(CLOCK_MONOTONIC);
		if (now >= deadline)
			return -ETIMEDOUT;
		uint64_t left = (deadline - now + 999) / 1000;
		struct pollfd p = {.fd = fd, .events = POLLPRI};
		if (poll(&p, 1, left < (uint64_t)slice ? (int)left : slice) < 0 && errno != EINTR)
			return negative_errno();
	}
}

/* Opens the directory of cgroup in the hierarchy that freezes it: cgroup2 where it has
 * cgroup.freeze, else the v1 freezer's. -ENOENT for a cgroup that is in neither,
 * -EOPNOTSUPP when no freezer is there. */
static int open_freezer(const CgLayout *l, const char *cgroup, bool *ret_v1)
{
	_cleanup_close_ int dfd = open_cgroup(l->unified, cgroup); /* -EOPNOTSUPP without */
	int r = dfd;

	if (dfd >= 0 && faccessat(dfd, "cgroup.freeze", F_OK, 0) == 0) {
		*ret_v1 = false;
		return TAKE_FD(dfd);
	}
	if (dfd >= 0)
		r = errno == ENOENT ? -EOPNOTSUPP : negative_errno();
	if (!l->freezer_v1 || (r != -EOPNOTSUPP && r != -ENOENT))
		return r;
	*ret_v1 = true;
	return open_cgroup(l->freezer_v1, cgroup);
}

/* The calling thread's scheduling policy while it is raised to SCHED_FIFO. */
typedef struct Prio {
	int policy;
	struct sched_param param;
	bool raised;
} Prio;

static void prio_raise(Prio *p)
{
	struct sched_param fifo = {.sched_priority = 1};

	p->raised = false;
	p->policy = sched_getscheduler(0);
	if (p->policy < 0 || sched_getparam(0, &p->param) < 0)
		return;
	int policy = p->policy & ~SCHED_RESET_ON_FORK; /* real-time, deadline: left alone */
	if (policy != SCHED_OTHER && policy != SCHED_BATCH && policy != SCHED_IDLE)
		return;
	/* EPERM without CAP_SYS_NICE or RLIMIT_RTPRIO: then at normal priority */
	p->raised = sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &fifo) == 0;
}

static void prio_restore(Prio *p)
{
	int saved = errno;

	/* SCHED_RESET_ON_FORK stays: clearing it needs CAP_SYS_NICE, which pind's unit does
	 * not give (RLIMIT_RTPRIO lets it raise itself); children start normal anyway */
	if (p->raised)
		(void)sched_setscheduler(0, p->policy | SCHED_RESET_ON_FORK, &p->param);
	p->raised = false;
	errno = saved;
}

int cg_freeze(const CgLayout *l, const char *cgroup, bool freeze, uint64_t timeout_usec)
{
	uint64_t deadline = deadline_after(timeout_usec);
	bool v1 = false;
	_cleanup_close_ int dfd = open_freezer(l, cgroup, &v1);
	_cleanup_close_ int fd = -1;
	_cleanup_(prio_restore) Prio prio = {};

	if (dfd < 0)
		return dfd;
	fd = openat(dfd, v1 ? "freezer.state" : "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	prio_raise(&prio);
	int r = v1 ? write_at(dfd, "freezer.state", freeze ? "FROZEN" : "THAWED")
		   : write_at(dfd, "cgroup.freeze", freeze ? "1" : "0");
	if (r < 0)
		return r;
	if (v1)
		return wait_line(fd, freeze ? "FROZEN" : "THAWED", deadline, 10);
	return wait_line(fd, freeze ? "frozen 1" : "frozen 0", deadline, POLL_SLICE_MSEC);
}

int cg_frozen(const CgLayout *l, const char *cgroup, bool *ret)
{
	static const char *const states[2][3] = {{"0", "1", "1"}, {"THAWED", "FROZEN", "FREEZING"}};
	bool v1 = false;
	_cleanup_close_ int dfd = open_freezer(l, cgroup, &v1);
	_cleanup_close_ int fd = -1;

	if (dfd < 0)
		return dfd;
	fd = openat(dfd, v1 ? "freezer.state" : "cgroup.freeze", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	for (int i = 0; i < 3; i++) {
		int r = has_line(fd, states[v1][i]);
		if (r < 0)
			return r;
		if (r > 0) {
			*ret = i > 0;
			return 0;
		}
	}
	return -EBADMSG;
}

int mark_format(const char *owner, const char *budget, char **ret)
{
	if (strchr(owner, '\n') || strchr(budget, '\n'))
		return -EINVAL;
	return asprintf(ret, "%s\n%s", owner, budget) < 0 ? -ENOMEM : 0;
}

const char *mark_budget(const char *value, const char *owner)
{
	size_t l = strlen(owner);

	if (!value || strncmp(value, owner, l) != 0 || value[l] != '\n' || !value[l + 1])
		return NULL;
	return value + l + 1;
}

int cg_mark_get(const CgLayout *l, const char *cgroup, char **ret_value)
{
	_cleanup_close_ int fd = open_cgroup(l->unified, cgroup);

	if (fd < 0)
		return fd;
	for (;;) { /* the value may grow between the two calls */
		ssize_t size = fgetxattr(fd, MARK_XATTR, NULL, 0);
		if (size < 0)
			return negative_errno();
		_cleanup_free_ char *v = malloc((size_t)size + 1);
		if (!v)
			return -ENOMEM;
		ssize_t n = fgetxattr(fd, MARK_XATTR, v, (size_t)size);
		if (n < 0 && errno == ERANGE)
			continue;
		if (n < 0)
			return negative_errno();
		v[n] = 0;
		*ret_value = TAKE_PTR(v);
		return 0;
	}
}

int cg_mark_set(const CgLayout *l, const char *cgroup, const char *value)
{
	_cleanup_close_ int fd = open_cgroup(l->unified, cgroup);

	if (fd < 0)
		return fd;
	return fsetxattr(fd, MARK_XATTR, value, strlen(value), 0) < 0 ? negative_errno() : 0;
}

int cg_mark_remove(const CgLayout *l, const char *cgroup)
{
	_cleanup_close_ int fd = open_cgroup(l->unified, cgroup);

	if (fd < 0)
		return fd;
	return fremovexattr(fd, MARK_XATTR) < 0 ? negative_errno() : 0;
}

/* What killing a subtree by hand needs. */
typedef struct KillCtx {
	int proc_fd;
	const char *key;    /* the primary hierarchy's in /proc/PID/cgroup */
	const char *cgroup; /* the subtree */
	bool v2;
	size_t n; /* threads listed whose process is to be killed */
} KillCtx;

/* The process a thread belongs to (Tgid: in proc_fd/TID/status), 0 when it is gone. */
static pid_t tgid_of(int proc_fd, pid_t tid)
{
	char name[32], buf[4096]; /* Tgid: is among the first lines */
	uint64_t tgid;

	snprintf(name, sizeof(name), "%d/status", (int)tid);
	ssize_t n = read_small_file_at(proc_fd, name, buf, sizeof(buf));
	return n > 0 && parse_keyed_u64(buf, (size_t)n, "Tgid", &tgid) >= 0 && tgid <= INT32_MAX
		   ? (pid_t)tgid
		   : 0;
}

/* SIGKILL to the process tgid through a pidfd, if its thread tid is still in the subtree
 * once the pidfd is open: a thread id or PID reused meanwhile is never hit. */
static int kill_thread_process(KillCtx *k, pid_t tid, pid_t tgid)
{
	_cleanup_close_ int pfd = (int)syscall(__NR_pidfd_open, tgid, 0);
	_cleanup_free_ char *cg = NULL;
	char name[64], buf[4096];

	if (pfd < 0)
		return errno == ESRCH || errno == EINVAL ? 0 : negative_errno(); /* gone */
	snprintf(name, sizeof(name), "%d/task/%d/cgroup", (int)tgid, (int)tid);
	ssize_t n = read_small_file_at(k->proc_fd, name, buf, sizeof(buf));
	if (n <= 0 || proc_cgroup_find(buf, (size_t)n, k->key, &cg) < 0 ||
	    !cg_path_below(cg, k->cgroup))
		return 0; /* gone, or elsewhere now */
	if (syscall(__NR_pidfd_send_signal, pfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return negative_errno();
	return 0;
}

/* SIGKILLs the process of every thread listed in the cgroup open at dfd and in all its
 * descendants (cgroup.threads; tasks on v1), counting those threads in k->n. Threads, not
 * cgroup.procs: a process whose main thread has exited is listed in cgroup.procs, if at
 * all, where that thread was, while its live threads may be here. Cgroups that go away
 * meanwhile are skipped. Never signals PID 1 or the caller itself. */
static int kill_subtree(KillCtx *k, int dfd, bool top)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	size_t cap = 0;
	pid_t last = 0;
	int fd = openat(dfd, k->v2 ? "cgroup.threads" : "tasks", O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && !(f = fdopen(fd, "r")))
		close(fd);
	if (!f && (top || errno != ENOENT))
		return negative_errno();
	while (f && getline(&line, &cap, f) > 0) {
		pid_t tid = (pid_t)strtol(line, NULL, 10), tgid = tgid_of(k->proc_fd, tid);
		if (tgid <= 1 || tgid == getpid())
			continue; /* gone, PID 1 or pind: not waited for either */
		k->n++;
		if (tgid == last)
			continue; /* signalled just now */
		last = tgid;
		int r = kill_thread_process(k, tid, tgid);
		if (r < 0)
			return r;
	}
	if (f && ferror(f) && (top || (errno != ENODEV && errno != ENOENT)))
		return negative_errno();

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && !(d = fdopendir(fd)))
		close(fd);
	if (!d)
		return top || errno != ENOENT ? negative_errno() : 0;
	for (struct dirent *e; (e = readdir(d));) {
		if ((e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) ||
		    strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		_cleanup_close_ int sub =
		    openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0 && (errno == ENOENT || errno == ENOTDIR))
			continue;
		if (sub < 0)
			return negative_errno();
		int r = kill_subtree(k, sub, false);
		if (r < 0)
			return r;
	}
	return 0;
}

int cg_kill(const CgLayout *l, const char *proc_root, const char *cgroup)
{
	const char *mount = cg_layout_primary(l);
	bool v2 = mount && mount == l->unified;
	_cleanup_close_ int dfd = open_cgroup(mount, cgroup);
	_cleanup_close_ int efd = -1, proc_fd = -1;
	uint64_t deadline = deadline_after(KILL_WAIT_USEC);
	int r;

	if (dfd < 0)
		return dfd;
	if (v2 && (efd = openat(dfd, "cgroup.events", O_RDONLY | O_CLOEXEC)) < 0)
		return negative_errno();
	if (v2 && (r = write_at(dfd, "cgroup.kill", "1")) != -ENOENT) {
		if (r < 0)
			return r;
		r = wait_line(efd, "populated 0", deadline_after(KILL_FIRST_USEC), POLL_SLICE_MSEC);
		if (r != -ETIMEDOUT)
			return r;
		/* Still populated: cgroup.kill signals the leaders cgroup.procs lists, and a
		 * process whose main thread has exited is not among them here. */
	}
	/* SIGKILL by hand (also without cgroup.kill: v1, or a kernel before 5.14), again
	 * until the subtree is empty */
	KillCtx k = {.key = cg_layout_primary_key(l), .cgroup = cgroup, .v2 = v2};
	proc_fd = k.proc_fd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0)
		return negative_errno();
	for (;;) {
		k.n = 0;
		if ((r = kill_subtree(&k, dfd, true)) < 0)
			return r;
		r = v2 ? has_line(efd, "populated 0") : k.n == 0;
		if (r != 0)
			return r < 0 ? r : 0;
		if (clock_usec(CLOCK_MONOTONIC) >= deadline)
			return -ETIMEDOUT;
		poll(NULL, 0, KILL_INTERVAL_MSEC);
	}
}

int proc_starttime(const char *proc_root, pid_t pid, uint64_t *ret)
{
	_cleanup_close_ int dfd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char name[32], buf[2048];

	if (pid <= 0)
		return -EINVAL;
	if (dfd < 0)
		return negative_errno();
	snprintf(name, sizeof(name), "%d/stat", (int)pid);
	ssize_t n = read_small_file_at(dfd, name, buf, sizeof(buf));
	if (n == -ENOENT) /* no such process (any more) */
		return -ESRCH;
	if (n < 0)
		return (int)n;
	return proc_stat_starttime(buf, (size_t)n, ret);
}

int proc_signal(const char *proc_root, pid_t pid, uint64_t starttime, int sig)
{
	uint64_t st;

	if (pid <= 0)
		return -EINVAL;
	_cleanup_close_ int fd = (int)syscall(__NR_pidfd_open, pid, 0);
	if (fd < 0)
		return negative_errno();
	/* the pidfd names one process for good; is it still the one that started then? */
	int r = proc_starttime(proc_root, pid, &st);
	if (r < 0)
		return r;
	if (st != starttime)
		return -ESRCH;
	if (syscall(__NR_pidfd_send_signal, fd, sig, NULL, 0) < 0)
		return negative_errno();
	return 0;
}

int cg_manual_freeze(const CgLayout *l, const char *cgroup)
{
	bool frozen;

	int r = cg_frozen(l, cgroup, &frozen);
	if (r < 0)
		return r;
	if (frozen)
		return 1;
	r = cg_mark_set(l, cgroup, MARK_MANUAL);
	if (r < 0 && r != -EOPNOTSUPP)
		return r;
	r = cg_freeze(l, cgroup, true, FREEZE_TIMEOUT_USEC);
	if (r < 0)
		cg_mark_remove(l, cgroup);
	return r;
}

int cg_manual_thaw(const CgLayout *l, const char *cgroup)
{
	_cleanup_free_ char *mark = NULL;
	bool frozen;

	int r = cg_frozen(l, cgroup, &frozen);
	if (r < 0)
		return r;
	if (!frozen)
		return 1;
	r = cg_mark_get(l, cgroup, &mark);
	if (r == -ENODATA)
		return -EPERM;
	if (r < 0 && r != -EOPNOTSUPP)
		return r;
	/* the mark goes first: a crash in between leaves no claim that outlives the thaw */
	if (mark)
		cg_mark_remove(l, cgroup);
	r = cg_freeze(l, cgroup, false, FREEZE_TIMEOUT_USEC);
	if (r < 0 && mark)
		cg_mark_set(l, cgroup, mark); /* still frozen: still whose it was */
	return r;
}
