/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settings.h"

/* pind.conf: [Daemon] and [Budget NAME] sections, read with inih. */

typedef struct BudgetSpec {
	char *name;     /* unit name or normalised "/cgroup/path" */
	uint64_t max;   /* bytes; UINT64_MAX: infinity */
	char *max_text; /* as written ("20%", "4G") */
	bool has_max;
	Action action;
	bool has_action;
	Target target;
	bool has_target;
	char *source; /* file it came from */
} BudgetSpec;

typedef struct Config {
	uint64_t scan_interval_usec;
	unsigned count; /* CountMask */
	ScannerKind scanner;
	Action default_action;
	Target default_target;
	uint64_t grace_usec;
	uint64_t kill_escalation_usec;
	int signal;
	char *cgroup_root; /* NULL (pind --user only): the user manager's own cgroup */
	char **protected;  /* NULL-terminated unit names */
	char *state_file;
	/* [Libvirt] IfUnreachable=: the hook refuses a guest that needs a reservation when
	 * pind cannot be asked (default: it allows it, and says so) */
	bool libvirt_refuse_unreachable;
	BudgetSpec *budgets;
	size_t n_budgets;
} Config;

/* The defaults DESIGN.md documents, for the system manager or (user) a user manager:
 * there CgroupRoot= is unset (NULL: the manager's own subtree, which the caller asks it
 * for) and StateFile= is $XDG_RUNTIME_DIR/pind/state.json (-ENXIO without
 * XDG_RUNTIME_DIR). Paths are as written, not below any --root. */
int config_defaults(bool user, Config *ret);

/* Reads path over the defaults. A missing file is not an error (defaults stay).
 * mem_total resolves percentages. On a bad file, returns -EINVAL and *ret_error says
 * "FILE:LINE: KEY: what is wrong"; *ret is untouched. */
int config_load(const char *path, bool user, uint64_t mem_total, Config *ret, char **ret_error);

/* The same from the text of a file (n bytes, NUL-terminated), path only for messages. */
int config_parse(const char *text, size_t n, const char *path, bool user, uint64_t mem_total,
		 Config *ret, char **ret_error);

void config_done(Config *c);
void budget_spec_done(BudgetSpec *b);

/* The protected list contains name. */
