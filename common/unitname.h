/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/* systemd unit names, as far as pind needs them: slices, services and scopes. */

#define UNIT_NAME_MAX 255 /* systemd's limit, without the terminating NUL */

typedef enum {
	UNIT_SLICE,
	UNIT_SERVICE,
	UNIT_SCOPE,
} UnitType;

/* 0 and *ret_type when name is a valid slice, service or scope name (systemd's rules:
 * length 1..UNIT_NAME_MAX, characters [0-9A-Za-z:_.\\-] plus one '@' for
 * services, a non-empty prefix, no '/', slices without '@', without a leading or
 * trailing '-' in the prefix and without "--", "-.slice" being the root slice);
 * -EINVAL otherwise. ret_type may be NULL. */
int unit_name_type(const char *name, UnitType *ret_type);

static inline bool unit_name_is_valid(const char *name)
{
	return unit_name_type(name, 0) == 0;
}

/* systemd-escape: '/' becomes '-', a leading '.' and every byte outside
 * [0-9A-Za-z:_.] (including '-' and '\\') becomes \xNN (lower-case hex). */
int unit_name_escape(const char *s, char **ret);

/* The inverse for display: \xNN sequences become bytes; anything else is copied.
 * -EINVAL for a truncated or non-hex sequence or one that would yield NUL. */
int unit_name_unescape(const char *s, char **ret);

/* Where systemd puts a slice, relative to the cgroup root, without a leading '/':
 * "a-b-c.slice" -> "a.slice/a-b.slice/a-b-c.slice", "-.slice" -> "".
 * -EINVAL when name is not a valid slice name. */
int slice_cgroup_path(const char *name, char **ret);
