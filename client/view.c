/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "view.h"

int group_name(const CgTree *t, const CgNode *n, char **ret)
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

static int push_group(View *v, const CgTree *t, CgNode *n, unsigned depth, bool top)
{
	GroupView *g = realloc(v->groups, (v->n_groups + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	v->groups = g;
	g = &v->groups[v->n_groups];
	*g = (GroupView){.node = n, .depth = depth, .block_top = top};
	int r = group_name(t, n, &g->name);
	if (r < 0)
		return r;
	v->n_groups++;
	return 0;
}

typedef struct Collect {
	View *v;
	const CgTree *t;
	CgNode *top;
	unsigned top_depth;
	bool with_children;
} Collect;

static bool holds_pins(const CgNode *n)
{
	return n->pinned_sum > 0 || n->locked_sum > 0;
}

static int collect(CgNode *n, unsigned depth, void *userdata)
{
	Collect *c = userdata;

	if (n == c->top)
		return push_group(c->v, c->t, n, 0, true);
	if (!holds_pins(n))
		return 1; /* nothing below either */
	if (!cg_node_is_group(n))
		return 0;   /* part of its unit; look below for nested units */
	unsigned shown = 0; /* depth among shown groups: count group ancestors below top */
	for (CgNode *a = n->parent; a && a != c->top; a = a->parent)
		shown += cg_node_is_group(a);
	(void)depth;
	if (!c->with_children)
		return push_group(c->v, c->t, n, 0, false) < 0 ? -ENOMEM : 0;
	return push_group(c->v, c->t, n, shown + 1, false);
}

int view_groups(Snapshot *s, char **names, size_t n_names, bool with_children, View *v,
		const char **ret_bad)
{
	CgTree *t = s->tree;

	if (n_names == 0) {
		Collect c = {.v = v, .t = t, .top = t->root, .with_children = with_children};
		return cg_tree_visit(t->root, collect, &c);
	}
	for (size_t i = 0; i < n_names; i++) {
		CgNode *n;
		int r = cg_tree_resolve(t, names[i], &n);
		if (r < 0) {
			*ret_bad = names[i];
			return r;
		}
		if (!with_children) {
			r = push_group(v, t, n, 0, true);
		} else {
			Collect c = {.v = v, .t = t, .top = n, .with_children = true};
			r = cg_tree_visit(n, collect, &c);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int collect_procs(CgNode *n, unsigned depth, void *userdata)
{
	View *v = userdata;

	(void)depth;
	if (!holds_pins(n))
		return 1;
	for (CgProc *p = n->procs; p; p = p->next) {
		CgProc **a = realloc(v->procs, (v->n_procs + 1) * sizeof(*a));
		if (!a)
			return -ENOMEM;
		v->procs = a;
		v->procs[v->n_procs++] = p;
	}
	return 0;
}

static int cmp_procs(const void *a, const void *b)
{
	const CgProc *x = *(CgProc *const *)a, *y = *(CgProc *const *)b;
	uint64_t sx = x->pinned + x->locked, sy = y->pinned + y->locked;

	if (sx != sy)
		return sx < sy ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int view_procs(CgNode *node, View *v)
{
	int r = cg_tree_visit(node, collect_procs, v);
	if (r < 0)
		return r;
	if (v->n_procs > 1)
		qsort(v->procs, v->n_procs, sizeof(*v->procs), cmp_procs);
	return 0;
}

void view_done(View *v)
{
	for (size_t i = 0; i < v->n_groups; i++)
		free(v->groups[i].name);
	free(v->groups);
	free(v->procs);
	*v = (View){};
}
