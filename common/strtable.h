/* SPDX-License-Identifier: MIT */
#pragma once

#include <errno.h>
#include <string.h>

/* NAME_to_string() and NAME_from_string() of an enum TYPE, from a table of its names
 * indexed by value, MAX entries: NULL for a value out of range, -EINVAL for an unknown
 * name. */
#define DEFINE_STRING_TABLE(name, type, table, max)                                                \
	const char *name##_to_string(type v)                                                       \
	{                                                                                          \
		return (int)v >= 0 && (int)v < (max) ? (table)[v] : NULL;                          \
	}                                                                                          \
	int name##_from_string(const char *s, type *ret)                                           \
	{                                                                                          \
		for (int i = 0; i < (max); i++)                                                    \
			if (strcmp((table)[i], s) == 0) {                                          \
				*ret = (type)i;                                                    \
				return 0;                                                          \
			}                                                                          \
		return -EINVAL;                                                                    \
	}
