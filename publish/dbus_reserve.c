/* SPDX-License-Identifier: MIT */
/* The admission-control half of the D-Bus API: reservations, and the budgets' figures
 * with what is reserved in them. Marshalling only; the rules are in reserve.c. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "dbus_internal.h"
#include "log.h"
#include "macro.h"
#include "reserve.h"
#include "size.h"

typedef struct Grant {
	bool granted;
	const char *id;
	Admission a; /* after the call: a grant is counted in reserved, not in available */
} Grant;

static int reserve(Bus *b, sd_bus_message *m, Grant *g, char **id_copy, sd_bus_error *error)
{
	Daemon *d = b->d;
	const char *name, *holder, *id;
	uint64_t bytes, ttl;
	char want[FORMAT_BYTES_MAX], used[FORMAT_BYTES_MAX], held[FORMAT_BYTES_MAX],
	    max[FORMAT_BYTES_MAX];

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
	ensure_measured(d);
	unsigned count = d->sources.config.count;
	reservations_admit(&d->reservations, d->snap.tree, count, &d->budgets, name, &g->a);
	if (!g->a.budget)
		return sd_bus_error_setf(error, ERR_GROUP, "No budget contains '%s'", name);
	format_bytes(want, sizeof(want), bytes);
	format_bytes(used, sizeof(used), g->a.used);
	format_bytes(max, sizeof(max), g->a.budget->max);
	g->granted = bytes <= g->a.available;
	if (!g->granted) {
		Reservation asked = {.group = (char *)name,
				     .holder = holder[0] ? (char *)holder : NULL,
				     .bytes = bytes};
		daemon_log_reservation(
		    LOG_NOTICE, "denied", &asked, g->a.budget->name,
		    "reservation of %s in %s%s%s denied: %s has %s used + %s reserved of %s", want,
		    name, holder[0] ? " for " : "", holder, g->a.budget->name, used,
		    format_bytes(held, sizeof(held), g->a.reserved), max);
		g->id = "";
		return 0;
	}
	r = reservations_add(&d->reservations, name, bytes, holder, ttl, now_usec(),
			     now_realtime_usec(), &id);
	if (r < 0)
		return r;
	g->a.reserved = g->a.reserved + bytes < bytes ? UINT64_MAX : g->a.reserved + bytes;
	if (g->a.available != UINT64_MAX)
		g->a.available -= bytes;
	daemon_log_reservation(LOG_INFO, "granted", &d->reservations.v[d->reservations.n - 1],
			       g->a.budget->name,
			       "reserved %s in %s as %s%s%s: %s has %s used + %s reserved of %s",
			       want, name, id, holder[0] ? " for " : "", holder, g->a.budget->name,
			       used, format_bytes(held, sizeof(held), g->a.reserved), max);
	/* the scan may end it at once (the holder pins it all) */
	g->id = *id_copy = strdup(id);
	if (!g->id)
		return -ENOMEM;
	return 0;
}

int method_reserve(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;
	_cleanup_free_ char *id = NULL;
	Grant g = {};

	int r = reserve(b, m, &g, &id, error);
	if (r != 0) /* an error, or polkit is asked */
		return r;
	if (g.granted)
		daemon_scan(b->d); /* counts at once, and StateFile keeps it */
	return sd_bus_reply_method_return(m, "bts", g.granted, g.a.available, g.id);
}

int method_reserve_detailed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;
	_cleanup_free_ char *id = NULL, *budget = NULL;
	Grant g = {};

	int r = reserve(b, m, &g, &id, error);
	if (r != 0) /* an error, or polkit is asked */
		return r;
	/* the scan rebuilds the budget set: keep what the reply needs */
	if (!(budget = strdup(g.a.budget->name)))
		return -ENOMEM;
	uint64_t max = g.a.budget->max;
	if (g.granted)
		daemon_scan(b->d); /* counts at once, and StateFile keeps it */
	return sd_bus_reply_method_return(m, "btssttt", g.granted, g.a.available, g.id, budget,
					  g.a.used, g.a.reserved, max);
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
	const Reservation *rv = NULL;
	for (size_t i = 0; i < b->d->reservations.n; i++)
		if (strcmp(b->d->reservations.v[i].id, id) == 0)
			rv = &b->d->reservations.v[i];
	if (!rv)
		return sd_bus_error_setf(error, ERR_ARGS, "No reservation '%.64s'", id);
	char size[FORMAT_BYTES_MAX];
	daemon_log_reservation(LOG_INFO, "released", rv, NULL,
			       "reservation %s of %s in %s%s%s released (D-Bus, by %s)", id,
			       format_bytes(size, sizeof(size), rv->bytes), rv->group,
			       rv->holder ? " for " : "", rv->holder ? rv->holder : "",
			       sd_bus_message_get_sender(m) ? sd_bus_message_get_sender(m) : "?");
	reservations_release(&b->d->reservations, id);
	daemon_scan(b->d);
	return sd_bus_reply_method_return(m, NULL);
}

int method_list_reservations(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;
	Daemon *d = b->d;
	sd_bus_message *reply = NULL;
	uint64_t mono = now_usec(), real = now_realtime_usec();

	(void)error;
	ensure_measured(d);
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
	ensure_measured(b->d);
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
	ensure_measured(b->d);
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
