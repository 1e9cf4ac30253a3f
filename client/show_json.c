/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <json-c/json.h>
#include <unistd.h>

#include "macro.h"
#include "memcg.h"
#include "show.h"

#define TOP_PINNERS 3

static void json_putp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_putp)

/* Byte counts are integers; UINT64_MAX ("infinity", no limit) is null. */
static json_object *json_bytes(uint64_t v)
{
	return v == UINT64_MAX ? NULL : json_object_new_uint64(v);
}

static void add(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

static json_object *proc_json(const CgProc *p)
{
	json_object *o = json_object_new_object();
	const CgNode *u = cg_node_unit(p->node);

	add(o, "pid", json_object_new_int(p->pid));
	add(o, "comm", json_object_new_string(p->comm));
	add(o, "pinned", json_bytes(p->pinned));
	add(o, "locked", json_bytes(p->locked));
	add(o, "unit", u ? json_object_new_string(u->name) : NULL);
	add(o, "cgroup", json_object_new_string(p->node->path));
	return o;
}

static json_object *memcg_json(const ShowContext *c, const CgNode *n)
{
	Memcg m;

	if (memcg_read(c->layout, n->path, &m) < 0)
		return NULL;
	json_object *o = json_object_new_object();
	add(o, "current", json_bytes(m.current));
	add(o, "max", json_bytes(m.max));
	add(o, "unevictable", json_bytes(m.unevictable));
	add(o, "controller", json_object_new_string(m.v1 ? "v1" : "v2"));
	return o;
}

static void add_sums(json_object *o, const CgNode *n)
{
	add(o, "cgroup", json_object_new_string(n->path));
	add(o, "pinned", json_bytes(n->pinned_sum));
	add(o, "locked", json_bytes(n->locked_sum));
	add(o, "processes", json_object_new_int((int32_t)n->nprocs_sum));
	add(o, "self_pinned", json_bytes(n->pinned));
	add(o, "self_locked", json_bytes(n->locked));
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

static json_object *budget_json(const ShowContext *c, const Budget *b, const CgNode *n)
{
	if (!b)
		return NULL;
	json_object *o = json_object_new_object();
	uint64_t usage = cg_usage(n, c->count);
	add(o, "name", json_object_new_string(b->name));
	add(o, "max", json_bytes(b->max));
	add(o, "max_text", json_object_new_string(b->max_text));
	add(o, "source", json_object_new_string(b->max_source));
	add(o, "action", json_object_new_string(action_to_string(b->action)));
	add(o, "action_source", b->action_source ? json_object_new_string(b->action_source) : NULL);
	add(o, "usage", json_bytes(usage));
	add(o, "over", json_object_new_boolean(usage > b->max));
	add(o, "cgroup", n ? json_object_new_string(n->path) : NULL);
	return o;
}

static json_object *group_json(const ShowContext *c, const GroupView *g, bool full)
{
	json_object *o = json_object_new_object();
	CgNode *n = g->node;

	add(o, "name", json_object_new_string(g->name));
	GroupState st;
	view_group_state(c->layout, g, c->count, &st);
	add(o, "state", json_object_new_string(st.state));
	add(o, "frozen_by", st.frozen_by ? json_object_new_string(st.frozen_by) : NULL);
	group_state_done(&st);
	if (!n) {
		add(o, "cgroup", NULL);
		add(o, "budget", budget_json(c, g->budget, NULL));
		return o;
	}
	add(o, "unit", json_object_new_boolean(n->is_unit));
	add_sums(o, n);
	add(o, "budget", budget_json(c, g->budget, n));
	if (!full)
		return o;

	CgNode *p = n->parent;
	while (p && !cg_node_is_group(p))
		p = p->parent;
	_cleanup_free_ char *pname = NULL;
	if (p && n != c->snap->tree->root && cg_group_name(c->snap->tree, p, &pname) == 0)
		add(o, "parent", json_object_new_string(pname));
	else
		add(o, "parent", NULL);
	add(o, "memory", memcg_json(c, n));

	json_object *cgs = json_object_new_array();
	cg_tree_visit(n, cgroups_of, cgs);
	add(o, "cgroups", cgs);

	json_object *top = json_object_new_array();
	View pv = {};
	if (view_procs(n, &pv) == 0)
		for (size_t i = 0; i < pv.n_procs && i < TOP_PINNERS; i++)
			json_object_array_add(top, proc_json(pv.procs[i]));
	view_done(&pv);
	add(o, "top", top);
	return o;
}

/* Every budget in force, with its group's usage when the group exists now. */
static json_object *budgets_json(const ShowContext *c)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; c->budgets && i < c->budgets->n; i++) {
		const Budget *b = &c->budgets->budgets[i];
		CgNode *n = NULL;
		if (cg_tree_resolve(c->snap->tree, b->name, &n) < 0)
			n = NULL;
		json_object_array_add(a, budget_json(c, b, n));
	}
	return a;
}

static json_object *envelope(const ShowContext *c)
{
	json_object *o = json_object_new_object();
	add(o, "source", json_object_new_string("direct"));
	add(o, "cgroup_root", json_object_new_string(c->snap->tree->root->path));
	add(o, "count", json_object_new_string(count_to_string(c->count)));
	return o;
}

static int emit(const ShowContext *c, json_object *o)
{
	const char *s = json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		return -ENOMEM;
	fprintf(c->out, "%s\n", s);
	return 0;
}

int show_status_json(const ShowContext *c, const View *v)
{
	_cleanup_json_ json_object *o = envelope(c);
	const Snapshot *s = c->snap;

	json_object *sys = json_object_new_object();
	add(sys, "mem_total", json_bytes(s->sys.mem_total));
	add(sys, "pinned", json_bytes(s->tree->all_pinned));
	add(sys, "locked", json_bytes(s->tree->all_locked));
	add(sys, "processes", json_object_new_int((int32_t)s->tree->all_procs));
	add(sys, "unattributed",
	    json_bytes(snapshot_unattributed(s, (uint64_t)sysconf(_SC_PAGESIZE))));
	add(sys, "compact_stall", json_bytes(s->sys.compact_stall));
	add(sys, "compact_fail", json_bytes(s->sys.compact_fail));
	add(sys, "cgroup_mode", json_object_new_string(cg_mode_to_string(c->layout->mode)));
	add(o, "system", sys);

	json_object *scan = json_object_new_object();
	add(scan, "backend", json_object_new_string(c->backend));
	add(scan, "visited", json_object_new_int((int32_t)s->stats.visited));
	add(scan, "reported", json_object_new_int((int32_t)s->stats.reported));
	add(scan, "vanished", json_object_new_int((int32_t)s->stats.vanished));
	add(scan, "malformed", json_object_new_int((int32_t)s->stats.malformed));
	add(scan, "usec", json_bytes(s->stats.usec));
	add(o, "scan", scan);

	json_object *groups = json_object_new_array();
	for (size_t i = 0; i < v->n_groups; i++)
		json_object_array_add(groups, group_json(c, &v->groups[i], true));
	add(o, "groups", groups);
	add(o, "budgets", budgets_json(c));
	return emit(c, o);
}

int show_list_json(const ShowContext *c, const View *v)
{
	_cleanup_json_ json_object *o = envelope(c);

	json_object *groups = json_object_new_array();
	for (size_t i = 0; i < v->n_groups; i++)
		json_object_array_add(groups, group_json(c, &v->groups[i], false));
	add(o, "groups", groups);
	add(o, "budgets", budgets_json(c));
	return emit(c, o);
}

int show_ps_json(const ShowContext *c, const View *v)
{
	_cleanup_json_ json_object *o = envelope(c);

	json_object *procs = json_object_new_array();
	for (size_t i = 0; i < v->n_procs; i++)
		json_object_array_add(procs, proc_json(v->procs[i]));
	add(o, "processes", procs);
	return emit(c, o);
}
