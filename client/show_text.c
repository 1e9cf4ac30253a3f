/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "memcg.h"
#include "show.h"
#include "size.h"
#include "textui.h"

#define TOP_PINNERS 3

static void show_system(const ShowContext *c)
{
	const Snapshot *s = c->snap;
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], d[FORMAT_BYTES_MAX], e[FORMAT_BYTES_MAX];

	fprintf(c->out, "System: %s RAM, %s pinned, %s locked, %s unattributed\n",
		sz(a, s->sys.mem_total), sz(b, s->tree->all_pinned), sz(d, s->tree->all_locked),
		sz(e, snapshot_unattributed(s, (uint64_t)sysconf(_SC_PAGESIZE))));
	fprintf(c->out, "        compaction: %" PRIu64 " stalls, %" PRIu64 " failures\n",
		s->sys.compact_stall, s->sys.compact_fail);
	fprintf(c->out, "  Scan: %u processes in %.1fms (%s), %u holding pins; cgroups %s\n",
		s->stats.visited, (double)s->stats.usec / 1000.0, c->backend, s->tree->all_procs,
		cg_mode_to_string(c->layout->mode));
}

static void show_memcg(const ShowContext *c, const CgNode *n)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], d[FORMAT_BYTES_MAX];
	Memcg m;
	int r = memcg_read(c->layout, n->path, &m);

	if (r < 0) {
		fprintf(c->out, "      Memory: - (%s)\n",
			r == -EOPNOTSUPP ? "no memory controller" : "no memcg of its own");
		return;
	}
	fprintf(c->out, "      Memory: %s (max: %s, unevictable: %s%s)\n", sz(a, m.current),
		sz(b, m.max), sz(d, m.unevictable), m.v1 ? ", cgroup v1" : "");
}

static void show_top(const ShowContext *c, CgNode *n)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX];
	View pv = {};

	if (view_procs(n, &pv) < 0 || pv.n_procs == 0) {
		view_done(&pv);
		return;
	}
	for (size_t i = 0; i < pv.n_procs && i < TOP_PINNERS; i++) {
		CgProc *p = pv.procs[i];
		fprintf(c->out, "%s %" PRIi32 " %s: %s pinned, %s locked\n",
			i == 0 ? "         Top:" : "             ", (int32_t)p->pid, p->comm,
			sz(a, p->pinned), sz(b, p->locked));
	}
	view_done(&pv);
}

static void show_budget(const ShowContext *c, const GroupView *g)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], bar[BAR_WIDTH + 1];
	const Budget *bu = g->budget;
	uint64_t usage = cg_usage(g->node, c->count);

	if (!bu) {
		fprintf(c->out, "      Budget: none\n");
		return;
	}
	usage_bar(bar, usage, bu->max);
	fprintf(c->out, "      Budget: %s of %s (%u%%) [%s] %s%s\n", sz(a, usage), sz(b, bu->max),
		percent(usage, bu->max), bar, usage > bu->max ? "OVER, " : "",
		action_to_string(bu->action));
	fprintf(c->out, "              PinnedMemoryMax=%s from %s\n", bu->max_text, bu->max_source);
	fprintf(c->out, "              action from %s\n",
		bu->action_source ? bu->action_source : "DefaultAction=");
}

static bool is_last_sibling(const View *v, size_t i)
{
	unsigned d = v->groups[i].depth;
	for (size_t j = i + 1; j < v->n_groups && !v->groups[j].block_top; j++) {
		if (v->groups[j].depth < d)
			return true;
		if (v->groups[j].depth == d)
			return false;
	}
	return true;
}

static void show_block(const ShowContext *c, const View *v, size_t top, size_t end)
{
	const GroupView *g = &v->groups[top];
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX];
	bool last[64] = {};

	fprintf(c->out, "\n● %s\n", g->name);
	if (!g->node) {
		fprintf(c->out, "      CGroup: none now\n");
		show_budget(c, g);
		return;
	}
	fprintf(c->out, "      CGroup: %s\n", g->node->path);
	GroupState st;
	view_group_state(c->layout, g, c->count, &st);
	if (st.frozen_by)
		fprintf(c->out, "       State: frozen by %s%s\n",
			strcmp(st.frozen_by, "pinctl") == 0 ? "pinctl" : "pind for budget ",
			strcmp(st.frozen_by, "pinctl") == 0 ? "" : st.frozen_by);
	else
		fprintf(c->out, "       State: %s%s\n", st.state,
			strcmp(st.state, "frozen") == 0 ? " (not by pind)" : "");
	group_state_done(&st);
	if (g->budget)
		show_budget(c, g);
	fprintf(c->out, "      Pinned: %s (locked: %s) in %u process%s\n",
		sz(a, g->node->pinned_sum), sz(b, g->node->locked_sum), g->node->nprocs_sum,
		g->node->nprocs_sum == 1 ? "" : "es");
	show_memcg(c, g->node);
	show_top(c, g->node);
	for (size_t i = top + 1; i < end; i++) {
		const GroupView *s = &v->groups[i];
		unsigned d = s->depth < 63 ? s->depth : 63;
		last[d] = is_last_sibling(v, i);
		tree_branch(c->out, last, d);
		fprintf(c->out, "%s  %s pinned, %s locked", s->name, sz(a, s->node->pinned_sum),
			sz(b, s->node->locked_sum));
		if (s->node->nprocs_sum > 0)
			fprintf(c->out, ", %u proc%s", s->node->nprocs_sum,
				s->node->nprocs_sum == 1 ? "" : "s");
		if (s->budget)
			fprintf(c->out, "; budget %s (%u%%)", sz(a, s->budget->max),
				percent(cg_usage(s->node, c->count), s->budget->max));
		GroupState gs;
		view_group_state(c->layout, s, c->count, &gs);
		if (strcmp(gs.state, "frozen") == 0)
			fprintf(c->out, " [frozen%s%s]", gs.frozen_by ? " by " : "",
				gs.frozen_by ? gs.frozen_by : "");
		group_state_done(&gs);
		fputc('\n', c->out);
	}
}

int show_status_text(const ShowContext *c, const View *v)
{
	show_system(c);
	for (size_t i = 0; i < v->n_groups;) {
		size_t end = i + 1;
		while (end < v->n_groups && !v->groups[end].block_top)
			end++;
		show_block(c, v, i, end);
		i = end;
	}
	return 0;
}

static int name_width(const View *v, int min)
{
	int w = min;
	for (size_t i = 0; i < v->n_groups; i++) {
		int l = (int)strlen(v->groups[i].name);
		if (l > w)
			w = l;
	}
	return w;
}

int show_list_text(const ShowContext *c, const View *v)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], m[FORMAT_BYTES_MAX], u[8];
	int w = name_width(v, 4);

	if (c->legend)
		fprintf(c->out, "%-*s %9s %9s %9s %4s %-6s %-10s %s\n", w, "NAME", "PINNED",
			"LOCKED", "MAX", "USE", "ACTION", "STATE", "SOURCE");
	for (size_t i = 0; i < v->n_groups; i++) {
		const GroupView *g = &v->groups[i];
		const CgNode *n = g->node;
		const Budget *bu = g->budget;
		if (bu && bu->max != UINT64_MAX)
			snprintf(u, sizeof(u), "%u%%", percent(cg_usage(n, c->count), bu->max));
		GroupState st;
		view_group_state(c->layout, g, c->count, &st);
		fprintf(c->out, "%-*s %9s %9s %9s %4s %-6s %-10s %s\n", w, g->name,
			n ? sz(a, n->pinned_sum) : "-", n ? sz(b, n->locked_sum) : "-",
			bu ? sz(m, bu->max) : "-", bu && bu->max != UINT64_MAX ? u : "-",
			bu ? action_to_string(bu->action) : "-", st.state,
			bu ? bu->max_source : "-");
		group_state_done(&st);
	}
	if (c->legend)
		fprintf(c->out, "\n%zu group%s listed.\n", v->n_groups,
			v->n_groups == 1 ? "" : "s");
	return 0;
}

int show_ps_text(const ShowContext *c, const View *v)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX];

	if (c->legend)
		fprintf(c->out, "%8s %-16s %9s %9s %-24s %s\n", "PID", "COMM", "PINNED", "LOCKED",
			"UNIT", "CGROUP");
	for (size_t i = 0; i < v->n_procs; i++) {
		const CgProc *p = v->procs[i];
		const CgNode *u = cg_node_unit(p->node);
		fprintf(c->out, "%8" PRIi32 " %-16s %9s %9s %-24s %s\n", (int32_t)p->pid, p->comm,
			sz(a, p->pinned), sz(b, p->locked), u ? u->name : "-", p->node->path);
	}
	if (c->legend)
		fprintf(c->out, "\n%zu process%s listed.\n", v->n_procs,
			v->n_procs == 1 ? "" : "es");
	return 0;
}
