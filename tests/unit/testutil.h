/* SPDX-License-Identifier: MIT */
#pragma once

#include <check.h>
#include <stddef.h>
#include <stdio.h>

/* Generic helpers for the Check unit tests. They fail the running test (ck_assert) on any
 * error, so callers need not check for one. */

/* snprintf into an array, failing the test on truncation */
#define tu_xsnprintf(buf, ...)                                                                     \
	ck_assert_int_lt(snprintf(buf, sizeof(buf), __VA_ARGS__), (int)sizeof(buf))

/* An unchecked TCase fixture (tcase_add_unchecked_fixture()): tu_base_setup() makes a base
 * directory below $TMPDIR (or /tmp), tu_base_teardown() removes it with everything in it,
 * which also catches the trees that failed tests left behind. */
void tu_base_setup(void);
void tu_base_teardown(void);
const char *tu_base_dir(void);

/* Makes a new directory <parent>/<prefix>XXXXXX (mkdtemp) and puts its path in buf. */
void tu_mkdtemp(char *buf, size_t size, const char *parent, const char *prefix);

/* Removes path and, for a directory, everything below it, not following symlinks. */
void tu_rm_rf(const char *path);

/* Creates the directory path and its missing parents. */
void tu_mkdir_p(const char *path);

/* Writes content to path (truncating it), creating the missing parent directories. */
void tu_write_file(const char *path, const char *content);

/* Like tu_write_file(), with content printed from fmt. */
__attribute__((format(printf, 2, 3))) void tu_write_filef(const char *path, const char *fmt, ...);

/* Creates the symlink linkpath -> target, and the missing parent directories of linkpath. */
void tu_symlink(const char *target, const char *linkpath);

/* Runs the suite s (srunner_run_all(), CK_NORMAL) and frees it; returns EXIT_SUCCESS when no
 * test failed, else EXIT_FAILURE: for main(). */
int tu_run(Suite *s);
