/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal numbers as pind's parsers read them: /proc files, sizes, time spans. */

static inline bool is_decimal_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Parses a decimal u64 that fills [s, s+len) exactly. -EBADMSG, -ERANGE. */
int parse_u64(const char *s, size_t len, uint64_t *ret);

/* floor(0.<digits [s, e)> * mult), exact for any number of digits as long as 10 * mult
 * fits into 64 bits. */
uint64_t decimal_fraction(const char *s, const char *e, uint64_t mult);

/* A number "DIGITS[.DIGITS]" as sizes and time spans write it: the integer digits
 * [int_s, int_e) and the fraction's [frac_s, frac_e) (both NULL without a '.'). */
typedef struct DecimalSpan {
	const char *int_s, *int_e, *frac_s, *frac_e;
} DecimalSpan;

/* Reads one at the start of s; returns where it ends, or NULL when s starts with no digit
 * or a '.' has no digit after it ("s", ".5", "1.G"). */
const char *decimal_span(const char *s, DecimalSpan *ret);

/* The span's value times mult: int * mult + floor(0.frac * mult). -ERANGE on overflow. */
int decimal_span_value(const DecimalSpan *d, uint64_t mult, uint64_t *ret);
