/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

/* systemd's own freezer: FreezeUnit()/ThawUnit() on the manager pind serves (the system
 * manager, or a user manager with --user), so that systemd knows the unit is frozen. */

/* Connects to the manager's bus; NULL (and 0) when there is none to reach. */
int sdunit_connect(bool user, sd_bus **ret);

/* Freezes or thaws unit through the manager, if the manager's unit of that name is the
 * one in cgroup, without waiting: fn gets the result when the manager has answered, 0 or
 * -ENOENT (it knows no such unit in that cgroup), -EOPNOTSUPP (the manager or the unit
 * does not support freezing: systemd < 246, cgroup v1 or hybrid hosts), or the error,
 * with what the manager said (may be NULL). The call frees itself after fn; *ret is the
 * handle to cancel it before (fn is then never called). */
typedef struct SdUnitCall SdUnitCall;
typedef void (*sdunit_fn)(int result, const char *message, void *userdata);
int sdunit_freeze_async(sd_bus *bus, const char *unit, const char *cgroup, bool freeze,
			sdunit_fn fn, void *userdata, SdUnitCall **ret);
void sdunit_call_free(SdUnitCall *c);

/* The D-Bus interface of a unit's type ("org.freedesktop.systemd1.Service" for
 * "vm1.service"), whose ControlGroup property names its cgroup. */
int sdunit_interface(const char *unit, char **ret);
