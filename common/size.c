/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decimal.h"
#include "size.h"

char *format_bytes(char *buf, size_t l, uint64_t bytes)
{
	static const char suffixes[] = "KMGTPE";

	if (bytes == UINT64_MAX) {
		snprintf(buf, l, "infinity");
		return buf;
	}
	if (bytes < 1024) {
		snprintf(buf, l, "%" PRIu64 "B", bytes);
		return buf;
	}
	/* i: index of the largest suffix whose factor is <= bytes */
	unsigned i = 0;
	while (i + 1 < sizeof(suffixes) - 1 && bytes >> (10 * (i + 2)) > 0)
		i++;
	uint64_t factor = UINT64_C(1) << (10 * (i + 1));
	uint64_t tenths = (bytes % factor) * 10 / factor; /* remainder < 2^60: no overflow */
	snprintf(buf, l, "%" PRIu64 ".%" PRIu64 "%c", bytes / factor, tenths, suffixes[i]);
	return buf;
}

/* "<int>[.<frac>]%" with at most two decimals: floor(mem_total * percent / 100). */
static int parse_percent(const char *int_s, const char *int_e, const char *frac_s,
			 const char *frac_e, uint64_t mem_total, uint64_t *ret)
{
	uint64_t whole, hundredths;

	if (frac_s && frac_e - frac_s > 2)
		return -EINVAL;
	if (parse_u64(int_s, (size_t)(int_e - int_s), &whole) < 0 || whole > 100)
		return -ERANGE;
	hundredths = whole * 100;
	if (frac_s) {
		hundredths += (uint64_t)(frac_s[0] - '0') * 10;
		if (frac_e - frac_s == 2)
			hundredths += (uint64_t)(frac_s[1] - '0');
	}
	if (hundredths > 10000)
		return -ERANGE;
	/* mem_total = q * 10000 + r: q * h is exact and fits, r * h < 10^8 */
	*ret = mem_total / 10000 * hundredths + mem_total % 10000 * hundredths / 10000;
	return 0;
}

/* Decisions beyond size.h: a fraction may have any number of digits and is exact, truncated
 * to whole bytes ("1.1K" = 1126); digits are needed on both sides of the point ("1.G", ".5G"
 * are -EINVAL); "18446744073709551615" (and e.g. "15.99999999999999999999E") is UINT64_MAX,
 * the same "no limit" as "infinity"; syntax errors win over overflow ("99999999999999999999x"
 * is -EINVAL); a NULL s or ret is -EINVAL, and *ret is written only on success. */
int parse_size(const char *s, uint64_t mem_total, uint64_t *ret)
{
	static const char suffixes[] = "BKMGTPE";
	const char *p, *int_s, *int_e, *frac_s = NULL, *frac_e = NULL;
	uint64_t whole, v;
	unsigned shift = 0;
	int r;

	if (!s || !ret)
		return -EINVAL;
	if (strcmp(s, "infinity") == 0) {
		*ret = UINT64_MAX;
		return 0;
	}

	/* The whole syntax is checked first: malformed input is -EINVAL even if it overflows. */
	int_s = p = s;
	while (is_decimal_digit(*p))
		p++;
	int_e = p;
	if (int_e == int_s)
		return -EINVAL;
	if (*p == '.') {
		frac_s = ++p;
		while (is_decimal_digit(*p))
			p++;
		frac_e = p;
		if (frac_e == frac_s)
			return -EINVAL; /* "1.G", "1.%" */
	}

	if (p[0] == '%' && p[1] == '\0')
		return parse_percent(int_s, int_e, frac_s, frac_e, mem_total, ret);

	if (*p != '\0') {
		const char *suffix = strchr(suffixes, *p);

		if (!suffix || p[1] != '\0')
			return -EINVAL;
		shift = 10 * (unsigned)(suffix - suffixes);
	}
	if (frac_s && shift == 0)
		return -EINVAL; /* fractions of a byte: "1.5", "1.5B" */

	r = parse_u64(int_s, (size_t)(int_e - int_s), &whole);
	if (r < 0)
		return r;
	if (whole > UINT64_MAX >> shift)
		return -ERANGE;
	v = whole << shift;
	if (frac_s &&
	    __builtin_add_overflow(v, decimal_fraction(frac_s, frac_e, UINT64_C(1) << shift), &v))
		return -ERANGE;
	*ret = v;
	return 0;
}
