/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/* inih over a NUL-terminated text, with the line number of every assignment (this
 * inih is built without INI_HANDLER_LINENO) and lines longer than inih's buffer flagged
 * instead of silently split. */

typedef struct IniLine {
	unsigned line;
	bool too_long; /* the line was cut to fit inih's buffer: its value is not whole */
} IniLine;

/* Return 1 to go on, 0 for an error at this line (inih goes on; the first error line
 * is what ini_parse_text returns). */
typedef int (*ini_line_handler)(void *userdata, const IniLine *where, const char *section,
				const char *key, const char *value);

/* 0, or the first line inih or the handler found wrong. */
int ini_parse_text(const char *text, ini_line_handler handler, void *userdata);
