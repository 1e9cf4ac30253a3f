/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "unitname.h"

static const struct {
	const char *suffix;
	UnitType type;
} unit_suffixes[] = {
    {".slice", UNIT_SLICE},
    {".service", UNIT_SERVICE},
    {".scope", UNIT_SCOPE},
};

/* suffix includes the dot, e.g. ".slice". */
static int suffix_to_type(const char *suffix, UnitType *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(unit_suffixes); i++)
		if (strcmp(suffix, unit_suffixes[i].suffix) == 0) {
			*ret = unit_suffixes[i].type;
			return 0;
		}
	return -EINVAL;
}

#define SLICE_SUFFIX     ".slice"
#define SLICE_SUFFIX_LEN (sizeof(SLICE_SUFFIX) - 1)

/* Deliberately locale-independent, unlike isalnum(). */
static bool char_is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Characters systemd-escape passes through unchanged. */
static bool char_is_plain(char c)
{
	return char_is_alnum(c) || c == ':' || c == '_' || c == '.';
}

/* Characters allowed anywhere in a unit name ('@' is handled separately). */
static bool char_is_unit(char c)
{
	return char_is_plain(c) || c == '-' || c == '\\';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -EINVAL;
}

/* The rules only slices have, applied to the part before ".slice". */
static bool slice_prefix_is_valid(const char *prefix, size_t len)
{
	if (len == 1 && prefix[0] == '-')
		return true; /* "-.slice", the root slice */

	if (prefix[0] == '-' || prefix[len - 1] == '-')
		return false;

	for (size_t i = 0; i + 1 < len; i++)
		if (prefix[i] == '-' && prefix[i + 1] == '-')
			return false;

	return true;
}

int unit_name_type(const char *name, UnitType *ret_type)
{
	const char *dot;
	size_t len, prefix_len, n_at = 0;
	UnitType type;

	if (!name)
		return -EINVAL;

	/* Bounded, so that absurdly long strings are not scanned in full. */
	len = strnlen(name, UNIT_NAME_MAX + 1);
	if (len == 0 || len > UNIT_NAME_MAX)
		return -EINVAL;

	for (size_t i = 0; i < len; i++) {
		if (name[i] == '@')
			n_at++;
		else if (!char_is_unit(name[i]))
			return -EINVAL;
	}

	dot = strrchr(name, '.');
	if (!dot || dot == name)
		return -EINVAL;

	if (suffix_to_type(dot, &type) < 0)
		return -EINVAL;

	prefix_len = (size_t)(dot - name);

	if (n_at > 0) {
		/* '@' only for services, once, and not first: "foo@.service", "foo@bar.service" */
		if (type != UNIT_SERVICE || n_at > 1 || name[0] == '@')
			return -EINVAL;
	}

	if (type == UNIT_SLICE && !slice_prefix_is_valid(name, prefix_len))
		return -EINVAL;

	if (ret_type)
		*ret_type = type;
	return 0;
}

int unit_name_escape(const char *s, char **ret)
{
	static const char hex[] = "0123456789abcdef";
	_cleanup_free_ char *buf = NULL;
	size_t len;
	char *t;

	if (!s || !ret)
		return -EINVAL;

	len = strlen(s);
	if (len > (SIZE_MAX - 1) / 4)
		return -ENOMEM;

	buf = malloc(len * 4 + 1);
	if (!buf)
		return -ENOMEM;

	t = buf;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '/')
			*t++ = '-';
		else if ((i == 0 && c == '.') || !char_is_plain((char)c)) {
			*t++ = '\\';
			*t++ = 'x';
			*t++ = hex[c >> 4];
			*t++ = hex[c & 0xf];
		} else
			*t++ = (char)c;
	}
	*t = '\0';

	*ret = TAKE_PTR(buf);
	return 0;
}

int unit_name_unescape(const char *s, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	char *t;

	if (!s || !ret)
		return -EINVAL;

	buf = malloc(strlen(s) + 1);
	if (!buf)
		return -ENOMEM;

	t = buf;
	while (*s) {
		if (s[0] == '\\' && s[1] == 'x') {
			int hi, lo;

			/* s[2] is checked first, so s[3] is only read when s[2] is not NUL. */
			hi = hex_value(s[2]);
			if (hi < 0)
				return -EINVAL;
			lo = hex_value(s[3]);
			if (lo < 0)
				return -EINVAL;
			if (hi == 0 && lo == 0)
				return -EINVAL;

			*t++ = (char)(hi << 4 | lo);
			s += 4;
		} else
			*t++ = *s++;
	}
	*t = '\0';

	*ret = TAKE_PTR(buf);
	return 0;
}

int slice_cgroup_path(const char *name, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	UnitType type;
	size_t len, prefix_len, size;
	char *t;
	int r;

	if (!ret)
		return -EINVAL;

	r = unit_name_type(name, &type);
	if (r < 0)
		return r;
	if (type != UNIT_SLICE)
		return -EINVAL;

	if (strcmp(name, "-" SLICE_SUFFIX) == 0) {
		buf = strdup("");
		if (!buf)
			return -ENOMEM;
		*ret = TAKE_PTR(buf);
		return 0;
	}

	len = strlen(name);
	prefix_len = len - SLICE_SUFFIX_LEN;

	/* Each '-' in the prefix adds one parent: the prefix up to it, ".slice" and '/'. */
	size = len + 1;
	for (size_t i = 0; i < prefix_len; i++)
		if (name[i] == '-')
			size += i + SLICE_SUFFIX_LEN + 1;

	buf = malloc(size);
	if (!buf)
		return -ENOMEM;

	t = buf;
	for (size_t i = 0; i < prefix_len; i++) {
		if (name[i] != '-')
			continue;
		memcpy(t, name, i);
		t += i;
		memcpy(t, SLICE_SUFFIX "/", SLICE_SUFFIX_LEN + 1);
		t += SLICE_SUFFIX_LEN + 1;
	}
	memcpy(t, name, len + 1);

	*ret = TAKE_PTR(buf);
	return 0;
}
