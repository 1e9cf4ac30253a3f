/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "actuate.h"
#include "daemon.h"
#include "dbus_api.h"
#include "enforce.h"
#include "log.h"
#include "macro.h"
#include "sdmanager.h"
#include "sdunit.h"
#include "size.h"
#include "state.h"
#include "timespan.h"

#define MESSAGE_ID_BUDGET "7a1c0d4e5b2f4c7e9d3a6b8c1e2f3a01"
#define MESSAGE_ID_RELOAD "7a1c0d4e5b2f4c7e9d3a6b8c1e2f3a02"
#define MESSAGE_ID_RESERV "7a1c0d4e5b2f4c7e9d3a6b8c1e2f3a03"

const char *daemon_cgroup_root(const Daemon *d)
{
	return sources_cgroup_root(&d->sources, d->opt.cgroup_root, d->manager_cgroup);
}

/* Why there is no cgroup root (pind --user without CgroupRoot=, whose manager did not
 * say its own), for the error that refuses the configuration. */
static char *no_cgroup_root(const Daemon *d, const char *config_path)
{
	char *text;
	if (asprintf(&text,
		     "%s: no CgroupRoot=, and the user manager could not be asked for its own "
		     "cgroup (%s): set CgroupRoot= or --cgroup-root=",
		     config_path,
		     d->manager_error ? d->manager_error : "no user manager reachable") < 0)
		return NULL;
	return text;
}

static void log_budget(const Budget *b, const char *verb)
{
	char size[FORMAT_BYTES_MAX], field_unit[300], field_max[64];
	snprintf(field_unit, sizeof(field_unit), "PIND_UNIT=%s", b->name);
	snprintf(field_max, sizeof(field_max), "PIND_MAX=%" PRIu64, b->max);
	const char *fields[] = {"MESSAGE_ID=" MESSAGE_ID_BUDGET, field_unit, field_max, NULL};
	log_struct(LOG_INFO, fields,
		   "budget %s %s: PinnedMemoryMax=%s (%s) from %s, action %s%s%s, target %s%s%s",
		   b->name, verb, b->max_text, format_bytes(size, sizeof(size), b->max),
		   b->max_source, action_to_string(b->action), b->action_source ? " from " : "",
		   b->action_source ? b->action_source : " (DefaultAction=)",
		   target_to_string(b->target), b->target_source ? " from " : "",
		   b->target_source ? b->target_source : " ([Daemon] Target=)");
}

/* Logs what changed between two budget sets. */
static void log_budget_changes(const BudgetSet *old, const BudgetSet *new)
{
	for (size_t i = 0; i < new->n; i++) {
		const Budget *b = &new->budgets[i], *o = budgets_find(old, b->name);
		if (!o)
			log_budget(b, "set");
		else if (o->max != b->max || o->action != b->action || o->target != b->target ||
			 strcmp(o->max_source, b->max_source) != 0)
			log_budget(b, "changed");
	}
	for (size_t i = 0; i < old->n; i++)
		if (!budgets_find(new, old->budgets[i].name))
			log_msg(LOG_INFO, "budget %s removed", old->budgets[i].name);
}

uint64_t now_usec(void)
{
	return clock_usec(CLOCK_MONOTONIC);
}

uint64_t now_realtime_usec(void)
{
	return clock_usec(CLOCK_REALTIME);
}

void daemon_log_reservation(int priority, const char *event, const Reservation *r,
			    const char *budget, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL, *f_event = NULL, *f_id = NULL, *f_group = NULL,
			    *f_holder = NULL, *f_bytes = NULL, *f_unit = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (asprintf(&f_event, "PIND_RESERVATION_EVENT=%s", event) < 0 ||
	    asprintf(&f_id, "PIND_RESERVATION=%s", r->id ? r->id : "") < 0 ||
	    asprintf(&f_group, "PIND_GROUP=%s", r->group) < 0 ||
	    asprintf(&f_holder, "PIND_HOLDER=%s", r->holder ? r->holder : "") < 0 ||
	    asprintf(&f_bytes, "PIND_BYTES=%" PRIu64, r->bytes) < 0 ||
	    asprintf(&f_unit, "PIND_UNIT=%s", budget ? budget : "") < 0 || !msg) {
		log_msg(priority, "%s", msg ? msg : fmt);
		return;
	}
	const char *fields[] = {"MESSAGE_ID=" MESSAGE_ID_RESERV,
				f_event,
				f_id,
				f_group,
				f_holder,
				f_bytes,
				f_unit,
				NULL};
	log_struct(priority, fields, "%s", msg);
}

static void reservation_ended(const Reservation *r, const char *why, void *userdata)
{
	char size[FORMAT_BYTES_MAX];

	(void)userdata;
	daemon_log_reservation(LOG_INFO, "ended", r, NULL,
			       "reservation %s of %s in %s%s%s ended: %s", r->id,
			       format_bytes(size, sizeof(size), r->bytes), r->group,
			       r->holder ? " for " : "", r->holder ? r->holder : "", why);
}

/* Writes StateFile when what pind holds changed. */
static void save_state(Daemon *d)
{
	_cleanup_free_ char *now = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&now, &size);

	if (!f)
		return;
	for (size_t i = 0; i < d->policy.n; i++)
		for (size_t k = 0; k < d->policy.budgets[i].n_frozen; k++)
			fprintf(f, "%s\n%s\n", d->policy.budgets[i].name,
				d->policy.budgets[i].frozen[k]);
	for (size_t i = 0; i < d->reservations.n; i++)
		fprintf(f, "%s\n", d->reservations.v[i].id);
	fclose(f);
	if (d->saved_state && strcmp(d->saved_state, now) == 0)
		return;
	int r = state_save(d->state_path, &d->policy, &d->reservations);
	if (r < 0) {
		log_msg(LOG_ERR, "writing %s failed: %s", d->state_path, strerror(-r));
		return;
	}
	free(d->saved_state);
	d->saved_state = TAKE_PTR(now);
}

/* enforce_done_fn: the outcome of a freeze or thaw systemd was asked for. */
static void enforced(const Decision *dec, int result, void *userdata)
{
	Daemon *d = userdata;

	policy_outcome(&d->policy, dec, result, now_usec());
	bus_emit_decision(d->bus, dec, result);
	save_state(d);
	daemon_acted(d);
}

/* Decide, act, remember. */
static int enforce_budgets(Daemon *d, CgTree *tree)
{
	const Config *c = &d->sources.config;
	PolicyConfig pc = {
	    .grace_usec = c->grace_usec,
	    .kill_escalation_usec = c->kill_escalation_usec,
	    .signal = c->signal,
	    .count = c->count,
	    .protected = c->protected,
	    .own_cgroup = d->own_cgroup,
	};
	_cleanup_free_ char **stopping = calloc(d->n_stopping + 1, sizeof(char *));
	if (!stopping)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_stopping; i++)
		if (d->stopping[i].cgroup)
			stopping[pc.n_stopping++] = d->stopping[i].cgroup;
	pc.stopping = stopping;
	PolicyState next;
	Decision *dec;
	size_t n;
	uint64_t now = now_usec();

	int r = policy_decide(&pc, tree, &d->budgets, &d->policy, now, &next, &dec, &n);
	if (r < 0) {
		log_msg(LOG_ERR, "deciding failed: %s", strerror(-r));
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		int result = enforce(&d->enforcer, &dec[i]);
		if (result == ENFORCE_PENDING)
			continue; /* enforced() has the outcome */
		policy_outcome(&next, &dec[i], result, now);
		bus_emit_decision(d->bus, &dec[i], result);
	}
	decisions_free(dec, n);
	policy_state_done(&d->policy);
	d->policy = next;
	save_state(d);
	return 0;
}

/* The budgets that apply to the cgroups that exist, worked out again when cgroups came
 * or went or the configuration changed; their subtrees are the scanner's scope. */
static int update_budgets(Daemon *d, CgTree *tree)
{
	BudgetSet budgets;

	if (!d->budgets_stale && cgwatch_generation(d->cgwatch) == d->budgets_generation)
		return 0;
	int r = sources_budgets(&d->sources, tree, &budgets);
	if (r < 0)
		return r;
	log_budget_changes(&d->budgets, &budgets);
	budgets_done(&d->budgets);
	d->budgets = budgets;
	d->budgets_generation = cgwatch_generation(d->cgwatch);
	d->budgets_stale = false;
	_cleanup_free_ const char **roots = calloc(d->budgets.n + 1, sizeof(*roots));
	size_t n = 0;
	if (!roots)
		return -ENOMEM;
	for (size_t i = 0; i < d->budgets.n; i++) {
		CgNode *node;
		if (cg_tree_resolve(tree, d->budgets.budgets[i].name, &node) >= 0)
			roots[n++] = node->path;
	}
	return scanner_set_scope(d->scanner, roots, n);
}

/* cgwatch_populated_fn: processes moved in where no process event says so. */
static void cgroup_populated(const char *path, void *userdata)
{
	Daemon *d = userdata;
	scanner_cgroup_populated(d->scanner, path);
}

/* The managed tree, kept by cgwatch: watched anew when the root changed (a reload) or
 * could not be watched before; current as of now. */
static int watched_tree(Daemon *d, CgTree **ret)
{
	_cleanup_free_ char *root = NULL;

	int r = cg_path_normalize(daemon_cgroup_root(d), &root);
	if (r < 0)
		return r;
	if (d->cgwatch && strcmp(cgwatch_root(d->cgwatch), root) != 0) {
		snapshot_done(&d->snap);
		d->cgwatch = cgwatch_free(d->cgwatch);
	}
	if (!d->cgwatch) {
		r = cgwatch_new(d->event, cg_layout_primary(&d->layout), root, &d->cgwatch);
		if (r < 0)
			return r;
		cgwatch_on_populated(d->cgwatch, cgroup_populated, d);
		d->budgets_stale = true;
	}
	r = cgwatch_sync(d->cgwatch);

	/* a re-walk replaces the tree: the last snapshot's is gone */
	d->snap.tree = cgwatch_tree(d->cgwatch);
	d->snap.borrowed = true;
	if (r < 0)
		return r;
	*ret = d->snap.tree;
	return 0;
}

static int on_scan_events(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	Daemon *d = userdata;
	(void)s;
	(void)fd;
	(void)revents;
	if (scanner_process_events(d->scanner) < 0)
		log_msg(LOG_WARNING, "reading process events failed; the next scan re-reads the "
				     "budgeted subtrees");
	return 0;
}

/* What a scoped pass says about how it kept its processes current. */
static void log_scope(Daemon *d, const ScanStats *st)
{
	if (st->moved_in > 0)
		log_msg(LOG_INFO,
			"%u processes moved into the budgeted subtrees (cgroup.events: an empty "
			"cgroup became populated)",
			st->moved_in);
	switch (st->resync) {
	case RESYNC_NONE:
		break;
	case RESYNC_SCOPE:
		log_msg(LOG_INFO, "scanning the %u processes in the budgeted subtrees (%s)",
			st->visited,
			st->events_error < 0 ? "re-read every scan"
					     : "kept current by process events");
		break;
	case RESYNC_LOST:
		log_msg(LOG_WARNING,
			"process events were lost; re-read the budgeted subtrees: %u processes "
			"found, %u gone",
			st->entered, st->left);
		break;
	case RESYNC_CGROUPS:
		log_msg(LOG_WARNING,
			"cgroup events were lost; re-read the budgeted subtrees: %u processes "
			"found, %u gone",
			st->entered, st->left);
		break;
	case RESYNC_PERIODIC:
		if (st->entered > 0 || st->left > 0)
			log_msg(LOG_INFO,
				"%u processes moved into and %u out of the budgeted subtrees "
				"(cgroup moves raise no process event)",
				st->entered, st->left);
		break;
	case RESYNC_ALWAYS:
		if (!d->said_no_events)
			log_msg(LOG_WARNING,
				"no process events (%s): the budgeted subtrees' cgroup.procs are "
				"re-read every scan",
				st->events_error == -EXDEV ? "--proc-root is not /proc"
							   : strerror(-st->events_error));
		d->said_no_events = true;
		break;
	}
}

/* The scanner's process events, read between scans once it has them (its first scoped
 * pass opens them). */
static void watch_scan_events(Daemon *d)
{
	int fd = scanner_event_fd(d->scanner);
	if (fd >= 0 && d->event && !d->scan_events &&
	    sd_event_add_io(d->event, &d->scan_events, fd, EPOLLIN, on_scan_events, d) < 0)
		log_msg(LOG_WARNING, "cannot watch process events; the scans drain them");
}

/* One pass: the budgets that apply to what exists, measure, decide, act, publish. */
int daemon_scan(Daemon *d)
{
	uint64_t start = now_usec();
	unsigned count = d->sources.config.count;
	CgTree *tree;
	Snapshot snap;

	int r = watched_tree(d, &tree);
	if (r >= 0 && (r = update_budgets(d, tree)) < 0) {
		log_msg(LOG_ERR, "working out the budgets failed: %s", strerror(-r));
		return r;
	}
	if (r >= 0)
		r = snapshot_measure(d->scanner, d->opt.proc_root, tree, &snap);
	if (r < 0) {
		log_msg(LOG_ERR, "measuring below %s failed: %s", daemon_cgroup_root(d),
			strerror(-r));
		return r;
	}
	log_scope(d, &snap.stats);
	if (!!snap.stats.fallback != d->fell_back) {
		const char *how = scanner_detail(d->scanner);
		if (snap.stats.fallback)
			log_msg(LOG_NOTICE, "%s", snap.stats.fallback);
		else
			log_msg(LOG_NOTICE, "the %s scanner scans its usual way again%s%s%s",
				d->scanner->ops->name, how ? " (" : "", how ? how : "",
				how ? ")" : "");
	}
	d->fell_back = snap.stats.fallback;
	watch_scan_events(d);
	d->snap = snap;
	reservations_expire(&d->reservations, d->snap.tree, count, now_usec(), reservation_ended,
			    NULL);
	for (size_t i = 0; i < d->budgets.n; i++)
		d->budgets.budgets[i].reserved = reservations_pending(
		    &d->reservations, d->snap.tree, count, d->budgets.budgets[i].name);
	r = enforce_budgets(d, d->snap.tree);
	unsigned over = 0, frozen = 0;
	for (size_t i = 0; i < d->policy.n; i++) {
		over += d->policy.budgets[i].over;
		frozen += (unsigned)d->policy.budgets[i].n_frozen;
	}
	d->last_scan_usec = now_usec() - start;
	sd_notifyf(false,
		   "STATUS=%zu budgets, %u over, %u frozen; %u processes, %u cgroups; scan %" PRIu64
		   " us (re-walks: %u)",
		   d->budgets.n, over, frozen, snap.stats.visited, cgwatch_cgroups(d->cgwatch),
		   d->last_scan_usec, cgwatch_rewalks(d->cgwatch));
	bus_emit_scan(d->bus);
	return r;
}

static void stopping_remove(Daemon *d, size_t i)
{
	free(d->stopping[i].unit);
	free(d->stopping[i].cgroup);
	d->stopping[i] = d->stopping[--d->n_stopping];
}

void daemon_unit_stopping(const char *unit, bool stopping, const char *cgroup, void *userdata)
{
	Daemon *d = userdata;
	size_t i = 0;

	if (!unit) { /* the manager is gone: nothing is known to be stopping */
		while (d->n_stopping > 0)
			stopping_remove(d, d->n_stopping - 1);
		return;
	}
	while (i < d->n_stopping && strcmp(d->stopping[i].unit, unit) != 0)
		i++;
	if (!stopping) {
		if (i < d->n_stopping)
			stopping_remove(d, i);
		return;
	}
	if (i == d->n_stopping && !cgroup) {
		StoppingUnit *v = GROW(d->stopping, d->n_stopping);
		if (!v || !(v->unit = strdup(unit))) {
			log_msg(LOG_ERR, "%s is stopping, but pind is out of memory", unit);
			return;
		}
		d->n_stopping++; /* its cgroup NULL: not said yet */
		return;
	}
	/* its cgroup, unless it has left the state meanwhile (the answer came late) */
	if (i == d->n_stopping || !cgroup || d->stopping[i].cgroup)
		return;
	if (!(d->stopping[i].cgroup = strdup(cgroup))) {
		log_msg(LOG_ERR, "%s is stopping, but pind is out of memory", unit);
		return;
	}
	uint64_t now;
	if (d->scan_timer && sd_event_now(d->event, CLOCK_MONOTONIC, &now) >= 0) {
		sd_event_source_set_time(d->scan_timer, now);
		sd_event_source_set_enabled(d->scan_timer, SD_EVENT_ONESHOT);
	}
}

/* The unit files and drop-ins that could not be read, skipped as systemd skips them. */
static void warn_skipped(const Daemon *d)
{
	const UnitIndex *x = &d->sources.index;

	for (size_t i = 0; i < x->n_skipped; i++)
		log_msg(LOG_WARNING, "%s", x->skipped[i]);
}

int daemon_reload(Daemon *d, char **ret_error)
{
	_cleanup_free_ char *error = NULL;
	Sources s;

	/* watched again before the files are read (the paths depend on --root and --user
	 * alone): a change from now on brings another reload, none falls in between */
	int r = d->watch ? watch_arm(d->watch, &d->sources.paths, d->sources.config_path) : 0;
	if (r < 0)
		log_msg(LOG_WARNING, "watching the unit directories failed: %s", strerror(-r));
	r = sources_load(d->opt.root, d->opt.user, d->mem_total, &s, &error);
	if (r >= 0 && !sources_cgroup_root(&s, d->opt.cgroup_root, d->manager_cgroup)) {
		error = no_cgroup_root(d, s.config_path);
		sources_done(&s);
		r = -EINVAL;
	}
	if (r < 0) {
		const char *fields[] = {"MESSAGE_ID=" MESSAGE_ID_RELOAD, NULL};
		log_struct(LOG_ERR, fields, "reload failed, keeping the previous configuration: %s",
			   error ? error : strerror(-r));
		if (ret_error)
			*ret_error = TAKE_PTR(error);
		return r;
	}
	Sources old = d->sources;
	d->sources = s;
	r = daemon_claim_root(d); /* CgroupRoot= may have changed */
	if (r < 0) {
		if (r != -EBUSY)
			log_msg(LOG_ERR, "reload failed: claiming cgroup root %s: %s",
				daemon_cgroup_root(d), strerror(-r));
		d->sources = old;
		sources_done(&s);
		if (ret_error)
			*ret_error = strdup("another pind manages the new cgroup root");
		return r;
	}
	sources_done(&old);
	warn_skipped(d);
	d->budgets_stale = true;
	log_msg(LOG_INFO, "configuration reloaded");
	daemon_scan(d);
	return 0;
}

void daemon_done(Daemon *d)
{
	enforcer_done(&d->enforcer);
	daemon_acted(d); /* the callers waiting on calls that are gone */
	d->bus = bus_free(d->bus);
	daemon_release_root(d);
	reservations_done(&d->reservations);
	snapshot_done(&d->snap);
	d->cgwatch = cgwatch_free(d->cgwatch);
	policy_state_done(&d->policy);
	sd_bus_flush_close_unref(d->systemd);
	free(d->manager_cgroup);
	free(d->manager_error);
	while (d->n_stopping > 0)
		stopping_remove(d, d->n_stopping - 1);
	free(d->stopping);
	free(d->own_cgroup);
	free(d->state_path);
	free(d->saved_state);
	d->watch = watch_free(d->watch);
	sd_event_source_disable_unref(d->scan_timer);
	sd_event_source_disable_unref(d->scan_events);
	sd_event_unref(d->event);
	budgets_done(&d->budgets);
	sources_done(&d->sources);
	if (d->scanner)
		scanner_free(d->scanner);
	cg_layout_done(&d->layout);
}

static int own_cgroup(Daemon *d)
{
	char buf[4096], path[64];
	snprintf(path, sizeof(path), "%s/self", d->opt.proc_root);
	_cleanup_close_ int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	ssize_t n = read_small_file_at(dfd, "cgroup", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return proc_cgroup_find(buf, (size_t)n, cg_layout_primary_key(&d->layout), &d->own_cgroup);
}

typedef struct Adopt {
	Daemon *d;
	unsigned n;
} Adopt;

/* A cgroup that carries this instance's mark and is frozen: it froze it before a restart.
 * Its mark on a cgroup that is not frozen claims nothing: removed. Other instances' marks,
 * pinctl's and anyone else's are left as they are. */
static int adopt_marked(CgNode *n, unsigned depth, void *userdata)
{
	Adopt *a = userdata;
	_cleanup_free_ char *mark = NULL;
	bool frozen;

	(void)depth;
	if (cg_mark_get(&a->d->layout, n->path, &mark) < 0)
		return 0;
	const char *budget = mark_budget(mark, a->d->owner);
	if (!budget || cg_frozen(&a->d->layout, n->path, &frozen) < 0)
		return 0;
	if (!frozen) {
		cg_mark_remove(&a->d->layout, n->path);
		log_msg(LOG_NOTICE, "%s: pind's mark for budget %s removed: it is not frozen",
			n->path, budget);
		return 0;
	}
	if (policy_adopt_frozen(&a->d->policy, budget, n->path, now_usec()) < 0)
		return -ENOMEM;
	log_msg(LOG_NOTICE, "%s: still frozen for budget %s from before a restart", n->path,
		budget);
	a->n++;
	return 0;
}

/* Where xattrs are not supported (v1), StateFile says what pind froze. */
static int adopt_recorded(const char *budget, const char *cgroup, void *userdata)
{
	Adopt *a = userdata;
	_cleanup_free_ char *mark = NULL;
	bool frozen;

	if (policy_find(&a->d->policy, budget) && policy_find(&a->d->policy, budget)->n_frozen > 0)
		return 0; /* the marks said it already */
	int r = cg_mark_get(&a->d->layout, cgroup, &mark);
	const char *marked = r >= 0 ? mark_budget(mark, a->d->owner) : NULL;
	if ((r < 0 && r != -EOPNOTSUPP) || (r >= 0 && (!marked || strcmp(marked, budget) != 0)))
		return 0; /* a cgroup of the same name, made anew, or someone else's */
	if (cg_frozen(&a->d->layout, cgroup, &frozen) < 0 || !frozen)
		return 0;
	if (policy_adopt_frozen(&a->d->policy, budget, cgroup, now_usec()) < 0)
		return -ENOMEM;
	log_msg(LOG_NOTICE, "%s: still frozen for budget %s from before a restart", cgroup, budget);
	a->n++;
	return 0;
}

static int adopt_leaf(const char *budget, const char *cgroup, uint64_t usage, void *userdata)
{
	Adopt *a = userdata;
	return policy_adopt_leaf(&a->d->policy, budget, cgroup, usage);
}

static void state_dropped(const char *message, void *userdata)
{
	(void)userdata;
	log_msg(LOG_WARNING, "%s", message);
}

/* Resumes what a previous pind froze: it stays frozen while over, is thawed when not. */
void daemon_adopt(Daemon *d)
{
	Adopt a = {.d = d};
	Snapshot snap;

	if (snapshot_take(d->scanner, &d->layout, d->opt.proc_root, daemon_cgroup_root(d), &snap) <
	    0)
		return;
	cg_tree_visit(snap.tree->root, adopt_marked, &a);
	StateLoad l = {.path = d->state_path,
		       .frozen = adopt_recorded,
		       .leaf = adopt_leaf,
		       .dropped = state_dropped,
		       .userdata = &a};
	int r = state_load(&l, &d->reservations);
	if (r < 0 && r != -ENOENT && r != -EBADFD && r != -EFBIG) /* those said already */
		log_msg(LOG_WARNING, "reading %s failed: %s", d->state_path, strerror(-r));
	snapshot_done(&snap);
}

int daemon_run_once(Daemon *d)
{
	Snapshot snap;
	int r =
	    snapshot_take(d->scanner, &d->layout, d->opt.proc_root, daemon_cgroup_root(d), &snap);
	if (r < 0) {
		fprintf(stderr, "pind: measuring below %s failed: %s\n", daemon_cgroup_root(d),
			strerror(-r));
		return 1;
	}
	const char *how = scanner_detail(d->scanner);
	printf("pind: %u processes scanned in %" PRIu64 " us (%s%s%s), %u hold pins: %" PRIu64
	       " bytes pinned, %" PRIu64 " bytes locked\n",
	       snap.stats.visited, snap.stats.usec, d->scanner->ops->name, how ? ", " : "",
	       how ? how : "", snap.tree->all_procs, snap.tree->all_pinned, snap.tree->all_locked);
	snapshot_done(&snap);
	return 0;
}

int daemon_setup(Daemon *d)
{
	_cleanup_free_ char *error = NULL;
	SysInfo si;
	int r;

	r = sysinfo_read(d->opt.proc_root, &si);
	if (r < 0) {
		log_msg(LOG_ERR, "reading %s/meminfo: %s", d->opt.proc_root, strerror(-r));
		return r;
	}
	d->mem_total = si.mem_total;
	r = sources_load(d->opt.root, d->opt.user, d->mem_total, &d->sources, &error);
	if (r < 0) {
		log_msg(LOG_ERR, "refusing to start: %s", error ? error : strerror(-r));
		return r;
	}
	warn_skipped(d);
	bool top = strcmp(d->opt.root, "/") == 0;
	if (top) /* with --root, this is no host's configuration: its systemd is not ours */
		sdunit_connect(d->opt.user, &d->systemd);
	if (d->opt.user && !d->opt.cgroup_root && d->systemd &&
	    (r = sd_manager_cgroup(d->systemd, &d->manager_cgroup, &d->manager_error)) < 0 &&
	    !d->manager_error)
		d->manager_error = strdup(strerror(-r));
	if (!daemon_cgroup_root(d)) { /* pind --user only: the manager did not say */
		_cleanup_free_ char *why = no_cgroup_root(d, d->sources.config_path);
		log_msg(LOG_ERR, "refusing to start: %s", why ? why : strerror(ENOMEM));
		return -EINVAL;
	}
	r = cg_layout_discover(&d->layout);
	if (r < 0) {
		log_msg(LOG_ERR, "cannot find the cgroup hierarchies: %s", strerror(-r));
		return r;
	}
	ScannerKind kind = d->sources.config.scanner;
	int bpf_error;
	r = scanner_new(kind, d->opt.proc_root, &d->layout, &d->scanner, &bpf_error);
	if (r < 0) {
		log_msg(LOG_ERR, "refusing to start: Scanner=%s does not load here: %s",
			scanner_to_string(kind), strerror(-r));
		return r;
	}
	if (bpf_error < 0)
		log_msg(LOG_NOTICE, "the bpf scanner does not load here (%s); scanning procfs",
			strerror(-bpf_error));
	r = own_cgroup(d);
	if (r < 0) {
		log_msg(LOG_ERR, "cannot tell pind's own cgroup: %s", strerror(-r));
		return r;
	}
	if (asprintf(&d->state_path, "%s%s", top ? "" : d->opt.root, d->sources.config.state_file) <
	    0)
		return -ENOMEM;
	d->enforcer = (Enforcer){
	    .layout = &d->layout,
	    .proc_root = d->opt.proc_root,
	    .systemd = d->systemd,
	    .done = enforced,
	    .userdata = d,
	};
	return 0;
}
