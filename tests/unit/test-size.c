/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "size.h"

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

static Suite *size_suite(void)
{
	Suite *s = suite_create("size");
	TCase *tc = tcase_create("format_bytes");

	tcase_add_loop_test(tc, test_format_bytes_table, 0, ARRAY_SIZE(bytes_table));
	tcase_add_test(tc, test_format_bytes_shape);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(size_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
