/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settings.h"
#include "unitname.h"

/* X-PinnedMemoryMax= and X-PinnedMemoryAction= in systemd unit files and drop-ins, read
 * the way systemd reads unit settings. */

typedef struct UnitPaths {
	char **dirs; /* search path, highest precedence first, each below root */
	size_t n_dirs;
	char *control;         /* where set-property writes (persistent) */
	char *runtime_control; /* ... and with --runtime */
} UnitPaths;

/* The system manager's search path, or with user a user manager's (from XDG_CONFIG_HOME,
 * XDG_RUNTIME_DIR, XDG_DATA_HOME and HOME); every directory below root ("/" or NULL for
 * none). -ENXIO when user is set and XDG_RUNTIME_DIR is not. */
int unit_paths_init(UnitPaths *ret, const char *root, bool user);
void unit_paths_done(UnitPaths *p);

typedef struct UnitEntry {
	char *dir_name;  /* drop-in directory ("machine.slice.d", "machine-.slice.d",
			  * "slice.d"), NULL for a unit file */
	char *file_name; /* unit name, or the drop-in's file name */
	char *unit;      /* the unit it belongs to; NULL in prefix and type directories */
	UnitType type;
	size_t prio; /* index of its search directory */
	char *path;
	bool masked; /* a link to /dev/null (any character device), or an empty unit file */
	/* what the file assigns; "touched" keys were assigned, an empty value resets */
	bool max_touched, max_set;
	uint64_t max;
	char *max_text;
	bool action_touched, action_set;
	Action action;
	bool target_touched, target_set;
	Target target;
} UnitEntry;

typedef struct UnitIndex {
	UnitEntry *entries;
	size_t n_entries;
	char **skipped; /* "PATH: why" for each entry skipped, as systemd skips them */
	size_t n_skipped;
} UnitIndex;

/* Reads every unit file and drop-in below the search path that could carry pind's keys.
 * A bad value returns -EINVAL with *ret_error = "FILE:LINE: KEY: what is wrong". An entry
 * that cannot be read (a symbolic link loop, not a regular file, over 1 MiB, no access)
 * is skipped, as systemd skips it, and said in idx.skipped for the caller to warn of. */
int unit_index_load(const UnitPaths *paths, uint64_t mem_total, UnitIndex *ret, char **ret_error);
void unit_index_done(UnitIndex *idx);

/* One file's text: its assignments into e (e->path names it in messages). -EINVAL with
 * *ret_error as unit_index_load() says. */
int unit_entry_parse(const char *text, UnitEntry *e, uint64_t mem_total, char **ret_error);
void unit_entry_done(UnitEntry *e);

typedef struct UnitSettings {
	bool masked;
	bool has_max;
	uint64_t max;
	const char *max_text;   /* borrowed from the index */
	const char *max_source; /* the file that set it */
	bool has_action;
	Action action;
	const char *action_source;
	bool has_target;
	Target target;
	const char *target_source;
} UnitSettings;

/* The effective settings of one unit, as systemd would apply them: its unit file (the
 * first in the search path; for an instance foo@bar.service without one, the template's),
 * then its drop-ins in file-name order, collected from NAME.d/, the template's foo@.service.d/,
 * the prefix directories (machine-.slice.d/ for machine-foo.slice, longest prefix first,
 * dashes before any '@') and TYPE.d/. Of drop-ins with the same file name the one in the
 * earlier search directory wins, then the more specific directory; TYPE.d/ loses to all
 * others. A masked unit has no settings. */
int unit_index_eval(const UnitIndex *idx, const char *unit, UnitSettings *ret);

/* Units the index names explicitly (a unit file or a NAME.d directory), deduplicated.
 * *ret is a NULL-terminated array of borrowed strings; free only the array. */
int unit_index_units(const UnitIndex *idx, const char ***ret);
