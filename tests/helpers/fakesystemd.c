/* SPDX-License-Identifier: MIT */
/*
 * fakesystemd - a stand-in for a service manager that hangs, on a private bus, for tests.
 *
 *   fakesystemd [--user] hang|silent UNIT=CGROUP...
 *
 * Takes org.freedesktop.systemd1 on the system bus ($DBUS_SYSTEM_BUS_ADDRESS; with
 * --user the user bus, $DBUS_SESSION_BUS_ADDRESS). hang answers the manager's Version
 * and each UNIT's ControlGroup (CGROUP), and takes FreezeUnit and ThawUnit without ever
 * answering, printing "FreezeUnit UNIT" on stdout; silent takes the name and reads no
 * message at all, as a manager that hangs altogether. Prints "ready" once it owns the
 * name; runs until killed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

static int get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
		       sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	(void)bus;
	(void)path;
	(void)interface;
	(void)property;
	(void)userdata;
	(void)error;
	return sd_bus_message_append(reply, "s", "252 (fake)");
}

/* FreezeUnit and ThawUnit: said, and never answered */
static int take_and_hold(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *unit;

	(void)userdata;
	(void)error;
	int r = sd_bus_message_read(m, "s", &unit);
	if (r < 0)
		return r;
	printf("%s %s\n", sd_bus_message_get_member(m), unit);
	fflush(stdout);
	return 1; /* handled: no reply, ever */
}

static const sd_bus_vtable manager[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Version", "s", get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_METHOD("FreezeUnit", "s", "", take_and_hold, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("ThawUnit", "s", "", take_and_hold, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END,
};

static int get_cgroup(sd_bus *bus, const char *path, const char *interface, const char *property,
		      sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	(void)bus;
	(void)path;
	(void)interface;
	(void)property;
	(void)error;
	return sd_bus_message_append(reply, "s", (const char *)userdata);
}

static const sd_bus_vtable unit[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("ControlGroup", "s", get_cgroup, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_VTABLE_END,
};

/* UNIT=CGROUP: the unit's object, with ControlGroup on its type's interface */
static int add_unit(sd_bus *bus, char *spec)
{
	char *eq = strchr(spec, '='), *dot, iface[64], *path = NULL;

	if (!eq || !(*eq = 0, dot = strrchr(spec, '.')) || !dot[1])
		return -EINVAL;
	snprintf(iface, sizeof(iface), "org.freedesktop.systemd1.%c%s", dot[1] - 'a' + 'A',
		 dot + 2);
	int r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", spec, &path);
	if (r >= 0)
		r = sd_bus_add_object_vtable(bus, NULL, path, iface, unit, eq + 1);
	free(path);
	return r;
}

int main(int argc, char **argv)
{
	sd_bus *bus = NULL;
	int i = 1, user = 0;

	if (i < argc && strcmp(argv[i], "--user") == 0)
		user = 1, i++;
	if (i >= argc || (strcmp(argv[i], "hang") != 0 && strcmp(argv[i], "silent") != 0)) {
		fprintf(stderr, "usage: fakesystemd [--user] hang|silent UNIT=CGROUP...\n");
		return 2;
	}
	int silent = strcmp(argv[i++], "silent") == 0;
	int r = user ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
	if (r >= 0)
		r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/systemd1",
					     "org.freedesktop.systemd1.Manager", manager, NULL);
	for (; r >= 0 && i < argc; i++)
		if ((r = add_unit(bus, argv[i])) < 0)
			fprintf(stderr, "fakesystemd: %s: %s\n", argv[i], strerror(-r));
	if (r >= 0)
		r = sd_bus_request_name(bus, "org.freedesktop.systemd1", 0);
	if (r < 0) {
		fprintf(stderr, "fakesystemd: taking org.freedesktop.systemd1: %s\n", strerror(-r));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	if (silent)
		for (;;)
			pause();
	for (;;) {
		r = sd_bus_process(bus, NULL);
		if (r < 0) {
			fprintf(stderr, "fakesystemd: %s\n", strerror(-r));
			return 1;
		}
		if (r == 0 && (r = sd_bus_wait(bus, UINT64_MAX)) < 0 && r != -EINTR) {
			fprintf(stderr, "fakesystemd: %s\n", strerror(-r));
			return 1;
		}
	}
}
