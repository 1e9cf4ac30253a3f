/* SPDX-License-Identifier: MIT */
#pragma once

#include <systemd/sd-bus.h>

/* What a systemd manager says of itself over its bus. */

/* The manager's own cgroup (Manager.ControlGroup): for a user manager its subtree,
 * "/user.slice/user-1000.slice/user@1000.service", which pind --user manages. *ret is
 * malloc'd; -ENOENT when the manager names none, else the bus's errno (*ret_message, may
 * be NULL, says what the bus said; malloc'd or NULL). */
int sd_manager_cgroup(sd_bus *bus, char **ret, char **ret_message);
