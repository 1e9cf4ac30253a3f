/* SPDX-License-Identifier: MIT */
/* status, list and ps as pind sees them: ListGroups, GetGroup, ListProcesses and the
 * manager's properties. The nesting of groups is not on the bus: a group is shown below
 * the nearest other listed group whose cgroup path contains its own. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "bus_view.h"
#include "macro.h"
#include "settings.h"
#include "timespan.h"

static void show_done(BusView *s)
{
	for (size_t i = 0; i < s->n_replies; i++)
		sd_bus_message_unref(s->replies[i]);
	free(s->replies);
	free(s->all);
	free(s->rows);
	free(s->procs);
	free(s->resv);
}

/* Keeps a reply for as long as s lives: the rows point into it. */
static int keep(BusView *s, sd_bus_message *m)
{
	sd_bus_message **l = realloc(s->replies, (s->n_replies + 1) * sizeof(*l));
	if (!l) {
		sd_bus_message_unref(m);
		return -ENOMEM;
	}
	s->replies = l;
	s->replies[s->n_replies++] = m;
	return 0;
}

static int bad_reply(const char *member, int r)
{
	fprintf(stderr, "pinctl: unexpected reply to %s from pind: %s\n", member, strerror(-r));
	return -EBADMSG;
}

static int read_prop(sd_bus_message *m, Props *pr, const char *name)
{
	if (strcmp(name, "Version") == 0)
		return sd_bus_message_read(m, "v", "s", &pr->version);
	if (strcmp(name, "Count") == 0)
		return sd_bus_message_read(m, "v", "s", &pr->count_text);
	if (strcmp(name, "ScanIntervalUSec") == 0)
		return sd_bus_message_read(m, "v", "t", &pr->interval);
	if (strcmp(name, "TotalPinned") == 0)
		return sd_bus_message_read(m, "v", "t", &pr->total_pinned);
	if (strcmp(name, "TotalLocked") == 0)
		return sd_bus_message_read(m, "v", "t", &pr->total_locked);
	if (strcmp(name, "LastScanUSec") == 0)
		return sd_bus_message_read(m, "v", "t", &pr->last_scan);
	if (strcmp(name, "ProcessesScanned") == 0)
		return sd_bus_message_read(m, "v", "u", &pr->scanned);
	return sd_bus_message_skip(m, "v");
}

/* The manager's properties that pinctl shows; those pind lacks stay 0 or NULL. */
static int read_props(BusView *s, Pind *p)
{
	sd_bus_message *m = NULL;
	Props *pr = &s->props;
	const char *name;
	int r;

	r = pind_call_iface(p, "org.freedesktop.DBus.Properties", "pind's properties", "GetAll", &m,
			    "s", PIND_BUS_IFACE);
	if (r < 0 || (r = keep(s, m)) < 0)
		return r;
	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = sd_bus_message_read(m, "s", &name);
		if (r >= 0)
			r = read_prop(m, pr, name);
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	if (r < 0)
		return bad_reply("GetAll", r);
	if (!pr->count_text || count_from_string(pr->count_text, &pr->count) < 0)
		pr->count = COUNT_PINNED | COUNT_LOCKED;
	return 0;
}

static int push_row(Row **rows, size_t *n, const Row *row)
{
	Row *l = realloc(*rows, (*n + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	*rows = l;
	l[(*n)++] = *row;
	return 0;
}

static int read_row(sd_bus_message *m, Row *ret)
{
	*ret = (Row){.parent = NO_PARENT};
	return sd_bus_message_read(m, "(ssttts)", &ret->name, &ret->cgroup, &ret->pinned,
				   &ret->locked, &ret->max, &ret->state);
}

/* ListGroups: every budget and every group holding pins. */
static int list_groups(BusView *s, Pind *p, Row **ret, size_t *ret_n)
{
	sd_bus_message *m = NULL;
	Row row;
	int r = pind_call(p, "groups", "ListGroups", &m, "");

	if (r < 0 || (r = keep(s, m)) < 0)
		return r;
	r = sd_bus_message_enter_container(m, 'a', "(ssttts)");
	while (r >= 0 && (r = read_row(m, &row)) > 0)
		r = push_row(ret, ret_n, &row);
	if (r == -ENOMEM)
		return r;
	return r < 0 ? bad_reply("ListGroups", r) : 0;
}

/* GetGroup: one row, as a struct (the contract) or as its six fields. */
static int get_group(BusView *s, Pind *p, const char *name, Row *ret)
{
	sd_bus_message *m = NULL;
	int r = pind_call(p, name, "GetGroup", &m, "s", name);

	if (r < 0 || (r = keep(s, m)) < 0)
		return r;
	if (strcmp(sd_bus_message_get_signature(m, true), "ssttts") == 0) {
		*ret = (Row){.parent = NO_PARENT};
		r = sd_bus_message_read(m, "ssttts", &ret->name, &ret->cgroup, &ret->pinned,
					&ret->locked, &ret->max, &ret->state);
	} else
		r = read_row(m, ret);
	return r <= 0 ? bad_reply("GetGroup", r < 0 ? r : -EBADMSG) : 0;
}

static int cmp_procs(const void *a, const void *b)
{
	const Proc *x = a, *y = b;
	uint64_t sx = x->pinned + x->locked, sy = y->pinned + y->locked;

	if (sx != sy)
		return sx < sy ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* ListProcesses: below name ("" all), largest first. */
static int list_procs(BusView *s, Pind *p, const char *name)
{
	sd_bus_message *m = NULL;
	Proc pr;
	int r = pind_call(p, name[0] ? name : "processes", "ListProcesses", &m, "s", name);

	if (r < 0 || (r = keep(s, m)) < 0)
		return r;
	r = sd_bus_message_enter_container(m, 'a', "(ustts)");
	while (r >= 0 && (r = sd_bus_message_read(m, "(ustts)", &pr.pid, &pr.comm, &pr.pinned,
						  &pr.locked, &pr.cgroup)) > 0) {
		Proc *l = realloc(s->procs, (s->n_procs + 1) * sizeof(*l));
		if (!l)
			return -ENOMEM;
		s->procs = l;
		s->procs[s->n_procs++] = pr;
	}
	if (r < 0)
		return bad_reply("ListProcesses", r);
	if (s->n_procs > 1)
		qsort(s->procs, s->n_procs, sizeof(*s->procs), cmp_procs);
	return 0;
}

/* --- nesting, from cgroup paths --- */

bool path_contains(const char *a, const char *b)
{
	if (!a[0] || !b[0])
		return false;
	if (strcmp(a, "/") == 0)
		return true;
	size_t l = strlen(a);
	return strncmp(a, b, l) == 0 && (b[l] == 0 || b[l] == '/');
}

static int cmp_rows(const void *a, const void *b)
{
	const Row *x = a, *y = b;

	if (!x->cgroup[0] != !y->cgroup[0])
		return x->cgroup[0] ? -1 : 1; /* groups without a cgroup last */
	int c = strcmp(x->cgroup, y->cgroup);
	return c ? c : strcmp(x->name, y->name);
}

static int emit(const Row *set, size_t n, size_t i, unsigned depth, size_t parent, Row **out,
		size_t *n_out)
{
	Row row = set[i];
	row.depth = depth;
	row.top = depth == 0;
	row.parent = parent;
	int r = push_row(out, n_out, &row);
	size_t self = *n_out - 1;
	for (size_t j = 0; r >= 0 && j < n; j++)
		if (set[j].parent == i)
			r = emit(set, n, j, depth + 1, self, out, n_out);
	return r;
}

/* Appends set to *out as trees: each group below the nearest other group of the set whose
 * cgroup contains its own (of two with the same cgroup, the first in order is the
 * parent), children in the order of their cgroup paths. Sorts set. */
static int arrange(Row *set, size_t n, Row **out, size_t *n_out)
{
	int r = 0;

	if (n > 1)
		qsort(set, n, sizeof(*set), cmp_rows);
	for (size_t i = 0; i < n; i++) {
		size_t best = NO_PARENT, best_len = 0;
		for (size_t j = 0; j < n; j++) {
			if (j == i || !path_contains(set[j].cgroup, set[i].cgroup) ||
			    (j > i && strcmp(set[j].cgroup, set[i].cgroup) == 0))
				continue;
			size_t l = strlen(set[j].cgroup);
			if (best == NO_PARENT || l >= best_len)
				best = j, best_len = l;
		}
		set[i].parent = best;
	}
	for (size_t i = 0; r >= 0 && i < n; i++)
		if (set[i].parent == NO_PARENT)
			r = emit(set, n, i, 0, NO_PARENT, out, n_out);
	return r;
}

/* The rows of status NAME: the group and the listed groups below its cgroup. */
static int arrange_below(const Row *top, const Row *all, size_t n_all, Row **out, size_t *n_out)
{
	_cleanup_free_ Row *set = NULL;
	size_t n = 0;
	int r = push_row(&set, &n, top);

	for (size_t i = 0; r >= 0 && i < n_all; i++)
		if (path_contains(top->cgroup, all[i].cgroup) &&
		    strcmp(top->cgroup, all[i].cgroup) != 0)
			r = push_row(&set, &n, &all[i]);
	return r < 0 ? r : arrange(set, n, out, n_out);
}

/* ListBudgets: what is reserved in each budget, onto the rows of the same name. */
static int read_reserved(BusView *s, Pind *p)
{
	sd_bus_message *m = NULL;
	const char *name, *cgroup, *action, *target;
	uint64_t used, reserved, max;

	int r = pind_call(p, "budgets", "ListBudgets", &m, "");
	if (r < 0 || (r = keep(s, m)) < 0)
		return r;
	r = sd_bus_message_enter_container(m, 'a', "(sstttss)");
	while (r >= 0 && (r = sd_bus_message_read(m, "(sstttss)", &name, &cgroup, &used, &reserved,
						  &max, &action, &target)) > 0) {
		for (size_t i = 0; i < s->n_all; i++)
			if (strcmp(s->all[i].name, name) == 0)
				s->all[i].reserved = reserved;
		for (size_t i = 0; i < s->n_rows; i++)
			if (strcmp(s->rows[i].name, name) == 0)
				s->rows[i].reserved = reserved;
	}
	return r < 0 ? bad_reply("ListBudgets", r) : 0;
}

static int list_reservations(BusView *s, Pind *p)
{
	sd_bus_message *m = NULL;
	Resv v;

	int r = pind_call(p, "reservations", "ListReservations", &m, "");
	if (r < 0 || (r = keep(s, m)) < 0)
		return r;
	r = sd_bus_message_enter_container(m, 'a', "(ssstttt)");
	while (r >= 0 &&
	       (r = sd_bus_message_read(m, "(ssstttt)", &v.id, &v.group, &v.holder, &v.bytes,
					&v.counted, &v.created, &v.expires)) > 0) {
		Resv *l = realloc(s->resv, (s->n_resv + 1) * sizeof(*l));
		if (!l)
			return -ENOMEM;
		s->resv = l;
		l[s->n_resv++] = v;
	}
	return r < 0 ? bad_reply("ListReservations", r) : 0;
}

/* --- the commands --- */

static int load_groups(BusView *s, Pind *p, const Args *a, bool is_status)
{
	int r = list_groups(s, p, &s->all, &s->n_all);

	if (r < 0)
		return r;
	if (a->n_args == 0 || !is_status) {
		/* arrange sorts: the shown rows are a copy */
		_cleanup_free_ Row *set = malloc((s->n_all ? s->n_all : 1) * sizeof(*set));
		if (!set)
			return -ENOMEM;
		memcpy(set, s->all, s->n_all * sizeof(*set));
		r = arrange(set, s->n_all, &s->rows, &s->n_rows);
		if (r < 0 || is_status)
			return r;
		for (size_t i = 0; i < s->n_rows; i++)
			s->rows[i].depth = 0;
		return 0;
	}
	for (size_t i = 0; i < a->n_args; i++) {
		Row top;
		r = get_group(s, p, a->args[i], &top);
		if (r >= 0)
			r = arrange_below(&top, s->all, s->n_all, &s->rows, &s->n_rows);
		if (r < 0)
			return r;
	}
	return 0;
}

int bus_show(const Args *a, Pind *p)
{
	BusView s = {.out = stdout, .legend = a->legend};
	int r;

	bool is_status = strcmp(a->command, "status") == 0, is_ps = strcmp(a->command, "ps") == 0;
	if ((!is_status && !is_ps && a->n_args > 0) || (is_ps && a->n_args > 1)) {
		fprintf(stderr, "pinctl: too many arguments for '%s'\n", a->command);
		return EXIT_USAGE;
	}
	r = read_props(&s, p);
	if (r >= 0 && (is_ps || is_status))
		r = list_procs(&s, p, is_ps && a->n_args == 1 ? a->args[0] : "");
	if (r >= 0 && !is_ps)
		r = load_groups(&s, p, a, is_status);
	if (r >= 0 && !is_ps)
		r = read_reserved(&s, p);
	if (r >= 0 && !is_ps)
		r = list_reservations(&s, p);
	s.now = clock_usec(CLOCK_REALTIME);
	if (r >= 0) {
		if (is_ps)
			r = a->json ? bus_json_ps(&s) : bus_text_ps(&s);
		else if (is_status)
			r = a->json ? bus_json_status(&s) : bus_text_status(&s);
		else
			r = a->json ? bus_json_list(&s) : bus_text_list(&s);
		if (r < 0 || fflush(stdout) != 0) {
			fprintf(stderr, "pinctl: writing output failed\n");
			r = -EIO;
		}
		r = r < 0 ? EXIT_FAIL : EXIT_OK;
	} else {
		if (r == -ENOMEM)
			fprintf(stderr, "pinctl: %s\n", strerror(-r));
		r = exit_code_from_errno(r);
	}
	show_done(&s);
	return r;
}
