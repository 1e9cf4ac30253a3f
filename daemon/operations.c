/* SPDX-License-Identifier: MIT */
/* What callers of the D-Bus API change in the daemon: budgets through drop-ins, freezes by
 * hand, reservations. The bus layer checks access and arguments and marshals; the state
 * is changed here. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "actuate.h"
#include "daemon.h"
#include "dropin.h"
#include "log.h"
#include "macro.h"
#include "size.h"

void daemon_ensure_measured(Daemon *d)
{
	if (!d->snap.tree)
		daemon_scan(d);
}

int daemon_write_setting(Daemon *d, const DaemonSetting *s, char **ret_path, char **ret_problem)
{
	const UnitPaths *p = &d->sources.paths;
	_cleanup_free_ char *path = NULL;

	*ret_path = *ret_problem = NULL;
	int r = dropin_write(s->runtime ? p->runtime_control : p->control, s->unit, s->file, s->key,
			     s->value, &path);
	if (r < 0)
		return r;
	log_msg(LOG_INFO, "%s=%s for %s written to %s (D-Bus, by %s)", s->key, s->value, s->unit,
		path, s->who);
	r = daemon_reload(d, ret_problem);
	*ret_path = TAKE_PTR(path);
	return r < 0 ? -EUCLEAN : 0;
}

int daemon_freeze_by_hand(Daemon *d, const char *name, bool freeze, const char *who)
{
	CgNode *n;

	daemon_ensure_measured(d);
	int r = cg_tree_resolve(d->snap.tree, name, &n);
	if (r < 0)
		return r;
	if (n == d->snap.tree->root || strcmp(n->path, "/") == 0)
		return -EISDIR;
	r = freeze ? cg_manual_freeze(&d->layout, n->path) : cg_manual_thaw(&d->layout, n->path);
	if (r != 0)
		return r; /* > 0: nothing to do */
	if (!freeze)      /* pind's own freeze, undone by hand: no longer pind's */
		policy_forget_frozen(&d->policy, n->path, now_usec());
	log_msg(LOG_NOTICE, "%s %s on request (D-Bus, by %s)", freeze ? "froze" : "thawed", name,
		who);
	return 0;
}

int daemon_reserve(Daemon *d, const DaemonReserve *q, DaemonGrant *ret)
{
	char want[FORMAT_BYTES_MAX], used[FORMAT_BYTES_MAX], held[FORMAT_BYTES_MAX],
	    max[FORMAT_BYTES_MAX];
	Admission *a = &ret->a;
	const char *id;

	*ret = (DaemonGrant){};
	daemon_ensure_measured(d);
	reservations_admit(&d->reservations, d->snap.tree, d->sources.config.count, &d->budgets,
			   q->group, a);
	if (!a->budget)
		return -ENOENT;
	/* the scan below rebuilds the budget set: keep what the reply needs */
	if (!(ret->budget = strdup(a->budget->name)))
		return -ENOMEM;
	ret->max = a->budget->max;
	a->budget = NULL; /* a scan frees it */
	format_bytes(want, sizeof(want), q->bytes);
	format_bytes(used, sizeof(used), a->used);
	format_bytes(max, sizeof(max), ret->max);
	if (q->bytes > a->available) {
		Reservation asked = {
		    .group = (char *)q->group, .holder = (char *)q->holder, .bytes = q->bytes};
		daemon_log_reservation(
		    LOG_NOTICE, "denied", &asked, ret->budget,
		    "reservation of %s in %s%s%s denied: %s has %s used + %s reserved of %s", want,
		    q->group, q->holder ? " for " : "", q->holder ? q->holder : "", ret->budget,
		    used, format_bytes(held, sizeof(held), a->reserved), max);
		return 0;
	}
	int r = reservations_add(&d->reservations, q->group, q->bytes, q->holder, q->ttl_usec,
				 now_usec(), now_realtime_usec(), &id);
	if (r < 0)
		return r;
	ret->granted = true;
	a->reserved = a->reserved + q->bytes < q->bytes ? UINT64_MAX : a->reserved + q->bytes;
	if (a->available != UINT64_MAX)
		a->available -= q->bytes;
	daemon_log_reservation(
	    LOG_INFO, "granted", &d->reservations.v[d->reservations.n - 1], ret->budget,
	    "reserved %s in %s as %s%s%s: %s has %s used + %s reserved of %s", want, q->group, id,
	    q->holder ? " for " : "", q->holder ? q->holder : "", ret->budget, used,
	    format_bytes(held, sizeof(held), a->reserved), max);
	if (!(ret->id = strdup(id)))
		return -ENOMEM;
	daemon_scan(d); /* counts at once (the holder may take it over), StateFile keeps it */
	return 0;
}

void daemon_grant_done(DaemonGrant *g)
{
	free(g->id);
	free(g->budget);
	*g = (DaemonGrant){};
}

int daemon_release(Daemon *d, const char *id, const char *who)
{
	const Reservation *rv = NULL;
	char size[FORMAT_BYTES_MAX];

	for (size_t i = 0; i < d->reservations.n; i++)
		if (strcmp(d->reservations.v[i].id, id) == 0)
			rv = &d->reservations.v[i];
	if (!rv)
		return -ENOENT;
	daemon_log_reservation(LOG_INFO, "released", rv, NULL,
			       "reservation %s of %s in %s%s%s released (D-Bus, by %s)", id,
			       format_bytes(size, sizeof(size), rv->bytes), rv->group,
			       rv->holder ? " for " : "", rv->holder ? rv->holder : "", who);
	reservations_release(&d->reservations, id);
	daemon_scan(d);
	return 0;
}

typedef struct ActedWaiter {
	daemon_acted_fn fn;
	void *userdata;
	uint64_t calls; /* the enforcer's before the scan: what came after is the scan's */
} ActedWaiter;

int daemon_rescan(Daemon *d, daemon_acted_fn fn, void *userdata)
{
	uint64_t before = enforcer_calls(&d->enforcer);

	daemon_scan(d);
	ActedWaiter *w =
	    enforcer_out_since(&d->enforcer, before) ? GROW(d->waiters, d->n_waiters) : NULL;
	if (!w) { /* nothing of this scan's out; or no memory to wait: done */
		fn(userdata);
		return 0;
	}
	*w = (ActedWaiter){fn, userdata, before};
	d->n_waiters++;
	return 0;
}

void daemon_acted(Daemon *d)
{
	for (size_t i = 0; i < d->n_waiters;) {
		ActedWaiter w = d->waiters[i];
		if (enforcer_out_since(&d->enforcer, w.calls)) {
			i++;
			continue;
		}
		/* out of the list first: the callback may scan again */
		memmove(&d->waiters[i], &d->waiters[i + 1],
			(d->n_waiters - i - 1) * sizeof(*d->waiters));
		d->n_waiters--;
		w.fn(w.userdata);
	}
	if (d->n_waiters == 0) {
		free(d->waiters);
		d->waiters = NULL;
	}
}
