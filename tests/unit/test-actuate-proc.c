/* SPDX-License-Identifier: MIT */
/* proc_starttime() and proc_signal(): against the kernel's /proc, on children of the test
 * (kernel.h), and on fake proc roots. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "actuate.h"
#include "kernel.h"
#include "macro.h"
#include "testutil.h"

/* ---- kernel: processes ---- */

START_TEST(test_signal_starttime)
{
	uint64_t st;

	pid_t pid = kt_spawn(KID_PAUSE, NULL, NULL);
	ck_assert_int_eq(proc_starttime("/proc", pid, &st), 0);
	ck_assert_int_eq(proc_signal("/proc", pid, st + 1, SIGKILL), -ESRCH);
	ck_assert_int_eq(proc_signal("/proc", pid, st - 1, SIGKILL), -ESRCH);
	kt_msleep(50);
	kt_assert_alive(pid);
	ck_assert_int_eq(proc_signal("/proc", pid, st, SIGTERM), 0);
	kt_assert_killed_by(pid, SIGTERM);
}
END_TEST

START_TEST(test_signal_reaped)
{
	uint64_t st;

	pid_t pid = kt_spawn(KID_EXIT, NULL, NULL);
	int status = kt_reap(pid, 3000);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* signal 0: should the PID have been reused by now, nothing is sent to anyone */
	ck_assert_int_eq(proc_signal("/proc", pid, 0, 0), -ESRCH);
	ck_assert_int_eq(proc_signal("/proc", 0, 0, 0), -EINVAL);
	ck_assert_int_eq(proc_signal("/proc", -1, 0, 0), -EINVAL);
	int r = proc_starttime("/proc", pid, &st);
	ck_assert_msg(r == -ESRCH || r == 0, "%d", r); /* 0 only if the PID is in use again */
}
END_TEST

#define FIELDS_3_TO_21                                                                             \
	"%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "

/* comm "a) b (c": the field count starts after the last ')'. Checked against sscanf()
 * after strrchr() and against CLOCK_BOOTTIME around the fork. */
START_TEST(test_starttime_comm)
{
	char path[64], buf[2048], comm[64];
	unsigned long long want, naive;
	struct timespec b0, b1;
	uint64_t st;
	long hz = sysconf(_SC_CLK_TCK);

	clock_gettime(CLOCK_BOOTTIME, &b0);
	pid_t pid = kt_spawn(KID_COMM, NULL, NULL);
	clock_gettime(CLOCK_BOOTTIME, &b1);
	tu_xsnprintf(path, "/proc/%d/comm", (int)pid);
	ck_assert_int_gt(kt_read_file(path, comm, sizeof(comm)), 0);
	ck_assert_str_eq(comm, "a) b (c\n");

	tu_xsnprintf(path, "/proc/%d/stat", (int)pid);
	ck_assert_int_gt(kt_read_file(path, buf, sizeof(buf)), 0);
	ck_assert_int_eq(sscanf(strrchr(buf, ')') + 2, FIELDS_3_TO_21 "%llu", &want), 1);
	ck_assert_int_eq(proc_starttime("/proc", pid, &st), 0);
	ck_assert_uint_eq(st, want);
	/* counting from the first ')' would land elsewhere */
	ck_assert(sscanf(strchr(buf, ')') + 2, FIELDS_3_TO_21 "%llu", &naive) != 1 ||
		  naive != want);
	unsigned long long lo = (unsigned long long)b0.tv_sec * hz + b0.tv_nsec / (1000000000 / hz);
	unsigned long long hi = (unsigned long long)b1.tv_sec * hz + b1.tv_nsec / (1000000000 / hz);
	ck_assert_msg(st + 1 >= lo && st <= hi + 1, "starttime %llu not in [%llu, %llu]",
		      (unsigned long long)st, lo, hi);
}
END_TEST
/* ---- fake proc roots ---- */

/* A /proc/PID/stat line whose every field differs, with field 22 = starttime. */
static void fake_stat(const char *root, pid_t pid, const char *comm, const char *starttime)
{
	char path[PATH_MAX], line[2048];
	size_t n = 0;

	n += (size_t)snprintf(line, sizeof(line), "%d (%s) S", (int)pid, comm);
	for (int field = 4; field <= 52; field++)
		if (field == 22)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s", starttime);
		else
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %d", field * 1000 + 7);
	ck_assert_uint_lt(n, sizeof(line) - 2);
	strcat(line, "\n");
	tu_xsnprintf(path, "%s/%d/stat", root, (int)pid);
	tu_write_file(path, line);
}

START_TEST(test_starttime_fake)
{
	char root[PATH_MAX], path[PATH_MAX];
	static const struct {
		const char *comm, *value;
		int ret;
		uint64_t want;
	} cases[] = {
	    {"cat", "123456789", 0, 123456789}, {"a) b (c", "42", 0, 42},
	    {") ) ) S 1 2 3", "7", 0, 7},       {"((", "18446744073709551615", 0, UINT64_MAX},
	    {"new\nline", "99", 0, 99},         {"", "5", 0, 5},
	    {"cat", "x5", -EBADMSG, 0},         {"cat", "-5", -EBADMSG, 0},
	};
	uint64_t v;

	tu_xsnprintf(root, "%s/proc", tu_base_dir());
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		pid_t pid = 1000 + (pid_t)i;
		fake_stat(root, pid, cases[i].comm, cases[i].value);
		v = 1;
		ck_assert_msg(proc_starttime(root, pid, &v) == cases[i].ret, "case %zu", i);
		if (cases[i].ret == 0)
			ck_assert_uint_eq(v, cases[i].want);
	}
	tu_xsnprintf(path, "%s/2000/stat", root);
	tu_write_file(path, "2000 (cat S 1 2 3\n"); /* no ')' */
	ck_assert_int_eq(proc_starttime(root, 2000, &v), -EBADMSG);
	tu_xsnprintf(path, "%s/2001/stat", root);
	tu_write_file(path, "2001 (cat) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n");
	ck_assert_int_eq(proc_starttime(root, 2001, &v), -EBADMSG);
	ck_assert_int_eq(proc_starttime(root, 4242, &v), -ESRCH);
	ck_assert_int_eq(proc_starttime(root, 0, &v), -EINVAL);
	ck_assert_int_eq(proc_starttime(root, -3, &v), -EINVAL);
	tu_xsnprintf(path, "%s/nonexistent", root);
	ck_assert_int_eq(proc_starttime(path, 1, &v), -ENOENT);
}
END_TEST

/* proc_signal() takes the start time from proc_root, the process from the kernel. */
START_TEST(test_signal_fake_root)
{
	char root[PATH_MAX];

	tu_xsnprintf(root, "%s/proc-signal", tu_base_dir());
	pid_t pid = kt_spawn(KID_PAUSE, NULL, NULL);
	fake_stat(root, pid, "pause", "777");
	ck_assert_int_eq(proc_signal(root, pid, 778, SIGKILL), -ESRCH);
	kt_msleep(20);
	kt_assert_alive(pid);
	ck_assert_int_eq(proc_signal(root, pid, 777, SIGUSR1), 0);
	kt_assert_killed_by(pid, SIGUSR1);
}
END_TEST

static Suite *actuate_proc_suite(void)
{
	Suite *s = suite_create("actuate-proc");
	TCase *tc;

	tc = kt_fake_tcase();
	tcase_add_test(tc, test_starttime_fake);
	tcase_add_test(tc, test_signal_fake_root);
	suite_add_tcase(s, tc);

	tc = kt_kernel_tcase();
	tcase_add_test(tc, test_signal_starttime);
	tcase_add_test(tc, test_signal_reaped);
	tcase_add_test(tc, test_starttime_comm);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(actuate_proc_suite());
}
