/* SPDX-License-Identifier: MIT */
/* child_call(): data and fds handed back from a child, its errors, its death. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "testutil.h"

static int say_hello(void *userdata, void *buf, size_t size, int *fds, size_t *n_fds)
{
	int p[2];
	ck_assert_int_ge(size, 6);
	memcpy(buf, userdata, 6);
	if (pipe(p) < 0)
		return -errno;
	ck_assert_int_eq(write(p[1], "via fd", 6), 6);
	close(p[1]);
	fds[0] = p[0];
	fds[1] = open("/dev/null", O_RDONLY);
	*n_fds = 2;
	return 6;
}

START_TEST(test_data_and_fds)
{
	char buf[16], got[8] = "";
	int fds[2];
	size_t len, n;

	ck_assert_int_eq(child_call(say_hello, "hello", buf, sizeof(buf), fds, 2, &len, &n), 0);
	ck_assert_uint_eq(len, 6);
	ck_assert_str_eq(buf, "hello");
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(read(fds[0], got, 6), 6); /* written in the child, read here */
	ck_assert_str_eq(got, "via fd");
	ck_assert_int_eq(fcntl(fds[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fds[0]);
	close(fds[1]);

	/* fewer slots than fds: the rest are closed, not leaked */
	ck_assert_int_eq(child_call(say_hello, "hello", buf, sizeof(buf), fds, 1, &len, &n), 0);
	ck_assert_uint_eq(n, 1);
	close(fds[0]);
	/* more data than fits: an error, not a cut answer */
	ck_assert_int_eq(child_call(say_hello, "hello", buf, 3, fds, 2, &len, &n), -EIO);
}
END_TEST

static int refuse(void *userdata, void *buf, size_t size, int *fds, size_t *n_fds)
{
	(void)userdata, (void)buf, (void)size;
	fds[0] = open("/dev/null", O_RDONLY);
	*n_fds = 1;
	return -EPERM;
}

static int die(void *userdata, void *buf, size_t size, int *fds, size_t *n_fds)
{
	(void)userdata, (void)buf, (void)size, (void)fds, (void)n_fds;
	signal(SIGABRT, SIG_DFL);
	raise(SIGKILL);
	return 0;
}

START_TEST(test_errors)
{
	int fds[1];
	size_t len, n;

	ck_assert_int_eq(child_call(refuse, NULL, NULL, 0, fds, 1, &len, &n), -EPERM);
	ck_assert_int_eq(child_call(die, NULL, NULL, 0, fds, 1, &len, &n), -EIO);
	ck_assert_int_eq(child_call(refuse, NULL, NULL, 0, fds, 100, &len, &n), -EINVAL);
}
END_TEST

static Suite *child_suite(void)
{
	Suite *s = suite_create("child");
	TCase *tc = tcase_create("child");

	tcase_add_test(tc, test_data_and_fds);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(child_suite());
}
