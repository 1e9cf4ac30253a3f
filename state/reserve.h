/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "budgets.h"
#include "cgtree.h"

/* Admission control: budget set aside before a workload starts (libvirt's guest). A
 * reservation is made in a group (machine.slice, machine-pinned.slice, /machine) and
 * counts against every budget that contains that group, until released, until its TTL
 * ends, until its holder's measured usage reaches it, or until its holder, once seen,
 * is gone. While the holder grows into it, only the part not yet pinned counts (nothing
 * is counted twice). */

typedef struct Reservation {
	char *id;
	char *group; /* where it is made */
	uint64_t bytes;
	char *holder;     /* the group whose usage takes it over, or NULL */
	bool holder_seen; /* the holder existed at a scan */
	uint64_t created; /* CLOCK_REALTIME µs */
	uint64_t expires; /* CLOCK_MONOTONIC µs; 0: never */
} Reservation;

typedef struct Reservations {
	Reservation *v;
	size_t n;
	uint64_t next_id;
} Reservations;

/* Adds one; *ret_id is borrowed from the set. now: CLOCK_MONOTONIC, created:
 * CLOCK_REALTIME, both µs. */
int reservations_add(Reservations *rs, const char *group, uint64_t bytes, const char *holder,
		     uint64_t ttl_usec, uint64_t now, uint64_t created, const char **ret_id);
int reservations_release(Reservations *rs, const char *id);

/* Why a reservation ended at a scan. */
typedef void (*reservation_ended_fn)(const Reservation *r, const char *why, void *userdata);

/* Ends the expired ones, those whose holder now pins as much, and those whose holder came
 * and went (tree: the last measurement; count: CountMask). */
void reservations_expire(Reservations *rs, CgTree *tree, unsigned count, uint64_t now,
			 reservation_ended_fn ended, void *userdata);

/* The group a budget names contains group (the same, a parent slice by name, a parent
 * cgroup path, or an ancestor in the tree). */
bool group_contains(CgTree *tree, const char *outer, const char *inner);

/* What a reservation still holds back: its bytes not yet pinned by its holder. */
uint64_t reservation_left(const Reservation *r, CgTree *tree, unsigned count);

/* What a budget's reservations still hold back. */
uint64_t reservations_pending(const Reservations *rs, CgTree *tree, unsigned count,
			      const char *budget);

/* Room for a reservation in group: the tightest budget that contains it (the least
 * available), with its figures. budget NULL: no budget contains group. */
typedef struct Admission {
	const Budget *budget;
	uint64_t used, reserved; /* of that budget */
	uint64_t available;      /* its max - used - reserved; UINT64_MAX: infinity */
} Admission;

void reservations_admit(const Reservations *rs, CgTree *tree, unsigned count,
			const BudgetSet *budgets, const char *group, Admission *ret);

void reservations_done(Reservations *rs);
