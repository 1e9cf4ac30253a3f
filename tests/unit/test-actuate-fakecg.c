/* SPDX-License-Identifier: MIT */
/* cg_freeze(), cg_frozen() and cg_kill() on directories that look like cgroupfs: what the
 * kernel does not easily show (a freeze that never completes, the choice of freezer, the
 * SIGKILL loop without cgroup.kill), on children of the test (kernel.h). */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actuate.h"
#include "kernel.h"
#include "macro.h"
#include "testutil.h"

static void fake_cgroup(const char *dir, const char *events, bool with_freeze)
{
	char path[PATH_MAX * 2];

	tu_mkdir_p(dir);
	tu_xsnprintf(path, "%s/cgroup.events", dir);
	tu_write_file(path, events);
	tu_xsnprintf(path, "%s/cgroup.threads", dir);
	tu_write_file(path, "");
	if (with_freeze) {
		tu_xsnprintf(path, "%s/cgroup.freeze", dir);
		tu_write_file(path, "0\n");
	}
}

typedef struct FreezeCall {
	const CgLayout *l;
	const char *cg;
	uint64_t timeout;
	int result;
	pid_t tid;
} FreezeCall;

static void *freeze_thread(void *userdata)
{
	FreezeCall *c = userdata;

	__atomic_store_n(&c->tid, gettid(), __ATOMIC_SEQ_CST);
	c->result = cg_freeze(c->l, c->cg, true, c->timeout);
	return NULL;
}

/* Field 41 (policy) of a thread's stat. */
static int thread_policy(pid_t tid)
{
	char path[64], buf[2048], *save = NULL;
	int field = 2;

	tu_xsnprintf(path, "/proc/self/task/%d/stat", (int)tid);
	ck_assert_int_gt(kt_read_file(path, buf, sizeof(buf)), 0);
	for (char *t = strtok_r(strrchr(buf, ')') + 1, " ", &save); t;
	     t = strtok_r(NULL, " ", &save))
		if (++field == 41)
			return atoi(t);
	ck_abort_msg("no field 41");
	return -1;
}

/* A freeze that never completes: -ETIMEDOUT at the deadline, the request stays written,
 * the thread runs at SCHED_FIFO meanwhile (where allowed) and at its old policy after. */
START_TEST(test_freeze_fake_timeout)
{
	char v2dir[PATH_MAX], dir[PATH_MAX * 2], buf[64];
	CgLayout l;
	pthread_t th;
	bool frozen;

	tu_xsnprintf(v2dir, "%s/v2", tu_base_dir());
	tu_xsnprintf(dir, "%s/x", v2dir);
	fake_cgroup(dir, "populated 1\nfrozen 0\n", true);
	kt_layout_init(&l, v2dir, NULL, NULL);

	FreezeCall call = {.l = &l, .cg = "/x", .timeout = 400 * 1000, .result = 1};
	uint64_t t0 = kt_mono_usec();
	ck_assert_int_eq(pthread_create(&th, NULL, freeze_thread, &call), 0);
	kt_msleep(150);
	pid_t tid = __atomic_load_n(&call.tid, __ATOMIC_SEQ_CST);
	ck_assert_int_gt(tid, 0);
	int during = thread_policy(tid);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	uint64_t elapsed = kt_mono_usec() - t0;
	ck_assert_int_eq(call.result, -ETIMEDOUT);
	ck_assert_msg(elapsed >= 400000 && elapsed < 1500000, "%ju us", (uintmax_t)elapsed);
	if (geteuid() == 0)
		ck_assert_int_eq(during, SCHED_FIFO);
	else
		printf("note: not root, cg_freeze() ran at policy %d\n", during);
	tu_xsnprintf(dir, "%s/x/cgroup.freeze", v2dir);
	ck_assert_int_gt(kt_read_file(dir, buf, sizeof(buf)), 0);
	ck_assert(buf[0] == '1');
	ck_assert_int_eq(cg_frozen(&l, "/x", &frozen), 0);
	ck_assert(frozen);
	kt_assert_policy(SCHED_OTHER, 0);

	/* already "frozen 1": returns at once; the old policy, whatever it was, comes back */
	tu_xsnprintf(dir, "%s/y", v2dir);
	fake_cgroup(dir, "populated 1\nfrozen 1\n", true);
	struct sched_param p = {.sched_priority = 0};
	ck_assert_int_eq(sched_setscheduler(0, SCHED_BATCH, &p), 0);
	ck_assert_int_eq(cg_freeze(&l, "/y", true, 0), 0);
	kt_assert_policy(SCHED_BATCH, 0);
	if (geteuid() == 0) { /* real-time threads are left as they are */
		p.sched_priority = 3;
		ck_assert_int_eq(sched_setscheduler(0, SCHED_RR, &p), 0);
		ck_assert_int_eq(cg_freeze(&l, "/y", true, 0), 0);
		kt_assert_policy(SCHED_RR, 3);
	}
	p.sched_priority = 0;
	ck_assert_int_eq(sched_setscheduler(0, SCHED_OTHER, &p), 0);
	cg_layout_done(&l);
}
END_TEST

/* Which freezer: cgroup.freeze where the cgroup2 directory has it, else the v1 freezer. */
START_TEST(test_freeze_fake_fallback)
{
	char v2dir[PATH_MAX], v1dir[PATH_MAX], path[PATH_MAX * 2], buf[64];
	CgLayout hybrid, no_v1, legacy;
	bool frozen;

	tu_xsnprintf(v2dir, "%s/fb-v2", tu_base_dir());
	tu_xsnprintf(v1dir, "%s/fb-freezer", tu_base_dir());
	tu_xsnprintf(path, "%s/old/kernel", v2dir);
	fake_cgroup(path, "populated 1\n", false);
	tu_xsnprintf(path, "%s/old/kernel/freezer.state", v1dir);
	tu_write_file(path, "THAWED\n");
	kt_layout_init(&hybrid, v2dir, NULL, v1dir);
	kt_layout_init(&no_v1, v2dir, NULL, NULL);
	kt_layout_init(&legacy, NULL, "/nonexistent-v1", v1dir);

	ck_assert_int_eq(cg_freeze(&hybrid, "/old/kernel", true, 0), 0);
	ck_assert_int_gt(kt_read_file(path, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "FROZEN\n");
	ck_assert_int_eq(cg_frozen(&hybrid, "/old/kernel", &frozen), 0);
	ck_assert(frozen);
	tu_write_file(path, "FREEZING\n");
	ck_assert_int_eq(cg_frozen(&legacy, "/old/kernel", &frozen), 0);
	ck_assert(frozen);
	tu_write_file(path, "FROZEN\n");
	ck_assert_int_eq(cg_freeze(&legacy, "/old/kernel", false, 0), 0);
	ck_assert_int_eq(cg_frozen(&legacy, "/old/kernel", &frozen), 0);
	ck_assert(!frozen);

	ck_assert_int_eq(cg_freeze(&no_v1, "/old/kernel", true, 0), -EOPNOTSUPP);
	ck_assert_int_eq(cg_frozen(&no_v1, "/old/kernel", &frozen), -EOPNOTSUPP);
	ck_assert_int_eq(cg_freeze(&hybrid, "/nowhere", true, 0), -ENOENT);
	ck_assert_int_eq(cg_freeze(&no_v1, "/nowhere", true, 0), -ENOENT);
	tu_write_file(path, "BOGUS\n");
	ck_assert_int_eq(cg_frozen(&legacy, "/old/kernel", &frozen), -EBADMSG);
	cg_layout_done(&hybrid);
	cg_layout_done(&no_v1);
	cg_layout_done(&legacy);
}
END_TEST

/* Thread tid of process tgid in a fake /proc at proc, in cgroup (of cgroup2). */
static void put_thread(const char *proc, pid_t tgid, pid_t tid, const char *cgroup)
{
	char path[PATH_MAX * 2];

	tu_xsnprintf(path, "%s/%d/status", proc, (int)tid);
	tu_write_filef(path, "Name:\tkid\nTgid:\t%d\nPid:\t%d\n", (int)tgid, (int)tid);
	tu_xsnprintf(path, "%s/%d/task/%d/cgroup", proc, (int)tgid, (int)tid);
	tu_write_filef(path, "0::%s\n", cgroup);
}

/* Without cgroup.kill on cgroup2: the process of every listed thread in the subtree gets
 * SIGKILL (the listed threads are this test's children; never PID 1 or the caller); a
 * subtree that stays populated gives -ETIMEDOUT after 2 s. */
START_TEST(test_kill_fake)
{
	char v2dir[PATH_MAX], dir[PATH_MAX * 2], path[PATH_MAX * 3], list[128], proc[PATH_MAX];
	CgLayout l;
	pid_t p[4], moved = kt_spawn(KID_PAUSE, NULL, NULL);

	for (size_t i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = kt_spawn(i == 3 ? KID_IGNTERM : KID_PAUSE, NULL, NULL);
	tu_xsnprintf(v2dir, "%s/kill-v2", tu_base_dir());
	kt_layout_init(&l, v2dir, NULL, NULL);
	tu_xsnprintf(dir, "%s/k/a/b", v2dir);
	fake_cgroup(dir, "populated 0\n", false);
	tu_xsnprintf(dir, "%s/k/c", v2dir);
	fake_cgroup(dir, "populated 0\n", false);
	tu_xsnprintf(dir, "%s/k", v2dir);
	fake_cgroup(dir, "populated 0\nfrozen 0\n", false);
	tu_xsnprintf(path, "%s/k/cgroup.threads", v2dir);
	tu_xsnprintf(list, "%d\n", (int)p[0]);
	tu_write_file(path, list);
	tu_xsnprintf(path, "%s/k/a/b/cgroup.threads", v2dir);
	tu_xsnprintf(list, "%d\n%d\n%d\n", (int)p[1], (int)getpid(), (int)p[2]);
	tu_write_file(path, list);
	tu_xsnprintf(path, "%s/k/c/cgroup.threads", v2dir);
	tu_xsnprintf(list, "%d\n%d\n", (int)p[3], (int)moved);
	tu_write_file(path, list);
	/* a /proc that places the children (real processes) in the fake cgroups */
	tu_xsnprintf(proc, "%s/proc", tu_base_dir());
	const char *where[] = {"/k", "/k/a/b", "/k/a/b", "/k/c"};
	for (size_t i = 0; i < ARRAY_SIZE(p); i++)
		put_thread(proc, p[i], p[i], where[i]);
	put_thread(proc, getpid(), getpid(), "/k/a/b");
	put_thread(proc, moved, moved, "/elsewhere"); /* moved out after the listing */

	ck_assert_int_eq(cg_kill(&l, proc, "/k"), 0);
	for (size_t i = 0; i < ARRAY_SIZE(p); i++)
		kt_assert_killed_by(p[i], SIGKILL);
	kt_assert_alive(moved);
	kill(moved, SIGKILL);
	kt_assert_killed_by(moved, SIGKILL);

	tu_xsnprintf(dir, "%s/full", v2dir);
	fake_cgroup(dir, "populated 1\nfrozen 0\n", false);
	uint64_t t0 = kt_mono_usec();
	ck_assert_int_eq(cg_kill(&l, proc, "/full"), -ETIMEDOUT);
	uint64_t elapsed = kt_mono_usec() - t0;
	ck_assert_msg(elapsed >= 1900000 && elapsed < 3000000, "%ju us", (uintmax_t)elapsed);
	ck_assert_int_eq(cg_kill(&l, proc, "/nowhere"), -ENOENT);
	cg_layout_done(&l);

	/* v1 (no cgroup.kill, no populated): the caller listed is neither signalled nor
	 * waited for (nor would PID 1 be, the same way; not listed here, for safety) */
	tu_xsnprintf(v2dir, "%s/kill-v1", tu_base_dir());
	kt_layout_init(&l, NULL, v2dir, NULL);
	tu_xsnprintf(path, "%s/s/tasks", v2dir);
	tu_xsnprintf(list, "%d\n", (int)getpid());
	tu_write_file(path, list);
	put_thread(proc, getpid(), getpid(), "/s");
	t0 = kt_mono_usec();
	ck_assert_int_eq(cg_kill(&l, proc, "/s"), 0);
	elapsed = kt_mono_usec() - t0;
	ck_assert_msg(elapsed < 500000, "%ju us", (uintmax_t)elapsed);
	cg_layout_done(&l);
}
END_TEST

static Suite *actuate_fakecg_suite(void)
{
	Suite *s = suite_create("actuate-fakecg");
	TCase *tc = kt_fake_tcase();

	tcase_add_test(tc, test_freeze_fake_timeout);
	tcase_add_test(tc, test_freeze_fake_fallback);
	tcase_add_test(tc, test_kill_fake);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(actuate_fakecg_suite());
}
