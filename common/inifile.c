/* SPDX-License-Identifier: MIT */
#include <ini.h>
#include <string.h>

#include "inifile.h"

typedef struct Stream {
	const char *p;
	IniLine where;
	ini_line_handler handler;
	void *userdata;
} Stream;

/* inih's reader: one line per call, like fgets; an over-long line is cut, the rest of
 * it skipped, and flagged. */
static char *reader(char *str, int num, void *stream)
{
	Stream *s = stream;

	if (!*s->p || num < 2)
		return NULL;
	const char *nl = strchr(s->p, '\n');
	size_t len = nl ? (size_t)(nl - s->p) + 1 : strlen(s->p);
	size_t room = (size_t)num - 1;

	s->where.line++;
	s->where.too_long = len > room;
	if (len > room) {
		memcpy(str, s->p, room - 1);
		str[room - 1] = '\n';
		str[room] = 0;
	} else {
		memcpy(str, s->p, len);
		str[len] = 0;
	}
	s->p += len;
	return str;
}

static int handler(void *userdata, const char *section, const char *key, const char *value)
{
	Stream *s = userdata;
	return s->handler(s->userdata, &s->where, section, key, value);
}

int ini_parse_text(const char *text, ini_line_handler h, void *userdata)
{
	Stream s = {.p = text, .handler = h, .userdata = userdata};
	return ini_parse_stream(reader, &s, handler, &s);
}
