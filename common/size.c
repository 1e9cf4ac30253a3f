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
static int parse_percent(const DecimalSpan *d, uint64_t mem_total, uint64_t *ret)
{
	uint64_t hundredths;

	if (d->frac_s && d->frac_e - d->frac_s > 2)
		return -EINVAL;
	/* exact with at most two decimals: 99.5 is 9950 hundredths, 99.05 is 9905 */
	if (decimal_span_value(d, 100, &hundredths) < 0 || hundredths > 10000)
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
	const char *p;
	DecimalSpan d;
	uint64_t v;
	unsigned shift = 0;
	int r;

	if (!s || !ret)
		return -EINVAL;
	if (strcmp(s, "infinity") == 0) {
		*ret = UINT64_MAX;
		return 0;
	}

	/* The whole syntax is checked first: malformed input is -EINVAL even if it overflows. */
	p = decimal_span(s, &d);
	if (!p)
		return -EINVAL; /* "G", "1.G", "1.%" */

	if (p[0] == '%' && p[1] == '\0')
		return parse_percent(&d, mem_total, ret);

	if (*p != '\0') {
		const char *suffix = strchr(suffixes, *p);

		if (!suffix || p[1] != '\0')
			return -EINVAL;
		shift = 10 * (unsigned)(suffix - suffixes);
	}
	if (d.frac_s && shift == 0)
		return -EINVAL; /* fractions of a byte: "1.5", "1.5B" */

	r = decimal_span_value(&d, UINT64_C(1) << shift, &v);
	if (r < 0)
		return r;
	*ret = v;
	return 0;
}
