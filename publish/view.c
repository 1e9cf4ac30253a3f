/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "actuate.h"
#include "macro.h"
#include "view.h"

/* The budget of a group by its name; the root's is also "-.slice", as systemd names it. */
static const Budget *budget_of(const BudgetSet *b, const CgTree *t, const CgNode *n,
			       const char *name)
{
	const Budget *bu = b ? budgets_find(b, name) : NULL;
	if (!bu && b && n && n == t->root)
		bu = budgets_find(b, "-.slice");
	return bu;
}

/* Adds a group; name is the budget name to use when n is NULL. */
static int push(View *v, const CgTree *t, const BudgetSet *b, CgNode *n, const char *name,
		unsigned depth, bool top)
{
	GroupView *g = GROW(v->groups, v->n_groups);
	if (!g)
		return -ENOMEM;
	*g = (GroupView){.node = n, .depth = depth, .block_top = top};
	if (n) {
		int r = cg_group_name(t, n, &g->name);
		if (r < 0)
			return r;
	} else if (!(g->name = strdup(name)))
		return -ENOMEM;
	g->budget = budget_of(b, t, n, g->name);
	v->n_groups++;
	return 0;
}

typedef struct Collect {
	View *v;
	const CgTree *t;
	const BudgetSet *b;
	CgNode *top;
	bool with_children;
} Collect;

static bool holds_pins(const CgNode *n)
{
	return n->pinned_sum > 0 || n->locked_sum > 0;
}

/* Marks the nodes of budgets and their ancestors (mark = 1: budgeted below or here). */
static void mark_budgets(CgTree *t, const BudgetSet *b)
{
	for (size_t i = 0; b && i < b->n; i++) {
		CgNode *n;
		if (cg_tree_resolve(t, b->budgets[i].name, &n) < 0)
			continue;
		for (; n; n = n->parent)
			n->mark = 1;
	}
}

static const Budget *node_budget(const CgTree *t, const BudgetSet *b, const CgNode *n)
{
	_cleanup_free_ char *name = NULL;

	if (!b || cg_group_name(t, n, &name) < 0)
		return NULL;
	return budget_of(b, t, n, name);
}

static bool budget_has_node(CgTree *t, const Budget *b)
{
	CgNode *n;
	return cg_tree_resolve(t, b->name, &n) == 0;
}

static int collect(CgNode *n, unsigned depth, void *userdata)
{
	Collect *c = userdata;

	if (n == c->top)
		return push(c->v, c->t, c->b, n, NULL, 0, true);
	if (!holds_pins(n) && !n->mark)
		return 1; /* nothing below either */
	if (!cg_node_is_group(n))
		return 0;   /* part of its unit; look below for nested units */
	unsigned shown = 0; /* depth among shown groups: count group ancestors below top */
	for (CgNode *a = n->parent; a && a != c->top; a = a->parent)
		shown += cg_node_is_group(a);
	(void)depth;
	if (!holds_pins(n) && !node_budget(c->t, c->b, n))
		return 0; /* on the way to a budget further down */
	return push(c->v, c->t, c->b, n, NULL, c->with_children ? shown + 1 : 0, false);
}

int view_groups(Snapshot *s, const BudgetSet *b, char **names, size_t n_names, bool with_children,
		View *v, const char **ret_bad)
{
	CgTree *t = s->tree;
	int r;

	mark_budgets(t, b);
	if (n_names == 0) {
		Collect c = {
		    .v = v, .t = t, .b = b, .top = t->root, .with_children = with_children};
		r = cg_tree_visit(t->root, collect, &c);
		for (size_t i = 0; r >= 0 && b && i < b->n; i++)
			if (!budget_has_node(t, &b->budgets[i]))
				r = push(v, t, b, NULL, b->budgets[i].name, 0, true);
		return r;
	}
	for (size_t i = 0; i < n_names; i++) {
		CgNode *n;
		r = cg_tree_resolve(t, names[i], &n);
		if (r == -ENOENT && b && budgets_find(b, names[i])) {
			r = push(v, t, b, NULL, names[i], 0, true);
			if (r < 0)
				return r;
			continue;
		}
		if (r < 0) {
			*ret_bad = names[i];
			return r;
		}
		if (!with_children) {
			r = push(v, t, b, n, NULL, 0, true);
		} else {
			Collect c = {.v = v, .t = t, .b = b, .top = n, .with_children = true};
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
		CgProc **a = GROW(v->procs, v->n_procs);
		if (!a)
			return -ENOMEM;
		*a = p;
		v->n_procs++;
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

void group_state_done(GroupState *s)
{
	free(s->frozen_by);
	*s = (GroupState){};
}
