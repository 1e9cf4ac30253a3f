/* SPDX-License-Identifier: MIT */
/* status, list and ps through pind, as text close to the direct mode's, and as JSON with
 * the direct mode's keys where pind has the data. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "bus_view.h"
#include "settings.h"
#include "size.h"
#include "textui.h"
#include "timespan.h"
#include "unitname.h"

#define TOP_PINNERS 3
/* --- what a row means --- */

static bool has_budget(const Row *r)
{
	if (strcmp(r->state, "unbudgeted") == 0)
		return false;
	/* max UINT64_MAX is infinity or no budget: a budget for sure only where pind compared */
	return r->max != UINT64_MAX || strcmp(r->state, "ok") == 0 || strcmp(r->state, "over") == 0;
}

static uint64_t usage(const BusView *s, const Row *r)
{
	return (s->props.count & COUNT_PINNED ? r->pinned : 0) +
	       (s->props.count & COUNT_LOCKED ? r->locked : 0);
}

/* What the budget counts: usage, and the reservations not yet pinned. */
static uint64_t charged(const BusView *s, const Row *r)
{
	uint64_t u = usage(s, r);
	return u + r->reserved < u ? UINT64_MAX : u + r->reserved;
}

static bool is_over(const BusView *s, const Row *r)
{
	return strcmp(r->state, "over") == 0 || (has_budget(r) && charged(s, r) > r->max);
}

/* Processes below a row's cgroup: how many, and the largest (procs are sorted). */
static size_t procs_below(const BusView *s, const Row *r, const Proc **top, size_t n_top)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_procs; i++)
		if (path_contains(r->cgroup, s->procs[i].cgroup)) {
			if (n < n_top)
				top[n] = &s->procs[i];
			n++;
		}
	return n;
}

/* The unit a cgroup belongs to: its last component that is a unit name. */
static const char *cgroup_unit(const char *path, char buf[static UNIT_NAME_MAX + 1])
{
	const char *found = NULL;

	for (const char *c = path; *c;) {
		while (*c == '/')
			c++;
		size_t l = strcspn(c, "/");
		if (l > 0 && l <= UNIT_NAME_MAX) {
			memcpy(buf, c, l);
			buf[l] = 0;
			if (unit_name_is_valid(buf))
				found = c;
		}
		c += l;
	}
	if (!found)
		return NULL;
	size_t l = strcspn(found, "/");
	memcpy(buf, found, l);
	buf[l] = 0;
	return buf;
}

/* --- text --- */

static void text_system(const BusView *s)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], t[FORMAT_TIMESPAN_MAX];
	const Props *pr = &s->props;

	fprintf(s->out, "System: %s pinned, %s locked\n", sz(a, pr->total_pinned),
		sz(b, pr->total_locked));
	fprintf(s->out, "  Scan: %" PRIu32 " processes in %.1fms (pind%s%s), %zu holding pins",
		pr->scanned, (double)pr->last_scan / 1000.0, pr->version ? " " : "",
		pr->version ? pr->version : "", s->n_procs);
	if (pr->interval > 0)
		fprintf(s->out, "; every %s", format_timespan(t, sizeof(t), pr->interval));
	fputc('\n', s->out);
}

static void text_budget(const BusView *s, const Row *r)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], c[FORMAT_BYTES_MAX], bar[BAR_WIDTH + 1];
	char held[FORMAT_BYTES_MAX + 32] = "";
	uint64_t use = charged(s, r);

	if (!has_budget(r)) {
		fprintf(s->out, "      Budget: none\n");
		return;
	}
	if (r->reserved > 0)
		snprintf(held, sizeof(held), " used + %s reserved", sz(c, r->reserved));
	usage_bar(bar, use, r->max);
	fprintf(s->out, "      Budget: %s%s of %s (%u%%) [%s]%s\n", sz(a, usage(s, r)), held,
		sz(b, r->max), percent(use, r->max), bar, is_over(s, r) ? " OVER" : "");
}

static bool is_last_sibling(const BusView *s, size_t i)
{
	for (size_t j = i + 1; j < s->n_rows && !s->rows[j].top; j++) {
		if (s->rows[j].depth < s->rows[i].depth)
			return true;
		if (s->rows[j].depth == s->rows[i].depth)
			return false;
	}
	return true;
}

static bool state_worth_showing(const char *state)
{
	return strcmp(state, "ok") != 0 && strcmp(state, "unbudgeted") != 0;
}

static void text_block(const BusView *s, size_t top, size_t end)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX];
	const Row *g = &s->rows[top];
	const Proc *tops[TOP_PINNERS];
	bool last[64] = {};

	fprintf(s->out, "\n● %s\n", g->name);
	if (!g->cgroup[0]) {
		fprintf(s->out, "      CGroup: none now\n");
		text_budget(s, g);
		return;
	}
	fprintf(s->out, "      CGroup: %s\n", g->cgroup);
	fprintf(s->out, "       State: %s\n", g->state);
	if (has_budget(g))
		text_budget(s, g);
	size_t n = procs_below(s, g, tops, TOP_PINNERS);
	fprintf(s->out, "      Pinned: %s (locked: %s) in %zu process%s\n", sz(a, g->pinned),
		sz(b, g->locked), n, n == 1 ? "" : "es");
	for (size_t i = 0; i < n && i < TOP_PINNERS; i++)
		fprintf(s->out, "%s %" PRIu32 " %s: %s pinned, %s locked\n",
			i == 0 ? "         Top:" : "             ", tops[i]->pid, tops[i]->comm,
			sz(a, tops[i]->pinned), sz(b, tops[i]->locked));
	for (size_t i = top + 1; i < end; i++) {
		const Row *c = &s->rows[i];
		unsigned d = c->depth < 63 ? c->depth : 63;
		last[d] = is_last_sibling(s, i);
		tree_branch(s->out, last, d);
		fprintf(s->out, "%s  %s pinned, %s locked", c->name, sz(a, c->pinned),
			sz(b, c->locked));
		size_t np = procs_below(s, c, tops, 0);
		if (np > 0)
			fprintf(s->out, ", %zu proc%s", np, np == 1 ? "" : "s");
		if (has_budget(c) && c->reserved > 0)
			fprintf(s->out, "; %s reserved", sz(b, c->reserved));
		if (has_budget(c))
			fprintf(s->out, "; budget %s (%u%%)", sz(a, c->max),
				percent(charged(s, c), c->max));
		if (state_worth_showing(c->state))
			fprintf(s->out, " [%s]", c->state);
		fputc('\n', s->out);
	}
}

/* How old a reservation is, and how long it has left. */
static void resv_times(const BusView *s, const Resv *v, uint64_t *ret_age, uint64_t *ret_ttl)
{
	*ret_age = s->now > v->created && v->created ? s->now - v->created : 0;
	*ret_ttl = !v->expires ? USEC_INFINITY : v->expires > s->now ? v->expires - s->now : 0;
}

static void text_reservations(const BusView *s)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], age[FORMAT_TIMESPAN_MAX],
	    ttl[FORMAT_TIMESPAN_MAX];
	int wi = 2, wg = 5;

	if (s->n_resv == 0)
		return;
	for (size_t i = 0; i < s->n_resv; i++) {
		int li = (int)strlen(s->resv[i].id), lg = (int)strlen(s->resv[i].group);
		wi = li > wi ? li : wi;
		wg = lg > wg ? lg : wg;
	}
	fprintf(s->out, "\nReservations: %zu\n", s->n_resv);
	fprintf(s->out, "  %-*s %-*s %9s %9s %8s %8s %s\n", wi, "ID", wg, "GROUP", "SIZE",
		"COUNTED", "AGE", "TTL", "HOLDER");
	for (size_t i = 0; i < s->n_resv; i++) {
		const Resv *v = &s->resv[i];
		uint64_t t_age, t_ttl;
		resv_times(s, v, &t_age, &t_ttl);
		if (t_age < 1000000)
			snprintf(age, sizeof(age), "0s");
		else
			format_timespan(age, sizeof(age), t_age / 1000000 * 1000000);
		if (t_ttl == USEC_INFINITY)
			snprintf(ttl, sizeof(ttl), "-");
		else
			format_timespan(ttl, sizeof(ttl), (t_ttl + 999999) / 1000000 * 1000000);
		fprintf(s->out, "  %-*s %-*s %9s %9s %8s %8s %s\n", wi, v->id, wg, v->group,
			sz(a, v->bytes), sz(b, v->counted), age, ttl,
			v->holder[0] ? v->holder : "-");
	}
}

int bus_text_status(const BusView *s)
{
	text_system(s);
	for (size_t i = 0; i < s->n_rows;) {
		size_t end = i + 1;
		while (end < s->n_rows && !s->rows[end].top)
			end++;
		text_block(s, i, end);
		i = end;
	}
	text_reservations(s);
	return 0;
}

int bus_text_list(const BusView *s)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], m[FORMAT_BYTES_MAX], h[FORMAT_BYTES_MAX],
	    u[8];
	int w = 4;

	for (size_t i = 0; i < s->n_rows; i++) {
		int l = (int)strlen(s->rows[i].name);
		w = l > w ? l : w;
	}
	if (s->legend)
		fprintf(s->out, "%-*s %9s %9s %9s %9s %4s %-10s %s\n", w, "NAME", "PINNED",
			"LOCKED", "RESERVED", "MAX", "USE", "STATE", "CGROUP");
	for (size_t i = 0; i < s->n_rows; i++) {
		const Row *g = &s->rows[i];
		bool bu = has_budget(g);
		if (bu && g->max != UINT64_MAX)
			snprintf(u, sizeof(u), "%u%%", percent(charged(s, g), g->max));
		fprintf(s->out, "%-*s %9s %9s %9s %9s %4s %-10s %s\n", w, g->name, sz(a, g->pinned),
			sz(b, g->locked), bu ? sz(h, g->reserved) : "-", bu ? sz(m, g->max) : "-",
			bu && g->max != UINT64_MAX ? u : "-", g->state,
			g->cgroup[0] ? g->cgroup : "-");
	}
	if (s->legend)
		fprintf(s->out, "\n%zu group%s listed.\n", s->n_rows, s->n_rows == 1 ? "" : "s");
	return 0;
}

int bus_text_ps(const BusView *s)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], unit[UNIT_NAME_MAX + 1];

	if (s->legend)
		fprintf(s->out, "%8s %-16s %9s %9s %-24s %s\n", "PID", "COMM", "PINNED", "LOCKED",
			"UNIT", "CGROUP");
	for (size_t i = 0; i < s->n_procs; i++) {
		const Proc *p = &s->procs[i];
		const char *u = cgroup_unit(p->cgroup, unit);
		fprintf(s->out, "%8" PRIu32 " %-16s %9s %9s %-24s %s\n", p->pid, p->comm,
			sz(a, p->pinned), sz(b, p->locked), u ? u : "-", p->cgroup);
	}
	if (s->legend)
		fprintf(s->out, "\n%zu process%s listed.\n", s->n_procs,
			s->n_procs == 1 ? "" : "es");
	return 0;
}

/* --- JSON: the keys of the direct mode where pind has the data --- */

static json_object *json_bytes(uint64_t v)
{
	return v == UINT64_MAX ? NULL : json_object_new_uint64(v);
}

static void add(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

static json_object *json_str(const char *s)
{
	return s && s[0] ? json_object_new_string(s) : NULL;
}

static json_object *proc_json(const Proc *p)
{
	char unit[UNIT_NAME_MAX + 1];
	json_object *o = json_object_new_object();

	add(o, "pid", json_object_new_int64(p->pid));
	add(o, "comm", json_object_new_string(p->comm));
	add(o, "pinned", json_bytes(p->pinned));
	add(o, "locked", json_bytes(p->locked));
	add(o, "unit", json_str(cgroup_unit(p->cgroup, unit)));
	add(o, "cgroup", json_str(p->cgroup));
	return o;
}

static json_object *budget_json(const BusView *s, const Row *r, bool named)
{
	if (!has_budget(r))
		return NULL;
	json_object *o = json_object_new_object();
	if (named)
		add(o, "name", json_object_new_string(r->name));
	add(o, "max", json_bytes(r->max));
	add(o, "usage", json_bytes(usage(s, r)));
	add(o, "reserved", json_bytes(r->reserved));
	add(o, "over", json_object_new_boolean(is_over(s, r)));
	if (named)
		add(o, "cgroup", json_str(r->cgroup));
	return o;
}

/* The parent of a block's top: the nearest listed group whose cgroup contains its own. */
static const char *top_parent(const Row *r, const Row *all, size_t n_all)
{
	const Row *best = NULL;

	for (size_t i = 0; i < n_all; i++)
		if (path_contains(all[i].cgroup, r->cgroup) &&
		    strcmp(all[i].cgroup, r->cgroup) != 0 &&
		    (!best || strlen(all[i].cgroup) > strlen(best->cgroup)))
			best = &all[i];
	return best ? best->name : NULL;
}

static json_object *group_json(const BusView *s, const Row *r, bool full)
{
	json_object *o = json_object_new_object();

	add(o, "name", json_object_new_string(r->name));
	add(o, "state", json_object_new_string(r->state));
	add(o, "unit", json_object_new_boolean(unit_name_is_valid(r->name)));
	add(o, "cgroup", json_str(r->cgroup));
	add(o, "pinned", json_bytes(r->pinned));
	add(o, "locked", json_bytes(r->locked));
	add(o, "budget", budget_json(s, r, false));
	if (!full)
		return o;
	const Proc *tops[TOP_PINNERS];
	size_t n = procs_below(s, r, tops, TOP_PINNERS);
	add(o, "processes", json_object_new_int64((int64_t)n));
	add(o, "parent",
	    json_str(r->parent == NO_PARENT ? top_parent(r, s->all, s->n_all)
					    : s->rows[r->parent].name));
	json_object *top = json_object_new_array();
	for (size_t i = 0; i < n && i < TOP_PINNERS; i++)
		json_object_array_add(top, proc_json(tops[i]));
	add(o, "top", top);
	return o;
}

static json_object *envelope(const BusView *s)
{
	json_object *o = json_object_new_object();

	add(o, "source", json_object_new_string("pind"));
	add(o, "version", json_str(s->props.version));
	add(o, "count", json_object_new_string(count_to_string(s->props.count)));
	return o;
}

static json_object *groups_json(const BusView *s, bool full, json_object *o)
{
	json_object *groups = json_object_new_array(), *budgets = json_object_new_array();

	for (size_t i = 0; i < s->n_rows; i++)
		json_object_array_add(groups, group_json(s, &s->rows[i], full));
	for (size_t i = 0; i < s->n_all; i++)
		if (has_budget(&s->all[i]))
			json_object_array_add(budgets, budget_json(s, &s->all[i], true));
	add(o, "groups", groups);
	add(o, "budgets", budgets);
	json_object *resv = json_object_new_array();
	for (size_t i = 0; i < s->n_resv; i++) {
		const Resv *v = &s->resv[i];
		json_object *j = json_object_new_object();
		uint64_t age, ttl;
		resv_times(s, v, &age, &ttl);
		add(j, "id", json_object_new_string(v->id));
		add(j, "group", json_object_new_string(v->group));
		add(j, "holder", json_str(v->holder));
		add(j, "bytes", json_bytes(v->bytes));
		add(j, "counted", json_bytes(v->counted));
		add(j, "age_usec", json_bytes(age));
		add(j, "ttl_usec", json_bytes(ttl)); /* null: no TTL */
		json_object_array_add(resv, j);
	}
	add(o, "reservations", resv);
	return o;
}

static int emit_json(const BusView *s, json_object *o)
{
	const char *t = json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = t ? (fprintf(s->out, "%s\n", t) < 0 ? -EIO : 0) : -ENOMEM;
	json_object_put(o);
	return r;
}

int bus_json_status(const BusView *s)
{
	json_object *o = envelope(s), *sys = json_object_new_object(),
		    *scan = json_object_new_object();

	add(sys, "pinned", json_bytes(s->props.total_pinned));
	add(sys, "locked", json_bytes(s->props.total_locked));
	add(sys, "processes", json_object_new_int64((int64_t)s->n_procs));
	add(o, "system", sys);
	add(scan, "backend", json_object_new_string("pind"));
	add(scan, "visited", json_object_new_int64(s->props.scanned));
	add(scan, "usec", json_bytes(s->props.last_scan));
	add(scan, "interval_usec", json_bytes(s->props.interval));
	add(o, "scan", scan);
	return emit_json(s, groups_json(s, true, o));
}

int bus_json_ps(const BusView *s)
{
	json_object *o = envelope(s), *procs = json_object_new_array();

	for (size_t i = 0; i < s->n_procs; i++)
		json_object_array_add(procs, proc_json(&s->procs[i]));
	add(o, "processes", procs);
	return emit_json(s, o);
}

int bus_json_list(const BusView *s)
{
	return emit_json(s, groups_json(s, false, envelope(s)));
}
