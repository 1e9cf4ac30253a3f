/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "macro.h"
#include "policy.h"
#include "policy_state.h"

typedef struct Held {
	const char *budget; /* borrowed from a state */
	const char *cgroup;
} Held;

typedef struct Out {
	Decision *d;
	size_t n;
	int error;
	Held *held; /* what pind holds frozen, for any budget: never frozen twice */
	size_t n_held;
} Out;

static int held_add(Out *o, const char *budget, const char *cgroup)
{
	Held *v = GROW(o->held, o->n_held);
	if (!v)
		return o->error = -ENOMEM;
	*v = (Held){budget, cgroup};
	o->n_held++;
	return 0;
}

/* Not to be frozen (again) for b: frozen already, frozen by someone else, or held frozen
 * for another budget (nested budgets may pick the same unit). */
static bool skipped(const BudgetState *b, const Out *o, const char *cgroup)
{
	if (is_frozen_by(b, cgroup) || list_has(b->foreign, b->n_foreign, cgroup))
		return true;
	for (size_t i = 0; o && i < o->n_held; i++)
		if (strcmp(o->held[i].cgroup, cgroup) == 0 &&
		    strcmp(o->held[i].budget, b->name) != 0)
			return true;
	return false;
}

static int push(Out *o, DecisionKind kind, const Budget *b, const char *budget_name, uint64_t usage,
		const CgTree *t, const CgNode *target, const CgProc *culprit, Decision **ret)
{
	Decision *d = GROW(o->d, o->n);
	if (!d)
		return o->error = -ENOMEM;
	*d = (Decision){
	    .kind = kind,
	    .usage = usage,
	    .max = b ? b->max : 0,
	    .reserved = b ? b->reserved : 0,
	    .action = b ? b->action : ACTION_LOG,
	};
	d->budget = strdup(budget_name);
	if (!d->budget)
		return o->error = -ENOMEM;
	if (target) {
		if (!(d->target = strdup(target->path)) ||
		    cg_group_name(t, target, &d->target_name) < 0) {
			free(d->budget);
			free(d->target);
			return o->error = -ENOMEM;
		}
	}
	if (culprit) {
		d->pid = culprit->pid;
		d->starttime = culprit->starttime;
		snprintf(d->comm, sizeof(d->comm), "%s", culprit->comm);
	}
	o->n++;
	if (ret)
		*ret = d;
	return 0;
}

/* --- targets --- */

static bool is_protected(const PolicyConfig *c, const CgTree *t, const CgNode *n)
{
	_cleanup_free_ char *name = NULL;

	if (cg_group_name(t, n, &name) < 0)
		return true; /* when in doubt, do not touch */
	for (char *const *p = c->protected; p && *p; p++)
		if (strcmp(*p, name) == 0)
			return true;
	return false;
}

static bool is_stopping(const PolicyConfig *c, const CgNode *n)
{
	for (size_t i = 0; i < c->n_stopping; i++)
		if (strcmp(c->stopping[i], n->path) == 0)
			return true;
	return false;
}

/* The pins below n (or of n) that units systemd is stopping hold, each counted once. */
static uint64_t stopping_usage(const PolicyConfig *c, const CgNode *n)
{
	uint64_t u = 0;

	if (!n || c->n_stopping == 0)
		return 0;
	if (is_stopping(c, n))
		return cg_usage(n, c->count);
	for (const CgNode *ch = n->children; ch; ch = ch->next_sibling)
		u += stopping_usage(c, ch);
	return u;
}

/* path is ancestor-or-self of own */
static bool contains(const char *path, const char *own)
{
	return own && cg_path_below(own, path);
}

static bool allowed(const PolicyConfig *c, const CgTree *t, const CgNode *n)
{
	return strcmp(n->path, "/") != 0 && !contains(n->path, c->own_cgroup) &&
	       !is_protected(c, t, n) && !is_stopping(c, n);
}

static bool has_unit_below_with_usage(const CgNode *n, unsigned count)
{
	for (const CgNode *ch = n->children; ch; ch = ch->next_sibling)
		if (cg_usage(ch, count) > 0 &&
		    (ch->is_unit || has_unit_below_with_usage(ch, count)))
			return true;
	return false;
}

typedef struct Candidates {
	CgNode **v;
	size_t n;
	size_t n_all; /* before leaving out those that may not be touched */
	int error;
} Candidates;

static void cand_add(Candidates *cs, CgNode *n)
{
	CgNode **v = GROW(cs->v, cs->n);
	if (!v) {
		cs->error = -ENOMEM;
		return;
	}
	*v = n;
	cs->n++;
}

/* Units below n holding something, with no unit below them that does (leaf-most). */
static void leaf_units(CgNode *n, unsigned count, Candidates *cs)
{
	for (CgNode *ch = n->children; ch; ch = ch->next_sibling) {
		if (cg_usage(ch, count) == 0)
			continue;
		if (ch->is_unit && !has_unit_below_with_usage(ch, count))
			cand_add(cs, ch);
		else
			leaf_units(ch, count, cs);
	}
}

/* The candidates a budget's action may pick from: below a unit, its leaf-most units;
 * below a cgroup path (no systemd), its children. */
static void candidates(const PolicyConfig *c, const CgTree *t, CgNode *group, bool by_path,
		       Candidates *out)
{
	Candidates all = {};

	if (by_path) {
		for (CgNode *ch = group->children; ch; ch = ch->next_sibling)
			if (cg_usage(ch, c->count) > 0)
				cand_add(&all, ch);
	} else
		leaf_units(group, c->count, &all);
	out->n_all = all.n;
	for (size_t i = 0; i < all.n; i++)
		if (allowed(c, t, all.v[i]))
			cand_add(out, all.v[i]);
	if (all.error)
		out->error = all.error;
	free(all.v);
}

static const LeafUsage *leaf_of(const BudgetState *st, const char *cgroup)
{
	for (size_t i = 0; st && i < st->n_leaves; i++)
		if (strcmp(st->leaves[i].cgroup, cgroup) == 0)
			return &st->leaves[i];
	return NULL;
}

/* n pays before best: Target=newest, the later growth, then the bigger one; both, then
 * the one holding more, then the first path (the same answer every time). */
static bool pays_before(const PolicyConfig *c, Target target, const BudgetState *st,
			const CgNode *n, const CgNode *best)
{
	if (target == TARGET_NEWEST) {
		const LeafUsage none = {}, *a = leaf_of(st, n->path), *b = leaf_of(st, best->path);
		a = a ? a : &none;
		b = b ? b : &none;
		if (a->grew_at != b->grew_at)
			return a->grew_at > b->grew_at;
		if (a->grew_by != b->grew_by)
			return a->grew_by > b->grew_by;
	}
	uint64_t u = cg_usage(n, c->count), bu = cg_usage(best, c->count);
	return u > bu || (u == bu && strcmp(n->path, best->path) < 0);
}

/* The target, by the budget's Target= (newest: the unit that pushed it over this episode
 * while it is still there), skipping what skip (freeze) says; the group itself when it
 * has no candidates at all (not when they are all protected: freezing or killing the
 * group would reach them). */
static CgNode *choose(const PolicyConfig *c, const CgTree *t, CgNode *group, const Budget *b,
		      const BudgetState *st, bool skip, const Out *o, int *error)
{
	Candidates cs = {};
	CgNode *best = NULL;
	bool by_path = b->name[0] == '/';

	candidates(c, t, group, by_path, &cs);
	*error = cs.error;
	for (size_t i = 0; i < cs.n; i++) {
		CgNode *n = cs.v[i];
		if (skip && skipped(st, o, n->path))
			continue;
		if (b->target == TARGET_NEWEST && st->pusher && strcmp(n->path, st->pusher) == 0) {
			best = n;
			break;
		}
		if (!best || pays_before(c, b->target, st, n, best))
			best = n;
	}
	bool had = cs.n_all > 0;
	if (!best && cs.n > 0)
		*error =
		    *error ? *error : -EALREADY; /* all held frozen already: nothing new to do */
	free(cs.v);
	if (best || had)
		return best;
	if (allowed(c, t, group) && !(skip && skipped(st, o, group->path)))
		return group;
	return NULL;
}

typedef struct Culprit {
	const CgProc *best;
	unsigned count;
} Culprit;

static int find_culprit(CgNode *n, unsigned depth, void *userdata)
{
	Culprit *cu = userdata;

	(void)depth;
	for (const CgProc *p = n->procs; p; p = p->next) {
		uint64_t u = counted(cu->count, p->pinned, p->locked);
		uint64_t bu = cu->best ? counted(cu->count, cu->best->pinned, cu->best->locked) : 0;
		if (u > 0 && (!cu->best || u > bu || (u == bu && p->pid < cu->best->pid)))
			cu->best = p;
	}
	return 0;
}

static const CgProc *culprit_of(CgNode *n, unsigned count)
{
	Culprit cu = {.count = count};

	if (n)
		cg_tree_visit(n, find_culprit, &cu);
	return cu.best;
}

typedef struct FindProc {
	pid_t pid;
	uint64_t starttime;
	bool found;
} FindProc;

static int find_proc(CgNode *n, unsigned depth, void *userdata)
{
	FindProc *f = userdata;

	(void)depth;
	for (const CgProc *p = n->procs; p; p = p->next)
		if (p->pid == f->pid && p->starttime == f->starttime)
			f->found = true;
	return f->found ? -1 : 0; /* stop early */
}

static bool proc_alive(CgTree *t, pid_t pid, uint64_t starttime)
{
	FindProc f = {.pid = pid, .starttime = starttime};
	cg_tree_visit(t->root, find_proc, &f);
	return f.found;
}

/* --- decisions --- */

/* The candidates' history after this scan, from the previous one's (prev NULL: nothing
 * measured before, so nothing is known to have grown). */
static void update_leaves(const PolicyConfig *c, const CgTree *t, CgNode *group, bool by_path,
			  const BudgetState *prev, uint64_t now, BudgetState *st, Out *o)
{
	Candidates cs = {};
	bool baseline = prev && prev->leaves;

	leaves_free(st->leaves, st->n_leaves);
	st->leaves = NULL;
	st->n_leaves = 0;
	if (group)
		candidates(c, t, group, by_path, &cs);
	/* never NULL once measured: NULL leaves mean no baseline */
	if (!(st->leaves = calloc(cs.n > 0 ? cs.n : 1, sizeof(LeafUsage))))
		cs.error = -ENOMEM;
	for (size_t i = 0; !cs.error && i < cs.n; i++) {
		LeafUsage *l = &st->leaves[st->n_leaves];
		const LeafUsage *was = baseline ? leaf_of(prev, cs.v[i]->path) : NULL;
		if (!(l->cgroup = strdup(cs.v[i]->path))) {
			cs.error = -ENOMEM;
			break;
		}
		l->usage = cg_usage(cs.v[i], c->count);
		if (was) {
			l->born = was->born;
			l->grew_at = l->usage > was->usage ? now : was->grew_at;
			l->grew_by = l->usage > was->usage ? l->usage - was->usage : was->grew_by;
		} else if (baseline) { /* new since the last scan: grew from nothing */
			l->born = l->grew_at = now;
			l->grew_by = l->usage;
		}
		st->n_leaves++;
	}
	if (cs.error)
		o->error = cs.error;
	free(cs.v);
}

/* An action on target, naming its culprit and how long it has been pinning. */
static int push_action(const PolicyConfig *c, Out *o, DecisionKind kind, const Budget *b,
		       uint64_t usage, const CgTree *t, CgNode *target, const BudgetState *st,
		       uint64_t now, Decision **ret)
{
	Decision *d;
	const LeafUsage *l = leaf_of(st, target->path);

	int r = push(o, kind, b, b->name, usage, t, target, culprit_of(target, c->count), &d);
	if (r < 0)
		return r;
	if (l && l->born > 0 && now >= l->born)
		d->pinning_for = now - l->born;
	if (ret)
		*ret = d;
	return 0;
}

/* Freeze: the first target; then every other candidate that keeps growing while over. */
/* What a restart compares with: the leaves at this freeze. */
static void note_freeze(BudgetState *st, uint64_t now, Out *o)
{
	st->frozen_at = now;
	if (leaves_copy(&st->at_freeze, &st->n_at_freeze, st->leaves, st->n_leaves) < 0)
		o->error = -ENOMEM;
}

static void decide_freeze(const PolicyConfig *c, CgTree *t, const Budget *b, CgNode *group,
			  uint64_t usage, uint64_t now, BudgetState *st, Out *o)
{
	int error = 0;

	if (st->n_frozen == 0) {
		CgNode *target = choose(c, t, group, b, st, true, o, &error);
		if (error == -EALREADY)
			return;
		if (!target) {
			if (!st->reported)
				push(o, DECISION_NO_TARGET, b, b->name, usage, t, group,
				     culprit_of(group, c->count), NULL);
			st->reported = true;
		} else if (push_action(c, o, DECISION_FREEZE, b, usage, t, target, st, now, NULL) ==
			   0) {
			o->error = frozen_add(st, target->path) < 0 ? -ENOMEM : o->error;
			held_add(o, st->name, st->frozen[st->n_frozen - 1]);
			note_freeze(st, now, o);
		}
		if (error)
			o->error = error;
		return;
	}
	Candidates cs = {};
	candidates(c, t, group, b->name[0] == '/', &cs);
	for (size_t i = 0; i < cs.n; i++) {
		CgNode *n = cs.v[i];
		const LeafUsage *l = leaf_of(st, n->path);
		/* grew since pind's last freeze (a new one from nothing; after a restart,
		 * since the freeze StateFile recorded, or since nothing) */
		if (skipped(st, o, n->path) || !l || l->grew_at <= st->frozen_at || now == 0)
			continue;
		if (push_action(c, o, DECISION_FREEZE, b, usage, t, n, st, now, NULL) == 0) {
			if (frozen_add(st, n->path) < 0)
				o->error = -ENOMEM;
			else
				held_add(o, st->name, st->frozen[st->n_frozen - 1]);
			note_freeze(st, now, o);
		}
	}
	if (cs.error)
		o->error = cs.error;
	free(cs.v);
}

static void decide_signal(const PolicyConfig *c, CgTree *t, const Budget *b, CgNode *group,
			  uint64_t usage, uint64_t now, BudgetState *st, Out *o)
{
	Decision *d;
	int error = 0;

	if (st->sig_stage > 0 && !proc_alive(t, st->sig_pid, st->sig_starttime)) {
		/* gone (or no longer pinning): a new grace before the next culprit */
		st->sig_stage = 0;
		st->over_since = now;
		return;
	}
	if (st->sig_stage == 0) {
		CgNode *target = choose(c, t, group, b, st, false, o, &error);
		const CgProc *p = culprit_of(target, c->count);
		if (error)
			o->error = error;
		if (!target || !p) {
			if (!st->reported)
				push(o, DECISION_NO_TARGET, b, b->name, usage, t, group, NULL,
				     NULL);
			st->reported = true;
			return;
		}
		if (push_action(c, o, DECISION_SIGNAL, b, usage, t, target, st, now, &d) < 0)
			return;
		d->signal = c->signal;
		st->sig_stage = 1;
		st->sig_pid = p->pid;
		st->sig_starttime = p->starttime;
		st->sig_at = now;
		free(st->sig_target);
		st->sig_target = strdup(target->path);
		if (!st->sig_target)
			o->error = -ENOMEM;
		return;
	}
	if (st->sig_stage == 1 && now >= st->sig_at + c->kill_escalation_usec &&
	    c->signal != SIGKILL) {
		CgNode *target = st->sig_target ? cg_tree_find(t, st->sig_target) : NULL;
		CgProc p = {.pid = st->sig_pid, .starttime = st->sig_starttime};
		const CgProc *known = culprit_of(target, c->count);
		if (push(o, DECISION_SIGNAL, b, b->name, usage, t, target,
			 known && known->pid == p.pid ? known : &p, &d) < 0)
			return;
		d->signal = SIGKILL;
		st->sig_stage = 2;
		st->sig_at = now;
	}
}

static void decide_over(const PolicyConfig *c, CgTree *t, const Budget *b, CgNode *group,
			uint64_t usage, uint64_t now, BudgetState *st, Out *o)
{
	int error = 0;

	if (now < st->over_since + c->grace_usec)
		return;
	switch (b->action) {
	case ACTION_LOG:
		if (!st->reported) {
			CgNode *target = choose(c, t, group, b, st, false, o, &error);
			push(o, target ? DECISION_LOG : DECISION_NO_TARGET, b, b->name, usage, t,
			     target ? target : group, culprit_of(target ? target : group, c->count),
			     NULL);
			st->reported = true;
		}
		break;
	case ACTION_FREEZE:
		decide_freeze(c, t, b, group, usage, now, st, o);
		break;
	case ACTION_SIGNAL:
		decide_signal(c, t, b, group, usage, now, st, o);
		break;
	case ACTION_KILL: {
		CgNode *target = choose(c, t, group, b, st, false, o, &error);
		if (!target) {
			if (!st->reported)
				push(o, DECISION_NO_TARGET, b, b->name, usage, t, group,
				     culprit_of(group, c->count), NULL);
			st->reported = true;
			break;
		}
		push_action(c, o, DECISION_KILL, b, usage, t, target, st, now, NULL);
		st->killed = true;
		st->over_since = now; /* if still over once it is gone: another grace */
		break;
	}
	default:
		break;
	}
	if (error)
		o->error = error;
}

static void drop_vanished(CgTree *t, BudgetState *st)
{
	for (size_t i = st->n_frozen; i-- > 0;)
		if (!cg_tree_find(t, st->frozen[i]))
			frozen_remove(st, st->frozen[i]);
}

/* Thaws what pind froze for a budget: everything, when it is within (or gone); with
 * stopping (the policy's configuration), only what systemd is stopping, so that the stop
 * completes. */
static void thaw_frozen(const PolicyConfig *stopping, CgTree *t, const Budget *b, const char *name,
			uint64_t usage, const BudgetState *st, Out *o)
{
	for (size_t i = 0; i < st->n_frozen; i++) {
		Decision *d;
		CgNode *n = cg_tree_find(t, st->frozen[i]);
		if (stopping && !(n && is_stopping(stopping, n)))
			continue;
		if (push(o, DECISION_THAW, b, name, usage, t, n,
			 stopping ? culprit_of(n, stopping->count) : NULL, &d) < 0)
			continue;
		d->stopping = stopping != NULL;
		if (!n)
			d->target = strdup(st->frozen[i]); /* gone from the tree: thaw by path */
	}
}

static void decide_budget(const PolicyConfig *c, CgTree *t, const Budget *b,
			  const BudgetState *prev, uint64_t now, PolicyState *next, Out *o)
{
	CgNode *group = NULL;
	BudgetState *st = state_add(next, b->name);

	if (!st) {
		o->error = -ENOMEM;
		return;
	}
	if (prev) {
		free(st->name);
		if (state_copy(st, prev) < 0) {
			o->error = -ENOMEM;
			return;
		}
	}
	if (cg_tree_resolve(t, b->name, &group) < 0)
		group = NULL;
	uint64_t usage = cg_usage(group, c->count);
	/* reservations count as if pinned already */
	uint64_t charged = budget_charged(b, usage);
	bool over = group && charged > b->max;

	update_leaves(c, t, group, b->name[0] == '/', prev, now, st, o);
	/* what pind froze and that no longer exists needs no thaw; if still over, the next
	 * target waits a grace of its own */
	size_t had_frozen = st->n_frozen;
	drop_vanished(t, st);
	if (st->n_frozen < had_frozen)
		st->over_since = now;

	if (!over) {
		if (st->over)
			push(o, DECISION_RESTORED, b, b->name, usage, t, group, NULL, NULL);
		thaw_frozen(NULL, t, b, b->name, usage, st, o);
		st->over = false;
		st->reported = false;
		st->sig_stage = 0;
		st->killed = false;
		strv_free_n(st->foreign, st->n_foreign);
		st->foreign = NULL;
		st->n_foreign = 0;
		free(st->pusher);
		st->pusher = NULL;
		return;
	}
	if (!st->over) {
		/* who pays is decided now, at the crossing, and named in every line after */
		Decision *d;
		int error = 0;
		free(st->pusher);
		st->pusher = NULL;
		CgNode *pays = choose(c, t, group, b, st, false, o, &error);
		if (pays && pays != group && !(st->pusher = strdup(pays->path)))
			o->error = -ENOMEM;
		if (push(o, DECISION_EXCEEDED, b, b->name, usage, t, group,
			 culprit_of(pays ? pays : group, c->count), &d) == 0 &&
		    pays && cg_group_name(t, pays, &d->suspect) < 0)
			o->error = -ENOMEM;
		st->over = true;
		st->over_since = now;
		st->reported = false;
	}
	thaw_frozen(c, t, b, b->name, usage, st, o); /* within: all are thawed above */
	uint64_t leaving = stopping_usage(c, group);
	if (leaving > 0 && charged - leaving <= b->max)
		st->over_since = now; /* what is over is on its way out: a grace once it is gone */
	else
		decide_over(c, t, b, group, usage, now, st, o);
}

int policy_decide(const PolicyConfig *c, CgTree *tree, const BudgetSet *budgets,
		  const PolicyState *prev, uint64_t now, PolicyState *ret_next,
		  Decision **ret_decisions, size_t *ret_n)
{
	PolicyState next = {};
	Out o = {};

	for (size_t i = 0; prev && i < prev->n; i++)
		for (size_t k = 0; k < prev->budgets[i].n_frozen; k++)
			held_add(&o, prev->budgets[i].name, prev->budgets[i].frozen[k]);
	for (size_t i = 0; i < budgets->n && !o.error; i++) {
		const Budget *b = &budgets->budgets[i];
		decide_budget(c, tree, b, prev ? policy_find(prev, b->name) : NULL, now, &next, &o);
	}
	/* a budget that went away: thaw what pind froze for it, then forget it */
	for (size_t i = 0; prev && i < prev->n && !o.error; i++) {
		const BudgetState *p = &prev->budgets[i];
		if (budgets_find(budgets, p->name) || p->n_frozen == 0)
			continue;
		BudgetState *st = state_add(&next, p->name);
		if (!st || (free(st->name), state_copy(st, p)) < 0) {
			o.error = -ENOMEM;
			break;
		}
		st->over = false;
		drop_vanished(tree, st);
		thaw_frozen(NULL, tree, NULL, p->name, 0, st, &o);
	}
	free(o.held);
	if (o.error) {
		policy_state_done(&next);
		decisions_free(o.d, o.n);
		return o.error;
	}
	*ret_next = next;
	*ret_decisions = o.d;
	*ret_n = o.n;
	return 0;
}
