/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cglayout.h"
#include "cgtree.h"
#include "macro.h"
#include "measure.h"
#include "memcg.h"
#include "procfs.h"
#include "scan.h"

/* Fake /proc and cgroupfs trees below a temporary directory, measured end to end. */

#define KB(x) (UINT64_C(x) * 1024)

/* snprintf into an array, failing the test on truncation */
#define xsnprintf(buf, ...)                                                                        \
	ck_assert_int_lt(snprintf(buf, sizeof(buf), __VA_ARGS__), (int)sizeof(buf))

#define VM1_SCOPE  "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope"
#define LIBVIRT    VM1_SCOPE "/libvirt"
#define EMULATOR   VM1_SCOPE "/libvirt/emulator"
#define VM2        "/machine.slice/vm2.service"
#define QEMU_SLICE "/machine.slice/machine-qemu.slice"
#define VM3_SCOPE  QEMU_SLICE "/machine-qemu\\x2d2\\x2dvm3.scope"
#define SESSION    "/user.slice/user-1000.slice/session-1.scope"
#define AUX_VM2    "/aux/deep/vm2.service"        /* deeper namesakes of VM2, walked */
#define LATE_VM2   "/user.slice/late/vm2.service" /* before and after it */
#define GHOST      "/machine.slice/ghost.scope"
#define GHOST_SUB  GHOST "/payload" /* in a cgroup file only, not in cgroupfs */

/* the cgroups in cgroupfs (with their parents) */
static const char *const cgroup_dirs[] = {EMULATOR, VM2,     VM3_SCOPE, "/system.slice",
					  SESSION,  AUX_VM2, LATE_VM2};

/* The processes below pin or lock (in kB) as follows; -1: no Vm lines (kernel thread). */
enum { P_OK, P_FORGED, P_GARBAGE, P_NO_CGROUP, P_EMPTY };
static const struct {
	const char *dir, *name;
	long pid; /* as the status file says */
	const char *cgroup;
	long pin_kb, lck_kb;
	int kind;
} fake_procs[] = {
    {"2", "kthreadd", 2, "/", -1, -1, P_OK},
    {"100", "qemu-vm1", 100, EMULATOR, 1048576, 2048, P_OK},
    {"101", "vm1-helper", 101, VM1_SCOPE, 4, 0, P_OK},
    {"200", "vm2", 200, VM2, 0, 512, P_OK},
    {"300", "journald", 300, "/system.slice", 16, 8, P_OK},
    {"400", "idle", 400, "/system.slice", 0, 0, P_OK},
    {"500", "forged", 501, VM2, 256, 256, P_FORGED}, /* Pid != directory name */
    {"600", NULL, 600, "/system.slice", 0, 0, P_GARBAGE},
    {"700", "nocgroup", 700, VM2, 128, 0, P_NO_CGROUP},
    {"800", "session", 800, SESSION, 64, 32, P_OK},
    {"900", "ghost", 900, GHOST_SUB, 8, 0, P_OK},
    {"1000", "exiting", 1000, "/system.slice", 0, 0, P_EMPTY},
    {"1100", "sibling", 1100, "/machine.slicex", 4, 0, P_OK}, /* not below /machine.slice */
    {"self", "qemu-vm1", 100, EMULATOR, 1048576, 2048, P_OK}, /* not a PID */
};

#define N_VISITED   13
#define N_REPORTED  7
#define N_MALFORMED 2                /* 500, 600 */
#define N_VANISHED  2                /* 700 (no cgroup file), 1000 (empty status) */
#define TOTAL_PIN   KB(1048672)      /* 1048576 + 4 + 16 + 64 + 8 + 4 */
#define TOTAL_LCK   KB(2600)         /* 2048 + 512 + 8 + 32 */
#define MACHINE_PIN KB(1048588)      /* 1048576 + 4 + 8 */
#define MACHINE_LCK KB(2560)         /* 2048 + 512 */
#define FOLL_PAGES  UINT64_C(263000) /* 300000 acquired - 37000 released */

static const char meminfo[] = "MemTotal:       16315204 kB\nMemFree:         1234 kB\n"
			      "Mlocked:            2600 kB\n";
static const char vmstat[] = "nr_free_pages 300\nnr_mlock 650\nnr_foll_pin_acquired 300000\n"
			     "nr_foll_pin_released 37000\ncompact_stall_x 99\ncompact_stall 7\n"
			     "compact_fail 3\ncompact_success 4\n";

/* ---- temporary trees ---- */

static char base_dir[PATH_MAX]; /* per TCase; its teardown also catches failed tests' trees */
static char tmp_root[PATH_MAX]; /* per test */

static int remove_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(path);
}

static void rm_rf(const char *path)
{
	ck_assert_msg(nftw(path, remove_cb, 16, FTW_DEPTH | FTW_PHYS) == 0, "removing %s: %s", path,
		      strerror(errno));
	ck_assert_int_eq(access(path, F_OK), -1);
}

static void base_setup(void)
{
	const char *tmp = getenv("TMPDIR");

	xsnprintf(base_dir, "%s/pind-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(base_dir));
}

static void base_teardown(void)
{
	rm_rf(base_dir);
}

static void tmp_new(void)
{
	xsnprintf(tmp_root, "%s/t-XXXXXX", base_dir);
	ck_assert_ptr_nonnull(mkdtemp(tmp_root));
}

/* Creates path and its missing parents (path is modified on the way, then restored). */
static void mkdir_p(char *path)
{
	char *slash = strrchr(path, '/');

	if (access(path, F_OK) == 0 || !slash || slash == path)
		return;
	*slash = 0;
	mkdir_p(path);
	*slash = '/';
	ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", path,
		      strerror(errno));
}

/* Writes content to tmp_root/<formatted name>, creating the directories on the way. */
__attribute__((format(printf, 2, 3))) static void put(const char *content, const char *fmt, ...)
{
	char rel[PATH_MAX], path[PATH_MAX + 16];
	va_list ap;

	va_start(ap, fmt);
	ck_assert_int_lt(vsnprintf(rel, sizeof(rel), fmt, ap), (int)sizeof(rel));
	va_end(ap);
	xsnprintf(path, "%s/%s", tmp_root, rel);
	char *slash = strrchr(path, '/');
	*slash = 0;
	mkdir_p(path);
	*slash = '/';
	FILE *f = fopen(path, "we");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	fputs(content, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* ---- the fixture ---- */

typedef enum { FX_V2, FX_HYBRID, FX_LEGACY, FX_N } FxKind;

static struct {
	char proc[PATH_MAX], unified[PATH_MAX], systemd[PATH_MAX], memory[PATH_MAX];
	CgLayout layout;
	Scanner *scanner;
	Snapshot snap;
} fx;

static char *status_text(const char *name, long pid, long pin_kb, long lck_kb)
{
	char vm[256] = "", *s = NULL;

	if (pin_kb >= 0)
		snprintf(vm, sizeof(vm),
			 "VmPeak:\t  123456 kB\nVmSize:\t  123400 kB\nVmLck:\t%8ld kB\n"
			 "VmPin:\t%8ld kB\nVmHWM:\t   20000 kB\nVmRSS:\t   19000 kB\n",
			 lck_kb, pin_kb);
	ck_assert_int_ge(asprintf(&s,
				  "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%ld\n"
				  "Ngid:\t0\nPid:\t%ld\nPPid:\t1\nTracerPid:\t0\nUid:\t0\t0\t0\t0\n"
				  "FDSize:\t64\n%sThreads:\t3\nSigQ:\t0/62955\n"
				  "voluntary_ctxt_switches:\t10\n",
				  name, pid, pid, vm),
			 0);
	return s;
}

/* The other hierarchies name other paths: reading the wrong line would show. */
static char *cgroup_text(FxKind kind, const char *cg)
{
	char *s = NULL;
	int r = -1;

	if (kind == FX_V2)
		r = asprintf(&s, "0::%s\n", cg);
	else if (kind == FX_HYBRID)
		r = asprintf(&s,
			     "12:memory:/mem%1$s\n11:cpu,cpuacct:/cpu\n1:name=systemd:/sd%1$s\n"
			     "0::%1$s\n",
			     cg);
	else
		r = asprintf(&s, "12:memory:/mem%1$s\n11:cpu,cpuacct:/cpu\n1:name=systemd:%1$s\n",
			     cg);
	ck_assert_int_ge(r, 0);
	return s;
}

static void put_procs(FxKind kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(fake_procs); i++) {
		const char *dir = fake_procs[i].dir;
		_cleanup_free_ char *status = NULL, *cgroup = NULL;

		if (fake_procs[i].kind == P_GARBAGE)
			status = strdup("this is not\na status file\n\x01\x02\x03");
		else if (fake_procs[i].kind == P_EMPTY)
			status = strdup("");
		else
			status = status_text(fake_procs[i].name, fake_procs[i].pid,
					     fake_procs[i].pin_kb, fake_procs[i].lck_kb);
		ck_assert_ptr_nonnull(status);
		put(status, "proc/%s/status", dir);
		if (fake_procs[i].kind == P_NO_CGROUP)
			continue;
		cgroup = cgroup_text(kind, fake_procs[i].cgroup);
		put(cgroup, "proc/%s/cgroup", dir);
	}
	put(meminfo, "proc/meminfo");
	put(vmstat, "proc/vmstat");
}

static void put_cgroup_dirs(const char *hier)
{
	for (size_t i = 0; i < ARRAY_SIZE(cgroup_dirs); i++)
		put("", "sys/%s%s/cgroup.procs", hier, cgroup_dirs[i]);
	put("", "sys/%s/cgroup.procs", hier);
}

static void put_memcg_v2(void)
{
	put("2147483648\n", "sys/unified/machine.slice/memory.current");
	put("max\n", "sys/unified/machine.slice/memory.max");
	put("anon 1\nfile 2\nkernel 3\nunevictable 8192\nactive_anon 4\n",
	    "sys/unified/machine.slice/memory.stat");
	put("1048576\n", "sys/unified" VM2 "/memory.current");
	put("4294967296\n", "sys/unified" VM2 "/memory.max");
	put("anon 5\nfile 0\nunevictable 524288\n", "sys/unified" VM2 "/memory.stat");
	put("4096\n", "sys/unified" VM1_SCOPE "/memory.current"); /* no memory.stat */
	put("max\n", "sys/unified" VM1_SCOPE "/memory.max");
}

static void put_memcg_v1(void)
{
	put_cgroup_dirs("memory");
	put("999999\n", "sys/memory/memory.usage_in_bytes");
	put("9223372036854771712\n", "sys/memory/memory.limit_in_bytes");
	put("cache 0\ntotal_unevictable 0\n", "sys/memory/memory.stat");
	put("3145728\n", "sys/memory/machine.slice/memory.usage_in_bytes");
	put("9223372036854771712\n", "sys/memory/machine.slice/memory.limit_in_bytes");
	put("cache 0\nrss 1\nunevictable 4096\nhierarchical_memory_limit 9223372036854771712\n"
	    "total_cache 0\ntotal_rss 1\ntotal_unevictable 12288\n",
	    "sys/memory/machine.slice/memory.stat");
	put("1000\n", "sys/memory" VM2 "/memory.usage_in_bytes");
	put("1073741824\n", "sys/memory" VM2 "/memory.limit_in_bytes");
	put("unevictable 4096\ntotal_unevictable 40960\n", "sys/memory" VM2 "/memory.stat");
}

static void fx_build(FxKind kind)
{
	const char *unified = NULL, *systemd = NULL, *memory = NULL;

	tmp_new();
	xsnprintf(fx.proc, "%s/proc", tmp_root);
	xsnprintf(fx.unified, "%s/sys/unified", tmp_root);
	xsnprintf(fx.systemd, "%s/sys/systemd", tmp_root);
	xsnprintf(fx.memory, "%s/sys/memory", tmp_root);
	put_procs(kind);
	if (kind == FX_V2) {
		put_cgroup_dirs("unified");
		put("memory pids\n", "sys/unified/cgroup.controllers");
		put_memcg_v2();
		unified = fx.unified;
	} else if (kind == FX_HYBRID) {
		put_cgroup_dirs("unified");
		put("", "sys/unified/cgroup.controllers");
		put_memcg_v1();
		unified = fx.unified;
		memory = fx.memory;
	} else {
		put_cgroup_dirs("systemd");
		put_memcg_v1();
		systemd = fx.systemd;
		memory = fx.memory;
	}
	ck_assert_int_eq(cg_layout_init(&fx.layout, unified, systemd, memory, NULL), 0);
	ck_assert_int_eq(scanner_procfs_new(fx.proc, &fx.layout, &fx.scanner), 0);
}

static CgTree *fx_snapshot(const char *cgroup_root)
{
	snapshot_done(&fx.snap);
	ck_assert_int_eq(snapshot_take(fx.scanner, &fx.layout, fx.proc, cgroup_root, &fx.snap), 0);
	ck_assert_ptr_nonnull(fx.snap.tree);
	return fx.snap.tree;
}

static void fx_done(void)
{
	snapshot_done(&fx.snap);
	scanner_free(fx.scanner);
	cg_layout_done(&fx.layout);
	rm_rf(tmp_root);
	memset(&fx, 0, sizeof(fx));
}

static CgNode *must_find(CgTree *t, const char *path)
{
	CgNode *n = cg_tree_find(t, path);

	ck_assert_msg(n, "no node %s", path);
	ck_assert_str_eq(n->path, path);
	return n;
}

typedef struct NodeWant {
	const char *path;
	uint64_t pinned, locked;
	unsigned nprocs;
	uint64_t pinned_sum, locked_sum;
	unsigned nprocs_sum;
	const char *unit; /* cg_node_unit()'s path, NULL: none */
	bool group;
} NodeWant;

static char *counts(char *buf, size_t size, const NodeWant *w)
{
	snprintf(buf, size, "%ju/%ju/%u sum %ju/%ju/%u", (uintmax_t)w->pinned, (uintmax_t)w->locked,
		 w->nprocs, (uintmax_t)w->pinned_sum, (uintmax_t)w->locked_sum, w->nprocs_sum);
	return buf;
}

/* Checks the nodes below root; those outside must be absent. */
static void check_nodes(CgTree *t, const NodeWant *w, size_t n, const char *root)
{
	size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);

	for (; n > 0; n--, w++) {
		if (strncmp(w->path, root, rl) != 0 || (w->path[rl] && w->path[rl] != '/')) {
			ck_assert_msg(!cg_tree_find(t, w->path), "%s below %s", w->path, root);
			continue;
		}
		CgNode *x = must_find(t, w->path);
		NodeWant got = {.pinned = x->pinned,
				.locked = x->locked,
				.nprocs = x->nprocs,
				.pinned_sum = x->pinned_sum,
				.locked_sum = x->locked_sum,
				.nprocs_sum = x->nprocs_sum};
		char g[128], e[128];

		counts(g, sizeof(g), &got);
		ck_assert_msg(strcmp(g, counts(e, sizeof(e), w)) == 0, "%s: %s, expected %s",
			      w->path, g, e);
	}
}

static void check_stats(const ScanStats *s)
{
	ck_assert_uint_eq(s->visited, N_VISITED);
	ck_assert_uint_eq(s->reported, N_REPORTED);
	ck_assert_uint_eq(s->malformed, N_MALFORMED);
	ck_assert_uint_eq(s->vanished, N_VANISHED);
}

/* ---- layouts ---- */

static const struct {
	CgMode mode;
	bool memory_v2;
	const char *primary, *key, *name;
} layout_want[] = {
    {CG_MODE_UNIFIED, true, "unified", "", "unified"},
    {CG_MODE_HYBRID, false, "unified", "", "hybrid"},
    {CG_MODE_LEGACY, false, "systemd", "name=systemd", "legacy"},
};

START_TEST(test_layout)
{
	char primary[PATH_MAX + 32];

	fx_build((FxKind)_i);
	xsnprintf(primary, "%s/sys/%s", tmp_root, layout_want[_i].primary);
	ck_assert_int_eq(fx.layout.mode, layout_want[_i].mode);
	ck_assert(fx.layout.memory_v2 == layout_want[_i].memory_v2);
	ck_assert_str_eq(cg_layout_primary(&fx.layout), primary);
	ck_assert_str_eq(cg_layout_primary_key(&fx.layout), layout_want[_i].key);
	ck_assert_str_eq(cg_mode_to_string(fx.layout.mode), layout_want[_i].name);
	ck_assert(!fx.layout.memory_v1 == (_i == FX_V2));
	fx_done();
}
END_TEST

START_TEST(test_layout_controllers)
{
	/* cgroup.controllers contents (NULL: no such file) and whether memory is on cgroup2 */
	static const char *const files[] = {
	    "memory pids\n", "cpu io memory\n", "memory", "cpuset memoryx io\n", "", NULL};
	static const bool memory[] = {true, true, true, false, false, false};
	char dir[PATH_MAX + 16];
	CgLayout l;

	ck_assert_int_eq(cg_layout_init(&l, NULL, NULL, "/m", NULL), -ENOMEDIUM);
	ck_assert_int_eq(cg_layout_init(&l, "/nonexistent", "/sd", NULL, NULL), 0);
	ck_assert_int_eq(l.mode, CG_MODE_HYBRID);
	ck_assert(!l.memory_v2);
	cg_layout_done(&l);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		tmp_new();
		xsnprintf(dir, "%s/unified", tmp_root);
		put(files[i] ? files[i] : "", "unified/%s", files[i] ? "cgroup.controllers" : "x");
		ck_assert_int_eq(cg_layout_init(&l, dir, NULL, NULL, NULL), 0);
		ck_assert_int_eq(l.mode, CG_MODE_UNIFIED);
		ck_assert_msg(l.memory_v2 == memory[i], "case %zu", i);
		cg_layout_done(&l);
		rm_rf(tmp_root);
	}
}
END_TEST

/* ---- snapshots ---- */

static const NodeWant nodes[] = {
    {"/", 0, 0, 0, TOTAL_PIN, TOTAL_LCK, 7, NULL, true},
    {"/machine.slicex", KB(4), 0, 1, KB(4), 0, 1, NULL, true},
    {"/machine.slice", 0, 0, 0, MACHINE_PIN, MACHINE_LCK, 4, "/machine.slice", true},
    {VM1_SCOPE, KB(4), 0, 1, KB(1048580), KB(2048), 2, VM1_SCOPE, true},
    {LIBVIRT, 0, 0, 0, KB(1048576), KB(2048), 1, VM1_SCOPE, false},
    {EMULATOR, KB(1048576), KB(2048), 1, KB(1048576), KB(2048), 1, VM1_SCOPE, false},
    {VM2, 0, KB(512), 1, 0, KB(512), 1, VM2, true},
    {QEMU_SLICE, 0, 0, 0, 0, 0, 0, QEMU_SLICE, true},
    {VM3_SCOPE, 0, 0, 0, 0, 0, 0, VM3_SCOPE, true},
    {GHOST, 0, 0, 0, KB(8), 0, 1, GHOST, true},
    {GHOST_SUB, KB(8), 0, 1, KB(8), 0, 1, GHOST, false},
    {"/system.slice", KB(16), KB(8), 1, KB(16), KB(8), 1, "/system.slice", true},
    {"/user.slice", 0, 0, 0, KB(64), KB(32), 1, "/user.slice", true},
    {SESSION, KB(64), KB(32), 1, KB(64), KB(32), 1, SESSION, true},
    {"/aux", 0, 0, 0, 0, 0, 0, NULL, true},
    {"/aux/deep", 0, 0, 0, 0, 0, 0, NULL, true},
    {AUX_VM2, 0, 0, 0, 0, 0, 0, AUX_VM2, true},
    {LATE_VM2, 0, 0, 0, 0, 0, 0, LATE_VM2, true}, /* a unit inside a unit is one, too */
};

START_TEST(test_snapshot_whole)
{
	fx_build((FxKind)_i);
	CgTree *t = fx_snapshot("/");

	ck_assert_str_eq(t->root->path, "/");
	check_stats(&fx.snap.stats);
	ck_assert_uint_eq(t->all_pinned, TOTAL_PIN);
	ck_assert_uint_eq(t->all_locked, TOTAL_LCK);
	ck_assert_uint_eq(t->all_procs, N_REPORTED);
	check_nodes(t, nodes, ARRAY_SIZE(nodes), "/");

	CgNode *emu = must_find(t, EMULATOR);
	ck_assert_ptr_nonnull(emu->procs);
	ck_assert_int_eq(emu->procs->pid, 100);
	ck_assert_str_eq(emu->procs->comm, "qemu-vm1");
	ck_assert_uint_eq(emu->procs->pinned, KB(1048576));
	ck_assert_uint_eq(emu->procs->locked, KB(2048));
	ck_assert_ptr_eq(emu->procs->node, emu);
	ck_assert_ptr_null(emu->procs->next);
	CgNode *sys = must_find(t, "/system.slice");
	ck_assert_int_eq(sys->procs->pid, 300); /* not the idle one */
	ck_assert_ptr_null(sys->procs->next);

	/* children in name order ('.' < '\\') */
	static const char *const kids[] = {"ghost.scope", "machine-qemu.slice",
					   "machine-qemu\\x2d1\\x2dvm1.scope", "vm2.service", NULL};
	CgNode *c = must_find(t, "/machine.slice")->children;
	for (size_t i = 0; kids[i]; i++, c = c->next_sibling)
		ck_assert_str_eq(c ? c->name : "(none)", kids[i]);
	ck_assert_ptr_null(c);

	ck_assert_uint_eq(fx.snap.sys.mem_total, KB(16315204));
	ck_assert_uint_eq(fx.snap.sys.compact_stall, 7);
	ck_assert_uint_eq(fx.snap.sys.compact_fail, 3);
	ck_assert(fx.snap.sys.has_foll_pin);
	ck_assert_uint_eq(fx.snap.sys.foll_pinned_pages, FOLL_PAGES);
	fx_done();
}
END_TEST

START_TEST(test_snapshot_subroot)
{
	fx_build((FxKind)_i);
	for (int trailing = 0; trailing < 2; trailing++) {
		CgTree *t = fx_snapshot(trailing ? "/machine.slice/" : "/machine.slice");

		ck_assert_str_eq(t->root->path, "/machine.slice");
		ck_assert_str_eq(t->root->name, "machine.slice");
		ck_assert_ptr_null(t->root->parent);
		check_stats(&fx.snap.stats);
		/* the totals include the processes outside the root */
		ck_assert_uint_eq(t->all_pinned, TOTAL_PIN);
		ck_assert_uint_eq(t->all_locked, TOTAL_LCK);
		ck_assert_uint_eq(t->all_procs, N_REPORTED);
		check_nodes(t, nodes, ARRAY_SIZE(nodes), "/machine.slice");
	}
	fx_done();
}
END_TEST

START_TEST(test_units_and_groups)
{
	fx_build((FxKind)_i);
	CgTree *t = fx_snapshot("/");

	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		CgNode *n = must_find(t, nodes[i].path), *u = cg_node_unit(n);

		ck_assert_msg(nodes[i].unit ? u == must_find(t, nodes[i].unit) : !u,
			      "unit of %s: %s", nodes[i].path, u ? u->path : "none");
		ck_assert_msg(cg_node_is_group(n) == nodes[i].group, "%s", nodes[i].path);
		ck_assert(n->is_unit == (u == n));
	}
	fx_done();
}
END_TEST

/* ---- cg_tree_resolve ---- */

static const struct {
	const char *root, *name;
	int ret;
	const char *path;
} resolve_table[] = {
    {"/", "machine.slice", 0, "/machine.slice"},
    {"/", "machine-qemu.slice", 0, QEMU_SLICE},
    {"/", "user-1000.slice", 0, "/user.slice/user-1000.slice"},
    {"/", "-.slice", 0, "/"},
    {"/", "machine-qemu\\x2d1\\x2dvm1.scope", 0, VM1_SCOPE},
    {"/", "machine-qemu\\x2d2\\x2dvm3.scope", 0, VM3_SCOPE},
    {"/", "session-1.scope", 0, SESSION},
    {"/", "ghost.scope", 0, GHOST},
    {"/", "vm2.service", 0, VM2}, /* the shallowest, visited between AUX_VM2 and LATE_VM2 */
    {"/", "/machine.slice/vm2.service", 0, VM2},
    {"/", "/machine.slice/vm2.service/", 0, VM2},
    {"/", "/aux/deep", 0, "/aux/deep"},
    {"/", "/", 0, "/"},
    {"/", "../x", -EINVAL, NULL},
    {"/", "a/b.slice", -EINVAL, NULL},
    {"/", "foo.socket", -EINVAL, NULL},
    {"/", "libvirt", -EINVAL, NULL},
    {"/", "", -EINVAL, NULL},
    {"/", "/a/../b", -EINVAL, NULL},
    {"/", "nope.service", -ENOENT, NULL},
    {"/", "machine-nope.slice", -ENOENT, NULL},
    {"/", "/nope", -ENOENT, NULL},
    {"/machine.slice", "vm2.service", 0, VM2},
    {"/machine.slice", "/vm2.service", 0, VM2},
    {"/machine.slice", "/", 0, "/machine.slice"},
    {"/machine.slice", "machine-qemu\\x2d1\\x2dvm1.scope", 0, VM1_SCOPE},
    {"/machine.slice", "session-1.scope", -ENOENT, NULL},
    {"/machine.slice", "/system.slice", -ENOENT, NULL},
    {"/machine.slice", "foo.socket", -EINVAL, NULL},
};

START_TEST(test_resolve)
{
	static CgNode sentinel;
	CgNode *n = &sentinel;

	fx_build(FX_V2);
	CgTree *t = fx_snapshot(resolve_table[_i].root);
	int r = cg_tree_resolve(t, resolve_table[_i].name, &n);
	ck_assert_msg(r == resolve_table[_i].ret, "\"%s\" below %s: %d, expected %d",
		      resolve_table[_i].name, resolve_table[_i].root, r, resolve_table[_i].ret);
	if (r < 0)
		ck_assert_ptr_eq(n, &sentinel);
	else
		ck_assert_ptr_eq(n, must_find(t, resolve_table[_i].path));
	fx_done();
}
END_TEST

/* ---- memcg_read ---- */

typedef struct MemcgWant {
	const char *path;
	int ret;
	uint64_t current, max, unevictable;
} MemcgWant;

static const MemcgWant memcg_v2[] = {
    {"/machine.slice", 0, 2147483648, UINT64_MAX, 8192},
    {VM2, 0, 1048576, 4294967296, 524288},
    {VM1_SCOPE, -ENOENT, 0, 0, 0}, /* no memory.stat */
    {"/", -ENOENT, 0, 0, 0},       /* the cgroup2 root has no memory.current */
    {"/system.slice", -ENOENT, 0, 0, 0},
    {"/nope", -ENOENT, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static const MemcgWant memcg_v1[] = {
    {"/", 0, 999999, UINT64_MAX, 0},
    {"/machine.slice", 0, 3145728, UINT64_MAX, 12288}, /* total_unevictable, not unevictable */
    {VM2, 0, 1000, 1073741824, 40960},
    {"/system.slice", -ENOENT, 0, 0, 0},
    {"/nope", -ENOENT, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

START_TEST(test_memcg)
{
	fx_build((FxKind)_i);
	for (const MemcgWant *w = _i == FX_V2 ? memcg_v2 : memcg_v1; w->path; w++) {
		Memcg m = {.current = 42};
		int r = memcg_read(&fx.layout, w->path, &m);

		ck_assert_msg(r == w->ret, "%s: %d, expected %d", w->path, r, w->ret);
		if (r < 0) {
			ck_assert_uint_eq(m.current, 42);
			continue;
		}
		ck_assert_msg(m.current == w->current && m.max == w->max &&
				  m.unevictable == w->unevictable,
			      "%s: %ju/%ju/%ju", w->path, (uintmax_t)m.current, (uintmax_t)m.max,
			      (uintmax_t)m.unevictable);
		ck_assert(m.v1 == (_i != FX_V2));
	}

	/* no memory controller: cgroup2 without it (hybrid), or name=systemd alone */
	CgLayout none;
	Memcg m;
	bool hybrid = _i == FX_HYBRID;
	ck_assert_int_eq(cg_layout_init(&none, hybrid ? fx.unified : NULL,
					hybrid ? NULL : fx.systemd, NULL, NULL),
			 0);
	ck_assert(!none.memory_v2);
	ck_assert_int_eq(memcg_read(&none, "/machine.slice", &m), -EOPNOTSUPP);
	ck_assert_int_eq(memcg_read(&none, "/", &m), -EOPNOTSUPP);
	cg_layout_done(&none);
	fx_done();
}
END_TEST

/* ---- unattributed pins, sysinfo ---- */

START_TEST(test_unattributed)
{
	fx_build((FxKind)_i);
	for (int sub = 0; sub < 2; sub++) {
		fx_snapshot(sub ? "/machine.slice" : "/");
		/* FOLL_PAGES * 4096 = 1077248000 > TOTAL_PIN = 1073840128 */
		ck_assert_uint_eq(snapshot_unattributed(&fx.snap, 4096), 3407872);
		ck_assert_uint_eq(snapshot_unattributed(&fx.snap, 65536),
				  FOLL_PAGES * 65536 - TOTAL_PIN);
		ck_assert_uint_eq(snapshot_unattributed(&fx.snap, 1), 0);
	}
	/* exactly what the processes show: TOTAL_PIN / 4096 = 262168 pages */
	put("nr_foll_pin_acquired 262201\nnr_foll_pin_released 33\n", "proc/vmstat");
	fx_snapshot("/");
	ck_assert_uint_eq(fx.snap.sys.foll_pinned_pages, 262168);
	ck_assert_uint_eq(snapshot_unattributed(&fx.snap, 4096), 0);
	ck_assert_uint_eq(snapshot_unattributed(&fx.snap, 8192), TOTAL_PIN);
	/* released read after more pins were dropped */
	put("nr_foll_pin_acquired 5\nnr_foll_pin_released 9\n", "proc/vmstat");
	fx_snapshot("/");
	ck_assert(fx.snap.sys.has_foll_pin);
	ck_assert_uint_eq(fx.snap.sys.foll_pinned_pages, 0);
	ck_assert_uint_eq(snapshot_unattributed(&fx.snap, 4096), 0);
	/* a kernel without the counters (or with half of them) */
	put("nr_free_pages 300\nnr_foll_pin_acquired 5\n", "proc/vmstat");
	fx_snapshot("/");
	ck_assert(!fx.snap.sys.has_foll_pin);
	ck_assert_uint_eq(snapshot_unattributed(&fx.snap, 4096), 0);
	ck_assert_uint_eq(fx.snap.sys.compact_stall, 0);
	fx_done();
}
END_TEST

/* ---- errors ---- */

START_TEST(test_tree_new)
{
	static const char *const bad[] = {"relative", "/a/../b", "/a//b", "",     "a/",
					  "/.",       "/a/./b",  "/..",   "/a/.."};
	static const struct {
		const char *in, *path, *name;
	} good[] = {
	    {"/", "/", "/"},   {"//", "/", "/"},         {"/a/", "/a", "a"},
	    {"/a", "/a", "a"}, {"/a/b///", "/a/b", "b"}, {"/a.b/..c", "/a.b/..c", "..c"},
	};
	static CgTree sentinel;
	CgTree *t = &sentinel;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_msg(cg_tree_new(bad[i], &t) == -EINVAL, "\"%s\"", bad[i]);
		ck_assert_ptr_eq(t, &sentinel);
	}
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		ck_assert_int_eq(cg_tree_new(good[i].in, &t), 0);
		ck_assert_str_eq(t->root->path, good[i].path);
		ck_assert_str_eq(t->root->name, good[i].name);
		ck_assert_ptr_null(t->root->children);
		ck_assert_uint_eq(t->all_pinned, 0);
		cg_tree_free(t);
	}
}
END_TEST

static int failing_cb(const PinRecord *r, void *userdata)
{
	++*(unsigned *)userdata;
	return -EIO;
}

START_TEST(test_snapshot_errors)
{
	static const char *const roots[] = {"relative", "/a/../b", "/nope.slice"};
	static const int rets[] = {-EINVAL, -EINVAL, -ENOENT};
	Snapshot snap = {.stats.visited = 77};
	char noproc[PATH_MAX + 16];
	Scanner *s = NULL;
	SysInfo si;

	fx_build(FX_V2);
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		int r = snapshot_take(fx.scanner, &fx.layout, fx.proc, roots[i], &snap);
		ck_assert_msg(r == rets[i], "%s: %d", roots[i], r);
		ck_assert_ptr_null(snap.tree);
		ck_assert_uint_eq(snap.stats.visited, 77);
	}
	/* no /proc at all, no vmstat, no MemTotal */
	xsnprintf(noproc, "%s/noproc", tmp_root);
	ck_assert_int_eq(scanner_procfs_new(noproc, &fx.layout, &s), 0);
	ck_assert_int_eq(snapshot_take(s, &fx.layout, noproc, "/", &snap), -ENOENT);
	ck_assert_ptr_null(snap.tree);
	scanner_free(s);
	ck_assert_int_eq(sysinfo_read(noproc, &si), -ENOENT);
	put(meminfo, "noproc/meminfo");
	ck_assert_int_eq(sysinfo_read(noproc, &si), -ENOENT);
	put("MemFree:  12 kB\n", "proc/meminfo");
	ck_assert_int_eq(snapshot_take(fx.scanner, &fx.layout, fx.proc, "/", &snap), -ENOENT);
	ck_assert_ptr_null(snap.tree);

	/* a failing callback ends the pass with its error */
	unsigned calls = 0;
	ScanStats st;
	ck_assert_int_eq(scanner_run(fx.scanner, failing_cb, &calls, &st), -EIO);
	ck_assert_uint_eq(calls, 1);
	ck_assert_uint_eq(st.reported, 0);
	fx_done();
}
END_TEST

/* BUG (reported, left failing): a cgroup file that is there but lacks the primary
 * hierarchy's line (a layout that does not match the host) makes proc_cgroup_find() return
 * -ENOENT, which scan_one() takes for "the file vanished": the process is counted as vanished
 * (ScanStats: "exited while being read") rather than malformed, hiding the mismatch. */
START_TEST(test_scan_no_primary_line)
{
	fx_build(FX_V2);
	put("12:memory:/m\n1:name=systemd:/x\n", "proc/100/cgroup"); /* no "0::" line */
	fx_snapshot("/");
	ck_assert_uint_eq(fx.snap.stats.visited, N_VISITED);
	ck_assert_uint_eq(fx.snap.stats.reported, N_REPORTED - 1);
	ck_assert_uint_eq(fx.snap.tree->all_pinned, TOTAL_PIN - KB(1048576));
	ck_assert_uint_eq(fx.snap.stats.vanished + fx.snap.stats.malformed,
			  N_VANISHED + N_MALFORMED + 1);
	ck_assert_uint_eq(fx.snap.stats.vanished, N_VANISHED);
	ck_assert_uint_eq(fx.snap.stats.malformed, N_MALFORMED + 1);
	fx_done();
}
END_TEST

static Suite *fixtures_suite(void)
{
	Suite *s = suite_create("fixtures");
	TCase *tc = tcase_create("fixtures");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_loop_test(tc, test_layout, 0, FX_N);
	tcase_add_test(tc, test_layout_controllers);
	tcase_add_loop_test(tc, test_snapshot_whole, 0, FX_N);
	tcase_add_loop_test(tc, test_snapshot_subroot, 0, FX_N);
	tcase_add_loop_test(tc, test_units_and_groups, 0, FX_N);
	tcase_add_loop_test(tc, test_resolve, 0, ARRAY_SIZE(resolve_table));
	tcase_add_loop_test(tc, test_memcg, 0, FX_N);
	tcase_add_loop_test(tc, test_unattributed, 0, FX_N);
	tcase_add_test(tc, test_tree_new);
	tcase_add_test(tc, test_snapshot_errors);
	tcase_add_test(tc, test_scan_no_primary_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fixtures_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
