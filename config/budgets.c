/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "budgets.h"
#include "macro.h"

static void budget_done(Budget *b)
{
	free(b->name);
	free(b->max_text);
	free(b->max_source);
	free(b->action_source);
	free(b->target_source);
}

void budgets_done(BudgetSet *s)
{
	for (size_t i = 0; i < s->n; i++)
		budget_done(&s->budgets[i]);
	free(s->budgets);
	*s = (BudgetSet){};
}

static int strdup_or_null(const char *s, char **ret)
{
	*ret = s ? strdup(s) : NULL;
	return s && !*ret ? -ENOMEM : 0;
}

static const BudgetSpec *config_budget(const Config *c, const char *name)
{
	for (size_t i = 0; i < c->n_budgets; i++)
		if (strcmp(c->budgets[i].name, name) == 0)
			return &c->budgets[i];
	return NULL;
}

/* The budget of one name, or 0 without adding anything when none applies. */
static int build_one(const Config *c, const UnitIndex *idx, const char *name, BudgetSet *s)
{
	UnitSettings u = {};
	const BudgetSpec *spec = config_budget(c, name);
	Budget b = {.action = c->default_action, .target = c->default_target};
	int r;

	if (name[0] != '/') {
		r = unit_index_eval(idx, name, &u);
		if (r < 0)
			return r;
	}
	if (!u.has_max && !(spec && spec->has_max))
		return 0;
	if (u.has_max) {
		b.max = u.max;
		r = strdup_or_null(u.max_text, &b.max_text);
		if (r >= 0)
			r = strdup_or_null(u.max_source, &b.max_source);
	} else {
		b.max = spec->max;
		r = strdup_or_null(spec->max_text, &b.max_text);
		if (r >= 0)
			r = strdup_or_null(spec->source, &b.max_source);
	}
	if (r >= 0 && u.has_action) {
		b.action = u.action;
		r = strdup_or_null(u.action_source, &b.action_source);
	} else if (r >= 0 && spec && spec->has_action) {
		b.action = spec->action;
		r = strdup_or_null(spec->source, &b.action_source);
	}
	if (r >= 0 && u.has_target) {
		b.target = u.target;
		r = strdup_or_null(u.target_source, &b.target_source);
	} else if (r >= 0 && spec && spec->has_target) {
		b.target = spec->target;
		r = strdup_or_null(spec->source, &b.target_source);
	}
	if (r >= 0)
		r = strdup_or_null(name, &b.name);
	Budget *v = r >= 0 ? GROW(s->budgets, s->n) : NULL;
	if (!v) {
		budget_done(&b);
		return -ENOMEM;
	}
	*v = b;
	s->n++;
	return 0;
}

static int cmp_budget(const void *a, const void *b)
{
	return strcmp(((const Budget *)a)->name, ((const Budget *)b)->name);
}

int budgets_build(const Config *c, const UnitIndex *idx, const char *const *seen, size_t n_seen,
		  BudgetSet *ret)
{
	_cleanup_free_ const char **units = NULL;
	BudgetSet s = {};

	int r = unit_index_units(idx, &units);
	if (r < 0)
		return r;
	/* candidates in one list; duplicates are skipped by looking at what is built */
	size_t n_units = 0;
	while (units[n_units])
		n_units++;
	size_t total = c->n_budgets + n_units + n_seen;
	for (size_t i = 0; i < total && r >= 0; i++) {
		const char *name = i < c->n_budgets             ? c->budgets[i].name
				   : i < c->n_budgets + n_units ? units[i - c->n_budgets]
								: seen[i - c->n_budgets - n_units];
		bool dup = false;
		for (size_t k = 0; k < s.n && !dup; k++)
			dup = strcmp(s.budgets[k].name, name) == 0;
		/* a template (foo@.service) never runs; its settings reach its instances */
		if (!dup && (name[0] == '/' || (unit_name_is_valid(name) && !strstr(name, "@."))))
			r = build_one(c, idx, name, &s);
	}
	if (r < 0) {
		budgets_done(&s);
		return r;
	}
	if (s.n > 1)
		qsort(s.budgets, s.n, sizeof(*s.budgets), cmp_budget);
	*ret = s;
	return 0;
}

const Budget *budgets_find(const BudgetSet *s, const char *name)
{
	Budget key = {.name = (char *)name};
	if (!s || s->n == 0)
		return NULL;
	return bsearch(&key, s->budgets, s->n, sizeof(*s->budgets), cmp_budget);
}
