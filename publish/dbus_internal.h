/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "daemon.h"
#include "polkit.h"

/* Inside the D-Bus layer (dbus_api.c, dbus_reserve.c). */

#define ERR_GROUP  "org.pind.Pind1.Error.NoSuchGroup"
#define ERR_VALUE  "org.pind.Pind1.Error.InvalidValue"
#define ERR_ACCESS "org.freedesktop.DBus.Error.AccessDenied"
#define ERR_ARGS   "org.freedesktop.DBus.Error.InvalidArgs"

struct Bus {
	Daemon *d;
	sd_bus *bus;
	sd_bus_slot *slot;
	Polkit *polkit;
};

/* Changing methods: 0 for uid 0 or what polkit allows; 1 while polkit is asked (return
 * 1, handled for now: the method runs again with the answer); else AccessDenied. */
int check_access(Bus *b, sd_bus_message *m, sd_bus_error *error);
/* A group name (unit_only: a unit name) fit to look up, else InvalidArgs. */
int check_name(const char *name, bool unit_only, sd_bus_error *error);
/* A method's one argument, a group name, read and checked. */
int read_name(sd_bus_message *m, const char **ret, sd_bus_error *error);
/* Replies to m with n elements, each appended by fn(reply, i, userdata): as an array of
 * array_of, or (array_of NULL, n 1) as the element itself. */
typedef int (*append_fn)(sd_bus_message *reply, size_t i, void *userdata);
int reply_with(sd_bus_message *m, const char *array_of, size_t n, append_fn fn, void *userdata);

/* The caller, for the log. */
const char *sender(sd_bus_message *m);

/* Admission control: Reserve, ReserveDetailed, Release, ListReservations, and the
 * budgets' figures with what is reserved (ListBudgets, GetBudget). */
int method_reserve(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_reserve_detailed(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_release(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_list_reservations(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_list_budgets(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_get_budget(sd_bus_message *m, void *userdata, sd_bus_error *error);
