/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "macro.h"
#include "procfs.h"
#include "scan.h"

static const ScannerOps procfs_ops;

typedef struct ProcfsScanner {
	Scanner base;
	char *proc_root;
	const char *cgroup_key;
	char buf[8192];
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
	if (!st.has_vm || (st.pinned == 0 && st.locked == 0))
		return 0;
	n = read_counted(p, dfd, "cgroup", stats);
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

static int procfs_run(Scanner *s, scan_cb cb, void *userdata, ScanStats *stats)
{
	ProcfsScanner *p = (ProcfsScanner *)s;
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

int scanner_procfs_one(Scanner *s, pid_t pid, scan_cb cb, void *userdata, ScanStats *stats)
{
	ProcfsScanner *p = (ProcfsScanner *)s;
	char name[32];

	if (s->ops != &procfs_ops)
		return -EINVAL;
	_cleanup_close_ int procfd = open(p->proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return negative_errno();
	snprintf(name, sizeof(name), "%d", (int)pid);
	int r = scan_one(p, procfd, name, cb, userdata, stats);
	return r < 0 ? r : 0;
}

static void procfs_free(Scanner *s)
{
	ProcfsScanner *p = (ProcfsScanner *)s;
	free(p->proc_root);
	free(p);
}

static const ScannerOps procfs_ops = {
    .name = "procfs",
    .run = procfs_run,
    .free = procfs_free,
};

int scanner_procfs_new(const char *proc_root, const CgLayout *layout, Scanner **ret)
{
	ProcfsScanner *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->base.ops = &procfs_ops;
	p->cgroup_key = cg_layout_primary_key(layout);
	p->proc_root = strdup(proc_root);
	if (!p->proc_root) {
		free(p);
		return -ENOMEM;
	}
	*ret = &p->base;
	return 0;
}
