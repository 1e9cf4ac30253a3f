/* SPDX-License-Identifier: MIT */
/*
 * fakepolkit - a stand-in for polkit on a private system bus, for tests.
 *
 *   fakepolkit allow|deny|silent
 *
 * Takes org.freedesktop.PolicyKit1 on $DBUS_SYSTEM_BUS_ADDRESS and answers every
 * CheckAuthorization with authorized (allow) or not (deny), printing the action and
 * the subject's bus name on stdout; silent takes the name and never reads a message,
 * as a polkit that hangs. Prints "ready" once it owns the name; runs until killed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

static int allow;

static int check_authorization(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *kind, *key, *name = "?", *action;

	(void)userdata;
	(void)error;
	int r = sd_bus_message_enter_container(m, 'r', "sa{sv}");
	if (r >= 0)
		r = sd_bus_message_read(m, "s", &kind);
	if (r >= 0)
		r = sd_bus_message_enter_container(m, 'a', "{sv}");
	while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = sd_bus_message_read(m, "s", &key);
		if (r >= 0 && strcmp(key, "name") == 0)
			r = sd_bus_message_read(m, "v", "s", &name);
		else if (r >= 0)
			r = sd_bus_message_skip(m, "v");
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	if (r >= 0)
		r = sd_bus_message_read(m, "s", &action);
	if (r < 0)
		return r;
	printf("%s %s %s\n", allow ? "allowed" : "denied", action, name);
	fflush(stdout);
	return sd_bus_reply_method_return(m, "(bba{ss})", allow, 0, 0);
}

static const sd_bus_vtable vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("CheckAuthorization", "(sa{sv})sa{ss}us", "(bba{ss})", check_authorization,
		  SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END,
};

int main(int argc, char **argv)
{
	sd_bus *bus = NULL;

	if (argc != 2 || (strcmp(argv[1], "allow") != 0 && strcmp(argv[1], "deny") != 0 &&
			  strcmp(argv[1], "silent") != 0)) {
		fprintf(stderr, "usage: fakepolkit allow|deny|silent\n");
		return 2;
	}
	allow = strcmp(argv[1], "allow") == 0;
	int r = sd_bus_open_system(&bus);
	if (r >= 0)
		r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/PolicyKit1/Authority",
					     "org.freedesktop.PolicyKit1.Authority", vtable, NULL);
	if (r >= 0)
		r = sd_bus_request_name(bus, "org.freedesktop.PolicyKit1", 0);
	if (r < 0) {
		fprintf(stderr, "fakepolkit: taking org.freedesktop.PolicyKit1: %s\n",
			strerror(-r));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	if (strcmp(argv[1], "silent") == 0)
		for (;;)
			pause();
	for (;;) {
		r = sd_bus_process(bus, NULL);
		if (r < 0) {
			fprintf(stderr, "fakepolkit: %s\n", strerror(-r));
			return 1;
		}
		if (r == 0 && (r = sd_bus_wait(bus, UINT64_MAX)) < 0 && r != -EINTR) {
			fprintf(stderr, "fakepolkit: %s\n", strerror(-r));
			return 1;
		}
	}
}
