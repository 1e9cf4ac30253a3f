/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

int sdunit_interface(const char *unit, char **ret)
{
	const char *dot = strrchr(unit, '.');

	if (!dot || dot[1] < 'a' || dot[1] > 'z')
		return -EINVAL;
	return asprintf(ret, "org.freedesktop.systemd1.%c%s", dot[1] - 'a' + 'A', dot + 2) < 0
		   ? -ENOMEM
		   : 0;
}

/* The manager's unit of that name is the one in cgroup: a unit of the same name elsewhere
 * (another manager's, or a test's look-alike below CgroupRoot) is never touched. */
static int unit_has_cgroup(sd_bus *bus, const char *unit, const char *cgroup)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path;
	_cleanup_free_ char *cg = NULL, *iface = NULL;

	int r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
				   "org.freedesktop.systemd1.Manager", "GetUnit", &error, &reply,
				   "s", unit);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &path);
	if (r >= 0)
		r = sdunit_interface(unit, &iface);
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
