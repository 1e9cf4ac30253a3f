/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
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

int state_save(const char *path, const PolicyState *s)
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

int state_load(const char *path, int (*fn)(const char *budget, const char *cgroup, void *userdata),
	       void *userdata)
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
	json_object_put(root);
	return r;
}
