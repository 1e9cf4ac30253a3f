/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "decimal.h"

int parse_u64(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;

	if (len == 0)
		return -EBADMSG;
	for (size_t i = 0; i < len; i++) {
		if (!is_decimal_digit(s[i]))
			return -EBADMSG;
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s[i] - '0', &v))
			return -ERANGE;
	}
	*ret = v;
	return 0;
}

/* Horner's scheme from the last digit: floor((d + x) / 10) = floor((d + floor(x)) / 10) for
 * an integer d, and the accumulator stays below mult. */
uint64_t decimal_fraction(const char *s, const char *e, uint64_t mult)
{
	uint64_t acc = 0;

	while (e > s) {
		e--;
		acc = ((uint64_t)(*e - '0') * mult + acc) / 10;
	}
	return acc;
}
