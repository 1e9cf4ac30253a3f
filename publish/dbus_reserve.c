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
	if (bytes == 0 || bytes > ABSURD_BYTES)
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

int method_list_reservations(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;
	Daemon *d = b->d;
	sd_bus_message *reply = NULL;
	uint64_t mono = now_usec(), real = now_realtime_usec();

	(void)error;
	daemon_ensure_measured(d);
	int r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(ssstttt)");
	for (size_t i = 0; r >= 0 && i < d->reservations.n; i++) {
		const Reservation *rv = &d->reservations.v[i];
		uint64_t expires = !rv->expires          ? 0
				   : rv->expires <= mono ? real
							 : real + (rv->expires - mono);
		r = sd_bus_message_append(
		    reply, "(ssstttt)", rv->id, rv->group, rv->holder ? rv->holder : "", rv->bytes,
		    reservation_left(rv, d->snap.tree, d->sources.config.count), rv->created,
		    expires);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	return r;
}

static int append_budget(Daemon *d, sd_bus_message *reply, const Budget *bu)
{
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
	sd_bus_message *reply = NULL;

	(void)error;
	daemon_ensure_measured(b->d);
	int r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(sstttss)");
	for (size_t i = 0; r >= 0 && i < b->d->budgets.n; i++)
		r = append_budget(b->d, reply, &b->d->budgets.budgets[i]);
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	return r;
}

int method_get_budget(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;
	sd_bus_message *reply = NULL;
	const char *name;

	int r = sd_bus_message_read(m, "s", &name);
	if (r < 0)
		return r;
	if ((r = check_name(name, false, error)) < 0)
		return r;
	daemon_ensure_measured(b->d);
	const Budget *bu = budgets_find(&b->d->budgets, name);
	if (!bu)
		return sd_bus_error_setf(error, ERR_GROUP, "No budget for '%s'", name);
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = append_budget(b->d, reply, bu);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	return r;
}
