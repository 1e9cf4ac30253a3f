/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "decimal.h"
#include "timespan.h"

#define USEC_PER_MSEC   UINT64_C(1000)
#define USEC_PER_SEC    UINT64_C(1000000)
#define USEC_PER_MINUTE (60 * USEC_PER_SEC)
#define USEC_PER_HOUR   (60 * USEC_PER_MINUTE)
#define USEC_PER_DAY    (24 * USEC_PER_HOUR)
#define USEC_PER_WEEK   (7 * USEC_PER_DAY)

/* Accepted unit names; the longest one that prefixes the input wins ("ms" over "m"). */
static const struct {
	const char *name;
	uint64_t usec;
} parse_units[] = {
    {"us", 1},
    {"usec", 1},
    {"\u00b5s", 1}, /* MICRO SIGN, as in timespan.h */
    {"\u03bcs", 1}, /* GREEK SMALL LETTER MU, which systemd accepts as well */
    {"ms", USEC_PER_MSEC},
    {"msec", USEC_PER_MSEC},
    {"s", USEC_PER_SEC},
    {"sec", USEC_PER_SEC},
    {"second", USEC_PER_SEC},
    {"seconds", USEC_PER_SEC},
    {"m", USEC_PER_MINUTE},
    {"min", USEC_PER_MINUTE},
    {"minute", USEC_PER_MINUTE},
    {"minutes", USEC_PER_MINUTE},
    {"h", USEC_PER_HOUR},
    {"hr", USEC_PER_HOUR},
    {"hour", USEC_PER_HOUR},
    {"hours", USEC_PER_HOUR},
    {"d", USEC_PER_DAY},
    {"day", USEC_PER_DAY},
    {"days", USEC_PER_DAY},
    {"w", USEC_PER_WEEK},
    {"week", USEC_PER_WEEK},
    {"weeks", USEC_PER_WEEK},
};

static const struct {
	const char *name;
	uint64_t usec;
} format_units[] = {
    {"d", USEC_PER_DAY}, {"h", USEC_PER_HOUR},  {"min", USEC_PER_MINUTE},
    {"s", USEC_PER_SEC}, {"ms", USEC_PER_MSEC}, {"us", 1},
};

/* systemd's WHITESPACE */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_blanks(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

/* Length of the longest unit name that p starts with, 0 if none; its factor in *ret_usec. */
static size_t match_unit(const char *p, uint64_t *ret_usec)
{
	size_t best = 0;

	for (size_t i = 0; i < ARRAY_SIZE(parse_units); i++) {
		size_t n = strlen(parse_units[i].name);

		if (n > best && strncmp(p, parse_units[i].name, n) == 0) {
			best = n;
			*ret_usec = parse_units[i].usec;
		}
	}
	return best;
}

/* The component's value times mult added to *total; false on overflow. */
static bool add_component(uint64_t *total, const DecimalSpan *d, uint64_t mult)
{
	uint64_t v;
	return decimal_span_value(d, mult, &v) >= 0 && !__builtin_add_overflow(*total, v, total);
}

/* Decisions beyond timespan.h: each component is <digits>[.<digits>] (digits on both sides
 * of the point: "1.s", ".5s", "1." are -EINVAL), optionally followed by a unit, which may be
 * preceded by blanks ("5 min"); a component without unit is in seconds ("1min 30" = 90s) and
 * must be followed by a blank or the end ("1x", "1.5.5" are -EINVAL); after a unit the next
 * component may follow directly ("1min30s"). Units are case-sensitive ("1S", "1M" are
 * -EINVAL). Blanks are space, tab, newline, carriage return. Fractions may have any number of
 * digits and are exact, rounded down to whole microseconds ("0.99999999min" = 59999999us).
 * A finite sum must stay below USEC_INFINITY (-ERANGE otherwise), so only "infinity" yields
 * it; syntax errors win over overflow. A NULL s or ret_usec is -EINVAL, and *ret_usec is
 * written only on success. */
int parse_timespan(const char *s, uint64_t *ret_usec)
{
	uint64_t total = 0;
	bool any = false, overflow = false;
	const char *p;

	if (!s || !ret_usec)
		return -EINVAL;

	p = skip_blanks(s);
	if (strncmp(p, "infinity", strlen("infinity")) == 0) {
		if (*skip_blanks(p + strlen("infinity")) != '\0')
			return -EINVAL;
		*ret_usec = USEC_INFINITY;
		return 0;
	}

	for (;;) {
		const char *u;
		DecimalSpan d;
		uint64_t mult = USEC_PER_SEC;
		size_t n;

		p = skip_blanks(p);
		if (*p == '\0')
			break;

		p = decimal_span(p, &d);
		if (!p)
			return -EINVAL; /* "s", "-1s", "+1s", ".5s", "1.s" */

		/* without a unit, whatever follows must start the next component ("1x") */
		u = skip_blanks(p);
		n = match_unit(u, &mult);
		if (n > 0)
			p = u + n;

		if (!overflow && !add_component(&total, &d, mult))
			overflow = true;
		any = true;
	}

	if (!any)
		return -EINVAL;
	if (overflow || total == USEC_INFINITY)
		return -ERANGE;
	*ret_usec = total;
	return 0;
}

char *format_timespan(char *buf, size_t l, uint64_t usec)
{
	size_t n = 0;

	if (l == 0)
		return buf;
	if (usec == USEC_INFINITY) {
		snprintf(buf, l, "infinity");
		return buf;
	}
	if (usec == 0) {
		snprintf(buf, l, "0");
		return buf;
	}

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(format_units) && n < l; i++) {
		int r;

		if (usec < format_units[i].usec)
			continue;
		r = snprintf(buf + n, l - n, "%s%" PRIu64 "%s", n > 0 ? " " : "",
			     usec / format_units[i].usec, format_units[i].name);
		if (r < 0)
			break;
		n += (size_t)r;
		usec %= format_units[i].usec;
	}
	return buf;
}

uint64_t clock_usec(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}
