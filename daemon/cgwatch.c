/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgwatch.h"
#include "macro.h"
#include "procfs.h"

#define WATCH_MASK                                                                                 \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW)
#define EVENTS_MASK (IN_MODIFY | IN_DONT_FOLLOW)
#define MAX_DEPTH   64 /* as cg_tree_walk */

struct CgWatch {
	char *mount, *root;
	CgTree *tree;
	int fd;
	sd_event_source *source;
	void *by_watch;  /* tsearch tree of the nodes, by watch descriptor */
	void *by_events; /* the same, by the watch descriptor of their cgroup.events */
	uint64_t generation;
	cgwatch_populated_fn populated;
	void *populated_userdata;
	unsigned rewalks;
	unsigned cgroups;            /* as counted at counted_generation */
	uint64_t counted_generation; /* 0: not yet (generation is 1 after the first walk) */
	bool lost;                   /* the kernel's queue overflowed: events are missing */
};

static void nop_free(void *p)
{
	(void)p; /* the nodes are the tree's */
}

static int by_watch(const void *a, const void *b)
{
	const CgNode *x = a, *y = b;
	return (x->watch > y->watch) - (x->watch < y->watch);
}

static int by_events(const void *a, const void *b)
{
	const CgNode *x = a, *y = b;
	return (x->events_watch > y->events_watch) - (x->events_watch < y->events_watch);
}

static CgNode *lookup(CgWatch *w, int wd)
{
	CgNode key = {.watch = wd};
	CgNode **found = tfind(&key, &w->by_watch, by_watch);
	return found ? *found : NULL;
}

static CgNode *lookup_events(CgWatch *w, int wd)
{
	CgNode key = {.events_watch = wd};
	CgNode **found = tfind(&key, &w->by_events, by_events);
	return found ? *found : NULL;
}

/* cgroup.events of n as it is now; an empty cgroup that became populated counts. */
static void read_cgroup_events(CgWatch *w, CgNode *n, bool count)
{
	_cleanup_free_ char *path = NULL;
	char buf[256];
	uint64_t v;

	if (asprintf(&path, "%s%s/cgroup.events", w->mount, n->path) < 0)
		return;
	ssize_t len = read_small_file_at(AT_FDCWD, path, buf, sizeof(buf));
	if (len <= 0)
		return; /* removed meanwhile: its IN_IGNORED follows */
	bool was = n->populated;
	if (parse_keyed_u64(buf, (size_t)len, "populated", &v) == 0)
		n->populated = v != 0;
	if (parse_keyed_u64(buf, (size_t)len, "frozen", &v) == 0)
		n->frozen = v != 0;
	if (count && !was && n->populated && w->populated)
		w->populated(n->path, w->populated_userdata);
}

/* Watches n's cgroup.events; none on cgroup v1 (not an error). */
static int watch_cgroup_events(CgWatch *w, CgNode *n, const char *dir)
{
	_cleanup_free_ char *path = NULL;

	if (n->events_watch > 0)
		return 0;
	if (asprintf(&path, "%s/cgroup.events", dir) < 0)
		return -ENOMEM;
	int wd = inotify_add_watch(w->fd, path, EVENTS_MASK);
	if (wd < 0)
		return errno == ENOENT && access(dir, F_OK) == 0 ? 0 : negative_errno();
	n->events_watch = wd;
	if (!tsearch(n, &w->by_events, by_events)) {
		n->events_watch = 0;
		return -ENOMEM;
	}
	read_cgroup_events(w, n, false);
	return 0;
}

static int unwatch_node(CgNode *n, unsigned depth, void *userdata)
{
	CgWatch *w = userdata;

	(void)depth;
	if (n->watch > 0) {
		tdelete(n, &w->by_watch, by_watch);
		inotify_rm_watch(w->fd, n->watch); /* gone already for a removed cgroup */
		n->watch = 0;
	}
	if (n->events_watch > 0) {
		tdelete(n, &w->by_events, by_events);
		inotify_rm_watch(w->fd, n->events_watch);
		n->events_watch = 0;
	}
	return 0;
}

/* Forgets n (not the root) and its subtree. */
static void forget(CgWatch *w, CgNode *n)
{
	cg_tree_visit(n, unwatch_node, w);
	cg_tree_remove(n);
	w->generation++;
}

/* Watches n's directory, then reads its children: a child made meanwhile is either seen
 * by the read or announced by an event (seen twice is harmless). */
static int watch_subtree(CgWatch *w, CgNode *n, unsigned depth)
{
	_cleanup_free_ char *dir = NULL;
	struct dirent *de;

	if (asprintf(&dir, "%s%s", w->mount, n->path) < 0)
		return -ENOMEM;
	if (n->watch <= 0) {
		int wd = inotify_add_watch(w->fd, dir, WATCH_MASK);
		if (wd < 0)
			return negative_errno();
		n->watch = wd;
		if (!tsearch(n, &w->by_watch, by_watch)) {
			n->watch = 0;
			return -ENOMEM;
		}
	}
	int r = watch_cgroup_events(w, n, dir);
	if (r < 0)
		return r;
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return negative_errno();
	if (depth >= MAX_DEPTH)
		return 0;
	while ((errno = 0, de = readdir(d))) {
		CgNode *c;
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		r = cg_tree_add_child(n, de->d_name, &c);
		if (r < 0)
			return r;
		r = watch_subtree(w, c, depth + 1);
		if (r == -ENOENT || r == -ENOTDIR) /* removed since readdir */
			forget(w, c);
		else if (r < 0)
			return r;
	}
	return errno > 0 ? -errno : 0;
}

static CgNode *child_named(CgNode *n, const char *name)
{
	for (CgNode *c = n->children; c; c = c->next_sibling)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* An event on a cgroup.events file: n's state changed, or the file is gone. */
static void handle_cgroup_events(CgWatch *w, CgNode *n, const struct inotify_event *ev)
{
	if (ev->mask & IN_IGNORED) {
		tdelete(n, &w->by_events, by_events);
		n->events_watch = 0;
	} else if (ev->mask & IN_MODIFY)
		read_cgroup_events(w, n, true);
}

static int handle(CgWatch *w, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW) {
		w->lost = true;
		return 0;
	}
	CgNode *n = lookup_events(w, ev->wd);
	if (n) {
		handle_cgroup_events(w, n, ev);
		return 0;
	}
	n = lookup(w, ev->wd);
	if (!n)
		return 0;            /* a watch forgotten already */
	if (ev->mask & IN_IGNORED) { /* its directory is gone */
		tdelete(n, &w->by_watch, by_watch);
		n->watch = 0;
		if (!n->parent) /* the root itself: the re-walk says what there is */
			w->lost = true;
		return 0;
	}
	if (!(ev->mask & IN_ISDIR) || ev->len == 0 || w->lost)
		return 0;
	CgNode *c = child_named(n, ev->name);
	if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
		if (c)
			forget(w, c);
		return 0;
	}
	if (c) /* seen by the walk already */
		return 0;
	unsigned depth = 1;
	for (CgNode *a = n; a->parent; a = a->parent)
		depth++;
	int r = cg_tree_add_child(n, ev->name, &c);
	if (r < 0)
		return r;
	w->generation++;
	r = watch_subtree(w, c, depth);
	if (r == -ENOENT || r == -ENOTDIR) { /* gone again */
		forget(w, c);
		return 0;
	}
	return r;
}

/* Everything the kernel has queued; a failure (out of memory, out of watches) counts as
 * lost events: the next sync walks again. */
static void read_events(CgWatch *w)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t len = read(w->fd, buf, sizeof(buf));
		if (len <= 0)
			return; /* EAGAIN: all read */
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			if (handle(w, ev) < 0)
				w->lost = true;
			p += sizeof(*ev) + ev->len;
		}
	}
}

static int on_events(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	(void)s;
	(void)fd;
	(void)revents;
	read_events(userdata);
	return 0;
}

/* A new inotify instance: the old one's watches go with it, without an IN_IGNORED each
 * (thousands of those would overflow the queue again). */
static int renew_fd(CgWatch *w)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (w->source) {
		int r = sd_event_source_set_io_fd(w->source, fd);
		if (r < 0) {
			close(fd);
			return r;
		}
	}
	if (w->fd >= 0)
		close(w->fd);
	w->fd = fd;
	return 0;
}

static int walk(CgWatch *w)
{
	int r = renew_fd(w);
	if (r < 0)
		return r;
	tdestroy(w->by_watch, nop_free);
	tdestroy(w->by_events, nop_free);
	w->by_watch = w->by_events = NULL;
	cg_tree_free(w->tree);
	w->tree = NULL;
	r = cg_tree_new(w->root, &w->tree);
	if (r < 0)
		return r;
	w->generation++;
	w->lost = false;
	return watch_subtree(w, w->tree->root, 0);
}

int cgwatch_sync(CgWatch *w)
{
	read_events(w);
	if (!w->lost)
		return 0;
	w->rewalks++;
	int r = walk(w);
	if (w->populated) /* what moved meanwhile is not known */
		w->populated(NULL, w->populated_userdata);
	return r;
}

int cgwatch_new(sd_event *e, const char *mount, const char *root, CgWatch **ret)
{
	CgWatch *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	int r = -ENOMEM;
	if (!(w->mount = strdup(mount)) || !(w->root = strdup(root)))
		goto fail;
	if ((r = walk(w)) < 0 ||
	    (e && (r = sd_event_add_io(e, &w->source, w->fd, EPOLLIN, on_events, w)) < 0))
		goto fail;
	*ret = w;
	return 0;
fail:
	cgwatch_free(w);
	return r;
}

CgWatch *cgwatch_free(CgWatch *w)
{
	if (!w)
		return NULL;
	sd_event_source_disable_unref(w->source);
	tdestroy(w->by_watch, nop_free);
	tdestroy(w->by_events, nop_free);
	cg_tree_free(w->tree);
	if (w->fd >= 0)
		close(w->fd);
	free(w->mount);
	free(w->root);
	free(w);
	return NULL;
}

CgTree *cgwatch_tree(const CgWatch *w)
{
	return w->tree;
}

const char *cgwatch_root(const CgWatch *w)
{
	return w->root;
}

uint64_t cgwatch_generation(const CgWatch *w)
{
	return w->generation;
}

void cgwatch_on_populated(CgWatch *w, cgwatch_populated_fn fn, void *userdata)
{
	w->populated = fn;
	w->populated_userdata = userdata;
}

static int count(CgNode *n, unsigned depth, void *userdata)
{
	(void)n;
	(void)depth;
	(*(unsigned *)userdata)++;
	return 0;
}

unsigned cgwatch_cgroups(CgWatch *w)
{
	/* counted again only when the tree changed, not for every scan's STATUS= */
	if (w->counted_generation != w->generation) {
		w->cgroups = 0;
		cg_tree_visit(w->tree->root, count, &w->cgroups);
		w->counted_generation = w->generation;
	}
	return w->cgroups;
}

unsigned cgwatch_rewalks(const CgWatch *w)
{
	return w->rewalks;
}
