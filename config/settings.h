/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The small vocabularies of pind.conf and unit files, one parser and one name each. */

typedef enum {
	ACTION_LOG,
	ACTION_FREEZE,
	ACTION_SIGNAL,
	ACTION_KILL,
	_ACTION_MAX,
} Action;

/* Which unit below an over budget pays: the one whose growth pushed it over (as a pins
 * controller would fail the pin that crosses the limit), or the one holding most. */
typedef enum {
	TARGET_NEWEST,
	TARGET_LARGEST,
	_TARGET_MAX,
} Target;

typedef enum {
	COUNT_PINNED = 1 << 0,
	COUNT_LOCKED = 1 << 1,
} CountMask;

/* What a budget counts (count: CountMask) of pinned and locked bytes. */
static inline uint64_t counted(unsigned count, uint64_t pinned, uint64_t locked)
{
	return (count & COUNT_PINNED ? pinned : 0) + (count & COUNT_LOCKED ? locked : 0);
}

typedef enum {
	SCANNER_AUTO,
	SCANNER_BPF,
	SCANNER_PROCFS,
	_SCANNER_MAX,
} ScannerKind;

const char *action_to_string(Action a);
int action_from_string(const char *s, Action *ret);

const char *target_to_string(Target t);
int target_from_string(const char *s, Target *ret);

/* "pinned", "locked", "pinned,locked" (either order, no blanks). */
int count_from_string(const char *s, unsigned *ret_mask);
const char *count_to_string(unsigned mask);

const char *scanner_to_string(ScannerKind k);
int scanner_from_string(const char *s, ScannerKind *ret);

/* "SIGTERM", "TERM" or a number 1..SIGRTMAX. */
int signal_from_string(const char *s, int *ret);

/* A budget name: a slice, service or scope name, or a cgroup path starting with '/'
 * (normalised, no "." or ".."). */
bool budget_name_is_valid(const char *name);
