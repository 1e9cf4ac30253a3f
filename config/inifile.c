/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "inifile.h"

/* inih's MAX_SECTION: it keeps the first 49 bytes of a section name and drops the rest */
#define INIH_SECTION_MAX 50

typedef struct Stream {
	const char *p;
	IniLine where;
	ini_line_handler handler;
	void *userdata;
	char *section; /* the whole name of the last "[SECTION]" line */
	bool oom;
	bool continued; /* the previous line ended in a backslash */
} Stream;

/* systemd joins a line ending in '\\' with the next one; inih does not. The lines that
 * continue another are handed to inih as comments, so that text inside, say, a long
 * ExecStart= is never taken for a key of its own. */
static bool ends_in_backslash(const char *line, size_t len)
{
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len == 0 || line[len - 1] != '\\')
		return false;
	while (len > 0 && isspace((unsigned char)*line))
		line++, len--;
	return len > 0 && *line != '#' && *line != ';'; /* comments do not continue */
}

/* Notes the whole name when line is a section line, the way inih reads one. */
static void track_section(Stream *s, const char *line, size_t len)
{
	const char *e = line + len, *q;

	if (s->where.line == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
		line += 3;
	while (line < e && isspace((unsigned char)*line))
		line++;
	if (line == e || *line != '[')
		return;
	for (q = line + 1; q < e && *q != ']' && !(*q == ';' && isspace((unsigned char)q[-1])); q++)
		;
	if (q == e || *q != ']')
		return;
	free(s->section);
	s->section = strndup(line + 1, (size_t)(q - line - 1));
	s->oom = !s->section;
}

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
	bool continuation = s->continued;
	s->continued = ends_in_backslash(s->p, len);
	if (continuation) {
		strcpy(str, "#\n");
		s->where.too_long = false;
	} else if (len > room) {
		memcpy(str, s->p, room - 1);
		str[room - 1] = '\n';
		str[room] = 0;
	} else {
		memcpy(str, s->p, len);
		str[len] = 0;
	}
	if (!continuation)
		track_section(s, str, strlen(str)); /* what inih reads */
	s->p += len;
	return str;
}

static int handler(void *userdata, const char *section, const char *key, const char *value)
{
	Stream *s = userdata;
	size_t l = strlen(section);

	/* a name inih cut: the whole one (never a prefix of it, which may name something else) */
	if (l == INIH_SECTION_MAX - 1 && s->oom)
		return 0;
	if (l == INIH_SECTION_MAX - 1 && s->section && strlen(s->section) > l &&
	    strncmp(s->section, section, l) == 0)
		section = s->section;
	return s->handler(s->userdata, &s->where, section, key, value);
}

int ini_parse_text(const char *text, ini_line_handler h, void *userdata)
{
	Stream s = {.p = text, .handler = h, .userdata = userdata};
	int r = ini_parse_stream(reader, &s, handler, &s);
	free(s.section);
	return r;
}
