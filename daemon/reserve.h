/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cgtree.h"

/* Admission control: budget set aside before a workload starts (libvirt's guest). A
 * reservation counts against its budget until released, until its TTL ends, or until
 * its holder's measured usage reaches it; while the holder grows into it, only the part
 * not yet pinned counts (nothing is counted twice). */

typedef struct Reservation {
	char *id;
	char *budget;
	uint64_t bytes;
	char *holder;     /* a group name, or NULL */
	uint64_t expires; /* CLOCK_MONOTONIC µs; 0: never */
} Reservation;

typedef struct Reservations {
	Reservation *v;
	size_t n;
	uint64_t next_id;
} Reservations;

/* Adds one; *ret_id is borrowed from the set. */
int reservations_add(Reservations *rs, const char *budget, uint64_t bytes, const char *holder,
		     uint64_t ttl_usec, uint64_t now, const char **ret_id);
int reservations_release(Reservations *rs, const char *id);

/* Drops the expired ones and those whose holder now pins as much (tree: the last
 * measurement; count: CountMask). */
void reservations_expire(Reservations *rs, CgTree *tree, unsigned count, uint64_t now);

/* What a budget's reservations still hold back. */
uint64_t reservations_pending(const Reservations *rs, CgTree *tree, unsigned count,
			      const char *budget);

void reservations_done(Reservations *rs);
