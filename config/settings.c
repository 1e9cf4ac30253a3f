/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "cgtree.h"
#include "macro.h"
#include "procfs.h"
#include "settings.h"
#include "size.h"
#include "strtable.h"
#include "unitname.h"

static const char *const action_names[_ACTION_MAX] = {
    [ACTION_LOG] = "log",
    [ACTION_FREEZE] = "freeze",
    [ACTION_SIGNAL] = "signal",
    [ACTION_KILL] = "kill",
};

static const char *const target_names[_TARGET_MAX] = {
    [TARGET_NEWEST] = "newest",
    [TARGET_LARGEST] = "largest",
};

static const char *const scanner_names[_SCANNER_MAX] = {
    [SCANNER_AUTO] = "auto",
    [SCANNER_BPF] = "bpf",
    [SCANNER_PROCFS] = "procfs",
};

DEFINE_STRING_TABLE(action, Action, action_names, _ACTION_MAX)
DEFINE_STRING_TABLE(target, Target, target_names, _TARGET_MAX)
DEFINE_STRING_TABLE(scanner, ScannerKind, scanner_names, _SCANNER_MAX)

int count_from_string(const char *s, unsigned *ret_mask)
{
	static const struct {
		const char *s;
		unsigned mask;
	} table[] = {
	    {"pinned", COUNT_PINNED},
	    {"locked", COUNT_LOCKED},
	    {"pinned,locked", COUNT_PINNED | COUNT_LOCKED},
	    {"locked,pinned", COUNT_PINNED | COUNT_LOCKED},
	};
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (strcmp(table[i].s, s) == 0) {
			*ret_mask = table[i].mask;
			return 0;
		}
	return -EINVAL;
}

const char *count_to_string(unsigned mask)
{
	switch (mask) {
	case COUNT_PINNED:
		return "pinned";
	case COUNT_LOCKED:
		return "locked";
	case COUNT_PINNED | COUNT_LOCKED:
		return "pinned,locked";
	}
	return NULL;
}

int signal_from_string(const char *s, int *ret)
{
	uint64_t n;

	if (parse_u64(s, strlen(s), &n) == 0) {
		if (n < 1 || n > (uint64_t)SIGRTMAX)
			return -ERANGE;
		*ret = (int)n;
		return 0;
	}
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && strcmp(abbrev, s) == 0) {
			*ret = sig;
			return 0;
		}
	}
	return -EINVAL;
}

bool budget_name_is_valid(const char *name)
{
	_cleanup_free_ char *norm = NULL;

	if (name[0] != '/')
		return unit_name_is_valid(name);
	return cg_path_normalize(name, &norm) == 0;
}

bool budget_max_is_valid(uint64_t max)
{
	return max <= BUDGET_BYTES_MAX || max == UINT64_MAX;
}

int budget_max_parse(const char *s, uint64_t mem_total, uint64_t *ret)
{
	uint64_t v;

	int r = parse_size(s, mem_total, &v);
	if (r < 0)
		return r;
	if (!budget_max_is_valid(v))
		return -ERANGE;
	*ret = v;
	return 0;
}

const char *budget_max_error(int r)
{
	return r == -ERANGE ? "out of range: 0 to 1E, at most 100%, or infinity"
			    : "bytes with K, M, G, T, P or E, a percentage of RAM, or infinity";
}
