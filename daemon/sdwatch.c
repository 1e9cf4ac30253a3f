/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "sdunit.h"
#include "sdwatch.h"

typedef struct Watch {
	sdwatch_fn fn;
	void *userdata;
} Watch;

typedef struct Lookup {
	Watch *w;
	char *unit;
} Lookup;

static void lookup_free(void *userdata)
{
	Lookup *l = userdata;

	free(l->unit);
	free(l);
}

static int on_cgroup(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	Lookup *l = userdata;
	const char *cg;

	(void)ret_error;
	/* an error: the unit is gone already, and its cgroup with it */
	if (!sd_bus_message_is_method_error(m, NULL) &&
	    sd_bus_message_read(m, "v", "s", &cg) >= 0 && cg[0] == '/')
		l->w->fn(l->unit, true, cg, l->w->userdata);
	return 0;
}

/* A unit being stopped: said at once, its cgroup (ControlGroup of its type's interface)
 * when the manager answers. */
static void stopping(Watch *w, sd_bus *bus, const char *unit, const char *object)
{
	_cleanup_free_ char *iface = NULL;
	sd_bus_slot *slot = NULL;

	w->fn(unit, true, NULL, w->userdata);
	Lookup *l = calloc(1, sizeof(*l));
	if (l)
		l->w = w;
	if (!l || !(l->unit = strdup(unit)) || sdunit_interface(unit, &iface) < 0 ||
	    sd_bus_call_method_async(bus, &slot, "org.freedesktop.systemd1", object,
				     "org.freedesktop.DBus.Properties", "Get", on_cgroup, l, "ss",
				     iface, "ControlGroup") < 0) {
		if (l)
			lookup_free(l);
		log_msg(LOG_WARNING, "%s is stopping, but its cgroup cannot be asked for", unit);
		return;
	}
	sd_bus_slot_set_destroy_callback(slot, lookup_free);
	sd_bus_slot_set_floating(slot, 1);
}

/* PropertiesChanged("org.freedesktop.systemd1.Unit", {...}, [...]) on a unit's object. */
static int on_unit_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	Watch *w = userdata;
	_cleanup_free_ char *unit = NULL;
	const char *iface, *key, *state = NULL, *object = sd_bus_message_get_path(m);

	(void)ret_error;
	if (sd_bus_path_decode(object, "/org/freedesktop/systemd1/unit", &unit) <= 0)
		return 0;
	int r = sd_bus_message_read(m, "s", &iface);
	if (r >= 0)
		r = sd_bus_message_enter_container(m, 'a', "{sv}");
	while (r >= 0 && !state && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = sd_bus_message_read(m, "s", &key);
		if (r >= 0 && strcmp(key, "ActiveState") == 0)
			r = sd_bus_message_read(m, "v", "s", &state);
		else if (r >= 0)
			r = sd_bus_message_skip(m, "v");
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	if (r < 0 || !state)
		return 0;
	if (strcmp(state, "deactivating") == 0)
		stopping(w, sd_bus_message_get_bus(m), unit, object);
	else
		w->fn(unit, false, NULL, w->userdata);
	return 0;
}

/* ListUnitsFiltered(["deactivating"]): the stops under way before pind listened. */
static int on_listed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	Watch *w = userdata;
	const char *unit, *object;

	(void)ret_error;
	if (sd_bus_message_is_method_error(m, NULL))
		return 0; /* a manager before v230: only what comes from now on */
	int r = sd_bus_message_enter_container(m, 'a', "(ssssssouso)");
	while (r >= 0 && (r = sd_bus_message_read(m, "(ssssssouso)", &unit, NULL, NULL, NULL, NULL,
						  NULL, &object, NULL, NULL, NULL)) > 0)
		stopping(w, sd_bus_message_get_bus(m), unit, object);
	return 0;
}

static int on_subscribed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	const sd_bus_error *e = sd_bus_message_get_error(m);

	(void)ret_error;
	if (e) {
		log_msg(LOG_WARNING,
			"the manager refused Subscribe (%s): pind does not learn when systemd "
			"stops a unit it froze, and does not thaw it for the stop",
			e->message ? e->message : e->name);
		return 0;
	}
	return sd_bus_call_method_async(sd_bus_message_get_bus(m), NULL, "org.freedesktop.systemd1",
					"/org/freedesktop/systemd1",
					"org.freedesktop.systemd1.Manager", "ListUnitsFiltered",
					on_listed, userdata, "as", 1, "deactivating");
}

static int on_match_installed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	const sd_bus_error *e = sd_bus_message_get_error(m);

	(void)userdata;
	(void)ret_error;
	if (e)
		log_msg(LOG_WARNING,
			"the bus refused pind's match for the manager's unit signals (%s): pind "
			"does not learn when systemd stops a unit it froze",
			e->message ? e->message : e->name);
	return 0; /* the connection stays, for FreezeUnit */
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	Watch *w = userdata;

	(void)m;
	(void)ret_error;
	log_msg(LOG_WARNING, "lost the connection to the manager: freezing goes through "
			     "cgroupfs, and stops are no longer followed");
	w->fn(NULL, false, NULL, w->userdata);
	return 0;
}

int sdwatch_start(sd_bus *bus, sdwatch_fn fn, void *userdata)
{
	Watch *w = malloc(sizeof(*w));
	sd_bus_slot *slot = NULL;

	if (!w)
		return -ENOMEM;
	*w = (Watch){fn, userdata};
	int r = sd_bus_add_match_async(
	    bus, &slot,
	    "type='signal',sender='org.freedesktop.systemd1',"
	    "path_namespace='/org/freedesktop/systemd1/unit',"
	    "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
	    "arg0='org.freedesktop.systemd1.Unit'",
	    on_unit_changed, on_match_installed, w);
	if (r < 0) {
		free(w);
		return r;
	}
	/* the slot, floating, lives as long as the bus and frees w with it */
	sd_bus_slot_set_destroy_callback(slot, free);
	sd_bus_slot_set_floating(slot, 1);
	r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus.Local",
				"/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local",
				"Disconnected", on_disconnected, w);
	if (r >= 0)
		r = sd_bus_call_method_async(
		    bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
		    "org.freedesktop.systemd1.Manager", "Subscribe", on_subscribed, w, "");
	return r;
}
