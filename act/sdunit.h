/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

/* systemd's own freezer: FreezeUnit()/ThawUnit() on the manager pind serves (the system
 * manager, or a user manager with --user), so that systemd knows the unit is frozen. */

/* Connects to the manager's bus; NULL (and 0) when there is none to reach. */
int sdunit_connect(bool user, sd_bus **ret);

/* Freezes or thaws unit through the manager, if the manager's unit of that name is the
 * one in cgroup. -EOPNOTSUPP when the manager or the unit does not support freezing
 * (systemd < 246, or cgroup v1 or hybrid hosts, where it says so), -ENOENT when it knows
 * no such unit in that cgroup; *ret_message says what the manager answered (may be
 * NULL). */
int sdunit_freeze(sd_bus *bus, const char *unit, const char *cgroup, bool freeze,
		  char **ret_message);

/* The D-Bus interface of a unit's type ("org.freedesktop.systemd1.Service" for
 * "vm1.service"), whose ControlGroup property names its cgroup. */
int sdunit_interface(const char *unit, char **ret);
