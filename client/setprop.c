/* SPDX-License-Identifier: MIT */
/* set-property: budgets as drop-ins, where systemctl set-property writes. When pind is
 * reachable, it writes them (SetPinnedMemoryMax, SetAction) and applies them before it
 * returns. Its methods take a value, not its absence: an empty value (remove the
 * setting) is a drop-in pinctl writes itself, after which it has pind reload. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "dropin.h"
#include "macro.h"
#include "pinctl.h"
#include "procfs.h"
#include "settings.h"
#include "size.h"
#include "unitfiles.h"

typedef struct Assignment {
	const char *file;     /* drop-in file name */
	const char *unit_key; /* key written */
	char *value;
	uint64_t bytes; /* of a PinnedMemoryMax= value */
} Assignment;

/* Checks one KEY=VALUE; prints why it is wrong. */
static int parse_assignment(const char *arg, uint64_t mem_total, Assignment *ret)
{
	const char *eq = strchr(arg, '=');
	uint64_t bytes;
	Action action;

	if (!eq) {
		fprintf(stderr, "pinctl: '%s' is not an assignment (KEY=VALUE)\n", arg);
		return -EINVAL;
	}
	size_t kl = (size_t)(eq - arg);
	const char *value = eq + 1;
	if ((kl == 15 && strncmp(arg, "PinnedMemoryMax", kl) == 0) ||
	    (kl == 17 && strncmp(arg, "X-PinnedMemoryMax", kl) == 0)) {
		int r = value[0] ? budget_max_parse(value, mem_total, &bytes) : 0;
		if (r < 0) {
			fprintf(stderr, "pinctl: PinnedMemoryMax=%s: invalid size (%s)\n", value,
				budget_max_error(r));
			return -EINVAL;
		}
		*ret = (Assignment){"50-PinnedMemoryMax.conf", "X-PinnedMemoryMax", NULL, bytes};
	} else if ((kl == 18 && strncmp(arg, "PinnedMemoryAction", kl) == 0) ||
		   (kl == 20 && strncmp(arg, "X-PinnedMemoryAction", kl) == 0)) {
		if (value[0] && action_from_string(value, &action) < 0) {
			fprintf(
			    stderr,
			    "pinctl: X-PinnedMemoryAction=%s: invalid action (log, freeze, signal "
			    "or kill)\n",
			    value);
			return -EINVAL;
		}
		*ret = (Assignment){"50-PinnedMemoryAction.conf", "X-PinnedMemoryAction", NULL, 0};
	} else {
		fprintf(
		    stderr,
		    "pinctl: unknown property '%.*s' (PinnedMemoryMax or X-PinnedMemoryAction)\n",
		    (int)kl, arg);
		return -EINVAL;
	}
	ret->value = strdup(value);
	return ret->value ? 0 : -ENOMEM;
}

/* After writing: says so when another file still decides the key (a drop-in that
 * sorts later, for instance), as the admin would otherwise wonder why nothing changed. */
static void warn_if_shadowed(const UnitPaths *paths, uint64_t mem_total, const char *unit,
			     const Assignment *as, const char *written)
{
	_cleanup_free_ char *error = NULL;
	UnitIndex idx;
	UnitSettings u;

	if (unit_index_load(paths, mem_total, &idx, &error) < 0) {
		fprintf(stderr, "pinctl: warning: %s\n", error ? error : "unit files unreadable");
		return;
	}
	if (unit_index_eval(&idx, unit, &u) == 0) {
		bool is_max = strcmp(as->unit_key, "X-PinnedMemoryMax") == 0;
		const char *source = is_max ? u.max_source : u.action_source;
		bool set = is_max ? u.has_max : u.has_action;
		if (u.masked)
			fprintf(stderr, "pinctl: warning: %s is masked; its budget is ignored\n",
				unit);
		else if (set && strcmp(source, written) != 0)
			fprintf(stderr,
				"pinctl: warning: %s= of %s is still set by %s, which applies "
				"after %s\n",
				as->unit_key, unit, source, written);
	}
	unit_index_done(&idx);
}

/* One assignment through pind; *ret_path is where pind writes, when it is there. */
static int set_through_pind(const Args *a, Pind *p, const char *unit, const Assignment *as,
			    const char *dir, char **ret_path)
{
	int r;

	if (strcmp(as->unit_key, "X-PinnedMemoryMax") == 0)
		r = pind_call(p, unit, "SetPinnedMemoryMax", NULL, "stb", unit, as->bytes,
			      (int)a->runtime);
	else
		r = pind_call(p, unit, "SetAction", NULL, "ssb", unit, as->value, (int)a->runtime);
	if (r < 0)
		return exit_code_from_errno(r);
	if (asprintf(ret_path, "%s/%s.d/%s", dir, unit, as->file) < 0)
		*ret_path = NULL;
	else if (access(*ret_path, F_OK) < 0) { /* pind wrote below a root of its own */
		free(*ret_path);
		*ret_path = NULL;
	}
	return EXIT_OK;
}

int run_set_property(const Args *a, Pind *p)
{
	bool reload = false;
	_cleanup_free_ Assignment *as = NULL;
	UnitPaths paths = {};
	SysInfo si;
	int ret = EXIT_OK, r;

	if (a->n_args < 2) {
		fprintf(stderr, "pinctl: set-property needs a unit and at least one KEY=VALUE\n");
		return EXIT_USAGE;
	}
	const char *unit = a->args[0];
	if (unit[0] == '/') {
		fprintf(stderr,
			"pinctl: set-property takes a unit name; budgets of cgroup paths "
			"are set in pind.conf ([Budget %s])\n",
			unit);
		return EXIT_USAGE;
	}
	if (!unit_name_is_valid(unit)) {
		fprintf(stderr, "pinctl: invalid unit name '%s' (a slice, service or scope)\n",
			unit);
		return EXIT_USAGE;
	}
	r = sysinfo_read(a->proc_root, &si);
	if (r < 0) {
		fprintf(stderr, "pinctl: reading %s/meminfo: %s\n", a->proc_root, strerror(-r));
		return EXIT_FAIL;
	}
	size_t n = a->n_args - 1;
	as = calloc(n, sizeof(*as));
	if (!as)
		return EXIT_FAIL;
	/* all or nothing: every assignment is checked before anything is written */
	for (size_t i = 0; i < n; i++) {
		r = parse_assignment(a->args[i + 1], si.mem_total, &as[i]);
		if (r < 0) {
			ret = r == -ENOMEM ? EXIT_FAIL : EXIT_USAGE;
			goto out;
		}
	}
	r = unit_paths_init(&paths, a->root, a->user);
	if (r < 0) {
		fprintf(stderr, "pinctl: %s\n",
			r == -ENXIO ? "--user needs XDG_RUNTIME_DIR and HOME" : strerror(-r));
		ret = EXIT_FAIL;
		goto out;
	}
	json_object *written = json_object_new_array();
	for (size_t i = 0; i < n && ret == EXIT_OK; i++) {
		_cleanup_free_ char *path = NULL;
		const char *dir = a->runtime ? paths.runtime_control : paths.control;
		if (p->reachable && as[i].value[0]) {
			ret = set_through_pind(a, p, unit, &as[i], dir, &path);
			if (ret != EXIT_OK)
				break;
			if (path)
				warn_if_shadowed(&paths, si.mem_total, unit, &as[i], path);
			json_object *o = json_object_new_object();
			json_object_object_add(o, "file",
					       path ? json_object_new_string(path) : NULL);
			json_object_object_add(o, "key", json_object_new_string(as[i].unit_key));
			json_object_object_add(o, "value", json_object_new_string(as[i].value));
			json_object_array_add(written, o);
			continue;
		}
		reload = reload || p->reachable;
		r = dropin_write(dir, unit, as[i].file, as[i].unit_key, as[i].value, &path);
		if (r < 0) {
			fprintf(stderr, "pinctl: writing %s/%s.d/%s: %s\n", dir, unit, as[i].file,
				r == -ELOOP ? "refusing to write through a symbolic link"
					    : strerror(-r));
			ret = r == -EACCES || r == -EPERM ? EXIT_DENIED : EXIT_FAIL;
			break;
		}
		warn_if_shadowed(&paths, si.mem_total, unit, &as[i], path);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "file", json_object_new_string(path));
		json_object_object_add(o, "key", json_object_new_string(as[i].unit_key));
		json_object_object_add(o, "value", json_object_new_string(as[i].value));
		json_object_array_add(written, o);
	}
	if (reload && ret == EXIT_OK && (r = pind_call(p, unit, "Reload", NULL, "")) < 0)
		ret = exit_code_from_errno(r);
	if (a->json && ret == EXIT_OK) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "unit", json_object_new_string(unit));
		json_object_object_add(o, "source",
				       json_object_new_string(p->reachable ? "pind" : "direct"));
		json_object_object_add(o, "written", json_object_get(written));
		printf("%s\n", json_object_to_json_string_ext(
				   o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	json_object_put(written);
out:
	for (size_t i = 0; i < n; i++)
		free(as[i].value);
	unit_paths_done(&paths);
	return ret;
}
