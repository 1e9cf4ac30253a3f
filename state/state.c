/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgtree.h"
#include "macro.h"
#include "readfile.h"
#include "settings.h"
#include "state.h"

static int mkdir_parents(const char *path)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return negative_errno();
		*s = '/';
	}
	return 0;
}

int state_save(const char *path, const PolicyState *s, const Reservations *rs)
{
	_cleanup_free_ char *tmp = NULL;
	json_object *root = json_object_new_object(), *frozen = json_object_new_array();
	int r = 0;

	json_object_object_add(root, "version", json_object_new_int(1));
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->budgets[i].n_frozen; k++) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "budget",
					       json_object_new_string(s->budgets[i].name));
			json_object_object_add(o, "cgroup",
					       json_object_new_string(s->budgets[i].frozen[k]));
			json_object_array_add(frozen, o);
		}
	json_object_object_add(root, "frozen", frozen);
	/* what the leaves held at the last freeze: a restart acts on what grew since */
	json_object *base = json_object_new_array();
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; s->budgets[i].n_frozen > 0 && k < s->budgets[i].n_at_freeze;
		     k++) {
			const LeafUsage *l = &s->budgets[i].at_freeze[k];
			json_object *o = json_object_new_object();
			json_object_object_add(o, "budget",
					       json_object_new_string(s->budgets[i].name));
			json_object_object_add(o, "cgroup", json_object_new_string(l->cgroup));
			json_object_object_add(o, "usage", json_object_new_uint64(l->usage));
			json_object_array_add(base, o);
		}
	json_object_object_add(root, "at_freeze", base);
	json_object *res = json_object_new_array();
	for (size_t i = 0; i < rs->n; i++) {
		const Reservation *rv = &rs->v[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(rv->id));
		json_object_object_add(o, "budget", json_object_new_string(rv->group));
		json_object_object_add(o, "bytes", json_object_new_uint64(rv->bytes));
		json_object_object_add(o, "holder",
				       rv->holder ? json_object_new_string(rv->holder) : NULL);
		json_object_object_add(o, "expires_monotonic_usec",
				       json_object_new_uint64(rv->expires));
		json_object_object_add(o, "created_realtime_usec",
				       json_object_new_uint64(rv->created));
		json_object_object_add(o, "holder_seen", json_object_new_boolean(rv->holder_seen));
		json_object_array_add(res, o);
	}
	json_object_object_add(root, "reservations", res);
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		json_object_put(root);
		return -ENOMEM;
	}
	r = mkdir_parents(path);
	_cleanup_close_ int fd =
	    r < 0 ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (r >= 0 && fd < 0)
		r = negative_errno();
	size_t len = strlen(text);
	if (r >= 0 && (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1))
		r = errno ? negative_errno() : -EIO;
	if (r >= 0 && fsync(fd) < 0)
		r = negative_errno();
	if (r >= 0 && rename(tmp, path) < 0)
		r = negative_errno();
	if (r < 0 && fd >= 0)
		unlink(tmp);
	json_object_put(root);
	return r;
}

#define STATE_READ_MAX (4 * 1024 * 1024)

/* Says through l->dropped what of the file is not taken: "PATH: ...". */
static void say(const StateLoad *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const StateLoad *l, const char *fmt, ...)
{
	_cleanup_free_ char *what = NULL, *msg = NULL;
	va_list ap;

	if (!l->dropped)
		return;
	va_start(ap, fmt);
	int r = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (r >= 0 && asprintf(&msg, "%s: %s", l->path, what) >= 0)
		l->dropped(msg, l->userdata);
}

/* Drops an entry, saying which and why. */
static void drop(const StateLoad *l, const char *what, size_t i, const char *why)
{
	say(l, "%s %zu dropped: %s", what, i, why);
}

/* A string member that passes ok(), or NULL. */
static const char *string_of(json_object *o, const char *key, bool (*ok)(const char *))
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	const char *s = json_object_get_string(v);
	return ok(s) ? s : NULL;
}

/* An unsigned integer member; def when absent; false when it is there but no such
 * number (negative, not a number, over max). */
static bool uint_of(json_object *o, const char *key, uint64_t def, uint64_t max, uint64_t *ret)
{
	json_object *v;

	*ret = def;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return true;
	if (!json_object_is_type(v, json_type_int))
		return false;
	/* json-c keeps integers past INT64_MAX as unsigned; a negative one reads as 0 */
	if (json_object_get_int64(v) < 0 && json_object_get_uint64(v) == 0)
		return false;
	*ret = json_object_get_uint64(v);
	return *ret <= max;
}

static bool is_cgroup_path(const char *s)
{
	_cleanup_free_ char *norm = NULL;
	return cg_path_normalize(s, &norm) == 0 && strcmp(norm, s) == 0;
}

static bool is_group_name(const char *s)
{
	return budget_name_is_valid(s);
}

/* "r" and a number from 1 to 2^63 - 1: what reservations_add() makes */
static bool is_reservation_id(const char *s)
{
	char *end;

	if (s[0] != 'r' || s[1] < '1' || s[1] > '9')
		return false;
	errno = 0;
	unsigned long long n = strtoull(s + 1, &end, 10);
	return errno == 0 && !*end && n <= INT64_MAX;
}

static bool known_id(const Reservations *rs, const char *id)
{
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].id, id) == 0)
			return true;
	return false;
}

/* One reservation, checked field by field: 0 added, 1 dropped, <0 out of memory. */
static int load_reservation(const StateLoad *l, json_object *o, size_t i, Reservations *rs)
{
	const char *id = string_of(o, "id", is_reservation_id),
		   *group = string_of(o, "budget", is_group_name), *holder = NULL;
	json_object *h, *seen;
	uint64_t bytes, expires, created;

	if (!json_object_is_type(o, json_type_object))
		return drop(l, "reservation", i, "not an object"), 1;
	if (!id)
		return drop(l, "reservation", i, "no id r1 ... r9223372036854775807"), 1;
	if (known_id(rs, id))
		return drop(l, "reservation", i, "its id is taken already"), 1;
	if (!group)
		return drop(l, "reservation", i, "no valid group name in \"budget\""), 1;
	if (!uint_of(o, "bytes", 0, BUDGET_BYTES_MAX, &bytes) || bytes == 0)
		return drop(l, "reservation", i, "\"bytes\" is not 1 byte to 1 EiB"), 1;
	if (json_object_object_get_ex(o, "holder", &h) && !json_object_is_type(h, json_type_null) &&
	    !(holder = string_of(o, "holder", is_group_name)))
		return drop(l, "reservation", i, "\"holder\" is no valid group name"), 1;
	if (!uint_of(o, "expires_monotonic_usec", 0, UINT64_MAX - 1, &expires) ||
	    !uint_of(o, "created_realtime_usec", 0, UINT64_MAX - 1, &created))
		return drop(l, "reservation", i, "a time is not a number of microseconds"), 1;
	if (json_object_object_get_ex(o, "holder_seen", &seen) &&
	    !json_object_is_type(seen, json_type_boolean))
		return drop(l, "reservation", i, "\"holder_seen\" is not true or false"), 1;

	const char *new_id;
	int r = reservations_add(rs, group, bytes, holder, 0, 0, created, &new_id);
	if (r < 0)
		return r;
	Reservation *last = &rs->v[rs->n - 1];
	last->expires = expires;
	last->holder_seen = seen && json_object_get_boolean(seen);
	char *copy = strdup(id);
	if (!copy)
		return -ENOMEM;
	free(last->id);
	last->id = copy;
	unsigned long long num = strtoull(id + 1, NULL, 10);
	if (num >= rs->next_id) /* the next one after it: at most 2^63 */
		rs->next_id = num;
	return 0;
}

int state_load(const StateLoad *l, Reservations *rs)
{
	_cleanup_free_ char *text = NULL;
	char why[64];

	int r = read_regular_file_at(AT_FDCWD, l->path, STATE_READ_MAX, &text, NULL);
	if (r == -ENOENT || r == -ENOMEM)
		return r;
	if (r < 0) {
		say(l, "%s; ignored", read_error(r, STATE_READ_MAX, why));
		return r;
	}
	return state_parse(text, l, rs);
}

int state_parse(const char *text, const StateLoad *l, Reservations *rs)
{
	json_object *frozen, *res;
	int r = 0;

	json_object *root = json_tokener_parse(text);
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return -EBADMSG;
	}
	if (json_object_object_get_ex(root, "frozen", &frozen) &&
	    json_object_is_type(frozen, json_type_array))
		for (size_t i = 0; i < json_object_array_length(frozen) && r >= 0; i++) {
			json_object *o = json_object_array_get_idx(frozen, i);
			const char *b = string_of(o, "budget", is_group_name),
				   *c = string_of(o, "cgroup", is_cgroup_path);
			if (!b || !c)
				drop(l, "freeze", i, "no valid budget name and cgroup path");
			else
				r = l->frozen(b, c, l->userdata);
		}
	json_object *base;
	if (r >= 0 && l->leaf && json_object_object_get_ex(root, "at_freeze", &base) &&
	    json_object_is_type(base, json_type_array))
		for (size_t i = 0; i < json_object_array_length(base) && r >= 0; i++) {
			json_object *o = json_object_array_get_idx(base, i);
			const char *b = string_of(o, "budget", is_group_name),
				   *c = string_of(o, "cgroup", is_cgroup_path);
			uint64_t usage;
			if (!b || !c ||
			    !uint_of(o, "usage", UINT64_MAX, BUDGET_BYTES_MAX, &usage) ||
			    usage == UINT64_MAX)
				drop(l, "leaf at a freeze", i,
				     "no valid budget name, cgroup path and usage");
			else
				r = l->leaf(b, c, usage, l->userdata);
		}
	if (r >= 0 && json_object_object_get_ex(root, "reservations", &res) &&
	    json_object_is_type(res, json_type_array))
		for (size_t i = 0; i < json_object_array_length(res) && r >= 0; i++) {
			int k = load_reservation(l, json_object_array_get_idx(res, i), i, rs);
			r = k < 0 ? k : 0;
		}
	json_object_put(root);
	return r;
}
