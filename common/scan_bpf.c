/* SPDX-License-Identifier: MIT */
/* bpf backend: a BPF task iterator reads mm->pinned_vm and mm->locked_vm of every
 * thread-group leader in one pass and emits only those holding something, with the
 * cgroup2 id; ids become paths through a cache that is rebuilt only when an id is new. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "child.h"
#include "macro.h"
#include "pinscan.h"
#include "pinscan.skel.h"
#include "procfs.h"
#include "scan.h"

typedef struct IdPath {
	uint64_t id;
	char *path;
} IdPath;

typedef struct BpfScanner {
	Scanner base;
	int link_fd;              /* the iterator's link */
	int bss_fd;               /* the program's globals (.bss) */
	struct pinscan__bss *bss; /* mapped */
	size_t bss_size;
	char *unified; /* cgroup2 mount, NULL on legacy hosts */
	char *proc_root;
	const char *cgroup_key;
	Scanner *procfs; /* for PID 1 where the iterator skips it */
	uint64_t page_size;
	uint64_t ns_per_tick;
	IdPath *ids; /* sorted by id */
	size_t n_ids;
	char buf[8192];
} BpfScanner;

static int cmp_id(const void *a, const void *b)
{
	uint64_t x = ((const IdPath *)a)->id, y = ((const IdPath *)b)->id;
	return x < y ? -1 : x > y;
}

static void ids_free(BpfScanner *p)
{
	for (size_t i = 0; i < p->n_ids; i++)
		free(p->ids[i].path);
	free(p->ids);
	p->ids = NULL;
	p->n_ids = 0;
}

static int ids_add(BpfScanner *p, uint64_t id, const char *path)
{
	IdPath *v = realloc(p->ids, (p->n_ids + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->ids = v;
	v[p->n_ids] = (IdPath){.id = id, .path = strdup(path)};
	if (!v[p->n_ids].path)
		return -ENOMEM;
	p->n_ids++;
	return 0;
}

/* cgroup2 ids are the inode numbers of the cgroup directories. */
static int walk(BpfScanner *p, int dfd, char *path, size_t len, unsigned depth)
{
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	struct dirent *de;
	struct stat st;

	if (!d) {
		close(dfd);
		return negative_errno();
	}
	if (fstat(dirfd(d), &st) < 0)
		return negative_errno();
	int r = ids_add(p, st.st_ino, len == 0 ? "/" : path);
	if (r < 0 || depth > 64)
		return r;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		size_t l = strlen(de->d_name);
		if (len + 1 + l >= PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, l + 1);
		int cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd >= 0 && (r = walk(p, cfd, path, len + 1 + l, depth + 1)) < 0)
			return r;
		path[len] = 0;
	}
	return 0;
}

static int ids_rebuild(BpfScanner *p)
{
	char path[PATH_MAX] = "";

	ids_free(p);
	int dfd = open(p->unified, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	int r = walk(p, dfd, path, 0, 0);
	if (r >= 0 && p->n_ids > 1)
		qsort(p->ids, p->n_ids, sizeof(*p->ids), cmp_id);
	return r;
}

static const char *id_path(BpfScanner *p, uint64_t id, bool *rebuilt)
{
	IdPath key = {.id = id}, *hit = NULL;

	if (p->n_ids)
		hit = bsearch(&key, p->ids, p->n_ids, sizeof(*p->ids), cmp_id);
	if (!hit && !*rebuilt) { /* a cgroup made since the last walk */
		*rebuilt = true;
		if (ids_rebuild(p) >= 0 && p->n_ids)
			hit = bsearch(&key, p->ids, p->n_ids, sizeof(*p->ids), cmp_id);
	}
	return hit ? hit->path : NULL;
}

/* On hosts without cgroup2 the id says nothing: /proc/PID/cgroup, for this process only. */
static int legacy_path(BpfScanner *p, pid_t pid, char **ret)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "%d", (int)pid);
	_cleanup_close_ int procfd = open(p->proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int dfd = procfd < 0 ? -1 : openat(procfd, dir, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return negative_errno();
	ssize_t n = read_small_file_at(dfd, "cgroup", p->buf, sizeof(p->buf));
	if (n < 0)
		return (int)n;
	return proc_cgroup_find(p->buf, (size_t)n, p->cgroup_key, ret);
}

static int emit(BpfScanner *p, const struct pinscan_record *rec, scan_cb cb, void *userdata,
		ScanStats *stats, bool *rebuilt)
{
	_cleanup_free_ char *legacy = NULL;
	char comm[sizeof(rec->comm) + 1];
	const char *path;

	if (p->unified)
		path = id_path(p, rec->cgroup_id, rebuilt);
	else
		path = legacy_path(p, (pid_t)rec->tgid, &legacy) < 0 ? NULL : legacy;
	if (!path) {
		stats->vanished++; /* its cgroup went away, or the process did */
		return 0;
	}
	memcpy(comm, rec->comm, sizeof(rec->comm));
	comm[sizeof(rec->comm)] = 0;
	PinRecord r = {
	    .tgid = (pid_t)rec->tgid,
	    .comm = comm,
	    .cgroup = path,
	    .pinned = rec->pinned * p->page_size,
	    .locked = rec->locked * p->page_size,
	    .starttime = rec->start_boottime / p->ns_per_tick,
	};
	int ret = cb(&r, userdata);
	if (ret >= 0)
		stats->reported++;
	return ret;
}

static int bpf_run(Scanner *s, scan_cb cb, void *userdata, ScanStats *stats)
{
	BpfScanner *p = (BpfScanner *)s;
	struct pinscan_record recs[64];
	bool rebuilt = false;
	size_t have = 0;

	p->bss->visited = 0;
	p->bss->saw_init = 0;
	_cleanup_close_ int fd = bpf_iter_create(p->link_fd);
	if (fd < 0)
		return negative_errno();
	for (;;) {
		ssize_t n = read(fd, (char *)recs + have, sizeof(recs) - have);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return negative_errno();
		}
		have += (size_t)n;
		size_t whole = have / sizeof(recs[0]);
		for (size_t i = 0; i < whole; i++) {
			int r = emit(p, &recs[i], cb, userdata, stats, &rebuilt);
			if (r < 0)
				return r;
		}
		have -= whole * sizeof(recs[0]);
		if (have)
			memmove(recs, (char *)recs + whole * sizeof(recs[0]), have);
		if (n == 0)
			break;
	}
	stats->visited += (unsigned)p->bss->visited;
	if (!p->bss->saw_init) /* this kernel's task iterator starts after PID 1 */
		return scanner_procfs_one(p->procfs, 1, cb, userdata, stats);
	return 0;
}

static void bpf_free(Scanner *s)
{
	BpfScanner *p = (BpfScanner *)s;

	if (p->bss)
		munmap(p->bss, p->bss_size);
	if (p->link_fd >= 0)
		close(p->link_fd);
	if (p->bss_fd >= 0)
		close(p->bss_fd);
	if (p->procfs)
		scanner_free(p->procfs);
	ids_free(p);
	free(p->unified);
	free(p->proc_root);
	free(p);
}

static const ScannerOps bpf_ops = {
    .name = "bpf",
    .run = bpf_run,
    .free = bpf_free,
};

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0; /* a failed load is reported once by the caller, with its reason */
}

/* In a child (child.h): the load parses the kernel's BTF, megabytes of heap, and runs
 * most of libbpf and libelf once. The link and the globals map outlive the child in the
 * fds it hands over. */
static int load(void *userdata, void *buf, size_t size, int *fds, size_t *n_fds)
{
	(void)userdata;
	(void)buf;
	(void)size;
	*n_fds = 0;
	libbpf_set_print(quiet);
	struct pinscan *skel = pinscan__open_and_load();
	if (!skel)
		return negative_errno();
	struct bpf_link *link = bpf_program__attach_iter(skel->progs.pinscan, NULL);
	if (!link)
		return negative_errno();
	fds[0] = bpf_link__fd(link);
	fds[1] = bpf_map__fd(skel->maps.bss);
	*n_fds = 2;
	return 0; /* the child exits without tearing anything down */
}

int scanner_bpf_new(const char *proc_root, const CgLayout *layout, Scanner **ret)
{
	BpfScanner *p = calloc(1, sizeof(*p));
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	int fds[2];
	size_t len, n_fds;
	int r;

	if (!p)
		return -ENOMEM;
	p->base.ops = &bpf_ops;
	p->link_fd = p->bss_fd = -1;
	p->page_size = page > 0 ? (uint64_t)page : 4096;
	p->ns_per_tick = tick > 0 ? 1000000000ULL / (uint64_t)tick : 10000000ULL;
	p->cgroup_key = cg_layout_primary_key(layout);
	p->proc_root = strdup(proc_root);
	p->unified = layout->unified ? strdup(layout->unified) : NULL;
	if (!p->proc_root || (layout->unified && !p->unified) ||
	    scanner_procfs_new(proc_root, layout, &p->procfs) < 0) {
		bpf_free(&p->base);
		return -ENOMEM;
	}
	r = child_call(load, NULL, NULL, 0, fds, 2, &len, &n_fds);
	if (r >= 0 && n_fds != 2) {
		while (n_fds > 0)
			close(fds[--n_fds]);
		r = -EIO;
	}
	if (r < 0) {
		bpf_free(&p->base);
		return r;
	}
	p->link_fd = fds[0];
	p->bss_fd = fds[1];
	p->bss_size = (sizeof(*p->bss) + p->page_size - 1) / p->page_size * p->page_size;
	p->bss = mmap(NULL, p->bss_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->bss_fd, 0);
	if (p->bss == MAP_FAILED) {
		p->bss = NULL;
		r = negative_errno();
		bpf_free(&p->base);
		return r;
	}
	if (p->unified)
		ids_rebuild(p);
	*ret = &p->base;
	return 0;
}
