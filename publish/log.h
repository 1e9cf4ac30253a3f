/* SPDX-License-Identifier: MIT */
#pragma once

#include <syslog.h>

/* pind's log: the journal when one runs (with structured fields), else stderr. */

void log_open(void);

/* A plain message at priority (LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG). */
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A message with journal fields: fields is a NULL-terminated list of "KEY=value" strings
 * (MESSAGE_ID=..., PIND_UNIT=...). On stderr the fields follow the message in brackets so
 * they can be asserted there too. */
void log_struct(int priority, const char *const *fields, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
