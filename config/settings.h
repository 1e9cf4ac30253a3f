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

/* One meaning for a budget's size, whichever door it comes through (pind.conf, unit files,
 * pinctl, D-Bus, StateFile): 0 (nothing may be pinned) to 1 EiB, or infinity
 * (UINT64_MAX). */
#define BUDGET_BYTES_MAX (UINT64_C(1) << 60) /* 1 EiB: no host pins more */
bool budget_max_is_valid(uint64_t max);
/* parse_size()'s grammar, in that range; -ERANGE above it (or above 100%). */
int budget_max_parse(const char *s, uint64_t mem_total, uint64_t *ret);
/* Why budget_max_parse() refused a value, for a message. */
const char *budget_max_error(int r);
