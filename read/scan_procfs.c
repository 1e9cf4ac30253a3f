/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "macro.h"
#include "procevents.h"
#include "procfs.h"
#include "procset.h"
#include "scan.h"

/* A process moved into a budgeted subtree by a write to cgroup.procs raises no event
 * (an exec after the move does): the scope is re-read this often to find such moves. */
#define RESYNC_USEC (10 * 1000000ULL)
/* Past this many started processes between two passes, a resync is cheaper. */
#define PENDING_MAX 65536
/* fds left for everything else pind opens. */
#define FDS_RESERVED 128
/* The event socket's receive buffer: ~15,000 events between two drains. */
#define EVENTS_RCVBUF (4 << 20)

static const ScannerOps procfs_ops;

typedef struct ProcfsScanner {
	Scanner base;
	char *proc_root;
	const char *cgroup_key;
	const char *mount;
	char buf[8192];
	/* with a scope: */
	bool scoped;
	ProcSet set;
	ProcEvents *events;
	int events_error;
	ScanResync resync; /* due at the next pass */
	uint64_t last_resync;
	pid_t *pending; /* started or exec'd since the last pass */
	size_t n_pending, cap_pending;
	char **populated; /* cgroups that became populated since the last pass */
	size_t n_populated;
	/* scanner_procfs_one()'s processes, their files kept open */
	ProcSet kept;
	bool have_kept;
} ProcfsScanner;

static bool is_pid_name(const char *s)
{
	if (!*s || *s == '0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static bool vanished(int r)
{
	return r == -ENOENT || r == -ESRCH;
}

/* Reads one file of a process into p->buf; a failure is counted (an exiting process
 * reads as empty or ENOENT/ESRCH: vanished; anything else: malformed) and returns <= 0. */
static ssize_t read_counted(ProcfsScanner *p, int dfd, const char *name, ScanStats *stats)
{
	ssize_t n = read_small_file_at(dfd, name, p->buf, sizeof(p->buf));

	if (n == 0 || (n < 0 && vanished((int)n)))
		stats->vanished++;
	else if (n < 0)
		stats->malformed++;
	return n;
}

/* One process: 1 when reported, 0 when skipped, negative when cb failed. */
static int scan_one(ProcfsScanner *p, int procfd, const char *name, scan_cb cb, void *userdata,
		    ScanStats *stats)
{
	_cleanup_close_ int dfd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int tdfd = -1; /* the live thread of a process whose leader exited */
	_cleanup_free_ char *cgroup = NULL;
	ProcStatus st;

	stats->visited++;
	if (dfd < 0) {
		stats->vanished++;
		return 0;
	}
	ssize_t n = read_small_file_at(dfd, "status", p->buf, sizeof(p->buf));
	int r = n < 0 ? (int)n : proc_status_parse(p->buf, (size_t)n, &st);
	if (r < 0) {
		if (vanished(r) || n == 0)
			stats->vanished++; /* an exiting process reads as empty */
		else
			stats->malformed++;
		return 0;
	}
	/* /proc lists thread-group leaders only; a mismatch means a forged or raced entry */
	if (st.pid != st.tgid || st.pid != atoi(name)) {
		stats->malformed++;
		return 0;
	}
	ProcStatus thread;
	if (proc_status_leader_gone(&st) &&
	    proc_live_thread(dfd, st.pid, p->buf, sizeof(p->buf), &thread, &tdfd) >= 0) {
		st.pinned = thread.pinned;
		st.locked = thread.locked;
		st.has_vm = true;
	}
	if (!st.has_vm || (st.pinned == 0 && st.locked == 0))
		return 0;
	n = read_counted(p, tdfd >= 0 ? tdfd : dfd, "cgroup", stats);
	if (n <= 0)
		return 0;
	/* read, but without the primary hierarchy's line: not an exit, a mismatch */
	if (proc_cgroup_find(p->buf, (size_t)n, p->cgroup_key, &cgroup) < 0) {
		stats->malformed++;
		return 0;
	}
	uint64_t starttime;
	n = read_counted(p, dfd, "stat", stats);
	if (n <= 0)
		return 0;
	if (proc_stat_starttime(p->buf, (size_t)n, &starttime) < 0) {
		stats->malformed++;
		return 0;
	}
	PinRecord rec = {
	    .starttime = starttime,
	    .tgid = st.tgid,
	    .comm = st.comm,
	    .cgroup = cgroup,
	    .pinned = st.pinned,
	    .locked = st.locked,
	};
	r = cb(&rec, userdata);
	if (r < 0)
		return r;
	stats->reported++;
	return 1;
}

static int scoped_run(ProcfsScanner *p, scan_cb cb, void *userdata, ScanStats *stats);

static int procfs_run(Scanner *s, scan_cb cb, void *userdata, ScanStats *stats)
{
	ProcfsScanner *p = (ProcfsScanner *)s;
	if (p->scoped)
		return scoped_run(p, cb, userdata, stats);
	_cleanup_close_ int procfd = open(p->proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (procfd < 0)
		return negative_errno();
	int dupfd = dup(procfd);
	if (dupfd < 0)
		return negative_errno();
	d = fdopendir(dupfd);
	if (!d) {
		close(dupfd);
		return negative_errno();
	}
	while ((errno = 0, de = readdir(d))) {
		if (!is_pid_name(de->d_name))
			continue;
		int r = scan_one(p, procfd, de->d_name, cb, userdata, stats);
		if (r < 0)
			return r;
	}
	return errno > 0 ? -errno : 0;
}

/* Remembers a process to look at in the next pass. */
static void pending_push(ProcfsScanner *p, pid_t pid)
{
	if (p->n_pending == p->cap_pending) {
		size_t cap = p->cap_pending ? p->cap_pending * 2 : 256;
		pid_t *v = cap <= PENDING_MAX ? realloc(p->pending, cap * sizeof(*v)) : NULL;
		if (!v) { /* too many to look at one by one */
			p->resync = RESYNC_LOST;
			p->n_pending = 0;
			return;
		}
		p->pending = v;
		p->cap_pending = cap;
	}
	p->pending[p->n_pending++] = pid;
}

static void on_event(ProcEventKind kind, pid_t pid, void *userdata)
{
	ProcfsScanner *p = userdata;

	switch (kind) {
	case PROC_STARTED:
	case PROC_EXECED:
		if (p->resync == RESYNC_NONE) /* else the resync will see it */
			pending_push(p, pid);
		return;
	case PROC_EXITED:
		procset_remove(&p->set, pid);
		return;
	case PROC_LOST:
		p->resync = RESYNC_LOST;
		p->n_pending = 0;
		return;
	}
}

static int procfs_process_events(Scanner *s)
{
	ProcfsScanner *p = (ProcfsScanner *)s;
	if (!p->events)
		return 0;
	int r = proc_events_dispatch(p->events);
	if (r < 0)
		p->resync = RESYNC_LOST;
	return r;
}

static int procfs_event_fd(Scanner *s)
{
	ProcfsScanner *p = (ProcfsScanner *)s;
	return p->events ? proc_events_fd(p->events) : -1;
}

/* Process events come from the kernel: they only name processes of the real /proc. */
static void open_events(ProcfsScanner *p)
{
	if (strcmp(p->proc_root, "/proc") != 0) {
		p->events_error = -EXDEV;
		return;
	}
	p->events_error = proc_events_open(on_event, p, &p->events);
	if (p->events_error < 0)
		return;
	int size = EVENTS_RCVBUF, fd = proc_events_fd(p->events);
	/* beyond net.core.rmem_max with CAP_NET_ADMIN, else as far as it allows */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

static int procfs_set_scope(Scanner *s, const char *const *cgroups, size_t n)
{
	ProcfsScanner *p = (ProcfsScanner *)s;
	bool changed;

	if (!p->mount)
		return -ENOENT;
	if (!p->scoped) {
		struct rlimit rl;
		unsigned max_fds = 0;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > FDS_RESERVED)
			max_fds = rl.rlim_cur - FDS_RESERVED > 1u << 30
				      ? 1u << 30
				      : (unsigned)(rl.rlim_cur - FDS_RESERVED);
		int r = procset_init(&p->set, p->proc_root, p->mount, p->cgroup_key, max_fds);
		if (r < 0)
			return r;
		p->scoped = true;
		open_events(p); /* before the first resync: nothing falls in between */
		p->resync = RESYNC_SCOPE;
	}
	int r = procset_set_roots(&p->set, cgroups, n, &changed);
	if (r < 0)
		return r;
	if (changed)
		p->resync = RESYNC_SCOPE;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* Looks at what started or exec'd since the last pass; each pid once. */
static int probe_pending(ProcfsScanner *p)
{
	if (p->n_pending == 0)
		return 0;
	qsort(p->pending, p->n_pending, sizeof(*p->pending), cmp_pid);
	for (size_t i = 0; i < p->n_pending; i++) {
		if (i > 0 && p->pending[i] == p->pending[i - 1])
			continue;
		int r = procset_probe(&p->set, p->pending[i]);
		if (r < 0)
			return r;
	}
	p->n_pending = 0;
	return 0;
}

/* An entry whose leader has exited while its threads live on: what a live thread says,
 * read by path (rare). Returns as scoped_one. */
static int leader_gone_one(ProcSet *set, ProcEntry *e, const char *comm, scan_cb cb, void *userdata)
{
	_cleanup_free_ char *cgroup = NULL;
	_cleanup_close_ int tdfd = -1;
	char name[16];
	ProcStatus st;

	snprintf(name, sizeof(name), "%d", (int)e->pid);
	_cleanup_close_ int dfd = openat(set->proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint64_t starttime;
	ssize_t n = dfd < 0 ? -ESRCH : read_small_file_at(dfd, "stat", set->buf, set->buf_size);
	if (n <= 0 || proc_stat_starttime(set->buf, (size_t)n, &starttime) < 0 ||
	    starttime != e->starttime)
		return -ESRCH; /* gone, and maybe its PID reused: not by name */
	int r = proc_live_thread(dfd, e->pid, set->buf, set->buf_size, &st, &tdfd);
	if (r < 0)
		return r == -ENOMEM ? r : -ESRCH;
	if (st.pinned == 0 && st.locked == 0)
		return 0;
	n = read_small_file_at(tdfd, "cgroup", set->buf, set->buf_size);
	if (n <= 0)
		return -ESRCH;
	r = proc_cgroup_find(set->buf, (size_t)n, set->key, &cgroup);
	if (r < 0)
		return r == -ENOMEM ? r : -ESRCH;
	if (!procset_in_scope(set, cgroup))
		return -EXDEV;
	PinRecord rec = {
	    .starttime = e->starttime,
	    .tgid = e->pid,
	    .comm = comm, /* the process's: its leader's */
	    .cgroup = cgroup,
	    .pinned = st.pinned,
	    .locked = st.locked,
	};
	r = cb(&rec, userdata);
	return r < 0 ? r : 1;
}

/* One entry of a scoped pass: 1 reported, 0 not, -ESRCH gone, -EXDEV moved out of the
 * scope, other negative: error. */
static int scoped_one(ProcSet *set, ProcEntry *e, scan_cb cb, void *userdata, ScanStats *stats)
{
	ProcStatus st;

	ssize_t n = procset_read_status(set, e);
	int r = n < 0 ? (int)n : proc_status_parse(set->buf, (size_t)n, &st);
	if (r == -ESRCH || r == -ENOMEM)
		return r;
	if (r < 0 || st.pid != e->pid || st.tgid != e->pid) {
		stats->malformed++;
		return 0;
	}
	if (proc_status_leader_gone(&st))
		return leader_gone_one(set, e, st.comm, cb, userdata);
	if (!st.has_vm || (st.pinned == 0 && st.locked == 0)) {
		procset_release_dir(set, e);
		return 0;
	}
	/* holding pins: the cgroup it is in now, not where it was found */
	r = procset_refresh_cgroup(set, e);
	if (r == -ESRCH || r == -ENOMEM)
		return r;
	if (r < 0) {
		stats->malformed++;
		return 0;
	}
	if (!procset_in_scope(set, e->cgroup))
		return -EXDEV; /* moved out: no longer read */
	PinRecord rec = {
	    .starttime = e->starttime,
	    .tgid = e->pid,
	    .comm = st.comm,
	    .cgroup = e->cgroup,
	    .pinned = st.pinned,
	    .locked = st.locked,
	};
	r = cb(&rec, userdata);
	return r < 0 ? r : 1;
}

static void drop_populated(ProcfsScanner *p)
{
	for (size_t i = 0; i < p->n_populated; i++)
		free(p->populated[i]);
	free(p->populated);
	p->populated = NULL;
	p->n_populated = 0;
}

/* The processes of the cgroups that became populated, which no event brought in. */
static int probe_populated(ProcfsScanner *p, ScanStats *stats)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < p->n_populated; i++) {
		unsigned added;
		r = procset_probe_cgroup(&p->set, p->populated[i], &added);
		stats->moved_in += added;
	}
	drop_populated(p);
	return r;
}

static int scoped_run(ProcfsScanner *p, scan_cb cb, void *userdata, ScanStats *stats)
{
	ProcSet *set = &p->set;
	uint64_t now = scan_now_usec();
	int r;

	stats->scoped = true;
	stats->events_error = p->events_error;
	procfs_process_events(&p->base);
	if (p->resync == RESYNC_NONE && !p->events)
		p->resync = RESYNC_ALWAYS;
	if (p->resync == RESYNC_NONE && now - p->last_resync >= RESYNC_USEC)
		p->resync = RESYNC_PERIODIC;
	if (p->resync != RESYNC_NONE) {
		r = procset_resync(set, &stats->entered, &stats->left);
		if (r < 0)
			return r;
		stats->resync = p->resync;
		p->resync = RESYNC_NONE;
		p->n_pending = 0;
		drop_populated(p);
		p->last_resync = now;
	} else {
		r = probe_pending(p);
		if (r >= 0)
			r = probe_populated(p, stats);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < set->n; i++) {
		ProcEntry *e = &set->v[i];
		stats->visited++;
		r = scoped_one(set, e, cb, userdata, stats);
		if (r == -EXDEV) {
			procset_drop(set, e);
			continue;
		}
		if (r == -ESRCH) {
			stats->vanished++;
			/* its PID may name a new process already: look at it in the next pass */
			pending_push(p, e->pid);
			procset_drop(set, e);
			continue;
		}
		if (r < 0) {
			procset_compact(set);
			return r;
		}
		stats->reported += (unsigned)r;
	}
	procset_compact(set);
	return 0;
}

/* One process as a pass would see it. Its files stay open for the next call (in a set of
 * its own, whose scope is everything), so that the next read is one pread. */
int scanner_procfs_one(Scanner *s, pid_t pid, scan_cb cb, void *userdata, ScanStats *stats)
{
	ProcfsScanner *p = (ProcfsScanner *)s;
	bool changed;
	int r;

	if (s->ops != &procfs_ops || !p->mount)
		return -EINVAL;
	if (!p->have_kept) {
		r = procset_init(&p->kept, p->proc_root, p->mount, p->cgroup_key, 16);
		if (r >= 0 &&
		    (r = procset_set_roots(&p->kept, (const char *[]){"/"}, 1, &changed)) < 0)
			procset_done(&p->kept);
		if (r < 0)
			return r;
		p->have_kept = true;
	}
	ProcEntry *e = procset_find(&p->kept, pid);
	if (!e) {
		r = procset_probe(&p->kept, pid);
		if (r < 0)
			return r;
		e = procset_find(&p->kept, pid);
	}
	stats->visited++;
	r = e ? scoped_one(&p->kept, e, cb, userdata, stats) : -ESRCH;
	if (r == -ESRCH || r == -EXDEV) { /* gone (or out of everything: a race) */
		stats->vanished++;
		procset_remove(&p->kept, pid);
		return 0;
	}
	if (r < 0)
		return r;
	stats->reported += (unsigned)r;
	return 0;
}

static void procfs_free(Scanner *s)
{
	ProcfsScanner *p = (ProcfsScanner *)s;
	proc_events_close(p->events);
	if (p->scoped)
		procset_done(&p->set);
	if (p->have_kept)
		procset_done(&p->kept);
	free(p->pending);
	drop_populated(p);
	free(p->proc_root);
	free(p);
}

static void procfs_cgroup_populated(Scanner *s, const char *cgroup)
{
	ProcfsScanner *p = (ProcfsScanner *)s;

	if (!p->scoped || p->resync != RESYNC_NONE)
		return; /* reads everything anyway, or will */
	for (size_t i = 0; cgroup && i < p->n_populated; i++)
		if (strcmp(p->populated[i], cgroup) == 0)
			return; /* read once at the next pass */
	char *c = cgroup ? strdup(cgroup) : NULL;
	char **v = c ? GROW(p->populated, p->n_populated) : NULL;
	if (!v) { /* unknown, or no memory to note it: read everything */
		free(c);
		p->resync = RESYNC_CGROUPS;
		return;
	}
	*v = c;
	p->n_populated++;
}

static const ScannerOps procfs_ops = {
    .name = "procfs",
    .run = procfs_run,
    .free = procfs_free,
    .set_scope = procfs_set_scope,
    .event_fd = procfs_event_fd,
    .process_events = procfs_process_events,
    .cgroup_populated = procfs_cgroup_populated,
};

int scanner_procfs_new(const char *proc_root, const CgLayout *layout, Scanner **ret)
{
	ProcfsScanner *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->base.ops = &procfs_ops;
	p->cgroup_key = cg_layout_primary_key(layout);
	p->mount = cg_layout_primary(layout);
	p->proc_root = strdup(proc_root);
	if (!p->proc_root) {
		free(p);
		return -ENOMEM;
	}
	*ret = &p->base;
	return 0;
}
