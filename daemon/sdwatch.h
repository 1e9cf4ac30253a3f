/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

/* The units the manager is stopping, followed from its signals so that pind gets out of
 * their way (a frozen unit's stop would otherwise hang). */

/* fn(unit, true, NULL) when the manager starts stopping a unit (ActiveState=deactivating),
 * fn(unit, true, cgroup) once its cgroup is known, fn(unit, false, NULL) when it leaves
 * that state, fn(NULL, false, NULL) when the connection to the manager is lost (forget
 * them all). Calls come from the event loop the bus is attached to. */
typedef void (*sdwatch_fn)(const char *unit, bool stopping, const char *cgroup, void *userdata);

/* Subscribes to the manager's signals (it sends none to an unsubscribed bus), adds the
 * matches, and asks which units are being stopped already: all without waiting for the
 * answers, which come to fn. */
int sdwatch_start(sd_bus *bus, sdwatch_fn fn, void *userdata);
