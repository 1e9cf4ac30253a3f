/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "cgtree.h"
#include "macro.h"
#include "settings.h"
#include "unitname.h"

#define CG_WALK_MAX_DEPTH 64

static CgNode *node_new(CgNode *parent, const char *name, size_t name_len)
{
	CgNode *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	if (!parent) {
		n->path = strndup(name, name_len);
		if (!n->path) {
			free(n);
			return NULL;
		}
		const char *slash = strrchr(n->path, '/');
		n->name = slash && slash[1] ? slash + 1 : n->path;
	} else {
		bool at_top = strcmp(parent->path, "/") == 0;
		if (asprintf(&n->path, "%s%s%.*s", parent->path, at_top ? "" : "/", (int)name_len,
			     name) < 0) {
			free(n);
			return NULL;
		}
		n->name = n->path + strlen(n->path) - name_len;
		n->parent = parent;
	}
	n->is_unit = unit_name_is_valid(n->name);
	return n;
}

static void procs_free(CgProc *p)
{
	while (p) {
		CgProc *next = p->next;
		free(p);
		p = next;
	}
}

static void node_free(CgNode *n)
{
	while (n) {
		CgNode *next = n->next_sibling;
		node_free(n->children);
		procs_free(n->procs);
		free(n->path);
		free(n);
		n = next;
	}
}

void cg_tree_free(CgTree *t)
{
	if (!t)
		return;
	node_free(t->root);
	free(t);
}

int cg_path_normalize(const char *path, char **ret)
{
	size_t l = strlen(path);

	if (path[0] != '/' || l >= PATH_MAX)
		return -EINVAL;
	while (l > 1 && path[l - 1] == '/')
		l--;
	for (const char *p = path + 1; p < path + l;) {
		const char *slash = memchr(p, '/', (size_t)(path + l - p));
		size_t cl = slash ? (size_t)(slash - p) : (size_t)(path + l - p);
		if (cl == 0 || (cl == 1 && p[0] == '.') || (cl == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		p += cl + 1;
	}
	char *s = strndup(path, l);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int cg_tree_new(const char *root_path, CgTree **ret)
{
	_cleanup_free_ char *norm = NULL;
	int r = cg_path_normalize(root_path, &norm);
	if (r < 0)
		return r;
	CgTree *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->root = node_new(NULL, norm, strlen(norm));
	if (!t->root) {
		free(t);
		return -ENOMEM;
	}
	*ret = t;
	return 0;
}

/* The child of n called name; created (in name order) when create is set. */
static CgNode *child_get(CgNode *n, const char *name, size_t len, bool create)
{
	CgNode **link = &n->children;

	for (; *link; link = &(*link)->next_sibling) {
		int c = strncmp((*link)->name, name, len);
		if (c == 0 && (*link)->name[len] == 0)
			return *link;
		if (c >= 0) /* c == 0 here: the existing name is longer */
			break;
	}
	if (!create)
		return NULL;
	CgNode *c = node_new(n, name, len);
	if (!c)
		return NULL;
	c->next_sibling = *link;
	*link = c;
	return c;
}

/* The part of path below the root, or NULL when path is outside the root. */
static const char *below_root(const CgTree *t, const char *path)
{
	const char *root = t->root->path;
	size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);

	if (strncmp(path, root, rl) != 0 || (path[rl] != '/' && path[rl] != 0))
		return NULL;
	return path + rl;
}

static CgNode *tree_get(CgTree *t, const char *path, bool create)
{
	const char *rest = below_root(t, path);
	CgNode *n = t->root;

	if (!rest)
		return NULL;
	while (n && *rest) {
		while (*rest == '/')
			rest++;
		size_t cl = strcspn(rest, "/");
		if (cl == 0)
			break;
		n = child_get(n, rest, cl, create);
		rest += cl;
	}
	return n;
}

CgNode *cg_tree_find(CgTree *t, const char *path)
{
	return tree_get(t, path, false);
}

int cg_tree_add_child(CgNode *parent, const char *name, CgNode **ret)
{
	CgNode *c = child_get(parent, name, strlen(name), true);
	if (!c)
		return -ENOMEM;
	*ret = c;
	return 0;
}

void cg_tree_remove(CgNode *n)
{
	CgNode **link = &n->parent->children;

	while (*link != n)
		link = &(*link)->next_sibling;
	*link = n->next_sibling;
	n->next_sibling = NULL;
	node_free(n);
}

static int clear_node(CgNode *n, unsigned depth, void *userdata)
{
	(void)depth;
	(void)userdata;
	procs_free(n->procs);
	n->procs = NULL;
	n->pinned = n->locked = n->pinned_sum = n->locked_sum = 0;
	n->nprocs = n->nprocs_sum = 0;
	return 0;
}

void cg_tree_clear(CgTree *t)
{
	cg_tree_visit(t->root, clear_node, NULL);
	t->all_pinned = t->all_locked = 0;
	t->all_procs = 0;
}

static int walk_dir(CgNode *n, int dfd, unsigned depth)
{
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	struct dirent *de;

	if (!d) {
		close(dfd);
		return negative_errno();
	}
	if (depth >= CG_WALK_MAX_DEPTH)
		return 0;
	while ((errno = 0, de = readdir(d))) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		int cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd < 0) {
			if (errno == ENOENT)
				continue; /* removed since readdir */
			return negative_errno();
		}
		CgNode *c = child_get(n, de->d_name, strlen(de->d_name), true);
		if (!c) {
			close(cfd);
			return -ENOMEM;
		}
		int r = walk_dir(c, cfd, depth + 1);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return errno > 0 ? -errno : 0;
}

int cg_tree_walk(CgTree *t, const char *mount)
{
	_cleanup_free_ char *dir = NULL;

	if (asprintf(&dir, "%s%s", mount, t->root->path) < 0)
		return -ENOMEM;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	return walk_dir(t->root, dfd, 0);
}

int cg_tree_add_record(const PinRecord *r, void *userdata)
{
	CgTree *t = userdata;

	t->all_pinned += r->pinned;
	t->all_locked += r->locked;
	t->all_procs++;
	if (!below_root(t, r->cgroup))
		return 0;
	CgNode *n = tree_get(t, r->cgroup, true);
	if (!n)
		return -ENOMEM;
	CgProc *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pid = r->tgid;
	p->starttime = r->starttime;
	snprintf(p->comm, sizeof(p->comm), "%s", r->comm);
	p->pinned = r->pinned;
	p->locked = r->locked;
	p->node = n;
	p->next = n->procs;
	n->procs = p;
	n->pinned += r->pinned;
	n->locked += r->locked;
	n->nprocs++;
	return 0;
}

static void sum_node(CgNode *n)
{
	n->pinned_sum = n->pinned;
	n->locked_sum = n->locked;
	n->nprocs_sum = n->nprocs;
	for (CgNode *c = n->children; c; c = c->next_sibling) {
		sum_node(c);
		n->pinned_sum += c->pinned_sum;
		n->locked_sum += c->locked_sum;
		n->nprocs_sum += c->nprocs_sum;
	}
}

void cg_tree_sum(CgTree *t)
{
	sum_node(t->root);
}

CgNode *cg_node_unit(CgNode *n)
{
	for (; n; n = n->parent)
		if (n->is_unit)
			return n;
	return NULL;
}

bool cg_node_is_group(const CgNode *n)
{
	if (n->is_unit)
		return true;
	for (const CgNode *a = n->parent; a; a = a->parent)
		if (a->is_unit)
			return false;
	return true;
}

static int visit(CgNode *n, unsigned depth, cg_visit_fn fn, void *userdata)
{
	int r = fn(n, depth, userdata);
	if (r != 0)
		return r < 0 ? r : 0; /* positive: skip the subtree */
	for (CgNode *c = n->children; c; c = c->next_sibling) {
		r = visit(c, depth + 1, fn, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}

int cg_tree_visit(CgNode *from, cg_visit_fn fn, void *userdata)
{
	return visit(from, 0, fn, userdata);
}

typedef struct FindName {
	const char *name;
	CgNode *best;
	unsigned best_depth;
} FindName;

static int find_name(CgNode *n, unsigned depth, void *userdata)
{
	FindName *f = userdata;

	if (f->best && depth >= f->best_depth)
		return 1;
	if (depth > 0 && strcmp(n->name, f->name) == 0) {
		f->best = n;
		f->best_depth = depth;
		return 1;
	}
	return 0;
}

int cg_tree_resolve(CgTree *t, const char *name, CgNode **ret)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;
	UnitType type;
	CgNode *n;

	if (name[0] == '/') {
		int r = cg_path_normalize(name, &rel);
		if (r < 0)
			return r;
	} else {
		int r = unit_name_type(name, &type);
		if (r < 0)
			return r;
		if (type != UNIT_SLICE) {
			FindName f = {.name = name};
			cg_tree_visit(t->root, find_name, &f);
			if (!f.best)
				return -ENOENT;
			*ret = f.best;
			return 0;
		}
		_cleanup_free_ char *sp = NULL;
		r = slice_cgroup_path(name, &sp);
		if (r < 0)
			return r;
		if (asprintf(&rel, "/%s", sp) < 0)
			return -ENOMEM;
	}
	bool top = strcmp(t->root->path, "/") == 0;
	if (asprintf(&path, "%s%s", top ? "" : t->root->path, rel) < 0)
		return -ENOMEM;
	n = cg_tree_find(t, path);
	if (!n)
		return -ENOENT;
	*ret = n;
	return 0;
}

int cg_group_name(const CgTree *t, const CgNode *n, char **ret)
{
	char *s;

	if (n->is_unit)
		s = strdup(n->name);
	else if (n == t->root)
		s = strdup("/");
	else if (strcmp(t->root->path, "/") == 0)
		s = strdup(n->path);
	else
		s = strdup(n->path + strlen(t->root->path));
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

uint64_t cg_usage(const CgNode *n, unsigned count)
{
	if (!n)
		return 0;
	return counted(count, n->pinned_sum, n->locked_sum);
}
