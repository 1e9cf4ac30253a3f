/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "unitname.h"
#include "testutil.h"

/* Written by a function only on success; lets tests see that failures leave outputs alone. */
#define SENTINEL_TYPE ((UnitType)0x5a5a)
static char sentinel_str[] = "untouched";

/* ---- unit_name_type: valid names ---- */

static const struct {
	const char *name;
	UnitType type;
} valid_names[] = {
    {"machine.slice", UNIT_SLICE},
    {"-.slice", UNIT_SLICE},
    {"system.slice", UNIT_SLICE},
    {"user-1000.slice", UNIT_SLICE},
    {"a-b-c.slice", UNIT_SLICE},
    {"machine-qemu\\x2d1\\x2dvm1.slice", UNIT_SLICE},
    {"a.b.slice", UNIT_SLICE},
    {"x.slice", UNIT_SLICE},
    {"a:b_c.slice", UNIT_SLICE},
    {"sshd.service", UNIT_SERVICE},
    {"getty@.service", UNIT_SERVICE},
    {"getty@tty1.service", UNIT_SERVICE},
    {"foo@bar.service", UNIT_SERVICE},
    {"systemd-fsck@dev-disk-by\\x2duuid-1234.service", UNIT_SERVICE},
    {"a--b.service", UNIT_SERVICE},
    {"-a-.service", UNIT_SERVICE},
    {"foo.slice.service", UNIT_SERVICE},
    {"machine-qemu\\x2d1\\x2dvm1.scope", UNIT_SCOPE},
    {"session-1.scope", UNIT_SCOPE},
    {"run-u42.scope", UNIT_SCOPE},
    {"init.scope", UNIT_SCOPE},
};

START_TEST(test_valid_names)
{
	const char *name = valid_names[_i].name;
	UnitType type = SENTINEL_TYPE;

	ck_assert_msg(unit_name_type(name, &type) == 0, "\"%s\" should be valid", name);
	ck_assert_msg(type == valid_names[_i].type, "\"%s\": type %d, expected %d", name, (int)type,
		      (int)valid_names[_i].type);
	ck_assert_int_eq(unit_name_type(name, NULL), 0);
	ck_assert(unit_name_is_valid(name));
}
END_TEST

/* ---- unit_name_type: invalid names ---- */

static const char *const invalid_names[] = {
    "",
    "../x.slice",
    "a/b.service",
    "/machine.slice",
    "foo.socket",
    "foo.mount",
    ".slice",
    ".service",
    ".scope",
    "-a.slice",
    "a-.slice",
    "a--b.slice",
    "--.slice",
    "-.-.slice",
    "a@b.slice",
    "a@.slice",
    "a@b.scope",
    "a@b@c.service",
    "a@@.service",
    "@foo.service",
    "@.service",
    "foo",
    "slice",
    "foo.",
    "foo.slice.",
    "foo.SLICE",
    "foo.slicex",
    "foo slice",
    "a b.service",
    "a\tb.service",
    "a\nb.service",
    "foo.service ",
    " foo.service",
    "a%b.service",
    "a*b.slice",
    "a$b.scope",
    "\xc3\xa4.service",
    "\x7f.service",
};

START_TEST(test_invalid_names)
{
	const char *name = invalid_names[_i];
	UnitType type = SENTINEL_TYPE;

	ck_assert_msg(unit_name_type(name, &type) == -EINVAL, "\"%s\" should be invalid", name);
	ck_assert_msg(type == SENTINEL_TYPE, "\"%s\": type written on failure", name);
	ck_assert_int_eq(unit_name_type(name, NULL), -EINVAL);
	ck_assert(!unit_name_is_valid(name));
}
END_TEST

START_TEST(test_null_name)
{
	UnitType type = SENTINEL_TYPE;

	ck_assert_int_eq(unit_name_type(NULL, &type), -EINVAL);
	ck_assert_int_eq(unit_name_type(NULL, NULL), -EINVAL);
	ck_assert(type == SENTINEL_TYPE);
	ck_assert(!unit_name_is_valid(NULL));
}
END_TEST

START_TEST(test_embedded_nul)
{
	/* What a caller holding a length-delimited buffer might pass: it reads as "machine". */
	static const char buf[] = "machine\0.slice";

	ck_assert_uint_eq(sizeof(buf), 15);
	ck_assert_int_eq(unit_name_type(buf, NULL), -EINVAL);
	ck_assert_int_eq(unit_name_type(buf + 8, NULL), -EINVAL); /* ".slice" */

	static const char buf2[] = "a.slice\0junk";
	ck_assert_int_eq(unit_name_type(buf2, NULL), 0);
}
END_TEST

/* A name of exactly len bytes: 'a' repeated, then suffix. */
static char *make_name(size_t len, const char *suffix)
{
	size_t slen = strlen(suffix);
	char *s;

	ck_assert_uint_ge(len, slen + 1);
	s = malloc(len + 1);
	ck_assert_ptr_nonnull(s);
	memset(s, 'a', len - slen);
	memcpy(s + len - slen, suffix, slen + 1);
	ck_assert_uint_eq(strlen(s), len);
	return s;
}

START_TEST(test_length_limits)
{
	static const char *const suffixes[] = {".slice", ".service", ".scope"};

	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		_cleanup_free_ char *max = make_name(UNIT_NAME_MAX, suffixes[i]);
		_cleanup_free_ char *over = make_name(UNIT_NAME_MAX + 1, suffixes[i]);
		_cleanup_free_ char *huge = make_name(10 * 1024, suffixes[i]);

		ck_assert_msg(unit_name_type(max, NULL) == 0, "255-byte %s name", suffixes[i]);
		ck_assert_msg(unit_name_type(over, NULL) == -EINVAL, "256-byte %s name",
			      suffixes[i]);
		ck_assert_msg(unit_name_type(huge, NULL) == -EINVAL, "10 KB %s name", suffixes[i]);
	}
	ck_assert_int_eq(UNIT_NAME_MAX, 255);
}
END_TEST

/* ---- unit_name_escape ---- */

static const struct {
	const char *in;
	const char *out;
} escape_table[] = {
    {"", ""},
    {"qemu-1-vm1", "qemu\\x2d1\\x2dvm1"},
    {"foo", "foo"},
    {"ABCxyz019:_.", "ABCxyz019:_."},
    {"a.b", "a.b"},
    {".hidden", "\\x2ehidden"},
    {"..", "\\x2e."},
    {"/", "-"},
    {"a/b/c", "a-b-c"},
    {"/.", "-."},
    {"-", "\\x2d"},
    {"\\", "\\x5c"},
    {"\\x41", "\\x5cx41"},
    {"a b", "a\\x20b"},
    {"@", "\\x40"},
    {"\x01", "\\x01"},
    {"\x7f", "\\x7f"},
    {"\xab", "\\xab"},
    {"\xff", "\\xff"},
    {"\xc3\xa4", "\\xc3\\xa4"},
    {"/dev/disk/by-uuid/1", "-dev-disk-by\\x2duuid-1"},
};

START_TEST(test_escape_table)
{
	_cleanup_free_ char *out = NULL;

	ck_assert_int_eq(unit_name_escape(escape_table[_i].in, &out), 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, escape_table[_i].out);
}
END_TEST

START_TEST(test_escape_null)
{
	char *out = sentinel_str;

	ck_assert_int_eq(unit_name_escape(NULL, &out), -EINVAL);
	ck_assert_ptr_eq(out, sentinel_str);
}
END_TEST

/* ---- unit_name_unescape ---- */

static const struct {
	const char *in;
	const char *out;
} unescape_table[] = {
    {"", ""},
    {"foo", "foo"},
    {"qemu\\x2d1\\x2dvm1", "qemu-1-vm1"},
    {"\\x2D", "-"},
    {"\\x41\\x42c", "ABc"},
    {"\\x2ehidden", ".hidden"},
    {"a-b", "a-b"},
    {"-", "-"},
    {"\\y", "\\y"},
    {"\\X41", "\\X41"},
    {"a\\", "a\\"},
    {"\\\\x41", "\\A"},
    {"\\x5cx41", "\\x41"},
    {"\\x01", "\x01"},
    {"\\xff", "\xff"},
    {"\\xFf", "\xff"},
    {"\\xc3\\xa4", "\xc3\xa4"},
    {"x41", "x41"},
};

START_TEST(test_unescape_table)
{
	_cleanup_free_ char *out = NULL;

	ck_assert_int_eq(unit_name_unescape(unescape_table[_i].in, &out), 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, unescape_table[_i].out);
}
END_TEST

static const char *const unescape_errors[] = {
    "\\x",   "\\x4",  "a\\x",    "a\\x4",  "\\xg0", "\\x0g",    "\\x 1",
    "\\x-1", "\\x00", "a\\x00b", "ok\\x4", "\\xzz", "\\x41\\x", "\\x41\\x00",
};

START_TEST(test_unescape_errors)
{
	char *out = sentinel_str;

	ck_assert_msg(unit_name_unescape(unescape_errors[_i], &out) == -EINVAL,
		      "\"%s\" should fail", unescape_errors[_i]);
	ck_assert_ptr_eq(out, sentinel_str);
}
END_TEST

START_TEST(test_unescape_null)
{
	char *out = sentinel_str;

	ck_assert_int_eq(unit_name_unescape(NULL, &out), -EINVAL);
	ck_assert_ptr_eq(out, sentinel_str);
}
END_TEST

/* ---- escape/unescape round trips ---- */

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* Escapes s, checks the result's shape, unescapes it and compares with s ('/' -> '-'). */
static void check_round_trip(const char *s)
{
	_cleanup_free_ char *esc = NULL, *back = NULL, *expected = NULL;

	ck_assert_int_eq(unit_name_escape(s, &esc), 0);
	ck_assert_ptr_nonnull(esc);

	for (const char *p = esc; *p; p++) {
		ck_assert_msg(strchr("0123456789abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ:_.\\-",
				     *p),
			      "escaped \"%s\" contains 0x%02x", esc, (unsigned char)*p);
		if (p[0] == '\\') {
			ck_assert_int_eq(p[1], 'x');
			ck_assert_msg(strchr("0123456789abcdef", p[2]) && p[2],
				      "upper-case or bad hex in \"%s\"", esc);
			ck_assert_msg(strchr("0123456789abcdef", p[3]) && p[3],
				      "upper-case or bad hex in \"%s\"", esc);
		}
	}
	ck_assert_uint_eq(count_char(esc, '-'), count_char(s, '/'));
	ck_assert_int_ne(esc[0], '.');

	/* The escaped form is usable as a unit name prefix. */
	if (*esc && strlen(esc) + strlen(".service") <= UNIT_NAME_MAX) {
		_cleanup_free_ char *unit = NULL;

		ck_assert_int_ge(asprintf(&unit, "%s.service", esc), 0);
		ck_assert_msg(unit_name_is_valid(unit), "\"%s\" should be valid", unit);
	}

	expected = strdup(s);
	ck_assert_ptr_nonnull(expected);
	for (char *p = expected; *p; p++)
		if (*p == '/')
			*p = '-';

	ck_assert_int_eq(unit_name_unescape(esc, &back), 0);
	ck_assert_ptr_nonnull(back);
	ck_assert_str_eq(back, expected);
}

static const char *const round_trip_strings[] = {
    "",
    "a",
    "qemu-1-vm1",
    "/usr/lib/foo",
    ".dot",
    "..",
    "\\x41",
    "\\x00",
    "\\",
    "a b\tc\n",
    "-.slice",
    "user@1000",
    "\xc3\xa4\xc3\xb6\xc3\xbc",
    "\x01\x02\x7f\x80\xfe\xff",
};

START_TEST(test_round_trip_strings)
{
	check_round_trip(round_trip_strings[_i]);
}
END_TEST

START_TEST(test_round_trip_every_byte)
{
	char all[256];

	for (int c = 1; c <= 255; c++) {
		char one[2] = {(char)c, '\0'};
		char two[3] = {'x', (char)c, '\0'};

		check_round_trip(one);
		check_round_trip(two);
		all[c - 1] = (char)c;
	}
	all[255] = '\0';
	ck_assert_uint_eq(strlen(all), 255);
	check_round_trip(all);
}
END_TEST

/* ---- slice_cgroup_path ---- */

static const struct {
	const char *name;
	const char *path;
} slice_paths[] = {
    {"-.slice", ""},
    {"machine.slice", "machine.slice"},
    {"a-b.slice", "a.slice/a-b.slice"},
    {"a-b-c.slice", "a.slice/a-b.slice/a-b-c.slice"},
    {"machine-qemu.slice", "machine.slice/machine-qemu.slice"},
    {"user-1000.slice", "user.slice/user-1000.slice"},
    {"machine-qemu\\x2d1\\x2dvm1.slice", "machine.slice/machine-qemu\\x2d1\\x2dvm1.slice"},
    {"a\\x2db.slice", "a\\x2db.slice"},
    {"a.b-c.slice", "a.b.slice/a.b-c.slice"},
    {"ab-cd-ef-gh.slice", "ab.slice/ab-cd.slice/ab-cd-ef.slice/ab-cd-ef-gh.slice"},
};

START_TEST(test_slice_paths)
{
	_cleanup_free_ char *path = NULL;

	ck_assert_int_eq(slice_cgroup_path(slice_paths[_i].name, &path), 0);
	ck_assert_ptr_nonnull(path);
	ck_assert_str_eq(path, slice_paths[_i].path);
}
END_TEST

static const char *const slice_path_errors[] = {
    "",           "foo",       "foo.service", "foo.scope",  "foo@.service",
    ".slice",     "-a.slice",  "a-.slice",    "a--b.slice", "a@b.slice",
    "../x.slice", "a/b.slice", "a b.slice",   "foo.socket", "-.scope",
};

START_TEST(test_slice_path_errors)
{
	char *path = sentinel_str;

	ck_assert_msg(slice_cgroup_path(slice_path_errors[_i], &path) == -EINVAL,
		      "\"%s\" should fail", slice_path_errors[_i]);
	ck_assert_ptr_eq(path, sentinel_str);
}
END_TEST

START_TEST(test_slice_path_null)
{
	char *path = sentinel_str;

	ck_assert_int_eq(slice_cgroup_path(NULL, &path), -EINVAL);
	ck_assert_ptr_eq(path, sentinel_str);
}
END_TEST

/* The longest slice name with the most dashes: check the structure of the expansion. */
START_TEST(test_slice_path_deep)
{
	_cleanup_free_ char *name = NULL, *path = NULL;
	size_t prefix_len = UNIT_NAME_MAX - strlen(".slice"), n_parts = 0;
	char *part, *saveptr = NULL, *prev = NULL;

	name = make_name(UNIT_NAME_MAX, ".slice");
	for (size_t i = 1; i < prefix_len; i += 2)
		name[i] = '-';
	if (name[prefix_len - 1] == '-')
		name[prefix_len - 1] = 'a';
	ck_assert(unit_name_is_valid(name));

	ck_assert_int_eq(slice_cgroup_path(name, &path), 0);
	ck_assert_ptr_nonnull(path);
	ck_assert_int_ne(path[0], '/');
	ck_assert_int_ne(path[strlen(path) - 1], '/');

	for (part = strtok_r(path, "/", &saveptr); part; part = strtok_r(NULL, "/", &saveptr)) {
		UnitType type;

		ck_assert_int_eq(unit_name_type(part, &type), 0);
		ck_assert(type == UNIT_SLICE);
		if (prev) {
			/* "x.slice" is followed by "x-<more>.slice" */
			size_t plen = strlen(prev) - strlen(".slice");

			ck_assert(strncmp(part, prev, plen) == 0);
			ck_assert_int_eq(part[plen], '-');
		}
		prev = part;
		n_parts++;
	}
	ck_assert_uint_eq(n_parts, count_char(name, '-') + 1);
	ck_assert_ptr_nonnull(prev);
	ck_assert_str_eq(prev, name);
}
END_TEST

static Suite *unitname_suite(void)
{
	Suite *s = suite_create("unitname");
	TCase *tc;

	tc = tcase_create("type");
	tcase_add_loop_test(tc, test_valid_names, 0, ARRAY_SIZE(valid_names));
	tcase_add_loop_test(tc, test_invalid_names, 0, ARRAY_SIZE(invalid_names));
	tcase_add_test(tc, test_null_name);
	tcase_add_test(tc, test_embedded_nul);
	tcase_add_test(tc, test_length_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("escape");
	tcase_add_loop_test(tc, test_escape_table, 0, ARRAY_SIZE(escape_table));
	tcase_add_test(tc, test_escape_null);
	tcase_add_loop_test(tc, test_unescape_table, 0, ARRAY_SIZE(unescape_table));
	tcase_add_loop_test(tc, test_unescape_errors, 0, ARRAY_SIZE(unescape_errors));
	tcase_add_test(tc, test_unescape_null);
	tcase_add_loop_test(tc, test_round_trip_strings, 0, ARRAY_SIZE(round_trip_strings));
	tcase_add_test(tc, test_round_trip_every_byte);
	suite_add_tcase(s, tc);

	tc = tcase_create("slice_path");
	tcase_add_loop_test(tc, test_slice_paths, 0, ARRAY_SIZE(slice_paths));
	tcase_add_loop_test(tc, test_slice_path_errors, 0, ARRAY_SIZE(slice_path_errors));
	tcase_add_test(tc, test_slice_path_null);
	tcase_add_test(tc, test_slice_path_deep);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return tu_run(unitname_suite());
}
