/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdio.h>

#include "daemon.h"
#include "policy.h"

/* pind's D-Bus API: org.pind.Pind1 at /org/pind/Pind1, interface org.pind.Pind1.Manager
 * (docs/org.pind.Pind1.xml). All calls are NULL-safe on a Bus that is off. */

/* Connects to the system bus (the user bus with --user), takes the name and attaches to
 * the event loop. With no bus to reach, *ret is NULL, said once, and pind goes on
 * enforcing without its API. */
int bus_open(Daemon *d, Bus **ret);
Bus *bus_free(Bus *b);

/* BudgetExceeded, ActionTaken, BudgetRestored for a decision carried out. */
void bus_emit_decision(Bus *b, const Decision *d, int result);

/* PropertiesChanged for what each scan changes. */
void bus_emit_scan(Bus *b);

/* Prints the interface's introspection XML, as sd-bus produces it. */
int bus_introspect(FILE *out);
