/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "pinctl.h"

/* pind's D-Bus API, as pinctl uses it (docs/org.pind.Pind1.md). */

#define PIND_BUS_NAME  "org.pind.Pind1"
#define PIND_BUS_PATH  "/org/pind/Pind1"
#define PIND_BUS_IFACE "org.pind.Pind1.Manager"

static inline void bus_error_freep(sd_bus_error *e)
{
	sd_bus_error_free(e);
}
#define _cleanup_bus_error_ __attribute__((cleanup(bus_error_freep)))

static inline void bus_message_unrefp(sd_bus_message **m)
{
	sd_bus_message_unref(*m);
}
#define _cleanup_bus_message_ __attribute__((cleanup(bus_message_unrefp)))

typedef struct Pind {
	sd_bus *bus;    /* NULL: no bus (or --direct) */
	bool reachable; /* the bus is there and org.pind.Pind1 has an owner */
	bool user;      /* the user bus */
	char *reason;   /* why pind is not reachable */
} Pind;

/* Connects to the system bus (the user bus with --user) and asks whether pind owns its
 * name; never starts pind. A missing bus is no error: reachable stays false and reason
 * says why. Only -ENOMEM fails. */
int pind_open(const Args *a, Pind *ret);
void pind_done(Pind *p);

/* "the system bus" or "the user bus" */
const char *pind_bus_name(const Pind *p);

/* Prints "pinctl: pind is not reachable (on the system bus): REASON"; returns EXIT_FAIL. */
int pind_unreachable(const Pind *p);

/* Calls a method of pind's object (of its manager interface: pind_call()); on failure
 * prints the error once, what (the group, value or id concerned) first, and returns:
 * -ENOENT no such group, -EINVAL invalid value or arguments, -EACCES access denied. */
int pind_call_iface(Pind *p, const char *iface, const char *what, const char *member,
		    sd_bus_message **ret_reply, const char *types, ...);
/* The same with a message made by pind_new_call() and filled by the caller; what NULL:
 * pind's error message alone says what failed. */
int pind_new_call(Pind *p, const char *iface, const char *member, sd_bus_message **ret);
int pind_call_message(Pind *p, const char *what, sd_bus_message *m, sd_bus_message **ret_reply);
#define pind_call(p, what, member, ret_reply, ...)                                                 \
	pind_call_iface(p, PIND_BUS_IFACE, what, member, ret_reply, __VA_ARGS__)

/* The exit code for a negative errno: 5, 2, 4, else 1. */
int exit_code_from_errno(int r);

/* status, list and ps through pind (bus_show.c). */
int bus_show(const Args *a, Pind *p);

/* freeze NAME, thaw NAME through pind. */
int bus_freeze(const Args *a, Pind *p, bool freeze);

int run_reserve(const Args *a, Pind *p);
int run_release(const Args *a, Pind *p);
int run_reload(const Args *a, Pind *p);
int run_monitor(const Args *a, Pind *p);

/* libvirt-hook GUEST OP SUBOP EXTRA (libvirt_hook.c). */
int run_libvirt_hook(const Args *a, Pind *p);
