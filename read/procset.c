/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "macro.h"
#include "procfs.h"
#include "cglayout.h"
#include "procset.h"

#define PROC_BUF_MIN 8192

int procset_init(ProcSet *s, const char *proc_root, const char *mount, const char *key,
		 unsigned max_fds)
{
	*s = (ProcSet){.proc_fd = -1, .key = key, .max_fds = max_fds};
	s->proc_fd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->proc_fd < 0)
		return negative_errno();
	s->mount = strdup(mount);
	s->buf = malloc(PROC_BUF_MIN);
	if (!s->mount || !s->buf) {
		procset_done(s);
		return -ENOMEM;
	}
	s->buf_size = PROC_BUF_MIN;
	return 0;
}

static void entry_close(ProcSet *s, ProcEntry *e)
{
	if (e->status_fd >= 0) {
		close(e->status_fd);
		s->fds--;
	}
	procset_release_dir(s, e);
	free(e->cgroup);
	*e = (ProcEntry){.status_fd = -1, .dir_fd = -1};
}

static void free_roots(ProcSet *s)
{
	for (size_t i = 0; i < s->n_roots; i++)
		free(s->roots[i]);
	free(s->roots);
	s->roots = NULL;
	s->n_roots = 0;
}

void procset_done(ProcSet *s)
{
	for (size_t i = 0; i < s->n; i++)
		entry_close(s, &s->v[i]);
	free(s->v);
	free_roots(s);
	free(s->mount);
	free(s->buf);
	if (s->proc_fd >= 0)
		close(s->proc_fd);
	*s = (ProcSet){.proc_fd = -1};
}

bool procset_in_scope(const ProcSet *s, const char *cgroup)
{
	for (size_t i = 0; i < s->n_roots; i++)
		if (cg_path_below(cgroup, s->roots[i]))
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int procset_set_roots(ProcSet *s, const char *const *roots, size_t n, bool *ret_changed)
{
	char **v = calloc(n ? n : 1, sizeof(*v));
	size_t k = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(v[i] = strdup(roots[i]))) {
			while (i > 0)
				free(v[--i]);
			free(v);
			return -ENOMEM;
		}
	/* sorted, a root's descendants follow it: keep what no kept root covers */
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && cg_path_below(v[i], v[k - 1]))
			free(v[i]);
		else
			v[k++] = v[i];
	}
	bool changed = k != s->n_roots;
	for (size_t i = 0; !changed && i < k; i++)
		changed = strcmp(v[i], s->roots[i]) != 0;
	free_roots(s);
	s->roots = v;
	s->n_roots = k;
	*ret_changed = changed;
	return 0;
}

/* Reads a whole file below dirfd into s->buf, growing it: cgroup.procs of a large cgroup
 * is longer than any fixed buffer. */
static ssize_t read_whole_at(ProcSet *s, int dirfd, const char *name)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return negative_errno();
	for (;;) {
		if (s->buf_size - len < 2) {
			char *b = realloc(s->buf, s->buf_size * 2);
			if (!b)
				return -ENOMEM;
			s->buf = b;
			s->buf_size *= 2;
		}
		ssize_t n = read(fd, s->buf + len, s->buf_size - len - 1);
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		len += (size_t)n;
	}
	s->buf[len] = '\0';
	return (ssize_t)len;
}

static int entry_starttime(ProcSet *s, int dfd, uint64_t *ret)
{
	ssize_t n = read_whole_at(s, dfd, "stat");
	if (n <= 0)
		return n < 0 ? (int)n : -ESRCH;
	return proc_stat_starttime(s->buf, (size_t)n, ret);
}

static int dir_cgroup(ProcSet *s, int dfd, char **ret)
{
	ssize_t n = read_whole_at(s, dfd, "cgroup");
	if (n <= 0)
		return n < 0 ? (int)n : -ESRCH;
	return proc_cgroup_find(s->buf, (size_t)n, s->key, ret);
}

static int open_pid_dir(ProcSet *s, pid_t pid)
{
	char name[24];
	snprintf(name, sizeof(name), "%d", (int)pid);
	int fd = openat(s->proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? negative_errno() : fd;
}

/* Opens a process as an entry. cgroup: where cgroup.procs listed it (taken), or NULL to
 * read it. 1: *e is set; 0: gone or outside the roots; negative: error. */
static int entry_open(ProcSet *s, pid_t pid, char *cgroup, ProcEntry *e)
{
	_cleanup_free_ char *cg = cgroup;
	_cleanup_close_ int dfd = open_pid_dir(s, pid);
	uint64_t starttime;

	if (dfd < 0)
		return dfd == -ENOMEM ? dfd : 0;
	if (!cg) {
		int r = dir_cgroup(s, dfd, &cg);
		if (r == -ENOMEM)
			return r;
		if (r < 0 || !procset_in_scope(s, cg))
			return 0;
	}
	int r = entry_starttime(s, dfd, &starttime);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	*e = (ProcEntry){.pid = pid, .status_fd = -1, .dir_fd = -1, .starttime = starttime};
	if (s->fds < s->max_fds) {
		e->status_fd = openat(dfd, "status", O_RDONLY | O_CLOEXEC);
		if (e->status_fd >= 0)
			s->fds++;
		else if (errno == ENOENT || errno == ESRCH)
			return 0;
	}
	if (e->status_fd < 0)
		s->over_fds = true; /* read by path each pass */
	e->cgroup = TAKE_PTR(cg);
	return 1;
}

static size_t lower_bound(const ProcSet *s, pid_t pid)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

ProcEntry *procset_find(ProcSet *s, pid_t pid)
{
	size_t i = lower_bound(s, pid);
	return i < s->n && s->v[i].pid == pid ? &s->v[i] : NULL;
}

void procset_remove(ProcSet *s, pid_t pid)
{
	size_t i = lower_bound(s, pid);
	if (i >= s->n || s->v[i].pid != pid)
		return;
	entry_close(s, &s->v[i]);
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
}

static int reserve(ProcSet *s, size_t n)
{
	if (n <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 64;
	while (cap < n)
		cap *= 2;
	ProcEntry *v = realloc(s->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->v = v;
	s->cap = cap;
	return 0;
}

int procset_probe(ProcSet *s, pid_t pid)
{
	ProcEntry e;

	procset_remove(s, pid); /* an exec may follow a move: look again */
	int r = entry_open(s, pid, NULL, &e);
	if (r <= 0)
		return r;
	r = reserve(s, s->n + 1);
	if (r < 0) {
		entry_close(s, &e);
		return r;
	}
	size_t i = lower_bound(s, pid);
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i] = e;
	s->n++;
	return 0;
}

/* What cgroup.procs listed: a pid and the cgroup that listed it. */
typedef struct Listed {
	pid_t pid;
	char *cgroup;
} Listed;

typedef struct Listing {
	Listed *v;
	size_t n, cap;
} Listing;

static void listing_done(Listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].cgroup);
	free(l->v);
}

static int listing_add(Listing *l, pid_t pid, const char *cgroup)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		Listed *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	char *c = strdup(cgroup);
	if (!c)
		return -ENOMEM;
	l->v[l->n++] = (Listed){pid, c};
	return 0;
}

static bool gone(int r)
{
	/* vanished meanwhile; or a threaded cgroup, whose cgroup.procs cannot be read */
	return r == -ENOENT || r == -ENODEV || r == -EOPNOTSUPP;
}

/* Lists cgroup.procs of dfd (the cgroup at path), that cgroup alone. */
static int list_cgroup(ProcSet *s, int dfd, const char *path, Listing *l)
{
	ssize_t n = read_whole_at(s, dfd, "cgroup.procs");
	if (n < 0)
		return gone((int)n) ? 0 : (int)n;
	for (const char *p = s->buf, *end = s->buf + n; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		uint64_t pid;
		if (len > 0) {
			if (parse_u64(p, len, &pid) < 0 || pid == 0 || pid > INT32_MAX)
				return -EBADMSG;
			int r = listing_add(l, (pid_t)pid, path);
			if (r < 0)
				return r;
		}
		p += len + 1;
	}
	return 0;
}

/* Lists cgroup.procs of dfd (the cgroup at path) and of every cgroup below it. */
static int list_subtree(ProcSet *s, int dfd, const char *path, Listing *l)
{
	int r = list_cgroup(s, dfd, path, l);
	if (r < 0)
		return r;
	int dup_fd = dup(dfd);
	if (dup_fd < 0)
		return negative_errno();
	_cleanup_closedir_ DIR *d = fdopendir(dup_fd);
	if (!d) {
		close(dup_fd);
		return negative_errno();
	}
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *sub = NULL;
		if (asprintf(&sub, "%s%s%s", path, strcmp(path, "/") == 0 ? "" : "/", de->d_name) <
		    0)
			return -ENOMEM;
		_cleanup_close_ int sfd =
		    openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sfd < 0) {
			if (errno == ENOENT)
				continue;
			return negative_errno();
		}
		r = list_subtree(s, sfd, sub, l);
		if (r < 0)
			return r;
	}
	return errno > 0 ? -errno : 0;
}

int procset_probe_cgroup(ProcSet *s, const char *cgroup, unsigned *ret_added)
{
	_cleanup_free_ char *dir = NULL;
	Listing l = {};
	int r = 0;

	*ret_added = 0;
	if (!procset_in_scope(s, cgroup))
		return 0;
	if (asprintf(&dir, "%s%s", s->mount, cgroup) < 0)
		return -ENOMEM;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return errno == ENOENT ? 0 : negative_errno(); /* removed meanwhile */
	r = list_cgroup(s, dfd, cgroup, &l);
	/* probed after the listing: a probe reads into the same buffer */
	for (size_t i = 0; r >= 0 && i < l.n; i++) {
		if (procset_find(s, l.v[i].pid))
			continue; /* an event brought it in already */
		r = procset_probe(s, l.v[i].pid);
		if (r >= 0 && procset_find(s, l.v[i].pid))
			(*ret_added)++;
	}
	listing_done(&l);
	return r < 0 ? r : 0;
}

static int cmp_listed(const void *a, const void *b)
{
	const Listed *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

int procset_resync(ProcSet *s, unsigned *ret_added, unsigned *ret_removed)
{
	Listing l = {};
	unsigned added = 0, removed = 0;
	int r = 0;

	for (size_t i = 0; i < s->n_roots && r >= 0; i++) {
		_cleanup_free_ char *dir = NULL;
		if (asprintf(&dir, "%s%s", s->mount, s->roots[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			r = errno == ENOENT ? 0 : negative_errno();
		else
			r = list_subtree(s, dfd, s->roots[i], &l);
	}
	if (r < 0) {
		listing_done(&l);
		return r;
	}
	if (l.n > 0)
		qsort(l.v, l.n, sizeof(*l.v), cmp_listed);

	/* merge two pid-sorted lists: keep what both have, open what is new, close the rest */
	ProcEntry *v = calloc(l.n ? l.n : 1, sizeof(*v));
	size_t n = 0, i = 0;
	if (!v) {
		listing_done(&l);
		return -ENOMEM;
	}
	for (size_t k = 0; k < l.n; k++) {
		if (k > 0 && l.v[k].pid == l.v[k - 1].pid)
			continue; /* moved between two reads of cgroup.procs */
		for (; i < s->n && s->v[i].pid < l.v[k].pid; i++, removed++)
			entry_close(s, &s->v[i]);
		if (i < s->n && s->v[i].pid == l.v[k].pid) {
			v[n] = s->v[i++];
			if (strcmp(v[n].cgroup, l.v[k].cgroup) != 0) {
				free(v[n].cgroup);
				v[n].cgroup = TAKE_PTR(l.v[k].cgroup);
			}
			n++;
			continue;
		}
		int q = entry_open(s, l.v[k].pid, TAKE_PTR(l.v[k].cgroup), &v[n]);
		if (q < 0 && r >= 0)
			r = q;
		if (q > 0) {
			n++;
			added++;
		}
	}
	for (; i < s->n; i++, removed++)
		entry_close(s, &s->v[i]);
	free(s->v);
	s->v = v;
	s->n = n;
	s->cap = l.n ? l.n : 1;
	listing_done(&l);
	if (ret_added)
		*ret_added = added;
	if (ret_removed)
		*ret_removed = removed;
	return r;
}

/* /proc/PID of the entry's own process: the start time tells whether the PID still
 * names it. -ESRCH when not. */
static int open_entry_dir(ProcSet *s, const ProcEntry *e)
{
	_cleanup_close_ int dfd = open_pid_dir(s, e->pid);
	uint64_t starttime;

	if (dfd < 0)
		return dfd == -ENOENT ? -ESRCH : dfd;
	int r = entry_starttime(s, dfd, &starttime);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	if (starttime != e->starttime)
		return -ESRCH;
	return TAKE_FD(dfd);
}

ssize_t procset_read_status(ProcSet *s, ProcEntry *e)
{
	if (e->status_fd >= 0) {
		ssize_t n = pread(e->status_fd, s->buf, s->buf_size - 1, 0);
		if (n < 0)
			return negative_errno();
		s->buf[n] = '\0';
		return n == 0 ? -ESRCH : n; /* an exiting process reads as empty */
	}
	/* read by path */
	_cleanup_close_ int dfd = open_entry_dir(s, e);
	if (dfd < 0)
		return dfd;
	ssize_t n = read_whole_at(s, dfd, "status");
	return n == 0 || n == -ENOENT ? -ESRCH : n;
}

int procset_refresh_cgroup(ProcSet *s, ProcEntry *e)
{
	_cleanup_free_ char *cg = NULL;

	if (e->dir_fd < 0) {
		int dfd = open_entry_dir(s, e);
		if (dfd < 0)
			return dfd;
		e->dir_fd = dfd;
		s->fds++;
	}
	int r = dir_cgroup(s, e->dir_fd, &cg);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	if (strcmp(cg, e->cgroup) != 0) {
		free(e->cgroup);
		e->cgroup = TAKE_PTR(cg);
	}
	return 0;
}

void procset_release_dir(ProcSet *s, ProcEntry *e)
{
	if (e->dir_fd >= 0) {
		close(e->dir_fd);
		e->dir_fd = -1;
		s->fds--;
	}
}

void procset_drop(ProcSet *s, ProcEntry *e)
{
	entry_close(s, e);
}

void procset_compact(ProcSet *s)
{
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].pid != 0)
			s->v[k++] = s->v[i];
	s->n = k;
}
