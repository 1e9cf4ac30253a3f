/* SPDX-License-Identifier: MIT */
/* cg_freeze(), cg_frozen(), the marks and cg_kill() against the running kernel, in the
 * test's own cgroup tree (kernel.h): they are kernel behaviour. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "actuate.h"
#include "kernel.h"
#include "macro.h"
#include "testutil.h"

/* ---- kernel: freeze ---- */

START_TEST(test_freeze_thaw)
{
	KT_REQUIRE(&kt_v2);
	CgLayout l;
	Cg c;
	bool frozen = true;

	kt_layout_init(&l, kt_v2.mount, NULL, NULL);
	kt_mkcg(&c, &kt_v2, "freeze");
	pid_t pids[2] = {kt_spawn(KID_BUSY, &c, NULL), kt_spawn(KID_BUSY, &c, NULL)};
	ck_assert_int_eq(cg_frozen(&l, c.cg, &frozen), 0);
	ck_assert(!frozen);
	kt_assert_running(pids, 2, true);

	uint64_t t0 = kt_mono_usec();
	ck_assert_int_eq(cg_freeze(&l, c.cg, true, FREEZE_TIMEOUT_USEC), 0);
	uint64_t t1 = kt_mono_usec();
	kt_assert_policy(SCHED_OTHER, 0);
	ck_assert_int_eq(cg_frozen(&l, c.cg, &frozen), 0);
	ck_assert(frozen);
	ck_assert(kt_file_has_line(&c, "cgroup.events", "frozen 1"));
	kt_assert_running(pids, 2, false);
	/* freezing what is frozen returns at once */
	ck_assert_int_eq(cg_freeze(&l, c.cg, true, 0), 0);

	uint64_t t2 = kt_mono_usec();
	ck_assert_int_eq(cg_freeze(&l, c.cg, false, FREEZE_TIMEOUT_USEC), 0);
	uint64_t t3 = kt_mono_usec();
	kt_assert_policy(SCHED_OTHER, 0);
	ck_assert_int_eq(cg_frozen(&l, c.cg, &frozen), 0);
	ck_assert(!frozen);
	ck_assert(kt_file_has_line(&c, "cgroup.events", "frozen 0"));
	kt_assert_running(pids, 2, true);
	printf("cgroup2: freeze of 2 busy processes %.2f ms, thaw %.2f ms\n", (t1 - t0) / 1e3,
	       (t3 - t2) / 1e3);
	cg_layout_done(&l);
}
END_TEST

/* Many busy processes: a timed-out freeze stays requested; thaw at normal priority
 * against thaw through cg_freeze() (SCHED_FIFO). */
START_TEST(test_freeze_many)
{
	KT_REQUIRE(&kt_v2);
	const char *env = getenv("PIND_TEST_FREEZE_N");
	int n = env ? atoi(env) : 100;
	CgLayout l;
	Cg c;
	bool frozen;
	char path[PATH_MAX + 32];

	ck_assert(n > 0 && n < KT_MAX_KIDS);
	kt_layout_init(&l, kt_v2.mount, NULL, NULL);
	kt_mkcg(&c, &kt_v2, "many");
	tu_xsnprintf(path, "%s/cgroup.freeze", c.dir);
	uint64_t t0 = kt_mono_usec();
	for (int i = 0; i < n; i++)
		kt_spawn(KID_BUSY, &c, NULL);
	uint64_t t1 = kt_mono_usec();

	/* timeout 0: one look right after the write; n busy processes are not frozen yet */
	ck_assert_int_eq(cg_freeze(&l, c.cg, true, 0), -ETIMEDOUT);
	ck_assert_int_eq(cg_frozen(&l, c.cg, &frozen), 0);
	ck_assert(frozen);
	uint64_t t2 = kt_mono_usec();
	ck_assert_int_eq(cg_freeze(&l, c.cg, true, FREEZE_TIMEOUT_USEC), 0);
	uint64_t t3 = kt_mono_usec();

	/* thaw by hand at normal priority, as a plain writer would */
	kt_xwrite_file(path, "0");
	uint64_t t4 = kt_mono_usec();
	for (int i = 0; !kt_file_has_line(&c, "cgroup.events", "frozen 0"); i++) {
		ck_assert_msg(i < 10000, "still frozen 10 s after a thaw");
		kt_msleep(1);
	}
	uint64_t t5 = kt_mono_usec();

	uint64_t t6 = kt_mono_usec();
	ck_assert_int_eq(cg_freeze(&l, c.cg, true, FREEZE_TIMEOUT_USEC), 0);
	uint64_t t7 = kt_mono_usec();
	ck_assert_int_eq(cg_freeze(&l, c.cg, false, FREEZE_TIMEOUT_USEC), 0);
	uint64_t t8 = kt_mono_usec();
	kt_assert_policy(SCHED_OTHER, 0);
	printf("cgroup2, %d busy processes: spawn %.1f ms; freeze (after a timed-out one) %.2f "
	       "ms, freeze %.2f ms; thaw at normal priority: write %.2f ms, until frozen 0 "
	       "%.2f ms; thaw through cg_freeze (SCHED_FIFO) %.2f ms\n",
	       n, (t1 - t0) / 1e3, (t3 - t2) / 1e3, (t7 - t6) / 1e3, (t4 - t3) / 1e3,
	       (t5 - t3) / 1e3, (t8 - t7) / 1e3);
	cg_layout_done(&l);
}
END_TEST

/* As pind.service runs it: no CAP_SYS_NICE, RLIMIT_RTPRIO 1. pind raises itself to
 * SCHED_FIFO for the write and must come back to its normal policy, which a restore that
 * clears SCHED_RESET_ON_FORK cannot do without the capability. (CK_FORK: the test's own
 * process.) */
START_TEST(test_freeze_prio_unprivileged)
{
	KT_REQUIRE(&kt_v2);
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	CgLayout l;
	Cg c;

	if (setrlimit(RLIMIT_RTPRIO, &(struct rlimit){1, 1}) < 0) {
		/* raising the hard limit needs CAP_SYS_RESOURCE (systemd sets it for the unit) */
		printf("SKIP: %s: RLIMIT_RTPRIO cannot be raised to 1 here: %s\n", __func__,
		       strerror(errno));
		return;
	}
	ck_assert_int_eq(syscall(SYS_capget, &h, d), 0);
	d[CAP_SYS_NICE / 32].effective &= ~(1U << (CAP_SYS_NICE % 32));
	d[CAP_SYS_NICE / 32].permitted &= ~(1U << (CAP_SYS_NICE % 32));
	ck_assert_int_eq(syscall(SYS_capset, &h, d), 0);
	struct sched_param fifo = {.sched_priority = 1}, other = {.sched_priority = 0};
	ck_assert_msg(sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &fifo) == 0,
		      "RLIMIT_RTPRIO does not let this process raise itself: %s", strerror(errno));
	ck_assert_int_eq(sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &other), 0);

	kt_layout_init(&l, kt_v2.mount, NULL, NULL);
	kt_mkcg(&c, &kt_v2, "prio");
	pid_t pid = kt_spawn(KID_BUSY, &c, NULL);
	ck_assert_int_eq(cg_freeze(&l, c.cg, true, FREEZE_TIMEOUT_USEC), 0);
	kt_assert_policy(SCHED_OTHER, 0);
	ck_assert_int_eq(cg_freeze(&l, c.cg, false, FREEZE_TIMEOUT_USEC), 0);
	kt_assert_policy(SCHED_OTHER, 0);
	kt_assert_running(&pid, 1, true);
	cg_layout_done(&l);
}
END_TEST

START_TEST(test_freeze_enoent)
{
	KT_REQUIRE(&kt_v2);
	CgLayout l2, lh;
	char cg[PATH_MAX];
	bool frozen;

	kt_layout_init(&l2, kt_v2.mount, NULL, NULL);
	kt_layout_init(&lh, kt_v2.mount, NULL, kt_fz.mount[0] ? kt_fz.mount : NULL);
	tu_xsnprintf(cg, "%s/no-such-cgroup", kt_v2.base_cg);
	ck_assert_int_eq(cg_freeze(&l2, cg, true, FREEZE_TIMEOUT_USEC), -ENOENT);
	ck_assert_int_eq(cg_freeze(&l2, cg, false, FREEZE_TIMEOUT_USEC), -ENOENT);
	ck_assert_int_eq(cg_freeze(&lh, cg, true, FREEZE_TIMEOUT_USEC), -ENOENT);
	ck_assert_int_eq(cg_frozen(&l2, cg, &frozen), -ENOENT);
	ck_assert_int_eq(cg_frozen(&lh, cg, &frozen), -ENOENT);
	ck_assert_int_eq(cg_kill(&l2, "/proc", cg), -ENOENT);
	ck_assert_int_eq(cg_freeze(&l2, "relative", true, 0), -EINVAL);
	kt_assert_policy(SCHED_OTHER, 0);
	cg_layout_done(&l2);
	cg_layout_done(&lh);
}
END_TEST

/* The v1 freezer, as on a legacy host, and as the fallback of a cgroup2 without
 * cgroup.freeze (a directory that merely looks like cgroup2). */
START_TEST(test_freeze_v1)
{
	KT_REQUIRE(&kt_fz);
	CgLayout legacy, hybrid;
	Cg c;
	char fake[PATH_MAX], fake_dir[PATH_MAX * 2], buf[64];
	bool frozen;

	kt_layout_init(&legacy, NULL, kt_sd.mount[0] ? kt_sd.mount : kt_fz.mount, kt_fz.mount);
	kt_mkcg(&c, &kt_fz, "freeze-v1");
	tu_xsnprintf(fake, "%s/fake-v2", tu_base_dir());
	tu_xsnprintf(fake_dir, "%s%s", fake, c.cg);
	tu_mkdir_p(fake_dir);
	kt_layout_init(&hybrid, fake, NULL, kt_fz.mount);

	pid_t pids[2] = {kt_spawn(KID_BUSY, &c, NULL), kt_spawn(KID_BUSY, &c, NULL)};
	uint64_t t0 = kt_mono_usec();
	ck_assert_int_eq(cg_freeze(&legacy, c.cg, true, FREEZE_TIMEOUT_USEC), 0);
	uint64_t t1 = kt_mono_usec();
	kt_read_at(&c, "freezer.state", buf, sizeof(buf));
	ck_assert_str_eq(buf, "FROZEN\n");
	ck_assert_int_eq(cg_frozen(&legacy, c.cg, &frozen), 0);
	ck_assert(frozen);
	ck_assert_int_eq(cg_frozen(&hybrid, c.cg, &frozen), 0);
	ck_assert(frozen);
	kt_assert_running(pids, 2, false);

	uint64_t t2 = kt_mono_usec();
	ck_assert_int_eq(cg_freeze(&hybrid, c.cg, false, FREEZE_TIMEOUT_USEC), 0);
	uint64_t t3 = kt_mono_usec();
	kt_read_at(&c, "freezer.state", buf, sizeof(buf));
	ck_assert_str_eq(buf, "THAWED\n");
	ck_assert_int_eq(cg_frozen(&legacy, c.cg, &frozen), 0);
	ck_assert(!frozen);
	kt_assert_running(pids, 2, true);
	kt_assert_policy(SCHED_OTHER, 0);
	printf("v1 freezer: freeze of 2 busy processes %.2f ms, thaw %.2f ms\n", (t1 - t0) / 1e3,
	       (t3 - t2) / 1e3);
	cg_layout_done(&legacy);
	cg_layout_done(&hybrid);
}
END_TEST

/* ---- kernel: marks ---- */

START_TEST(test_mark)
{
	KT_REQUIRE(&kt_v2);
	CgLayout l, legacy;
	Cg c;
	_cleanup_free_ char *v = NULL;
	char raw[64], gone[PATH_MAX];

	kt_layout_init(&l, kt_v2.mount, NULL, NULL);
	kt_layout_init(&legacy, NULL, kt_sd.mount[0] ? kt_sd.mount : "/nonexistent-v1", NULL);
	kt_mkcg(&c, &kt_v2, "mark");
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

	tu_xsnprintf(gone, "%s/no-such-cgroup", kt_v2.base_cg);
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
	KT_REQUIRE(&kt_v2);
	CgLayout l;
	Cg k, a, b, c;
	pid_t pids[6];

	kt_layout_init(&l, kt_v2.mount, NULL, NULL);
	kt_mkcg(&k, &kt_v2, "kill");
	kt_mkcg(&a, &kt_v2, "kill/a");
	kt_mkcg(&b, &kt_v2, "kill/a/b");
	kt_mkcg(&c, &kt_v2, "kill/c");
	pids[0] = kt_spawn(KID_PAUSE, &k, NULL);
	pids[1] = kt_spawn(KID_BUSY, &a, NULL);
	pids[2] = kt_spawn(KID_IGNTERM, &b, NULL);
	pids[3] = kt_spawn(KID_PAUSE, &b, NULL);
	pids[4] = kt_spawn(KID_PAUSE, &c, NULL);
	pids[5] = kt_spawn(KID_IGNTERM, &c, NULL);
	ck_assert(kt_file_has_line(&k, "cgroup.events", "populated 1"));

	uint64_t t0 = kt_mono_usec();
	ck_assert_int_eq(cg_kill(&l, "/proc", k.cg), 0);
	uint64_t t1 = kt_mono_usec();
	ck_assert(kt_file_has_line(&k, "cgroup.events", "populated 0"));
	for (size_t i = 0; i < ARRAY_SIZE(pids); i++)
		kt_assert_killed_by(pids[i], SIGKILL);
	ck_assert_int_eq(cg_kill(&l, "/proc", k.cg), 0); /* empty: nothing to do */
	printf("cgroup.kill of 6 processes in 4 nested cgroups: %.2f ms\n", (t1 - t0) / 1e3);
	cg_layout_done(&l);
}
END_TEST

START_TEST(test_kill_frozen)
{
	KT_REQUIRE(&kt_v2);
	CgLayout l;
	Cg k;

	kt_layout_init(&l, kt_v2.mount, NULL, NULL);
	kt_mkcg(&k, &kt_v2, "kill-frozen");
	pid_t a = kt_spawn(KID_BUSY, &k, NULL), b = kt_spawn(KID_IGNTERM, &k, NULL);
	ck_assert_int_eq(cg_freeze(&l, k.cg, true, FREEZE_TIMEOUT_USEC), 0);
	ck_assert_int_eq(cg_kill(&l, "/proc", k.cg), 0);
	kt_assert_killed_by(a, SIGKILL);
	kt_assert_killed_by(b, SIGKILL);
	cg_layout_done(&l);
}
END_TEST

/* Processes whose main thread has exited: cgroup.kill does not get one that moved after
 * (cgroup.procs lists it where its main thread was; the kernel signals the listed
 * leaders); cg_kill does, by its threads. */
START_TEST(test_kill_leader_gone)
{
	KT_REQUIRE(&kt_v2);
	CgLayout l;
	Cg k, a, b;
	char path[PATH_MAX + 32], num[32];

	kt_layout_init(&l, kt_v2.mount, NULL, NULL);
	kt_mkcg(&k, &kt_v2, "kill-nolead");
	kt_mkcg(&a, &kt_v2, "kill-nolead/a");
	kt_mkcg(&b, &kt_v2, "kill-nolead/b");
	pid_t moved = kt_spawn(KID_NOLEAD, &a, NULL), stayed = kt_spawn(KID_NOLEAD, &a, NULL);
	tu_xsnprintf(path, "%s/cgroup.procs", b.dir);
	tu_xsnprintf(num, "%d", (int)moved);
	kt_xwrite_file(path, num);
	ck_assert(kt_file_has_line(&b, "cgroup.events", "populated 1"));

	uint64_t t0 = kt_mono_usec();
	ck_assert_int_eq(cg_kill(&l, "/proc", b.cg), 0);
	uint64_t t1 = kt_mono_usec();
	kt_assert_killed_by(moved, SIGKILL);
	ck_assert(kt_file_has_line(&b, "cgroup.events", "populated 0"));
	kt_assert_alive(stayed);
	ck_assert_int_eq(cg_kill(&l, "/proc", k.cg), 0);
	kt_assert_killed_by(stayed, SIGKILL);
	printf("cg_kill of a moved process without its main thread: %.1f ms\n", (t1 - t0) / 1e3);
	cg_layout_done(&l);
}
END_TEST

/* A domain cgroup with a threaded child (libvirt's emulator/vcpuN): cgroup.kill works on
 * the domain, not on the threaded child. */
START_TEST(test_kill_threaded)
{
	KT_REQUIRE(&kt_v2);
	CgLayout l;
	Cg d, t;
	char path[PATH_MAX + 32], num[32], buf[64];

	kt_layout_init(&l, kt_v2.mount, NULL, NULL);
	kt_mkcg(&d, &kt_v2, "domain");
	kt_mkcg(&t, &kt_v2, "domain/vcpu0");
	tu_xsnprintf(path, "%s/cgroup.type", t.dir);
	kt_xwrite_file(path, "threaded");
	pid_t pid = kt_spawn(KID_PAUSE, &d, NULL);
	tu_xsnprintf(path, "%s/cgroup.threads", t.dir);
	tu_xsnprintf(num, "%d", (int)pid);
	kt_xwrite_file(path, num);
	tu_xsnprintf(path, "%s/cgroup.procs", t.dir);
	ck_assert_int_eq(kt_read_file(path, buf, sizeof(buf)), -EOPNOTSUPP);

	ck_assert_int_eq(cg_kill(&l, "/proc", t.cg), -EOPNOTSUPP);
	kt_msleep(20);
	kt_assert_alive(pid);
	ck_assert_int_eq(cg_kill(&l, "/proc", d.cg), 0);
	kt_assert_killed_by(pid, SIGKILL);
	cg_layout_done(&l);
}
END_TEST

/* Without cgroup.kill: the SIGKILL loop, on a v1 hierarchy as the primary one. */
START_TEST(test_kill_v1)
{
	Hier *h = kt_sd.why[0] ? &kt_fz : &kt_sd;
	KT_REQUIRE(h);
	CgLayout l;
	Cg k, a, b;
	pid_t pids[5];

	kt_layout_init(&l, NULL, h->mount, NULL);
	kt_mkcg(&k, h, "kill-v1");
	kt_mkcg(&a, h, "kill-v1/a");
	kt_mkcg(&b, h, "kill-v1/a/b");
	pids[0] = kt_spawn(KID_PAUSE, &k, NULL);
	pids[1] = kt_spawn(KID_BUSY, &a, NULL);
	pids[2] = kt_spawn(KID_IGNTERM, &a, NULL);
	pids[3] = kt_spawn(KID_PAUSE, &b, NULL);
	pids[4] = kt_spawn(KID_BUSY, &b, NULL);

	uint64_t t0 = kt_mono_usec();
	ck_assert_int_eq(cg_kill(&l, "/proc", k.cg), 0);
	uint64_t t1 = kt_mono_usec();
	for (size_t i = 0; i < ARRAY_SIZE(pids); i++)
		kt_assert_killed_by(pids[i], SIGKILL);
	printf("%s: SIGKILL loop over 5 processes in 3 nested cgroups: %.2f ms\n", h->what,
	       (t1 - t0) / 1e3);
	cg_layout_done(&l);
}
END_TEST

static Suite *actuate_cgroup_suite(void)
{
	Suite *s = suite_create("actuate-cgroup");
	TCase *tc = kt_kernel_tcase();

	tcase_add_test(tc, test_freeze_thaw);
	tcase_add_test(tc, test_freeze_many);
	tcase_add_test(tc, test_freeze_prio_unprivileged);
	tcase_add_test(tc, test_freeze_enoent);
	tcase_add_test(tc, test_freeze_v1);
	tcase_add_test(tc, test_mark);
	tcase_add_test(tc, test_kill_nested);
	tcase_add_test(tc, test_kill_frozen);
	tcase_add_test(tc, test_kill_threaded);
	tcase_add_test(tc, test_kill_leader_gone);
	tcase_add_test(tc, test_kill_v1);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(actuate_cgroup_suite());
}
