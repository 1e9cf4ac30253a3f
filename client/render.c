/* SPDX-License-Identifier: MIT */
/* status, list and ps as text, from the document alone (publish/report.h): the same text
 * whether pind built it or pinctl measured itself. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "render.h"
#include "textui.h"
#include "timespan.h"

#define USEC_PER_SEC UINT64_C(1000000)

/* --- reading the document --- */

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A string, or NULL for null or a missing key. */
static const char *s_of(json_object *o, const char *key)
{
	json_object *v = get(o, key);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* A string, or def. */
static const char *s_or(json_object *o, const char *key, const char *def)
{
	const char *s = s_of(o, key);
	return s ? s : def;
}

/* A count or byte size; null (infinity, unknown) is UINT64_MAX. */
static uint64_t u_of(json_object *o, const char *key)
{
	json_object *v = get(o, key);
	return json_object_is_type(v, json_type_int) ? json_object_get_uint64(v) : UINT64_MAX;
}

/* A count or byte size, 0 for null. */
static uint64_t n_of(json_object *o, const char *key)
{
	uint64_t v = u_of(o, key);
	return v == UINT64_MAX ? 0 : v;
}

static bool b_of(json_object *o, const char *key)
{
	return json_object_get_boolean(get(o, key));
}

static size_t len(json_object *a)
{
	return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static json_object *at(json_object *a, size_t i)
{
	return json_object_array_get_idx(a, i);
}

/* --- status --- */

static void system_text(FILE *out, json_object *doc)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], c[FORMAT_BYTES_MAX], d[FORMAT_BYTES_MAX],
	    t[FORMAT_TIMESPAN_MAX];
	json_object *sys = get(doc, "system"), *scan = get(doc, "scan");
	uint64_t interval = u_of(scan, "interval_usec");

	fprintf(out, "System: %s RAM, %s pinned, %s locked, %s unattributed\n",
		sz(a, n_of(sys, "mem_total")), sz(b, n_of(sys, "pinned")),
		sz(c, n_of(sys, "locked")), sz(d, n_of(sys, "unattributed")));
	fprintf(out, "        compaction: %" PRIu64 " stalls, %" PRIu64 " failures\n",
		n_of(sys, "compact_stall"), n_of(sys, "compact_fail"));
	fprintf(out, "  Scan: %" PRIu64 " processes in %.1fms (%s", n_of(scan, "visited"),
		(double)n_of(scan, "usec") / 1000.0, s_or(scan, "backend", "?"));
	if (interval != UINT64_MAX)
		fprintf(out, ", every %s", format_timespan(t, sizeof(t), interval));
	if (strcmp(s_or(doc, "source", ""), "pind") == 0)
		fprintf(out, ", by pind %s", s_or(doc, "version", ""));
	fprintf(out, "), %" PRIu64 " holding pins", n_of(sys, "processes"));
	fprintf(out, "; cgroups %s\n", s_or(sys, "cgroup_mode", "?"));
}

static void state_text(FILE *out, json_object *g)
{
	const char *state = s_or(g, "state", "?"), *by = s_of(g, "frozen_by");

	if (by && strcmp(by, "pinctl") == 0)
		fprintf(out, "       State: frozen by pinctl\n");
	else if (by)
		fprintf(out, "       State: frozen by pind for budget %s\n", by);
	else
		fprintf(out, "       State: %s%s\n", state,
			strcmp(state, "frozen") == 0 ? " (not by pind)" : "");
}

/* usage and reservations: what the budget counts */
static uint64_t charged(json_object *bu)
{
	uint64_t u = n_of(bu, "usage"), h = n_of(bu, "reserved");
	return u + h < u ? UINT64_MAX : u + h;
}

static void budget_text(FILE *out, json_object *bu)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], c[FORMAT_BYTES_MAX], bar[BAR_WIDTH + 1];
	char held[FORMAT_BYTES_MAX + 32] = "";
	uint64_t max = u_of(bu, "max"), use = charged(bu);

	if (!bu) {
		fprintf(out, "      Budget: none\n");
		return;
	}
	if (n_of(bu, "reserved") > 0)
		snprintf(held, sizeof(held), " used + %s reserved", sz(c, n_of(bu, "reserved")));
	usage_bar(bar, use, max);
	fprintf(out, "      Budget: %s%s of %s (%u%%) [%s] %s%s\n", sz(a, n_of(bu, "usage")), held,
		sz(b, max), percent(use, max), bar, b_of(bu, "over") ? "OVER, " : "",
		s_or(bu, "action", "?"));
	fprintf(out, "              PinnedMemoryMax=%s from %s\n", s_or(bu, "max_text", "?"),
		s_or(bu, "source", "?"));
	fprintf(out, "              action from %s\n", s_or(bu, "action_source", "DefaultAction="));
}

static void memory_text(FILE *out, json_object *m)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], c[FORMAT_BYTES_MAX];

	if (!m) {
		fprintf(out, "      Memory: - (no memcg of its own)\n");
		return;
	}
	fprintf(out, "      Memory: %s (max: %s, unevictable: %s%s)\n", sz(a, n_of(m, "current")),
		sz(b, u_of(m, "max")), sz(c, n_of(m, "unevictable")),
		strcmp(s_or(m, "controller", ""), "v1") == 0 ? ", cgroup v1" : "");
}

static void top_text(FILE *out, json_object *top)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX];

	for (size_t i = 0; i < len(top); i++) {
		json_object *p = at(top, i);
		fprintf(out, "%s %" PRIu64 " %s: %s pinned, %s locked\n",
			i == 0 ? "         Top:" : "             ", n_of(p, "pid"),
			s_or(p, "comm", "?"), sz(a, n_of(p, "pinned")), sz(b, n_of(p, "locked")));
	}
}

static unsigned depth_of(json_object *g)
{
	uint64_t d = n_of(g, "depth");
	return d < 63 ? (unsigned)d : 63;
}

static bool is_last_sibling(json_object *groups, size_t i, size_t end)
{
	unsigned d = depth_of(at(groups, i));

	for (size_t j = i + 1; j < end; j++) {
		if (depth_of(at(groups, j)) < d)
			return true;
		if (depth_of(at(groups, j)) == d)
			return false;
	}
	return true;
}

static void child_text(FILE *out, json_object *g)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX];
	json_object *bu = get(g, "budget");
	const char *state = s_or(g, "state", "?"), *by = s_of(g, "frozen_by");
	uint64_t np = n_of(g, "processes");

	fprintf(out, "%s  %s pinned, %s locked", s_or(g, "name", "?"), sz(a, n_of(g, "pinned")),
		sz(b, n_of(g, "locked")));
	if (np > 0)
		fprintf(out, ", %" PRIu64 " proc%s", np, np == 1 ? "" : "s");
	if (bu && n_of(bu, "reserved") > 0)
		fprintf(out, "; %s reserved", sz(b, n_of(bu, "reserved")));
	if (bu)
		fprintf(out, "; budget %s (%u%%)", sz(a, u_of(bu, "max")),
			percent(charged(bu), u_of(bu, "max")));
	if (strcmp(state, "ok") != 0 && strcmp(state, "unbudgeted") != 0)
		fprintf(out, " [%s%s%s]", state, by ? " by " : "", by ? by : "");
	fputc('\n', out);
}

static void block_text(FILE *out, json_object *groups, size_t top, size_t end)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX];
	json_object *g = at(groups, top);
	bool last[64] = {};

	fprintf(out, "\n● %s\n", s_or(g, "name", "?"));
	if (!s_of(g, "cgroup")) {
		fprintf(out, "      CGroup: none now\n");
		budget_text(out, get(g, "budget"));
		return;
	}
	fprintf(out, "      CGroup: %s\n", s_of(g, "cgroup"));
	state_text(out, g);
	if (get(g, "budget"))
		budget_text(out, get(g, "budget"));
	uint64_t np = n_of(g, "processes");
	fprintf(out, "      Pinned: %s (locked: %s) in %" PRIu64 " process%s\n",
		sz(a, n_of(g, "pinned")), sz(b, n_of(g, "locked")), np, np == 1 ? "" : "es");
	memory_text(out, get(g, "memory"));
	top_text(out, get(g, "top"));
	for (size_t i = top + 1; i < end; i++) {
		unsigned d = depth_of(at(groups, i));
		last[d] = is_last_sibling(groups, i, end);
		tree_branch(out, last, d);
		child_text(out, at(groups, i));
	}
}

static void reservations_text(FILE *out, json_object *resv)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], age[FORMAT_TIMESPAN_MAX],
	    ttl[FORMAT_TIMESPAN_MAX];
	int wi = 2, wg = 5;
	size_t n = len(resv);

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		int li = (int)strlen(s_or(at(resv, i), "id", "")),
		    lg = (int)strlen(s_or(at(resv, i), "group", ""));
		wi = li > wi ? li : wi;
		wg = lg > wg ? lg : wg;
	}
	fprintf(out, "\nReservations: %zu\n", n);
	fprintf(out, "  %-*s %-*s %9s %9s %8s %8s %s\n", wi, "ID", wg, "GROUP", "SIZE", "COUNTED",
		"AGE", "TTL", "HOLDER");
	for (size_t i = 0; i < n; i++) {
		json_object *v = at(resv, i);
		uint64_t t_age = n_of(v, "age_usec"), t_ttl = u_of(v, "ttl_usec");
		if (t_age < USEC_PER_SEC)
			snprintf(age, sizeof(age), "0s");
		else
			format_timespan(age, sizeof(age), t_age / USEC_PER_SEC * USEC_PER_SEC);
		if (t_ttl == UINT64_MAX)
			snprintf(ttl, sizeof(ttl), "-");
		else
			format_timespan(ttl, sizeof(ttl),
					(t_ttl + USEC_PER_SEC - 1) / USEC_PER_SEC * USEC_PER_SEC);
		fprintf(out, "  %-*s %-*s %9s %9s %8s %8s %s\n", wi, s_or(v, "id", "?"), wg,
			s_or(v, "group", "?"), sz(a, n_of(v, "bytes")), sz(b, n_of(v, "counted")),
			age, ttl, s_or(v, "holder", "-"));
	}
}

static void status_text(FILE *out, json_object *doc)
{
	json_object *groups = get(doc, "groups");
	size_t n = len(groups);

	system_text(out, doc);
	for (size_t i = 0; i < n;) {
		size_t end = i + 1;
		while (end < n && depth_of(at(groups, end)) > 0)
			end++;
		block_text(out, groups, i, end);
		i = end;
	}
	reservations_text(out, get(doc, "reservations"));
}

/* --- list and ps --- */

static void list_text(FILE *out, json_object *doc, bool legend)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], m[FORMAT_BYTES_MAX], h[FORMAT_BYTES_MAX],
	    u[8];
	json_object *groups = get(doc, "groups");
	size_t n = len(groups);
	int w = 4;

	for (size_t i = 0; i < n; i++) {
		int l = (int)strlen(s_or(at(groups, i), "name", ""));
		w = l > w ? l : w;
	}
	if (legend)
		fprintf(out, "%-*s %9s %9s %9s %9s %4s %-6s %-10s %s\n", w, "NAME", "PINNED",
			"LOCKED", "RESERVED", "MAX", "USE", "ACTION", "STATE", "SOURCE");
	for (size_t i = 0; i < n; i++) {
		json_object *g = at(groups, i), *bu = get(g, "budget");
		bool has = s_of(g, "cgroup"), limited = bu && u_of(bu, "max") != UINT64_MAX,
		     held = bu && u_of(bu, "reserved") != UINT64_MAX;
		if (limited)
			snprintf(u, sizeof(u), "%u%%", percent(charged(bu), u_of(bu, "max")));
		fprintf(out, "%-*s %9s %9s %9s %9s %4s %-6s %-10s %s\n", w, s_or(g, "name", "?"),
			has ? sz(a, n_of(g, "pinned")) : "-", has ? sz(b, n_of(g, "locked")) : "-",
			held ? sz(h, n_of(bu, "reserved")) : "-", bu ? sz(m, u_of(bu, "max")) : "-",
			limited ? u : "-", bu ? s_or(bu, "action", "?") : "-",
			s_or(g, "state", "?"), bu ? s_or(bu, "source", "-") : "-");
	}
	if (legend)
		fprintf(out, "\n%zu group%s listed.\n", n, n == 1 ? "" : "s");
}

static void ps_text(FILE *out, json_object *doc, bool legend)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX];
	json_object *procs = get(doc, "processes");
	size_t n = len(procs);

	if (legend)
		fprintf(out, "%8s %-16s %9s %9s %-24s %s\n", "PID", "COMM", "PINNED", "LOCKED",
			"UNIT", "CGROUP");
	for (size_t i = 0; i < n; i++) {
		json_object *p = at(procs, i);
		fprintf(out, "%8" PRIu64 " %-16s %9s %9s %-24s %s\n", n_of(p, "pid"),
			s_or(p, "comm", "?"), sz(a, n_of(p, "pinned")), sz(b, n_of(p, "locked")),
			s_or(p, "unit", "-"), s_or(p, "cgroup", "?"));
	}
	if (legend)
		fprintf(out, "\n%zu process%s listed.\n", n, n == 1 ? "" : "es");
}

int render_report(FILE *out, json_object *doc, bool json, bool legend)
{
	const char *command = s_or(doc, "command", "");

	if (json) {
		const char *s = json_object_to_json_string_ext(
		    doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			     JSON_C_TO_STRING_NOSLASHESCAPE);
		if (!s)
			return -ENOMEM;
		fprintf(out, "%s\n", s);
	} else if (strcmp(command, "status") == 0)
		status_text(out, doc);
	else if (strcmp(command, "list") == 0)
		list_text(out, doc, legend);
	else if (strcmp(command, "ps") == 0)
		ps_text(out, doc, legend);
	else
		return -EBADMSG;
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}
