/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cglayout.h"
#include "cgtree.h"
#include "fixture.h"
#include "macro.h"
#include "measure.h"
#include "memcg.h"
#include "procfs.h"
#include "scan.h"
#include "testutil.h"

/* Fake /proc and cgroupfs trees below a temporary directory (fixture.h), measured end to end. */

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
	tu_xsnprintf(primary, "%s/sys/%s", fx.root, layout_want[_i].primary);
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
		fx_tmp_new();
		tu_xsnprintf(dir, "%s/unified", fx.root);
		fx_put(files[i] ? files[i] : "", "unified/%s",
		       files[i] ? "cgroup.controllers" : "x");
		ck_assert_int_eq(cg_layout_init(&l, dir, NULL, NULL, NULL), 0);
		ck_assert_int_eq(l.mode, CG_MODE_UNIFIED);
		ck_assert_msg(l.memory_v2 == memory[i], "case %zu", i);
		cg_layout_done(&l);
		tu_rm_rf(fx.root);
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
	fx_put("nr_foll_pin_acquired 262201\nnr_foll_pin_released 33\n", "proc/vmstat");
	fx_snapshot("/");
	ck_assert_uint_eq(fx.snap.sys.foll_pinned_pages, 262168);
	ck_assert_uint_eq(snapshot_unattributed(&fx.snap, 4096), 0);
	ck_assert_uint_eq(snapshot_unattributed(&fx.snap, 8192), TOTAL_PIN);
	/* released read after more pins were dropped */
	fx_put("nr_foll_pin_acquired 5\nnr_foll_pin_released 9\n", "proc/vmstat");
	fx_snapshot("/");
	ck_assert(fx.snap.sys.has_foll_pin);
	ck_assert_uint_eq(fx.snap.sys.foll_pinned_pages, 0);
	ck_assert_uint_eq(snapshot_unattributed(&fx.snap, 4096), 0);
	/* a kernel without the counters (or with half of them) */
	fx_put("nr_free_pages 300\nnr_foll_pin_acquired 5\n", "proc/vmstat");
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
	tu_xsnprintf(noproc, "%s/noproc", fx.root);
	ck_assert_int_eq(scanner_procfs_new(noproc, &fx.layout, &s), 0);
	ck_assert_int_eq(snapshot_take(s, &fx.layout, noproc, "/", &snap), -ENOENT);
	ck_assert_ptr_null(snap.tree);
	scanner_free(s);
	ck_assert_int_eq(sysinfo_read(noproc, &si), -ENOENT);
	fx_put(fx_meminfo, "noproc/meminfo");
	ck_assert_int_eq(sysinfo_read(noproc, &si), -ENOENT);
	fx_put("MemFree:  12 kB\n", "proc/meminfo");
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
	fx_put("12:memory:/m\n1:name=systemd:/x\n", "proc/100/cgroup"); /* no "0::" line */
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

	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
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
	return tu_run(fixtures_suite());
}
