/* SPDX-License-Identifier: MIT */
/* cgwatch: the tree kept current from inotify, on plain directories (inotify reports a
 * cgroupfs mkdir and rmdir as it reports these): made, removed, renamed, nested at once;
 * lost events repaired by one re-walk; cgroup.events (populated, frozen) followed. Real cgroups:
 * tests/integration/cgwatch.sh. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgwatch.h"
#include "testutil.h"

static char mount_dir[4096];

static void setup(void)
{
	tu_mkdtemp(mount_dir, sizeof(mount_dir), tu_base_dir(), "cg");
	char p[4200];
	tu_xsnprintf(p, "%s/m/machine.slice/vm1.service", mount_dir);
	tu_mkdir_p(p);
	tu_xsnprintf(p, "%s/m/system.slice", mount_dir);
	tu_mkdir_p(p);
	tu_xsnprintf(p, "%s/m/file", mount_dir); /* not a cgroup */
	tu_write_file(p, "x");
}

static void make(const char *rel)
{
	char p[4200];
	tu_xsnprintf(p, "%s%s", mount_dir, rel);
	ck_assert_msg(mkdir(p, 0755) == 0, "mkdir %s: %s", p, strerror(errno));
}

static void drop(const char *rel)
{
	char p[4200];
	tu_xsnprintf(p, "%s%s", mount_dir, rel);
	ck_assert_msg(rmdir(p) == 0, "rmdir %s: %s", p, strerror(errno));
}

static bool has(CgWatch *w, const char *path)
{
	return cg_tree_find(cgwatch_tree(w), path) != NULL;
}

/* cgwatch_populated_fn: what became populated, in order */
static char noted[8][256];
static unsigned n_noted;

static void note(const char *path, void *userdata)
{
	(void)userdata;
	if (n_noted < 8)
		snprintf(noted[n_noted], sizeof(noted[0]), "%s", path ? path : "(all)");
	n_noted++;
}

START_TEST(test_walk_and_events)
{
	CgWatch *w;

	ck_assert_int_eq(cgwatch_new(NULL, mount_dir, "/m", &w), 0);
	ck_assert_str_eq(cgwatch_root(w), "/m");
	ck_assert_uint_eq(cgwatch_cgroups(w), 4); /* /m, machine.slice, vm1, system.slice */
	ck_assert(has(w, "/m/machine.slice/vm1.service"));
	ck_assert(!has(w, "/m/file"));
	uint64_t gen = cgwatch_generation(w);

	ck_assert_int_eq(cgwatch_sync(w), 0); /* nothing happened */
	ck_assert_uint_eq(cgwatch_generation(w), gen);

	make("/m/machine.slice/vm2.service");
	ck_assert(!has(w, "/m/machine.slice/vm2.service")); /* until the sync */
	ck_assert_int_eq(cgwatch_sync(w), 0);
	ck_assert(has(w, "/m/machine.slice/vm2.service"));
	ck_assert_uint_gt(cgwatch_generation(w), gen);
	ck_assert_uint_eq(cgwatch_cgroups(w), 5);

	/* nested at once: the inner ones exist before pind watches the outer one */
	make("/m/a.slice");
	make("/m/a.slice/b.slice");
	make("/m/a.slice/b.slice/c.service");
	ck_assert_int_eq(cgwatch_sync(w), 0);
	ck_assert(has(w, "/m/a.slice/b.slice/c.service"));
	ck_assert_uint_eq(cgwatch_cgroups(w), 8);
	make("/m/a.slice/b.slice/c.service/payload"); /* watched, too */
	ck_assert_int_eq(cgwatch_sync(w), 0);
	ck_assert(has(w, "/m/a.slice/b.slice/c.service/payload"));

	drop("/m/a.slice/b.slice/c.service/payload");
	drop("/m/a.slice/b.slice/c.service");
	drop("/m/a.slice/b.slice");
	ck_assert_int_eq(cgwatch_sync(w), 0);
	ck_assert(!has(w, "/m/a.slice/b.slice"));
	ck_assert(has(w, "/m/a.slice"));
	ck_assert_uint_eq(cgwatch_cgroups(w), 6);

	char from[4200], to[4200];
	tu_xsnprintf(from, "%s/m/machine.slice/vm2.service", mount_dir);
	tu_xsnprintf(to, "%s/m/machine.slice/vm3.service", mount_dir);
	ck_assert_int_eq(rename(from, to), 0);
	ck_assert_int_eq(cgwatch_sync(w), 0);
	ck_assert(!has(w, "/m/machine.slice/vm2.service"));
	ck_assert(has(w, "/m/machine.slice/vm3.service"));
	make("/m/machine.slice/vm3.service/sub"); /* the renamed one is still watched */
	ck_assert_int_eq(cgwatch_sync(w), 0);
	ck_assert(has(w, "/m/machine.slice/vm3.service/sub"));

	ck_assert_uint_eq(cgwatch_rewalks(w), 0);
	cgwatch_free(w);
}
END_TEST

/* More events than the kernel queues (fs.inotify.max_queued_events, 16384 by default):
 * the overflow is noticed and one re-walk makes the tree right. */
START_TEST(test_lost_events)
{
	CgWatch *w;
	char p[4200];
	long max = 16384;
	FILE *f = fopen("/proc/sys/fs/inotify/max_queued_events", "re");

	if (f) {
		ck_assert_int_eq(fscanf(f, "%ld", &max), 1);
		fclose(f);
	}
	if (max > 100000) {
		fprintf(stderr, "SKIP lost events: max_queued_events is %ld\n", max);
		return;
	}
	ck_assert_int_eq(cgwatch_new(NULL, mount_dir, "/m", &w), 0);
	cgwatch_on_populated(w, note, NULL);
	n_noted = 0;
	make("/m/many.slice");
	ck_assert_int_eq(cgwatch_sync(w), 0);
	for (long i = 0; i < max + 100; i++) {
		tu_xsnprintf(p, "/m/many.slice/u%ld.service", i);
		make(p);
	}
	ck_assert_int_eq(cgwatch_sync(w), 0);
	ck_assert_uint_eq(cgwatch_rewalks(w), 1);
	ck_assert_uint_eq(n_noted, 1); /* moves may have gone unseen: said once */
	ck_assert_str_eq(noted[0], "(all)");
	ck_assert_uint_eq(cgwatch_cgroups(w), 5 + (unsigned)max + 100);
	ck_assert(has(w, "/m/many.slice/u0.service"));
	tu_xsnprintf(p, "/m/many.slice/u%ld.service", max + 99);
	ck_assert(has(w, p));
	/* and watched again */
	make("/m/many.slice/late.service");
	ck_assert_int_eq(cgwatch_sync(w), 0);
	ck_assert(has(w, "/m/many.slice/late.service"));
	ck_assert_uint_eq(cgwatch_rewalks(w), 1);
	cgwatch_free(w);
}
END_TEST

/* cgroup.events as the kernel writes it; rewritten in place, as a modification */
static void events(const char *rel, int populated, int frozen)
{
	char p[4200], text[64];
	tu_xsnprintf(p, "%s%s/cgroup.events", mount_dir, rel);
	tu_xsnprintf(text, "populated %d\nfrozen %d\n", populated, frozen);
	tu_write_file(p, text);
}

START_TEST(test_cgroup_events)
{
	CgWatch *w;

	events("/m/machine.slice", 0, 0);
	events("/m/machine.slice/vm1.service", 0, 1);
	ck_assert_int_eq(cgwatch_new(NULL, mount_dir, "/m", &w), 0);
	CgNode *vm1 = cg_tree_find(cgwatch_tree(w), "/m/machine.slice/vm1.service");
	CgNode *slice = cg_tree_find(cgwatch_tree(w), "/m/machine.slice");
	ck_assert(!vm1->populated && vm1->frozen); /* read at the walk */
	ck_assert(cg_tree_find(cgwatch_tree(w), "/m/system.slice")->events_watch == 0); /* none */
	cgwatch_on_populated(w, note, NULL);
	n_noted = 0;

	events("/m/machine.slice/vm1.service", 1, 0); /* a process moved in, thawed */
	events("/m/machine.slice", 1, 0);
	ck_assert_int_eq(cgwatch_sync(w), 0);
	ck_assert(vm1->populated && !vm1->frozen);
	ck_assert(slice->populated);
	ck_assert_uint_eq(n_noted, 2); /* each said, in the order the kernel did */
	ck_assert_str_eq(noted[0], "/m/machine.slice/vm1.service");
	ck_assert_str_eq(noted[1], "/m/machine.slice");

	events("/m/machine.slice/vm1.service", 1, 1); /* frozen: no population */
	ck_assert_int_eq(cgwatch_sync(w), 0);
	ck_assert(vm1->frozen);
	ck_assert_uint_eq(n_noted, 2);

	events("/m/machine.slice/vm1.service", 0, 0); /* emptied */
	ck_assert_int_eq(cgwatch_sync(w), 0);
	ck_assert(!vm1->populated);
	ck_assert_uint_eq(n_noted, 2);

	/* a cgroup made with its cgroup.events: watched at once */
	make("/m/machine.slice/vm2.service");
	events("/m/machine.slice/vm2.service", 0, 0);
	ck_assert_int_eq(cgwatch_sync(w), 0);
	CgNode *vm2 = cg_tree_find(cgwatch_tree(w), "/m/machine.slice/vm2.service");
	ck_assert_ptr_nonnull(vm2);
	ck_assert_int_gt(vm2->events_watch, 0); /* there before the sync set the watch */
	events("/m/machine.slice/vm2.service", 1, 0);
	ck_assert_int_eq(cgwatch_sync(w), 0);
	ck_assert(vm2->populated);
	ck_assert_uint_eq(n_noted, 3);
	ck_assert_str_eq(noted[2], "/m/machine.slice/vm2.service");
	ck_assert_uint_eq(cgwatch_rewalks(w), 0);
	cgwatch_free(w);
}
END_TEST

START_TEST(test_no_root)
{
	CgWatch *w;
	ck_assert_int_eq(cgwatch_new(NULL, mount_dir, "/nonexistent", &w), -ENOENT);
}
END_TEST

static Suite *cgwatch_suite(void)
{
	Suite *s = suite_create("cgwatch");
	TCase *tc = tcase_create("cgwatch");

	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_walk_and_events);
	tcase_add_test(tc, test_lost_events);
	tcase_add_test(tc, test_cgroup_events);
	tcase_add_test(tc, test_no_root);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(cgwatch_suite());
}
