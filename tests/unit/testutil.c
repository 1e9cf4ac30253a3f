/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "testutil.h"

static char base_dir[PATH_MAX];

void tu_base_setup(void)
{
	const char *tmp = getenv("TMPDIR");

	tu_mkdtemp(base_dir, sizeof(base_dir), tmp && *tmp ? tmp : "/tmp", "pind-test-");
}

void tu_base_teardown(void)
{
	tu_rm_rf(base_dir);
}

const char *tu_base_dir(void)
{
	ck_assert_msg(base_dir[0], "tu_base_setup() has not run");
	return base_dir;
}

void tu_mkdtemp(char *buf, size_t size, const char *parent, const char *prefix)
{
	ck_assert_int_lt(snprintf(buf, size, "%s/%sXXXXXX", parent, prefix), (int)size);
	ck_assert_msg(mkdtemp(buf), "mkdtemp %s: %s", buf, strerror(errno));
}

static int remove_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(path);
}

void tu_rm_rf(const char *path)
{
	ck_assert_msg(nftw(path, remove_cb, 16, FTW_DEPTH | FTW_PHYS) == 0, "removing %s: %s", path,
		      strerror(errno));
	ck_assert_int_eq(access(path, F_OK), -1);
}

void tu_mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	tu_xsnprintf(buf, "%s", path);
	for (char *p = buf + (buf[0] == '/');; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = 0;
		ck_assert_msg(access(buf, F_OK) == 0 || mkdir(buf, 0755) == 0 || errno == EEXIST,
			      "mkdir %s: %s", buf, strerror(errno));
		if (!c)
			break;
		*p = c;
	}
	struct stat st;
	ck_assert_msg(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "%s: not a directory", path);
}

/* Creates the parent directories of path. */
static void mkdir_parents(const char *path)
{
	char buf[PATH_MAX];

	tu_xsnprintf(buf, "%s", path);
	char *slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return;
	*slash = 0;
	tu_mkdir_p(buf);
}

void tu_write_file(const char *path, const char *content)
{
	mkdir_parents(path);
	FILE *f = fopen(path, "we");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	fputs(content, f);
	ck_assert_int_eq(fclose(f), 0);
}

void tu_write_filef(const char *path, const char *fmt, ...)
{
	_cleanup_free_ char *content = NULL;
	va_list ap;

	va_start(ap, fmt);
	int r = vasprintf(&content, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(r, 0);
	tu_write_file(path, content);
}

void tu_symlink(const char *target, const char *linkpath)
{
	mkdir_parents(linkpath);
	ck_assert_msg(symlink(target, linkpath) == 0, "symlink %s -> %s: %s", linkpath, target,
		      strerror(errno));
}

int tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
