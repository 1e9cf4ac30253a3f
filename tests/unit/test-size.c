/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "size.h"
#include "testutil.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define TIB (UINT64_C(1) << 40)
#define PIB (UINT64_C(1) << 50)
#define EIB (UINT64_C(1) << 60)

static const struct {
	uint64_t bytes;
	const char *text;
} bytes_table[] = {
    {0, "0B"},
    {1, "1B"},
    {512, "512B"},
    {1023, "1023B"},
    {1024, "1.0K"},
    {1025, "1.0K"},
    {1536, "1.5K"},
    {2047, "1.9K"}, /* one decimal, truncated rather than rounded up */
    {1048575, "1023.9K"},
    {MIB, "1.0M"},
    {32 * MIB, "32.0M"},
    {GIB - 1, "1023.9M"},
    {GIB, "1.0G"},
    {GIB + 512 * MIB, "1.5G"},
    {TIB, "1.0T"},
    {3 * TIB + TIB / 4, "3.2T"},
    {PIB, "1.0P"},
    {EIB - 1, "1023.9P"},
    {EIB, "1.0E"},
    {8 * EIB, "8.0E"},
    {UINT64_MAX - 1, "15.9E"},
    {UINT64_MAX, "infinity"},
};

START_TEST(test_format_bytes_table)
{
	char buf[FORMAT_BYTES_MAX];

	memset(buf, 'x', sizeof(buf));
	char *r = format_bytes(buf, sizeof(buf), bytes_table[_i].bytes);
	ck_assert_ptr_eq(r, buf);
	ck_assert_msg(strcmp(buf, bytes_table[_i].text) == 0, "%ju: got \"%s\", expected \"%s\"",
		      (uintmax_t)bytes_table[_i].bytes, buf, bytes_table[_i].text);
}
END_TEST

/* Every power of two and its neighbours fit into FORMAT_BYTES_MAX and keep the shape
 * "<digits>B" or "<digits>.<digit><unit>". */
START_TEST(test_format_bytes_shape)
{
	static const char units[] = "KMGTPE";

	for (unsigned bit = 0; bit < 64; bit++) {
		for (int delta = -1; delta <= 1; delta++) {
			uint64_t v = (UINT64_C(1) << bit) + (uint64_t)(int64_t)delta;
			char buf[FORMAT_BYTES_MAX + 8];

			memset(buf, 'x', sizeof(buf));
			format_bytes(buf, FORMAT_BYTES_MAX, v);
			size_t len = strnlen(buf, sizeof(buf));
			ck_assert_msg(len < FORMAT_BYTES_MAX, "%ju: \"%.*s\" too long",
				      (uintmax_t)v, (int)len, buf);
			ck_assert_int_eq(buf[FORMAT_BYTES_MAX], 'x');
			if (v < 1024) {
				ck_assert_uint_eq(strtoull(buf, NULL, 10), v);
				ck_assert_int_eq(buf[len - 1], 'B');
				continue;
			}
			/* the unit is the largest one not above v, the integer part is v / unit */
			const char *u = strchr(units, buf[len - 1]);
			ck_assert_msg(u && *u, "%ju: \"%s\" has no unit", (uintmax_t)v, buf);
			unsigned shift = 10 * (unsigned)(u - units + 1);
			ck_assert_int_eq(buf[len - 3], '.');
			ck_assert(buf[len - 2] >= '0' && buf[len - 2] <= '9');
			ck_assert_uint_eq(strtoull(buf, NULL, 10), v >> shift);
			ck_assert_msg((v >> shift) < 1024 || *u == 'E', "%ju: \"%s\"", (uintmax_t)v,
				      buf);
		}
	}
}
END_TEST

/* ---- parse_size ---- */

#define SENTINEL UINT64_C(0x5a5a5a5a5a5a5a5a)

static const struct {
	const char *text;
	uint64_t mem_total;
	uint64_t bytes;
} parse_ok[] = {
    {"0", 0, 0},
    {"4096", 0, 4096},
    {"007", 0, 7},
    {"0B", 0, 0},
    {"512B", 0, 512},
    {"1K", 0, KIB},
    {"64G", 0, 64 * GIB},
    {"3T", 0, 3 * TIB},
    {"2P", 0, 2 * PIB},
    {"1E", 0, EIB},
    {"1.5G", 0, GIB + 512 * MIB},
    {"1.5K", 0, 1536},
    {"0.5M", 0, 524288},
    {"1.1K", 0, 1126}, /* 1126.4, truncated */
    {"1.0K", 0, KIB},
    {"0.0001K", 0, 0},
    {"0.999999999999999999999999999K", 0, 1023}, /* any number of fraction digits */
    {"15E", 0, 15 * EIB},
    {"15.5E", 0, 15 * EIB + EIB / 2},
    {"16383P", 0, 16383 * PIB},
    {"17179869183G", 0, UINT64_C(18446744072635809792)},
    {"18014398509481983.999K", 0, UINT64_MAX - 1},
    {"18446744073709551614", 0, UINT64_MAX - 1},
    {"18446744073709551615", 0, UINT64_MAX}, /* UINT64_MAX is no limit, like infinity */
    {"15.99999999999999999999999E", 0, UINT64_MAX},
    {"infinity", 0, UINT64_MAX},
    {"infinity", 1000, UINT64_MAX},
    {"0%", 1000, 0},
    {"0.00%", 1000, 0},
    {"100%", 1000, 1000},
    {"100.00%", 1000, 1000},
    {"00100%", 1000, 1000},
    {"20%", 1000, 200},
    {"12.5%", 1000, 125},
    {"12.5%", 999, 124}, /* 124.875, rounded down */
    {"33.33%", 10000, 3333},
    {"0.01%", 9999, 0},
    {"0.01%", 10000, 1},
    {"99.99%", 10000, 9999},
    {"50%", 0, 0},
    {"1%", UINT64_MAX, UINT64_C(184467440737095516)},
    {"50%", UINT64_MAX, UINT64_C(9223372036854775807)},
    {"99.99%", UINT64_MAX, UINT64_C(18444899399302180659)},
    {"100%", UINT64_MAX, UINT64_MAX},
    {"20%", 16 * GIB, UINT64_C(3435973836)},
};

START_TEST(test_parse_size_ok)
{
	uint64_t v = SENTINEL;
	int r = parse_size(parse_ok[_i].text, parse_ok[_i].mem_total, &v);

	ck_assert_msg(r == 0, "\"%s\": %d", parse_ok[_i].text, r);
	ck_assert_msg(v == parse_ok[_i].bytes, "\"%s\" of %ju: got %ju, expected %ju",
		      parse_ok[_i].text, (uintmax_t)parse_ok[_i].mem_total, (uintmax_t)v,
		      (uintmax_t)parse_ok[_i].bytes);
}
END_TEST

static const struct {
	const char *text;
	int error;
} parse_bad[] = {
    {"", -EINVAL},
    {"1.5", -EINVAL},
    {"1.5B", -EINVAL},
    {"10k", -EINVAL},
    {"10KB", -EINVAL},
    {"1KiB", -EINVAL},
    {"1..5G", -EINVAL},
    {"1.5.5G", -EINVAL},
    {"1.G", -EINVAL},
    {".5G", -EINVAL},
    {"1.", -EINVAL},
    {"G", -EINVAL},
    {"B", -EINVAL},
    {"%", -EINVAL},
    {"1.%", -EINVAL},
    {".5%", -EINVAL},
    {"12.345%", -EINVAL},
    {"1%%", -EINVAL},
    {"5G%", -EINVAL},
    {"5%G", -EINVAL},
    {"%5", -EINVAL},
    {"5 G", -EINVAL},
    {" 5G", -EINVAL},
    {"5G ", -EINVAL},
    {"\t1", -EINVAL},
    {"1\n", -EINVAL},
    {"1 000", -EINVAL},
    {"+5G", -EINVAL},
    {"-5G", -EINVAL},
    {"-0", -EINVAL},
    {"0x10", -EINVAL},
    {"1e3", -EINVAL},
    {"10i", -EINVAL},
    {"Infinity", -EINVAL},
    {"infinity ", -EINVAL},
    {"infinityB", -EINVAL},
    {"inf", -EINVAL},
    {"99999999999999999999x", -EINVAL}, /* syntax errors win over overflow */
    {"99999999999999999999.5", -EINVAL},
    {"16E", -ERANGE},
    {"16.0E", -ERANGE},
    {"99999999999999999999", -ERANGE},
    {"18446744073709551616", -ERANGE},
    {"17179869184G", -ERANGE},
    {"16384P", -ERANGE},
    {"16777216T", -ERANGE},
    {"18014398509481984K", -ERANGE},
    {"100.01%", -ERANGE},
    {"101%", -ERANGE},
    {"99999999999999999999%", -ERANGE},
    {"4611686018427387904%", -ERANGE}, /* 2^62: times 100 wraps to 0 */
};

START_TEST(test_parse_size_bad)
{
	uint64_t v = SENTINEL;
	int r = parse_size(parse_bad[_i].text, 1000, &v);

	ck_assert_msg(r == parse_bad[_i].error, "\"%s\": got %d, expected %d", parse_bad[_i].text,
		      r, parse_bad[_i].error);
	ck_assert_msg(v == SENTINEL, "\"%s\": output written on failure", parse_bad[_i].text);
}
END_TEST

START_TEST(test_parse_size_null)
{
	uint64_t v = SENTINEL;

	ck_assert_int_eq(parse_size(NULL, 1000, &v), -EINVAL);
	ck_assert_uint_eq(v, SENTINEL);
	ck_assert_int_eq(parse_size("1K", 1000, NULL), -EINVAL);
}
END_TEST

/* Every suffix and every 1..2-digit fraction: "<i>.<f><S>" = i * 2^s + floor(0.f * 2^s). */
START_TEST(test_parse_size_fractions)
{
	static const char units[] = "KMGTPE";

	for (unsigned u = 0; u < 6; u++) {
		uint64_t factor = UINT64_C(1) << (10 * (u + 1));

		for (unsigned f = 0; f < 100; f++) {
			char buf[32];
			uint64_t v = SENTINEL;

			snprintf(buf, sizeof(buf), "3.%02u%c", f, units[u]);
			ck_assert_int_eq(parse_size(buf, 0, &v), 0);
			ck_assert_msg(v == 3 * factor + factor / 100 * f + factor % 100 * f / 100,
				      "\"%s\": %ju", buf, (uintmax_t)v);
		}
	}
}
END_TEST

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* format_bytes truncates to a tenth of its unit; parsing its output never exceeds the value
 * and loses less than a tenth of the unit plus one byte (both roundings are downwards). Exact below
 * 1K and for infinity. */
START_TEST(test_parse_size_format_roundtrip)
{
	uint64_t state = 42;

	for (unsigned i = 0; i < 5000; i++) {
		uint64_t x = splitmix64(&state), v = SENTINEL;
		char buf[FORMAT_BYTES_MAX];

		if (i == 0)
			x = UINT64_MAX;
		else
			x >>= x % 64; /* spread over all magnitudes */
		format_bytes(buf, sizeof(buf), x);
		ck_assert_msg(parse_size(buf, 0, &v) == 0, "\"%s\"", buf);
		uint64_t unit =
		    x < KIB ? 1 : UINT64_C(1) << (10 * ((63 - __builtin_clzll(x)) / 10));
		ck_assert_msg(v <= x && (x - v) * 10 < unit + 10, "%ju -> \"%s\" -> %ju",
			      (uintmax_t)x, buf, (uintmax_t)v);
		if (x < KIB || x == UINT64_MAX)
			ck_assert_uint_eq(v, x);
	}
}
END_TEST

static Suite *size_suite(void)
{
	Suite *s = suite_create("size");
	TCase *tc = tcase_create("format_bytes");

	tcase_add_loop_test(tc, test_format_bytes_table, 0, ARRAY_SIZE(bytes_table));
	tcase_add_test(tc, test_format_bytes_shape);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse_size");
	tcase_add_loop_test(tc, test_parse_size_ok, 0, ARRAY_SIZE(parse_ok));
	tcase_add_loop_test(tc, test_parse_size_bad, 0, ARRAY_SIZE(parse_bad));
	tcase_add_test(tc, test_parse_size_null);
	tcase_add_test(tc, test_parse_size_fractions);
	tcase_add_test(tc, test_parse_size_format_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(size_suite());
}
