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
