/* SPDX-License-Identifier: MIT */
/* bpf backend: one BPF pass reads mm->pinned_vm and mm->locked_vm of every thread-group
 * leader and keeps only those holding something, with the cgroup2 id; ids become paths
 * through a cache that is rebuilt only when an id is new. The pass is the task walk
 * (pinscan.bpf.c: pinwalk, run through BPF_PROG_TEST_RUN, its records read from its
 * array map in one batch lookup) where the kernel has the open-coded task iterator (6.7+), else and
 * while more processes hold pins than the walk keeps, the task iterator. */
#include <assert.h>
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
#include "scan_bpf.h"

typedef struct IdPath {
	uint64_t id;
	char *path;
} IdPath;

typedef struct BpfScanner {
	Scanner base;
	int link_fd;              /* the iterator's link */
	int bss_fd;               /* the programs' globals (.bss) */
	int walk_fd;              /* the task walk, -1 where it is not loaded */
	bool iterate;             /* the last pass had more holders than the walk keeps */
	bool reported_init;       /* this pass reported PID 1 */
	int recs_fd;              /* the walk's records */
	struct pinscan__bss *bss; /* mapped */
	size_t bss_size;
	struct pinscan_record *recs; /* the last walk's records, read from recs_fd */
	uint32_t *keys;
	uint32_t n_alloc;
	char detail[128];
	char *unified; /* cgroup2 mount, NULL on legacy hosts */
	char *proc_root;
	const char *cgroup_key;
	Scanner *procfs; /* for PID 1 where the iterator skips it */
	uint64_t page_size;
	uint64_t ns_per_tick;
	IdPath *ids; /* sorted by id */
	size_t n_ids;
	uint64_t *outside; /* ids no walk of the cgroup mount found (sorted): outside its view */
	size_t n_outside;
	bool ids_partial; /* the last walk skipped a directory (or failed): proves no absence */
	bool pass_read;   /* the records being emitted were all read before the first one */
	char buf[8192];
} BpfScanner;

static int cmp_id(const void *a, const void *b)
{
	uint64_t x = ((const IdPath *)a)->id, y = ((const IdPath *)b)->id;
	return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
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

#define OUTSIDE_MAX 4096

/* A cgroup the mount does not show: in a container, the host's and other containers'
 * (the cgroup namespace's root hides them). cgroup ids are never reused, so once a whole
 * walk made after the pass did not find it, it is never there: remembered so that it
 * costs no further walks. Only a pass read whole before its records are looked up (the
 * task walk) can say so: the iterator's records come while it runs, and a cgroup made
 * after the walk may come after it. */
static void outside_add(BpfScanner *p, uint64_t id)
{
	if (p->n_outside >= OUTSIDE_MAX)
		p->n_outside = 0; /* many since removed, surely: begin again */
	if (!GROW(p->outside, p->n_outside))
		return;
	uint64_t *v = p->outside;
	size_t i = p->n_outside;
	while (i > 0 && v[i - 1] > id) {
		v[i] = v[i - 1];
		i--;
	}
	v[i] = id;
	p->n_outside++;
}

static int ids_add(BpfScanner *p, uint64_t id, const char *path)
{
	IdPath *v = GROW(p->ids, p->n_ids);
	if (!v)
		return -ENOMEM;
	*v = (IdPath){.id = id, .path = strdup(path)};
	if (!v->path)
		return -ENOMEM;
	p->n_ids++;
	return 0;
}

/* cgroup2 ids are the inode numbers of the cgroup directories. */
static int walk_cgroups(BpfScanner *p, int dfd, char *path, size_t len, unsigned depth)
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
	if (r >= 0 && depth > 64)
		p->ids_partial = true;
	if (r < 0 || depth > 64)
		return r;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		size_t l = strlen(de->d_name);
		if (len + 1 + l >= PATH_MAX) {
			p->ids_partial = true;
			continue;
		}
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, l + 1);
		int cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd < 0)
			p->ids_partial = true; /* removed meanwhile, most likely */
		else if ((r = walk_cgroups(p, cfd, path, len + 1 + l, depth + 1)) < 0)
			return r;
		path[len] = 0;
	}
	return 0;
}

static int ids_rebuild(BpfScanner *p)
{
	char path[PATH_MAX] = "";

	ids_free(p);
	p->ids_partial = false;
	int dfd = open(p->unified, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = dfd < 0 ? negative_errno() : walk_cgroups(p, dfd, path, 0, 0);
	if (r < 0) {
		p->ids_partial = true;
		return r;
	}
	if (p->n_ids > 1)
		qsort(p->ids, p->n_ids, sizeof(*p->ids), cmp_id);
	return 0;
}

static const char *id_path(BpfScanner *p, uint64_t id, bool *rebuilt)
{
	IdPath key = {.id = id}, *hit = NULL;

	if (p->n_ids)
		hit = bsearch(&key, p->ids, p->n_ids, sizeof(*p->ids), cmp_id);
	if (hit)
		return hit->path;
	if (p->n_outside && bsearch(&id, p->outside, p->n_outside, sizeof(id), cmp_u64))
		return NULL;
	if (!*rebuilt) { /* a cgroup made since the last walk */
		*rebuilt = true;
		if (ids_rebuild(p) >= 0 && p->n_ids)
			hit = bsearch(&key, p->ids, p->n_ids, sizeof(*p->ids), cmp_id);
	}
	if (!hit && *rebuilt && p->pass_read && !p->ids_partial)
		outside_add(p, id); /* or removed since the pass: either way never seen again */
	return hit ? hit->path : NULL;
}

/* On hosts without cgroup2 the id says nothing: the cgroup file of the thread that stands
 * for the process, for this process only. */
static int legacy_path(BpfScanner *p, pid_t pid, pid_t tid, char **ret)
{
	char name[64];
	if (tid > 0 && tid != pid) /* the main thread has exited: its file is stale */
		snprintf(name, sizeof(name), "%d/task/%d/cgroup", (int)pid, (int)tid);
	else
		snprintf(name, sizeof(name), "%d/cgroup", (int)pid);
	_cleanup_close_ int procfd = open(p->proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return negative_errno();
	ssize_t n = read_small_file_at(procfd, name, p->buf, sizeof(p->buf));
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
		path = legacy_path(p, (pid_t)rec->tgid, (pid_t)rec->cgroup_tid, &legacy) < 0
			   ? NULL
			   : legacy;
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
	if (r.tgid == 1)
		p->reported_init = true;
	return ret;
}

/* The task iterator: the records come through the iterator's file. */
static int task_iterate(BpfScanner *p, scan_cb cb, void *userdata, ScanStats *stats, bool *rebuilt)
{
	struct pinscan_record recs[64];
	size_t have = 0, holders = 0;

	p->bss->visited = 0;
	p->pass_read = false;
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
			int r = emit(p, &recs[i], cb, userdata, stats, rebuilt);
			if (r < 0)
				return r;
		}
		holders += whole;
		have -= whole * sizeof(recs[0]);
		if (have)
			memmove(recs, (char *)recs + whole * sizeof(recs[0]), have);
		if (n == 0)
			break;
	}
	p->iterate = holders > p->bss->cap; /* the walk would overflow again */
	stats->visited += (unsigned)p->bss->visited;
	return 0;
}

int scan_bpf_read_records(int map_fd, uint32_t n, struct pinscan_record *recs, uint32_t *keys)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint32_t count = n, next;

	if (n == 0)
		return 0;
	if (bpf_map_lookup_batch(map_fd, NULL, &next, keys, recs, &count, &opts) < 0 &&
	    errno != ENOENT) /* ENOENT: the last entry came with them */
		return negative_errno();
	return count == n ? 0 : -EIO;
}

/* The task walk: one run of the program, then its records. Returns 1, having reported
 * nothing, when there were more holders than it keeps. */
static int task_walk(BpfScanner *p, scan_cb cb, void *userdata, ScanStats *stats, bool *rebuilt)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	p->bss->n_recs = 0;
	if (bpf_prog_test_run_opts(p->walk_fd, &opts) < 0)
		return negative_errno();
	if (opts.retval != 0)
		return -EIO;
	uint32_t n = p->bss->n_recs;
	if (n > p->bss->cap)
		return 1;
	if (n > p->n_alloc) { /* grows with the holders: 60 bytes each */
		struct pinscan_record *v = realloc(p->recs, n * sizeof(*v));
		if (v)
			p->recs = v;
		uint32_t *k = realloc(p->keys, n * sizeof(*k));
		if (k)
			p->keys = k;
		if (!v || !k)
			return -ENOMEM;
		p->n_alloc = n;
	}
	int r = scan_bpf_read_records(p->recs_fd, n, p->recs, p->keys);
	if (r < 0)
		return r;
	p->pass_read = true;
	for (uint32_t i = 0; i < n; i++) {
		r = emit(p, &p->recs[i], cb, userdata, stats, rebuilt);
		if (r < 0)
			return r;
	}
	stats->visited += (unsigned)p->bss->visited;
	return 0;
}

#define FALLBACK_ITERATOR                                                                          \
	"more processes hold pins than the bpf task walk keeps: the task iterator scans while "    \
	"that lasts"

static int bpf_run(Scanner *s, scan_cb cb, void *userdata, ScanStats *stats)
{
	BpfScanner *p = (BpfScanner *)s;
	bool rebuilt = false;
	int r = 1;

	p->bss->saw_init = 0;
	p->bss->ns_failed = 0; /* a failure to find pind's namespace is retried each pass */
	p->reported_init = false;
	if (p->walk_fd >= 0 && !p->iterate)
		r = task_walk(p, cb, userdata, stats, &rebuilt);
	if (r > 0) {
		if (p->walk_fd >= 0)
			stats->fallback = FALLBACK_ITERATOR;
		r = task_iterate(p, cb, userdata, stats, &rebuilt);
	}
	if (r < 0)
		return r;
	if (p->bss->ns_failed)
		return -EIO; /* the programs could not tell pind's pid namespace */
	/* Some hosts' PID 1 is on neither the kernel's task list nor the iterator's walk
	 * (seen on a microVM): then it is read through procfs, unless it was reported. A
	 * pid namespace's PID 1 is an ordinary task, which the pass saw. */
	if (p->bss->ns_level == 0 && !p->bss->saw_init && !p->reported_init)
		return scanner_procfs_one(p->procfs, 1, cb, userdata, stats);
	return 0;
}

static const char *bpf_detail(Scanner *s)
{
	return ((BpfScanner *)s)->detail;
}

static void bpf_free(Scanner *s)
{
	BpfScanner *p = (BpfScanner *)s;

	if (p->bss)
		munmap(p->bss, p->bss_size);
	if (p->link_fd >= 0)
		close(p->link_fd);
	if (p->walk_fd >= 0)
		close(p->walk_fd);
	if (p->recs_fd >= 0)
		close(p->recs_fd);
	free(p->recs);
	free(p->keys);
	if (p->bss_fd >= 0)
		close(p->bss_fd);
	if (p->procfs)
		scanner_free(p->procfs);
	ids_free(p);
	free(p->outside);
	free(p->unified);
	free(p->proc_root);
	free(p);
}

static const ScannerOps bpf_ops = {
    .name = "bpf",
    .run = bpf_run,
    .free = bpf_free,
    .detail = bpf_detail,
};

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0; /* a failed load is reported once by the caller, with its reason */
}

/* In a child (child.h): the load parses the kernel's BTF, megabytes of heap, and runs
 * most of libbpf and libelf once. The programs and the globals map outlive the child in
 * the fds it hands over: the iterator's link, the globals, and where the walk loads, it
 * and its records. The data is why the walk did not load (an int, negative errno), 0 when
 * it did or was not asked for. */
static int load(void *userdata, void *buf, size_t size, int *fds, size_t *n_fds)
{
	const BpfScanOptions *o = userdata;
	struct pinscan *skel = NULL;
	int *walk_error = buf;

	assert(size >= sizeof(int));
	*walk_error = 0;
	*n_fds = 0;
	libbpf_set_print(quiet);
	if (!o->iterator_only && !(skel = pinscan__open_and_load()))
		*walk_error = negative_errno(); /* a kernel before 6.7: the iterator alone */
	if (!skel) {
		skel = pinscan__open();
		if (!skel)
			return negative_errno();
		bpf_program__set_autoload(skel->progs.pinwalk, false);
		if (pinscan__load(skel) < 0)
			return negative_errno();
	}
	struct bpf_link *link = bpf_program__attach_iter(skel->progs.pinscan, NULL);
	if (!link)
		return negative_errno();
	fds[(*n_fds)++] = bpf_link__fd(link);
	fds[(*n_fds)++] = bpf_map__fd(skel->maps.bss);
	if (bpf_program__autoload(skel->progs.pinwalk)) {
		fds[(*n_fds)++] = bpf_program__fd(skel->progs.pinwalk);
		fds[(*n_fds)++] = bpf_map__fd(skel->maps.recs);
	}
	return sizeof(int); /* the child exits without tearing anything down */
}

int scanner_bpf_new_with(const char *proc_root, const CgLayout *layout, const BpfScanOptions *o,
			 Scanner **ret)
{
	BpfScanner *p = calloc(1, sizeof(*p));
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	int fds[4], walk_error = 0;
	size_t len, n_fds;
	int r;

	if (!p)
		return -ENOMEM;
	p->base.ops = &bpf_ops;
	p->link_fd = p->bss_fd = p->walk_fd = p->recs_fd = -1;
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
	r = child_call(load, (void *)o, &walk_error, sizeof(walk_error), fds, 4, &len, &n_fds);
	if (r >= 0 && ((n_fds != 2 && n_fds != 4) || len != sizeof(walk_error))) {
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
	p->walk_fd = n_fds > 2 ? fds[2] : -1;
	p->recs_fd = n_fds > 3 ? fds[3] : -1;
	if (p->walk_fd >= 0)
		snprintf(p->detail, sizeof(p->detail), "task walk");
	else if (walk_error < 0)
		snprintf(p->detail, sizeof(p->detail),
			 "task iterator; the task walk (Linux 6.7+) does not load here: %s",
			 strerror(-walk_error));
	else
		snprintf(p->detail, sizeof(p->detail), "task iterator");
	p->bss_size = (sizeof(*p->bss) + p->page_size - 1) / p->page_size * p->page_size;
	p->bss = mmap(NULL, p->bss_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->bss_fd, 0);
	if (p->bss == MAP_FAILED) {
		p->bss = NULL;
		r = negative_errno();
		bpf_free(&p->base);
		return r;
	}
	p->bss->cap = o->capacity > 0 && o->capacity < PINSCAN_MAX ? o->capacity : PINSCAN_MAX;
	if (p->unified)
		ids_rebuild(p);
	*ret = &p->base;
	return 0;
}
