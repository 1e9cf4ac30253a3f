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
	/* is a manager there at all? (asked before the loop runs; bounded all the same) */
	sd_bus_set_method_call_timeout(bus, FREEZE_CALL_TIMEOUT_USEC);
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

struct SdUnitCall {
	sd_bus *bus;
	sd_bus_slot *slot;
	char *unit, *cgroup;
	bool freeze;
	sdunit_fn fn;
	void *userdata;
};

void sdunit_call_free(SdUnitCall *c)
{
	if (!c)
		return;
	sd_bus_slot_unref(c->slot);
	sd_bus_unref(c->bus);
	free(c->unit);
	free(c->cgroup);
	free(c);
}

/* The manager's answer as an errno: -ENOENT no such unit (or inactive), -EOPNOTSUPP it
 * cannot freeze here (systemd < 246, cgroup v1 or hybrid, where it says so). */
static int manager_errno(const sd_bus_error *e, int r)
{
	if (sd_bus_error_has_names(e, "org.freedesktop.systemd1.NoSuchUnit",
				   "org.freedesktop.systemd1.UnitInactive",
				   "org.freedesktop.DBus.Error.UnknownObject",
				   "org.freedesktop.DBus.Error.UnknownInterface",
				   "org.freedesktop.DBus.Error.UnknownProperty"))
		return -ENOENT;
	if (sd_bus_error_has_names(e, "org.freedesktop.DBus.Error.NotSupported",
				   "org.freedesktop.DBus.Error.UnknownMethod") ||
	    (e->message && strstr(e->message, "support freezing")))
		return -EOPNOTSUPP;
	return r;
}

static void finish(SdUnitCall *c, int result, const char *message)
{
	c->fn(result, message, c->userdata);
	sdunit_call_free(c);
}

static int on_frozen(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	SdUnitCall *c = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(reply);

	(void)ret_error;
	finish(c, e ? manager_errno(e, -sd_bus_message_get_errno(reply)) : 0,
	       e ? e->message : NULL);
	return 0;
}

/* The manager's unit of that name is the one in cgroup (a unit of the same name elsewhere,
 * another manager's or a test's look-alike below CgroupRoot, is never touched): then
 * FreezeUnit or ThawUnit. */
static int on_control_group(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	SdUnitCall *c = userdata;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	const char *cg;

	(void)ret_error;
	c->slot = sd_bus_slot_unref(c->slot);
	const sd_bus_error *e = sd_bus_message_get_error(reply);
	if (e) { /* no such unit; or the manager did not answer in time */
		finish(c, manager_errno(e, -sd_bus_message_get_errno(reply)), e->message);
		return 0;
	}
	if (sd_bus_message_read(reply, "v", "s", &cg) < 0 || strcmp(cg, c->cgroup) != 0) {
		finish(c, -ENOENT, NULL);
		return 0;
	}
	int r = sd_bus_message_new_method_call(
	    c->bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
	    "org.freedesktop.systemd1.Manager", c->freeze ? "FreezeUnit" : "ThawUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", c->unit);
	if (r >= 0)
		r = sd_bus_call_async(c->bus, &c->slot, m, on_frozen, c, FREEZE_CALL_TIMEOUT_USEC);
	if (r < 0)
		finish(c, r, NULL);
	return 0;
}

int sdunit_freeze_async(sd_bus *bus, const char *unit, const char *cgroup, bool freeze,
			sdunit_fn fn, void *userdata, SdUnitCall **ret)
{
	_cleanup_free_ char *iface = NULL, *path = NULL;
	SdUnitCall *c;

	int r = sdunit_interface(unit, &iface);
	if (r < 0)
		return -ENOENT;
	r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path);
	if (r < 0)
		return r;
	if (!(c = calloc(1, sizeof(*c))))
		return -ENOMEM;
	*c = (SdUnitCall){.bus = sd_bus_ref(bus), .freeze = freeze, .fn = fn, .userdata = userdata};
	if (!(c->unit = strdup(unit)) || !(c->cgroup = strdup(cgroup))) {
		sdunit_call_free(c);
		return -ENOMEM;
	}
	/* with the same bound as FreezeUnit: a manager that hangs does not hold the freeze
	 * for sd-bus's default 25 s */
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.systemd1", path,
					   "org.freedesktop.DBus.Properties", "Get");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", iface, "ControlGroup");
	if (r >= 0)
		r = sd_bus_call_async(bus, &c->slot, m, on_control_group, c,
				      FREEZE_CALL_TIMEOUT_USEC);
	if (r < 0) {
		sdunit_call_free(c);
		return r;
	}
	*ret = c;
	return 0;
}
