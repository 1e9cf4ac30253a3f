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

const char *decimal_span(const char *s, DecimalSpan *ret)
{
	DecimalSpan d = {.int_s = s};
	const char *p = s;

	while (is_decimal_digit(*p))
		p++;
	d.int_e = p;
	if (d.int_e == d.int_s)
		return NULL;
	if (*p == '.') {
		d.frac_s = ++p;
		while (is_decimal_digit(*p))
			p++;
		d.frac_e = p;
		if (d.frac_e == d.frac_s)
			return NULL;
	}
	*ret = d;
	return p;
}

int decimal_span_value(const DecimalSpan *d, uint64_t mult, uint64_t *ret)
{
	uint64_t v;

	if (parse_u64(d->int_s, (size_t)(d->int_e - d->int_s), &v) < 0 ||
	    __builtin_mul_overflow(v, mult, &v) ||
	    (d->frac_s &&
	     __builtin_add_overflow(v, decimal_fraction(d->frac_s, d->frac_e, mult), &v)))
		return -ERANGE;
	*ret = v;
	return 0;
}
