/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define USEC_INFINITY       UINT64_MAX
#define FORMAT_TIMESPAN_MAX 64

/* systemd time spans: "500ms", "2s", "1min 30s", "1.5s", "3" (seconds), "infinity".
 * Units: us usec µs, ms msec, s sec second seconds, m min minute minutes, h hr hour hours,
 * d day days, w week weeks. Components may be separated by blanks. -EINVAL for anything
 * else (empty, negative, unknown unit), -ERANGE on overflow. */
int parse_timespan(const char *s, uint64_t *ret_usec);

/* "1min 30s", "500ms", "0", "infinity": the largest units first, exact. Returns buf. */
char *format_timespan(char *buf, size_t l, uint64_t usec);

/* The time of clock (CLOCK_MONOTONIC, CLOCK_REALTIME) in µs. */
uint64_t clock_usec(clockid_t clock);
