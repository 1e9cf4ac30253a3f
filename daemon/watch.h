/* SPDX-License-Identifier: MIT */
#pragma once

#include <systemd/sd-event.h>

#include "unitfiles.h"

/* Watches what budgets are read from (the unit search path, drop-in directories,
 * pind.conf) and calls back, once per burst of changes, after a short quiet time. */

typedef struct Watch Watch;
typedef void (*watch_fn)(void *userdata);

int watch_new(sd_event *e, watch_fn fn, void *userdata, Watch **ret);

/* (Re)arms the watches for the current directories: call after every reload, since
 * directories come and go. A directory that does not exist is watched through its
 * nearest existing ancestor, for its creation. */
int watch_arm(Watch *w, const UnitPaths *paths, const char *config_path);

Watch *watch_free(Watch *w);
