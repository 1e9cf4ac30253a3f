/* SPDX-License-Identifier: MIT */
/* The admission-control half of the D-Bus API: reservations, and the budgets' figures
 * with what is reserved in them. Marshalling only: daemon_reserve() and daemon_release()
 * change the state, the rules are in reserve.c. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "dbus_internal.h"
#include "log.h"
#include "macro.h"
#include "reserve.h"
#include "size.h"

/* Reads and checks Reserve's arguments and reserves; 1 while polkit is asked. */
static int reserve(Bus *b, sd_bus_message *m, DaemonGrant *g, sd_bus_error *error)
{
	const char *name, *holder;
	uint64_t bytes, ttl;

	int r = sd_bus_message_read(m, "stst", &name, &bytes, &holder, &ttl);
	if (r < 0)
		return r;
	if ((r = check_access(b, m, error)) != 0 || (r = check_name(name, false, error)) < 0)
		return r;
	if (holder[0] && (r = check_name(holder, false, error)) < 0)
		return r;
	if (bytes == 0 || bytes > BUDGET_BYTES_MAX)
		return sd_bus_error_setf(
		    error, ERR_VALUE,
		    "Reserving %" PRIu64 " bytes makes no sense (1 byte to 1 EiB)", bytes);
	DaemonReserve q = {
	    .group = name, .bytes = bytes, .holder = holder[0] ? holder : NULL, .ttl_usec = ttl};
	r = daemon_reserve(b->d, &q, g);
	if (r == -ENOENT)
		return sd_bus_error_setf(error, ERR_GROUP, "No budget contains '%s'", name);
	return r < 0 ? r : 0;
}

int method_reserve(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	_cleanup_(daemon_grant_done) DaemonGrant g = {};

	int r = reserve(userdata, m, &g, error);
	if (r != 0) /* an error, or polkit is asked */
		return r;
	return sd_bus_reply_method_return(m, "bts", g.granted, g.a.available, g.id ? g.id : "");
}

int method_reserve_detailed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	_cleanup_(daemon_grant_done) DaemonGrant g = {};

	int r = reserve(userdata, m, &g, error);
	if (r != 0) /* an error, or polkit is asked */
		return r;
	return sd_bus_reply_method_return(m, "btssttt", g.granted, g.a.available, g.id ? g.id : "",
					  g.budget, g.a.used, g.a.reserved, g.max);
}

int method_release(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;
	const char *id;

	int r = sd_bus_message_read(m, "s", &id);
	if (r < 0)
		return r;
	if ((r = check_access(b, m, error)) != 0)
		return r;
	r = daemon_release(b->d, id, sender(m));
	if (r == -ENOENT)
		return sd_bus_error_setf(error, ERR_ARGS, "No reservation '%.64s'", id);
	if (r < 0)
		return r;
	return sd_bus_reply_method_return(m, NULL);
}

typedef struct Listing {
	const Daemon *d;
	uint64_t mono, real; /* now, once for the whole reply */
} Listing;

static int append_reservation(sd_bus_message *reply, size_t i, void *userdata)
{
	const Listing *l = userdata;
	const Daemon *d = l->d;
	const Reservation *rv = &d->reservations.v[i];
	uint64_t mono = l->mono, real = l->real;
	uint64_t expires = !rv->expires          ? 0
			   : rv->expires <= mono ? real
						 : real + (rv->expires - mono);

	return sd_bus_message_append(
	    reply, "(ssstttt)", rv->id, rv->group, rv->holder ? rv->holder : "", rv->bytes,
	    reservation_left(rv, d->snap.tree, d->sources.config.count), rv->created, expires);
}

int method_list_reservations(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;

	(void)error;
	daemon_ensure_measured(b->d);
	Listing l = {.d = b->d, .mono = now_usec(), .real = now_realtime_usec()};
	return reply_with(m, "(ssstttt)", b->d->reservations.n, append_reservation, &l);
}

/* ListBudgets (all of them) and GetBudget (one) */
typedef struct Budgets {
	Daemon *d;
	const Budget *only;
} Budgets;

static int append_budget(sd_bus_message *reply, size_t i, void *userdata)
{
	const Budgets *bs = userdata;
	const Daemon *d = bs->d;
	const Budget *bu = bs->only ? bs->only : &d->budgets.budgets[i];
	CgNode *n;

	if (cg_tree_resolve(d->snap.tree, bu->name, &n) < 0)
		n = NULL;
	/* reserved: as the last scan (which every Reserve and Release runs) counted it */
	return sd_bus_message_append(reply, "(sstttss)", bu->name, n ? n->path : "",
				     cg_usage(n, d->sources.config.count), bu->reserved, bu->max,
				     action_to_string(bu->action), target_to_string(bu->target));
}

int method_list_budgets(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;
	Budgets bs = {.d = b->d};

	(void)error;
	daemon_ensure_measured(b->d);
	return reply_with(m, "(sstttss)", b->d->budgets.n, append_budget, &bs);
}

int method_get_budget(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;
	const char *name;

	int r = read_name(m, &name, error);
	if (r < 0)
		return r;
	daemon_ensure_measured(b->d);
	Budgets bs = {.d = b->d, .only = budgets_find(&b->d->budgets, name)};
	if (!bs.only)
		return sd_bus_error_setf(error, ERR_GROUP, "No budget for '%s'", name);
	return reply_with(m, NULL, 1, append_budget, &bs);
}
