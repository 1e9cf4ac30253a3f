/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-bus.h>

/* What status, list and ps show of pind's answers (bus_show.c), rendered as text or JSON
 * (bus_render.c). */

#define NO_PARENT SIZE_MAX

typedef struct Row {
	const char *name, *cgroup, *state; /* cgroup "": none now */
	uint64_t pinned, locked, max;      /* max UINT64_MAX: infinity or no budget */
	uint64_t reserved;                 /* of its budget: reservations not yet pinned */
	size_t parent;                     /* index into the shown rows, NO_PARENT */
	unsigned depth;                    /* below the block's top */
	bool top;                          /* the first row of a status block */
} Row;

typedef struct Proc {
	uint32_t pid;
	const char *comm, *cgroup;
	uint64_t pinned, locked;
} Proc;

typedef struct Resv {
	const char *id, *group, *holder; /* holder "": none */
	uint64_t bytes, counted;         /* counted: not yet pinned by the holder */
	uint64_t created, expires;       /* CLOCK_REALTIME µs; expires 0: no TTL */
} Resv;

typedef struct Props {
	const char *version, *count_text;
	unsigned count;
	uint64_t interval, total_pinned, total_locked, last_scan;
	uint32_t scanned;
} Props;

typedef struct BusView {
	sd_bus_message **replies; /* every reply whose strings the rows point into */
	size_t n_replies;
	Props props;
	Row *all; /* ListGroups, as pind sent it */
	size_t n_all;
	Row *rows; /* as shown: blocks, each its top and then its descendants, parents first */
	size_t n_rows;
	Proc *procs; /* largest first */
	size_t n_procs;
	Resv *resv; /* ListReservations */
	size_t n_resv;
	uint64_t now; /* CLOCK_REALTIME µs, for ages */
	FILE *out;
	bool legend;
} BusView;

/* a contains b: b is a or below it ("" is nowhere). */
bool path_contains(const char *a, const char *b);

int bus_text_status(const BusView *s);
int bus_text_list(const BusView *s);
int bus_text_ps(const BusView *s);

int bus_json_status(const BusView *s);
int bus_json_list(const BusView *s);
int bus_json_ps(const BusView *s);
