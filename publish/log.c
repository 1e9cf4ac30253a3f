/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"

#define LOG_FIELDS_MAX 16

static bool to_journal;

void log_open(void)
{
	/* stderr already goes to the journal under systemd (JOURNAL_STREAM); else the
	 * journal only when its socket exists: this host may have none */
	to_journal = !getenv("PIND_LOG_STDERR") &&
		     (getenv("JOURNAL_STREAM") || access("/run/systemd/journal/socket", W_OK) == 0);
}

static void emit(int priority, const char *const *fields, const char *msg)
{
	if (to_journal) {
		struct iovec iov[LOG_FIELDS_MAX + 3];
		char prio[16];
		_cleanup_free_ char *m = NULL;
		size_t n = 0;
		if (asprintf(&m, "MESSAGE=%s", msg) >= 0) {
			snprintf(prio, sizeof(prio), "PRIORITY=%d", priority);
			iov[n++] = (struct iovec){m, strlen(m)};
			iov[n++] = (struct iovec){prio, strlen(prio)};
			for (size_t i = 0; fields && fields[i] && n < ARRAY_SIZE(iov); i++)
				iov[n++] = (struct iovec){(void *)fields[i], strlen(fields[i])};
			if (sd_journal_sendv(iov, (int)n) >= 0)
				return;
		}
	}
	fprintf(stderr, "pind: %s", msg);
	for (size_t i = 0; fields && fields[i]; i++)
		fprintf(stderr, "%s%s", i == 0 ? " [" : " ", fields[i]);
	fprintf(stderr, "%s\n", fields && fields[0] ? "]" : "");
}

static void vlog(int priority, const char *const *fields, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void vlog(int priority, const char *const *fields, const char *fmt, va_list ap)
{
	_cleanup_free_ char *msg = NULL;

	int r = vasprintf(&msg, fmt, ap);
	emit(priority, fields, r < 0 ? fmt : msg);
}

void log_msg(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(priority, NULL, fmt, ap);
	va_end(ap);
}

void log_struct(int priority, const char *const *fields, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(priority, fields, fmt, ap);
	va_end(ap);
}
