/* SPDX-License-Identifier: MIT */
/* The policy's kept state: what it holds frozen and why, carried from scan to scan, and
 * what the outcome of an action does to it. */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "policy.h"
#include "policy_state.h"

static void budget_state_done(BudgetState *b)
{
	free(b->name);
	strv_free_n(b->frozen, b->n_frozen);
	strv_free_n(b->foreign, b->n_foreign);
	leaves_free(b->leaves, b->n_leaves);
	leaves_free(b->at_freeze, b->n_at_freeze);
	free(b->sig_target);
	free(b->pusher);
	*b = (BudgetState){};
}

void leaves_free(LeafUsage *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].cgroup);
	free(v);
}

int leaves_copy(LeafUsage **dst, size_t *n_dst, const LeafUsage *src, size_t n)
{
	LeafUsage *v = calloc(n > 0 ? n : 1, sizeof(*v)); /* never NULL: a baseline */

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i] = src[i];
		if (!(v[i].cgroup = strdup(src[i].cgroup))) {
			leaves_free(v, i);
			return -ENOMEM;
		}
	}
	leaves_free(*dst, *n_dst);
	*dst = v;
	*n_dst = n;
	return 0;
}

void policy_state_done(PolicyState *s)
{
	for (size_t i = 0; i < s->n; i++)
		budget_state_done(&s->budgets[i]);
	free(s->budgets);
	*s = (PolicyState){};
}

void decisions_free_one(Decision *d)
{
	free(d->budget);
	free(d->target);
	free(d->target_name);
	free(d->suspect);
}

void decisions_free(Decision *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		decisions_free_one(&d[i]);
	free(d);
}

const char *decision_kind_to_string(DecisionKind k)
{
	static const char *const names[] = {
	    [DECISION_EXCEEDED] = "exceeded", [DECISION_RESTORED] = "restored",
	    [DECISION_FREEZE] = "freeze",     [DECISION_THAW] = "thaw",
	    [DECISION_SIGNAL] = "signal",     [DECISION_KILL] = "kill",
	    [DECISION_LOG] = "log",           [DECISION_NO_TARGET] = "no-target",
	};
	return k < ARRAY_SIZE(names) ? names[k] : NULL;
}

BudgetState *policy_find(const PolicyState *s, const char *budget)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->budgets[i].name, budget) == 0)
			return &s->budgets[i];
	return NULL;
}

BudgetState *state_add(PolicyState *s, const char *name)
{
	BudgetState *v = GROW(s->budgets, s->n);
	if (!v || !(v->name = strdup(name)))
		return NULL;
	s->n++;
	return v;
}

int list_add(char ***list, size_t *n, const char *cgroup)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i], cgroup) == 0)
			return 0;
	char **v = GROW(*list, *n);
	if (!v || !(*v = strdup(cgroup)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

bool list_has(char *const *list, size_t n, const char *cgroup)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], cgroup) == 0)
			return true;
	return false;
}

int frozen_add(BudgetState *b, const char *cgroup)
{
	return list_add(&b->frozen, &b->n_frozen, cgroup);
}

void frozen_remove(BudgetState *b, const char *cgroup)
{
	for (size_t i = 0; i < b->n_frozen; i++)
		if (strcmp(b->frozen[i], cgroup) == 0) {
			free(b->frozen[i]);
			b->frozen[i] = b->frozen[--b->n_frozen];
			return;
		}
}

bool is_frozen_by(const BudgetState *b, const char *cgroup)
{
	return list_has(b->frozen, b->n_frozen, cgroup);
}

/* A copy of what carries over from the previous scan. */
int state_copy(BudgetState *dst, const BudgetState *src)
{
	*dst = *src;
	dst->name = strdup(src->name);
	dst->frozen = NULL;
	dst->n_frozen = 0;
	dst->leaves = NULL;
	dst->n_leaves = 0;
	dst->at_freeze = NULL;
	dst->n_at_freeze = 0;
	if (src->at_freeze &&
	    leaves_copy(&dst->at_freeze, &dst->n_at_freeze, src->at_freeze, src->n_at_freeze) < 0)
		return -ENOMEM;
	dst->foreign = NULL;
	dst->n_foreign = 0;
	for (size_t i = 0; i < src->n_foreign; i++)
		if (list_add(&dst->foreign, &dst->n_foreign, src->foreign[i]) < 0)
			return -ENOMEM;
	dst->sig_target = src->sig_target ? strdup(src->sig_target) : NULL;
	dst->pusher = src->pusher ? strdup(src->pusher) : NULL;
	if (!dst->name || (src->sig_target && !dst->sig_target) || (src->pusher && !dst->pusher))
		return -ENOMEM;
	for (size_t i = 0; i < src->n_frozen; i++)
		if (frozen_add(dst, src->frozen[i]) < 0)
			return -ENOMEM;
	return 0;
}
void policy_outcome(PolicyState *s, const Decision *d, int result, uint64_t now)
{
	BudgetState *st = policy_find(s, d->budget);

	if (!st)
		return;
	switch (d->kind) {
	case DECISION_FREEZE:
		if (result < 0) {
			frozen_remove(st, d->target); /* not pind's: never thawed by pind */
			if (result == -EBUSY)         /* someone else's freeze: not chosen again */
				list_add(&st->foreign, &st->n_foreign, d->target);
			else
				st->over_since = now; /* a grace before trying again */
		}
		break;
	case DECISION_THAW:
		if (result == 0 || result == -ENOENT)
			frozen_remove(st, d->target);
		break;
	case DECISION_SIGNAL:
		if (result < 0) {
			st->sig_stage = 0;
			st->over_since = now;
		}
		break;
	default:
		break;
	}
}

void policy_forget_frozen(PolicyState *s, const char *cgroup, uint64_t now)
{
	for (size_t i = 0; i < s->n; i++)
		if (is_frozen_by(&s->budgets[i], cgroup)) {
			frozen_remove(&s->budgets[i], cgroup);
			s->budgets[i].over_since = now;
		}
}

int policy_adopt_frozen(PolicyState *s, const char *budget, const char *cgroup, uint64_t now)
{
	BudgetState *st = policy_find(s, budget);

	if (!st) {
		if (!(st = state_add(s, budget)))
			return -ENOMEM;
		st->over_since = now; /* whatever the action is now, a grace first */
	}
	st->over = true; /* it was over when frozen; the next scan decides */
	/* an empty baseline: every leaf is new (grown) unless StateFile says what it was */
	if (!st->leaves && !(st->leaves = calloc(1, sizeof(LeafUsage))))
		return -ENOMEM;
	return frozen_add(st, cgroup);
}

int policy_adopt_leaf(PolicyState *s, const char *budget, const char *cgroup, uint64_t usage)
{
	BudgetState *st = policy_find(s, budget);

	if (!st || st->n_frozen == 0 || !st->leaves)
		return 0; /* nothing adopted for it: no baseline wanted */
	for (size_t i = 0; i < st->n_leaves; i++)
		if (strcmp(st->leaves[i].cgroup, cgroup) == 0)
			return 0;
	LeafUsage *v = GROW(st->leaves, st->n_leaves);
	if (!v || !(v->cgroup = strdup(cgroup)))
		return -ENOMEM;
	v->usage = usage;
	st->n_leaves++;
	return leaves_copy(&st->at_freeze, &st->n_at_freeze, st->leaves, st->n_leaves);
}
