/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>

#include "macro.h"
#include "watch.h"

#define WATCH_QUIET_USEC 100000 /* a set-property writes a file, then renames it */

#define DIR_EVENTS                                                                                 \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ATTRIB |        \
	 IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

typedef struct Entry {
	Watch *w;
	char *only; /* for an ancestor standing in for a missing directory: that child */
	sd_event_source *source;
	struct Entry *next;
} Entry;

struct Watch {
	sd_event *event;
	watch_fn fn;
	void *userdata;
	Entry *entries;
	sd_event_source *quiet;
};

static int on_quiet(sd_event_source *s, uint64_t usec, void *userdata)
{
	Watch *w = userdata;

	(void)s;
	(void)usec;
	w->fn(w->userdata);
	return 0;
}

static int on_inotify(sd_event_source *s, const struct inotify_event *ev, void *userdata)
{
	Entry *e = userdata;
	Watch *w = e->w;

	(void)s;
	if (e->only && !(ev->mask & IN_Q_OVERFLOW) && (ev->len == 0 || strcmp(ev->name, e->only)))
		return 0;
	if (w->quiet) {
		sd_event_source_set_time_relative(w->quiet, WATCH_QUIET_USEC);
		sd_event_source_set_enabled(w->quiet, SD_EVENT_ONESHOT);
		return 0;
	}
	return sd_event_add_time_relative(w->event, &w->quiet, CLOCK_MONOTONIC, WATCH_QUIET_USEC, 0,
					  on_quiet, w);
}

static void entries_free(Watch *w)
{
	while (w->entries) {
		Entry *e = w->entries;
		w->entries = e->next;
		sd_event_source_disable_unref(e->source);
		free(e->only);
		free(e);
	}
}

Watch *watch_free(Watch *w)
{
	if (!w)
		return NULL;
	entries_free(w);
	sd_event_source_disable_unref(w->quiet);
	sd_event_unref(w->event);
	free(w);
	return NULL;
}

int watch_new(sd_event *e, watch_fn fn, void *userdata, Watch **ret)
{
	Watch *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->event = sd_event_ref(e);
	w->fn = fn;
	w->userdata = userdata;
	*ret = w;
	return 0;
}

static int add(Watch *w, const char *path, const char *only, uint32_t mask)
{
	Entry *e = calloc(1, sizeof(*e));

	if (!e || (only && !(e->only = strdup(only)))) {
		free(e);
		return -ENOMEM;
	}
	e->w = w;
	int r = sd_event_add_inotify(w->event, &e->source, path, mask, on_inotify, e);
	if (r < 0) {
		free(e->only);
		free(e);
		return r;
	}
	e->next = w->entries;
	w->entries = e;
	return 0;
}

/* Watches path, or its nearest existing ancestor for path's creation. */
static int add_dir(Watch *w, const char *path)
{
	_cleanup_free_ char *p = strdup(path);
	struct stat st;

	if (!p)
		return -ENOMEM;
	if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
		return add(w, p, NULL, DIR_EVENTS);
	for (;;) {
		char *slash = strrchr(p, '/');
		if (!slash)
			return -EINVAL;
		_cleanup_free_ char *child = strdup(slash + 1);
		if (!child)
			return -ENOMEM;
		if (slash == p)
			slash[1] = 0;
		else
			*slash = 0;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			return add(w, p, child, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
		if (slash == p)
			return -ENOENT;
	}
}

static int add_dropin_dirs(Watch *w, const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 3 || strcmp(de->d_name + l - 2, ".d") != 0)
			continue;
		_cleanup_free_ char *sub = NULL;
		if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
			return -ENOMEM;
		struct stat st;
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
			int r = add(w, sub, NULL, DIR_EVENTS);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int watch_arm(Watch *w, const UnitPaths *paths, const char *config_path)
{
	_cleanup_free_ char *config_dir = strdup(config_path);
	int r = 0;

	if (!config_dir)
		return -ENOMEM;
	entries_free(w);
	for (size_t i = 0; i < paths->n_dirs && r >= 0; i++) {
		r = add_dir(w, paths->dirs[i]);
		if (r >= 0)
			r = add_dropin_dirs(w, paths->dirs[i]);
	}
	char *slash = strrchr(config_dir, '/');
	if (r >= 0 && slash) {
		*slash = 0;
		r = add_dir(w, config_dir[0] ? config_dir : "/");
	}
	return r;
}
