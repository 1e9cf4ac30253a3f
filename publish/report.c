/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "actuate.h"
#include "macro.h"
#include "memcg.h"
#include "report.h"
#include "strtable.h"

#define TOP_PINNERS 3

static const char *const kinds[_REPORT_KIND_MAX] = {
    [REPORT_STATUS] = "status",
    [REPORT_LIST] = "list",
    [REPORT_PS] = "ps",
};

DEFINE_STRING_TABLE(report_kind, ReportKind, kinds, _REPORT_KIND_MAX)

/* --- values --- */

/* Byte counts are integers; UINT64_MAX (infinity, no limit) is null. */
static json_object *bytes(uint64_t v)
{
	return v == UINT64_MAX ? NULL : json_object_new_uint64(v);
}

static json_object *str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static void add(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

int report_group_state(const ReportInput *in, const GroupView *g, GroupState *ret)
{
	bool frozen = false;
	const char *policy =
	    g->budget && in->policy ? in->policy(g->budget->name, in->policy_userdata) : NULL;

	*ret = (GroupState){};
	if (g->node && cg_frozen(in->layout, g->node->path, &frozen) >= 0 && frozen) {
		_cleanup_free_ char *mark = NULL;
		ret->state = "frozen";
		/* pinctl's mark, or the budget of the pind of this cgroup root */
		if (cg_mark_get(in->layout, g->node->path, &mark) >= 0) {
			const char *b = strcmp(mark, MARK_MANUAL) == 0
					    ? mark
					    : mark_budget(mark, in->snap->tree->root->path);
			if (b && !(ret->frozen_by = strdup(b)))
				return -ENOMEM;
		}
	}
	if (policy && strcmp(policy, "frozen") == 0 && !ret->frozen_by) {
		/* the policy froze a cgroup below the group, for this budget */
		ret->state = "frozen";
		if (!(ret->frozen_by = strdup(g->budget->name)))
			return -ENOMEM;
	}
	if (ret->state)
		return 0;
	if (policy)
		ret->state = policy;
	else if (!g->budget)
		ret->state = "unbudgeted";
	else
		ret->state = g->node && budget_charged(g->budget, cg_usage(g->node, in->count)) >
					    g->budget->max
				 ? "over"
				 : "ok";
	return 0;
}

/* --- objects --- */

static json_object *proc_json(const CgProc *p)
{
	json_object *o = json_object_new_object();
	const CgNode *u = cg_node_unit(p->node);

	add(o, "pid", json_object_new_int64(p->pid));
	add(o, "comm", json_object_new_string(p->comm));
	add(o, "pinned", bytes(p->pinned));
	add(o, "locked", bytes(p->locked));
	add(o, "unit", u ? json_object_new_string(u->name) : NULL);
	add(o, "cgroup", json_object_new_string(p->node->path));
	return o;
}

static json_object *memcg_json(const ReportInput *in, const CgNode *n)
{
	Memcg m;

	if (memcg_read(in->layout, n->path, &m) < 0)
		return NULL;
	json_object *o = json_object_new_object();
	add(o, "current", bytes(m.current));
	add(o, "max", bytes(m.max));
	add(o, "unevictable", bytes(m.unevictable));
	add(o, "controller", json_object_new_string(m.v1 ? "v1" : "v2"));
	return o;
}

static void add_sums(json_object *o, const CgNode *n)
{
	add(o, "cgroup", n ? json_object_new_string(n->path) : NULL);
	add(o, "pinned", n ? bytes(n->pinned_sum) : NULL);
	add(o, "locked", n ? bytes(n->locked_sum) : NULL);
	add(o, "processes", n ? json_object_new_int64(n->nprocs_sum) : NULL);
	add(o, "self_pinned", n ? bytes(n->pinned) : NULL);
	add(o, "self_locked", n ? bytes(n->locked) : NULL);
}

/* The cgroups that make up a group: itself and the sub-cgroups of a unit. */
static int cgroups_of(CgNode *n, unsigned depth, void *userdata)
{
	json_object *a = userdata;

	if (depth > 0 && cg_node_is_group(n))
		return 1;
	json_object *o = json_object_new_object();
	add_sums(o, n);
	json_object_array_add(a, o);
	return 0;
}

static json_object *budget_json(const ReportInput *in, const Budget *b, const CgNode *n)
{
	if (!b)
		return NULL;
	json_object *o = json_object_new_object();
	add(o, "name", json_object_new_string(b->name));
	add(o, "max", bytes(b->max));
	add(o, "max_text", json_object_new_string(b->max_text));
	add(o, "source", str(b->max_source));
	add(o, "action", json_object_new_string(action_to_string(b->action)));
	add(o, "action_source", str(b->action_source));
	add(o, "usage", bytes(cg_usage(n, in->count)));
	add(o, "reserved", in->reservations ? bytes(b->reserved) : NULL);
	add(o, "over",
	    json_object_new_boolean(n && budget_charged(b, cg_usage(n, in->count)) > b->max));
	add(o, "cgroup", n ? json_object_new_string(n->path) : NULL);
	return o;
}

static json_object *parent_json(const ReportInput *in, const CgNode *n)
{
	_cleanup_free_ char *name = NULL;
	CgNode *p = n ? n->parent : NULL;

	while (p && !cg_node_is_group(p))
		p = p->parent;
	if (!p || n == in->snap->tree->root || cg_group_name(in->snap->tree, p, &name) < 0)
		return NULL;
	return json_object_new_string(name);
}

static json_object *top_json(CgNode *n)
{
	json_object *top = json_object_new_array();
	View pv = {};

	if (n && view_procs(n, &pv) == 0)
		for (size_t i = 0; i < pv.n_procs && i < TOP_PINNERS; i++)
			json_object_array_add(top, proc_json(pv.procs[i]));
	view_done(&pv);
	return top;
}

static int group_json(const ReportInput *in, const GroupView *g, bool full, json_object **ret)
{
	json_object *o = json_object_new_object();
	CgNode *n = g->node;
	GroupState st;

	int r = report_group_state(in, g, &st);
	if (r < 0) {
		json_object_put(o);
		return r;
	}
	add(o, "name", json_object_new_string(g->name));
	add(o, "depth", json_object_new_int64(g->depth));
	add(o, "state", json_object_new_string(st.state));
	add(o, "frozen_by", str(st.frozen_by));
	group_state_done(&st);
	add(o, "unit", n ? json_object_new_boolean(n->is_unit) : NULL);
	add_sums(o, n);
	add(o, "budget", budget_json(in, g->budget, n));
	if (full) {
		add(o, "parent", parent_json(in, n));
		add(o, "memory", n ? memcg_json(in, n) : NULL);
		json_object *cgs = json_object_new_array();
		if (n)
			cg_tree_visit(n, cgroups_of, cgs);
		add(o, "cgroups", cgs);
		add(o, "top", top_json(n));
	}
	*ret = o;
	return 0;
}

/* Every budget in force, with its group's usage when the group exists now. */
static json_object *budgets_json(const ReportInput *in)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; in->budgets && i < in->budgets->n; i++) {
		const Budget *b = &in->budgets->budgets[i];
		CgNode *n;
		if (cg_tree_resolve(in->snap->tree, b->name, &n) < 0)
			n = NULL;
		json_object_array_add(a, budget_json(in, b, n));
	}
	return a;
}

static json_object *reservations_json(const ReportInput *in)
{
	const Reservations *rs = in->reservations;

	if (!rs)
		return NULL;
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < rs->n; i++) {
		const Reservation *v = &rs->v[i];
		json_object *o = json_object_new_object();
		add(o, "id", json_object_new_string(v->id));
		add(o, "group", json_object_new_string(v->group));
		add(o, "holder", str(v->holder));
		add(o, "bytes", bytes(v->bytes));
		add(o, "counted", bytes(reservation_left(v, in->snap->tree, in->count)));
		add(o, "age_usec",
		    json_object_new_uint64(in->now_real > v->created ? in->now_real - v->created
								     : 0));
		add(o, "ttl_usec",
		    !v->expires ? NULL /* no TTL */
				: json_object_new_uint64(
				      v->expires > in->now_mono ? v->expires - in->now_mono : 0));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *system_json(const ReportInput *in)
{
	const Snapshot *s = in->snap;
	json_object *o = json_object_new_object();

	add(o, "mem_total", bytes(s->sys.mem_total));
	add(o, "pinned", bytes(s->tree->all_pinned));
	add(o, "locked", bytes(s->tree->all_locked));
	add(o, "processes", json_object_new_int64(s->tree->all_procs));
	add(o, "unattributed", bytes(snapshot_unattributed(s, (uint64_t)sysconf(_SC_PAGESIZE))));
	add(o, "compact_stall", bytes(s->sys.compact_stall));
	add(o, "compact_fail", bytes(s->sys.compact_fail));
	add(o, "cgroup_mode", json_object_new_string(cg_mode_to_string(in->layout->mode)));
	return o;
}

static json_object *scan_json(const ReportInput *in)
{
	const ScanStats *st = &in->snap->stats;
	json_object *o = json_object_new_object();

	add(o, "backend", json_object_new_string(in->backend));
	add(o, "visited", json_object_new_int64(st->visited));
	add(o, "reported", json_object_new_int64(st->reported));
	add(o, "vanished", json_object_new_int64(st->vanished));
	add(o, "malformed", json_object_new_int64(st->malformed));
	add(o, "usec", json_object_new_uint64(in->scan_usec));
	add(o, "interval_usec",
	    in->interval_usec ? json_object_new_uint64(in->interval_usec) : NULL);
	return o;
}

static int groups_json(const ReportInput *in, const View *v, bool full, json_object *o)
{
	json_object *a = json_object_new_array();

	add(o, "groups", a);
	for (size_t i = 0; i < v->n_groups; i++) {
		json_object *g;
		int r = group_json(in, &v->groups[i], full, &g);
		if (r < 0)
			return r;
		json_object_array_add(a, g);
	}
	add(o, "budgets", budgets_json(in));
	add(o, "reservations", reservations_json(in));
	return 0;
}

static int procs_json(const ReportInput *in, char **names, size_t n_names, json_object *o,
		      const char **ret_bad)
{
	CgNode *n = in->snap->tree->root;
	View v = {};

	if (n_names > 1)
		return -E2BIG;
	if (n_names == 1) {
		int r = cg_tree_resolve(in->snap->tree, names[0], &n);
		if (r < 0) {
			*ret_bad = names[0];
			return r;
		}
	}
	int r = view_procs(n, &v);
	if (r >= 0) {
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < v.n_procs; i++)
			json_object_array_add(a, proc_json(v.procs[i]));
		add(o, "processes", a);
	}
	view_done(&v);
	return r;
}

int report_build(const ReportInput *in, ReportKind kind, char **names, size_t n_names,
		 json_object **ret, const char **ret_bad)
{
	json_object *o = json_object_new_object();
	View v = {};
	int r;

	if (!o)
		return -ENOMEM;
	add(o, "schema", json_object_new_int(REPORT_SCHEMA));
	add(o, "command", json_object_new_string(report_kind_to_string(kind)));
	add(o, "source", json_object_new_string(in->source));
	add(o, "version", json_object_new_string(PIND_VERSION));
	add(o, "cgroup_root", json_object_new_string(in->snap->tree->root->path));
	add(o, "count", json_object_new_string(count_to_string(in->count)));
	if (kind == REPORT_PS)
		r = procs_json(in, names, n_names, o, ret_bad);
	else {
		if (kind == REPORT_STATUS) {
			add(o, "system", system_json(in));
			add(o, "scan", scan_json(in));
		}
		r = view_groups(in->snap, in->budgets, names, n_names, kind == REPORT_STATUS, &v,
				ret_bad);
		if (r >= 0)
			r = groups_json(in, &v, kind == REPORT_STATUS, o);
	}
	view_done(&v);
	if (r < 0) {
		json_object_put(o);
		return r;
	}
	*ret = o;
	return 0;
}
