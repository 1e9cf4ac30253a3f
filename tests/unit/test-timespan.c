/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "timespan.h"
#include "testutil.h"

#define MSEC UINT64_C(1000)
#define SEC  UINT64_C(1000000)
#define MIN  (60 * SEC)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)
#define WEEK (7 * DAY)

#define SENTINEL UINT64_C(0x5a5a5a5a5a5a5a5a)

/* ---- parse_timespan: valid input ---- */

static const struct {
	const char *text;
	uint64_t usec;
} parse_ok[] = {
    {"0", 0},
    {"3", 3 * SEC},
    {"007", 7 * SEC},
    {"0s", 0},
    {"1.5s", 1500 * MSEC},
    {"0.5ms", 500},
    {"1min 30s", 90 * SEC},
    {"1min30s", 90 * SEC},
    {"1min   30s", 90 * SEC},
    {"1min\t30s", 90 * SEC},
    {" 1min 30s ", 90 * SEC},
    {"\t\n2h\r\n", 2 * HOUR},
    {"1 s", SEC},
    {"5 min", 5 * MIN},
    {"1min 30", 90 * SEC},
    {"1 2", 3 * SEC},
    {"1m30s", 90 * SEC},
    {"1ms", MSEC},
    {"1ms500us", 1500},
    {"2w 3d", 17 * DAY},
    {"1d 2h 3min 4s 5ms 6us", DAY + 2 * HOUR + 3 * MIN + 4 * SEC + 5 * MSEC + 6},
    {"6us 5ms 4s", 4 * SEC + 5 * MSEC + 6}, /* any order */
    {"1s 1s", 2 * SEC},
    /* every unit name */
    {"1us", 1},
    {"2usec", 2},
    {"3\u00b5s", 3},
    {"4\u03bcs", 4},
    {"1ms", MSEC},
    {"2msec", 2 * MSEC},
    {"1s", SEC},
    {"2sec", 2 * SEC},
    {"1second", SEC},
    {"2seconds", 2 * SEC},
    {"1m", MIN},
    {"2min", 2 * MIN},
    {"1minute", MIN},
    {"2minutes", 2 * MIN},
    {"1h", HOUR},
    {"2hr", 2 * HOUR},
    {"1hour", HOUR},
    {"2hours", 2 * HOUR},
    {"1d", DAY},
    {"1day", DAY},
    {"2days", 2 * DAY},
    {"1w", WEEK},
    {"1week", WEEK},
    {"2weeks", 2 * WEEK},
    /* fractions: exact, rounded down to whole microseconds */
    {"0.25h", 15 * MIN},
    {"1.5d", 36 * HOUR},
    {"0.5w", 84 * HOUR},
    {"0.1us", 0},
    {"1.9us", 1},
    {"1.0000001s", SEC},
    {"0.0000019s", 1},
    {"0.99999999min", 59999999},
    {"0.333333333333333333333333333333s", 333333},
    {"0.999999999999999999999999999999w", WEEK - 1},
    {"1.5", 1500 * MSEC},
    {"1.5 1.5ms", 1500 * MSEC + 1500},
    /* limits: USEC_INFINITY - 1 is the largest finite span */
    {"18446744073709551614us", UINT64_MAX - 1},
    {"213503982d 8h 1min 49s 551ms 614us", UINT64_MAX - 1},
    {"9223372036854775807us 9223372036854775807us", UINT64_MAX - 1},
    {"30500568w", 30500568 * WEEK},
    {"18446744073709551.614ms", UINT64_MAX - 1},
    {"18446744073709551.6149ms", UINT64_MAX - 1},
    {"infinity", USEC_INFINITY},
    {" infinity", USEC_INFINITY},
    {"\tinfinity \n", USEC_INFINITY},
};

START_TEST(test_parse_ok)
{
	uint64_t v = SENTINEL;
	int r = parse_timespan(parse_ok[_i].text, &v);

	ck_assert_msg(r == 0, "\"%s\": %d", parse_ok[_i].text, r);
	ck_assert_msg(v == parse_ok[_i].usec, "\"%s\": got %ju, expected %ju", parse_ok[_i].text,
		      (uintmax_t)v, (uintmax_t)parse_ok[_i].usec);
}
END_TEST

/* ---- parse_timespan: invalid input ---- */

static const struct {
	const char *text;
	int error;
} parse_bad[] = {
    {"", -EINVAL},
    {" ", -EINVAL},
    {"\t\n", -EINVAL},
    {"-1s", -EINVAL},
    {"-0", -EINVAL},
    {"+1s", -EINVAL},
    {"1min -30s", -EINVAL},
    {"1x", -EINVAL},
    {"1 x", -EINVAL},
    {"s", -EINVAL},
    {"min", -EINVAL},
    {"1 s s", -EINVAL},
    {"1ss", -EINVAL},
    {"1mins", -EINVAL},
    {"1secs", -EINVAL},
    {"1.s", -EINVAL},
    {"1.", -EINVAL},
    {"1. s", -EINVAL},
    {".5s", -EINVAL},
    {"1..5s", -EINVAL},
    {"1.5.5", -EINVAL},
    {"1.5.5s", -EINVAL},
    {"1S", -EINVAL},
    {"1M", -EINVAL},
    {"1MIN", -EINVAL},
    {"1y", -EINVAL},
    {"1month", -EINVAL},
    {"1s,2s", -EINVAL},
    {"1min 30x", -EINVAL},
    {"0x10", -EINVAL},
    {"1e3", -EINVAL},
    {"1_000s", -EINVAL},
    {"1\vs", -EINVAL},
    {"infinity 1s", -EINVAL},
    {"1s infinity", -EINVAL},
    {"infinityx", -EINVAL},
    {"infinity s", -EINVAL},
    {"Infinity", -EINVAL},
    {"inf", -EINVAL},
    {"99999999999999999999999s x", -EINVAL}, /* syntax errors win over overflow */
    {"18446744073709551615us", -ERANGE},     /* would be USEC_INFINITY */
    {"18446744073709551616us", -ERANGE},
    {"18446744073709551614", -ERANGE}, /* seconds */
    {"99999999999999999999999999", -ERANGE},
    {"30500569w", -ERANGE},
    {"213503982d 8h 1min 49s 551ms 615us", -ERANGE},
    {"9223372036854775807us 9223372036854775808us", -ERANGE},
    {"18446744073709551614us 1us", -ERANGE},
    {"18446744073709551.615ms", -ERANGE},
    {"18446744073709551.616ms", -ERANGE},
};

START_TEST(test_parse_bad)
{
	uint64_t v = SENTINEL;
	int r = parse_timespan(parse_bad[_i].text, &v);

	ck_assert_msg(r == parse_bad[_i].error, "\"%s\": got %d, expected %d", parse_bad[_i].text,
		      r, parse_bad[_i].error);
	ck_assert_msg(v == SENTINEL, "\"%s\": output written on failure", parse_bad[_i].text);
}
END_TEST

START_TEST(test_parse_null)
{
	uint64_t v = SENTINEL;

	ck_assert_int_eq(parse_timespan(NULL, &v), -EINVAL);
	ck_assert_uint_eq(v, SENTINEL);
	ck_assert_int_eq(parse_timespan("1s", NULL), -EINVAL);
}
END_TEST

/* ---- format_timespan ---- */

static const struct {
	uint64_t usec;
	const char *text;
} format_table[] = {
    {0, "0"},
    {1, "1us"},
    {500, "500us"},
    {999, "999us"},
    {MSEC, "1ms"},
    {1500, "1ms 500us"},
    {SEC, "1s"},
    {1500 * MSEC, "1s 500ms"},
    {SEC + 1, "1s 1us"},
    {59 * SEC, "59s"},
    {MIN, "1min"},
    {90 * SEC, "1min 30s"},
    {HOUR, "1h"},
    {HOUR + SEC, "1h 1s"},
    {DAY - 1, "23h 59min 59s 999ms 999us"},
    {DAY, "1d"},
    {DAY + 1, "1d 1us"},
    {WEEK, "7d"},
    {400 * DAY, "400d"},
    {DAY + 2 * HOUR + 3 * MIN + 4 * SEC + 5 * MSEC + 6, "1d 2h 3min 4s 5ms 6us"},
    {UINT64_MAX - 1, "213503982d 8h 1min 49s 551ms 614us"},
    {USEC_INFINITY, "infinity"},
};

START_TEST(test_format_table)
{
	char buf[FORMAT_TIMESPAN_MAX];

	memset(buf, 'x', sizeof(buf));
	char *r = format_timespan(buf, sizeof(buf), format_table[_i].usec);
	ck_assert_ptr_eq(r, buf);
	ck_assert_msg(strcmp(buf, format_table[_i].text) == 0, "%ju: got \"%s\", expected \"%s\"",
		      (uintmax_t)format_table[_i].usec, buf, format_table[_i].text);
}
END_TEST

/* A short buffer gets a NUL-terminated prefix of the full text and nothing past its end. */
START_TEST(test_format_truncated)
{
	const char *full = format_table[_i].text;
	size_t len = strlen(full);

	for (size_t l = 0; l <= len + 1; l++) {
		char buf[FORMAT_TIMESPAN_MAX + 1];

		memset(buf, 'x', sizeof(buf));
		format_timespan(buf, l, format_table[_i].usec);
		ck_assert_int_eq(buf[l], 'x');
		if (l == 0)
			continue;
		size_t n = strnlen(buf, l);
		ck_assert_msg(n == (len < l ? len : l - 1), "%zu: \"%.*s\"", l, (int)n, buf);
		ck_assert(strncmp(buf, full, n) == 0);
	}
}
END_TEST

/* ---- parse_timespan(format_timespan(x)) == x ---- */

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void check_roundtrip(uint64_t x)
{
	char buf[FORMAT_TIMESPAN_MAX + 8];
	uint64_t v = SENTINEL;

	memset(buf, 'x', sizeof(buf));
	format_timespan(buf, FORMAT_TIMESPAN_MAX, x);
	ck_assert_msg(strnlen(buf, sizeof(buf)) < FORMAT_TIMESPAN_MAX, "%ju too long",
		      (uintmax_t)x);
	int r = parse_timespan(buf, &v);
	ck_assert_msg(r == 0 && v == x, "%ju -> \"%s\" -> %d, %ju", (uintmax_t)x, buf, r,
		      (uintmax_t)v);
}

START_TEST(test_roundtrip_table)
{
	check_roundtrip(format_table[_i].usec);
}
END_TEST

START_TEST(test_roundtrip_random)
{
	uint64_t state = 20240229;

	for (unsigned i = 0; i < 5000; i++) {
		uint64_t x = splitmix64(&state);

		switch (i % 3) {
		case 0: /* full range */
			break;
		case 1: /* all magnitudes */
			x >>= x % 64;
			break;
		default: /* round numbers: few, sparse components */
			x = (x >> 40) * (uint64_t[]){1, MSEC, SEC, MIN, HOUR, DAY}[x % 6];
			break;
		}
		check_roundtrip(x);
	}
}
END_TEST

/* "<x>us" and "<x / 1000>.<x % 1000>ms" parse exactly for random x. */
START_TEST(test_parse_random_numbers)
{
	uint64_t state = 7;

	for (unsigned i = 0; i < 2000; i++) {
		uint64_t x = splitmix64(&state) >> (i % 64), v = SENTINEL;
		char buf[64];

		if (x == USEC_INFINITY)
			x--;
		snprintf(buf, sizeof(buf), "%juus", (uintmax_t)x);
		ck_assert_msg(parse_timespan(buf, &v) == 0 && v == x, "\"%s\": %ju", buf,
			      (uintmax_t)v);
		snprintf(buf, sizeof(buf), " %ju.%03jums ", (uintmax_t)(x / 1000),
			 (uintmax_t)(x % 1000));
		ck_assert_msg(parse_timespan(buf, &v) == 0 && v == x, "\"%s\": %ju", buf,
			      (uintmax_t)v);
	}
}
END_TEST

static Suite *timespan_suite(void)
{
	Suite *s = suite_create("timespan");
	TCase *tc = tcase_create("parse_timespan");

	tcase_add_loop_test(tc, test_parse_ok, 0, ARRAY_SIZE(parse_ok));
	tcase_add_loop_test(tc, test_parse_bad, 0, ARRAY_SIZE(parse_bad));
	tcase_add_test(tc, test_parse_null);
	tcase_add_test(tc, test_parse_random_numbers);
	suite_add_tcase(s, tc);

	tc = tcase_create("format_timespan");
	tcase_add_loop_test(tc, test_format_table, 0, ARRAY_SIZE(format_table));
	tcase_add_loop_test(tc, test_format_truncated, 0, ARRAY_SIZE(format_table));
	suite_add_tcase(s, tc);

	tc = tcase_create("roundtrip");
	tcase_add_loop_test(tc, test_roundtrip_table, 0, ARRAY_SIZE(format_table));
	tcase_add_test(tc, test_roundtrip_random);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(timespan_suite());
}
