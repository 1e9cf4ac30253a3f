/* SPDX-License-Identifier: MIT */
#pragma once

#include <systemd/sd-bus.h>

/* Who may call pind's changing methods: root at once; anyone else as polkit answers,
 * without waiting for it. The first time a message comes, polkit is asked and the
 * method returns without a reply; with polkit's answer the same message is dispatched
 * again, and this time the check says yes or no. A polkit that never answers holds up
 * only its own caller, who is denied when the call times out. */

typedef struct Polkit Polkit;

int polkit_new(sd_bus *bus, Polkit **ret);
Polkit *polkit_free(Polkit *p);

/* 0: the caller may; 1: polkit was asked (the handler returns 1, handled for now, and
 * runs again with the answer); negative: the caller may not (AccessDenied in error,
 * saying why), or an error. */
int polkit_check(Polkit *p, sd_bus_message *m, const char *action, sd_bus_error *error);
