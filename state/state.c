/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "macro.h"
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

/* Reservations survive a restart within the same boot (StateFile lives in /run). */
static int load_reservations(json_object *root, Reservations *rs)
{
	json_object *res;

	if (!json_object_object_get_ex(root, "reservations", &res) ||
	    !json_object_is_type(res, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(res); i++) {
		json_object *o = json_object_array_get_idx(res, i), *id, *b, *n, *h, *e, *c, *seen;
		if (!json_object_object_get_ex(o, "id", &id) ||
		    !json_object_object_get_ex(o, "budget", &b) ||
		    !json_object_object_get_ex(o, "bytes", &n))
			continue;
		json_object_object_get_ex(o, "holder", &h);
		if (!json_object_object_get_ex(o, "expires_monotonic_usec", &e))
			e = NULL;
		if (!json_object_object_get_ex(o, "created_realtime_usec", &c))
			c = NULL;
		if (!json_object_object_get_ex(o, "holder_seen", &seen))
			seen = NULL;
		const char *new_id;
		uint64_t expires = e ? json_object_get_uint64(e) : 0;
		int r = reservations_add(rs, json_object_get_string(b), json_object_get_uint64(n),
					 h ? json_object_get_string(h) : NULL, 0, 0,
					 c ? json_object_get_uint64(c) : 0, &new_id);
		if (r < 0)
			return r;
		Reservation *last = &rs->v[rs->n - 1];
		last->expires = expires;
		last->holder_seen = seen && json_object_get_boolean(seen);
		char *copy = strdup(json_object_get_string(id));
		if (!copy)
			return -ENOMEM;
		free(last->id);
		last->id = copy;
		unsigned long long num;
		if (sscanf(copy, "r%llu", &num) == 1 && num >= rs->next_id)
			rs->next_id = num;
	}
	return 0;
}

int state_load(const char *path, int (*fn)(const char *budget, const char *cgroup, void *userdata),
	       Reservations *rs, void *userdata)
{
	json_object *root = json_object_from_file(path), *frozen;
	int r = 0;

	if (!root)
		return access(path, F_OK) < 0 ? -ENOENT : -EBADMSG;
	if (!json_object_object_get_ex(root, "frozen", &frozen) ||
	    !json_object_is_type(frozen, json_type_array)) {
		json_object_put(root);
		return -EBADMSG;
	}
	for (size_t i = 0; i < json_object_array_length(frozen) && r >= 0; i++) {
		json_object *o = json_object_array_get_idx(frozen, i), *b, *c;
		if (!json_object_object_get_ex(o, "budget", &b) ||
		    !json_object_object_get_ex(o, "cgroup", &c))
			continue;
		r = fn(json_object_get_string(b), json_object_get_string(c), userdata);
	}
	if (r >= 0)
		r = load_reservations(root, rs);
	json_object_put(root);
	return r;
}
