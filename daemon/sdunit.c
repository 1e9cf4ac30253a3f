/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "sdunit.h"

#define FREEZE_CALL_TIMEOUT_USEC (5 * 1000000ULL)

int sdunit_connect(bool user, sd_bus **ret)
{
	sd_bus *bus = NULL;

	*ret = NULL;
	int r = user ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
	if (r < 0)
		return 0; /* no bus here: freezing goes through cgroupfs */
	/* is a manager there at all? */
	sd_bus_error error = SD_BUS_ERROR_NULL;
	char *version = NULL;
	r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
				       "org.freedesktop.systemd1.Manager", "Version", &error,
				       &version);
	sd_bus_error_free(&error);
	free(version);
	if (r < 0) {
		sd_bus_flush_close_unref(bus);
		return 0;
	}
	*ret = bus;
	return 0;
}

/* The manager's unit of that name is the one in cgroup: a unit of the same name elsewhere
 * (another manager's, or a test's look-alike below CgroupRoot) is never touched. */
static int unit_has_cgroup(sd_bus *bus, const char *unit, const char *cgroup)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path, *dot = strrchr(unit, '.');
	_cleanup_free_ char *cg = NULL, *iface = NULL;

	int r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
				   "org.freedesktop.systemd1.Manager", "GetUnit", &error, &reply,
				   "s", unit);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &path);
	if (r >= 0 &&
	    asprintf(&iface, "org.freedesktop.systemd1.%c%s", dot[1] - 'a' + 'A', dot + 2) < 0)
		r = -ENOMEM;
	if (r >= 0)
		r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path, iface,
					       "ControlGroup", &error, &cg);
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
	if (r < 0)
		return -ENOENT;
	return strcmp(cg, cgroup) == 0 ? 0 : -ENOENT;
}

int sdunit_freeze(sd_bus *bus, const char *unit, const char *cgroup, bool freeze,
		  char **ret_message)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;

	if (ret_message)
		*ret_message = NULL;
	if (!strrchr(unit, '.') || unit_has_cgroup(bus, unit, cgroup) < 0)
		return -ENOENT;
	int r = sd_bus_message_new_method_call(
	    bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
	    "org.freedesktop.systemd1.Manager", freeze ? "FreezeUnit" : "ThawUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", unit);
	if (r >= 0)
		r = sd_bus_call(bus, m, FREEZE_CALL_TIMEOUT_USEC, &error, &reply);
	if (r < 0 && sd_bus_error_is_set(&error)) {
		if (ret_message && error.message)
			*ret_message = strdup(error.message);
		if (sd_bus_error_has_names(&error, "org.freedesktop.systemd1.NoSuchUnit",
					   "org.freedesktop.systemd1.UnitInactive"))
			r = -ENOENT;
		else if (sd_bus_error_has_names(&error, "org.freedesktop.DBus.Error.NotSupported",
						"org.freedesktop.DBus.Error.UnknownMethod") ||
			 (error.message && strstr(error.message, "support freezing")))
			r = -EOPNOTSUPP;
	}
	sd_bus_error_free(&error);
	sd_bus_message_unref(m);
	sd_bus_message_unref(reply);
	return r;
}

typedef struct UnitWatch {
	sdunit_state_fn changed;
	void *userdata;
} UnitWatch;

/* PropertiesChanged("org.freedesktop.systemd1.Unit", {...}, [...]) on a unit's object. */
static int on_unit_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	UnitWatch *w = userdata;
	_cleanup_free_ char *unit = NULL;
	const char *iface, *key, *state = NULL;

	(void)ret_error;
	if (sd_bus_path_decode(sd_bus_message_get_path(m), "/org/freedesktop/systemd1/unit",
			       &unit) <= 0)
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
	if (r >= 0 && state)
		w->changed(unit, state, w->userdata);
	return 0;
}

static int on_subscribed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	const sd_bus_error *e = sd_bus_message_get_error(m);

	(void)userdata;
	(void)ret_error;
	if (e)
		log_msg(LOG_WARNING,
			"the manager refused Subscribe (%s): pind does not learn when systemd "
			"stops a unit it froze, and does not thaw it for the stop",
			e->message ? e->message : e->name);
	return 0;
}

int sdunit_watch(sd_bus *bus, sdunit_state_fn changed, void *userdata)
{
	UnitWatch *w = malloc(sizeof(*w));
	sd_bus_slot *slot = NULL;

	if (!w)
		return -ENOMEM;
	*w = (UnitWatch){changed, userdata};
	int r = sd_bus_add_match_async(
	    bus, &slot,
	    "type='signal',sender='org.freedesktop.systemd1',"
	    "path_namespace='/org/freedesktop/systemd1/unit',"
	    "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
	    "arg0='org.freedesktop.systemd1.Unit'",
	    on_unit_changed, NULL, w);
	if (r < 0) {
		free(w);
		return r;
	}
	/* the slot, floating, lives as long as the bus and frees w with it */
	sd_bus_slot_set_destroy_callback(slot, free);
	sd_bus_slot_set_floating(slot, 1);
	return sd_bus_call_method_async(
	    bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
	    "org.freedesktop.systemd1.Manager", "Subscribe", on_subscribed, NULL, "");
}
