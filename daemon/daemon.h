/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "budgets.h"
#include "cglayout.h"
#include "cgwatch.h"
#include "enforce.h"
#include "measure.h"
#include "policy.h"
#include "report.h"
#include "reserve.h"
#include "scan.h"
#include "sources.h"
#include "watch.h"

/* The daemon's state and its cycle: measure, decide, act, publish. */

typedef struct Bus Bus;

typedef struct StoppingUnit {
	char *unit;
	char *cgroup; /* NULL until the manager has said */
} StoppingUnit;

typedef struct Options {
	const char *root;
	bool user;
	bool once;
	const char *cgroup_root; /* overrides CgroupRoot= */
	const char *proc_root;
} Options;

typedef struct Daemon {
	Options opt;
	uint64_t mem_total;
	Sources sources; /* the last good configuration */
	BudgetSet budgets;
	uint64_t budgets_generation; /* cgwatch's, when budgets were worked out */
	bool budgets_stale;          /* the configuration changed since */
	CgWatch *cgwatch;            /* the managed tree, kept current */
	Snapshot snap; /* the last measurement, in cgwatch's tree (NULL before the first) */
	uint64_t last_scan_usec; /* the whole of the last daemon_scan() */
	CgLayout layout;
	Scanner *scanner;
	sd_event *event;
	sd_event_source *scan_timer;
	sd_event_source *scan_events; /* the scanner's process events, once it has them */
	bool said_no_events;
	bool fell_back; /* the last scan ran a slower way than usual (ScanStats.fallback) */
	Watch *watch;
	PolicyState policy;
	Reservations reservations;
	Bus *bus;               /* the D-Bus API, or NULL when off */
	char *own_cgroup;       /* pind's own cgroup: never a target */
	char *state_path;       /* StateFile below --root */
	char *saved_state;      /* what was last written, to write only changes */
	sd_bus *systemd;        /* for FreezeUnit/ThawUnit, when a manager is reachable */
	char *manager_cgroup;   /* pind --user: the user manager's own cgroup, asked at start */
	char *manager_error;    /* why it could not be asked */
	StoppingUnit *stopping; /* units the manager is stopping (PolicyConfig.stopping) */
	size_t n_stopping;
	Enforcer enforcer;
	char *owner;  /* the cgroup root this instance claims (claim.c), its marks' owner */
	int owner_fd; /* the lock on it, while owner is set */
	struct ActedWaiter *waiters; /* daemon_rescan()'s callers, until the actions are done */
	size_t n_waiters;
} Daemon;

int daemon_setup(Daemon *d);

/* Claims the cgroup root (again, when it changed): -EBUSY, said, when another pind holds
 * it. Releases it. */
int daemon_claim_root(Daemon *d);
void daemon_release_root(Daemon *d);
void daemon_done(Daemon *d);

/* Resumes what a previous pind froze and reserved. */
void daemon_adopt(Daemon *d);

/* One cycle now: measure, decide, act, publish. */
int daemon_scan(Daemon *d);

/* Re-reads pind.conf and unit files; on a bad file keeps the last good ones and returns
 * -EINVAL with *ret_error (may be NULL) saying file:line. */
int daemon_reload(Daemon *d, char **ret_error);

int daemon_run_once(Daemon *d);

/* sdwatch_fn: the units the manager is stopping; pind gets out of their way at once (a
 * scan now, when a cgroup becomes known). */
void daemon_unit_stopping(const char *unit, bool stopping, const char *cgroup, void *userdata);

const char *daemon_cgroup_root(const Daemon *d);

/* A reservation's event (granted, denied, released, ended) for the journal, with
 * PIND_RESERVATION, PIND_GROUP, PIND_HOLDER, PIND_BYTES and PIND_UNIT (the budget). */
void daemon_log_reservation(int priority, const char *event, const Reservation *r,
			    const char *budget, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* --- what the D-Bus API changes (operations.c): the bus checks and marshals --- */

/* A measurement to answer from: a scan now when there is none yet. */
void daemon_ensure_measured(Daemon *d);

typedef struct DaemonSetting {
	const char *unit, *file, *key, *value;
	bool runtime;    /* below /run */
	const char *who; /* the caller, for the log */
} DaemonSetting;

/* Writes the drop-in (*ret_path) and reloads. -ELOOP: a symbolic link is in the way;
 * -EUCLEAN: written, but the configuration has an error elsewhere (*ret_problem, may be
 * NULL) and the previous budgets stay in force. */
int daemon_write_setting(Daemon *d, const DaemonSetting *s, char **ret_path, char **ret_problem);

/* Freezes or thaws a group by hand (pinctl's mark). -ENOENT/-EINVAL: no such group or a
 * bad name; -EISDIR: the cgroup root; -EPERM: a thaw of what neither pind nor pinctl
 * froze; > 0: nothing to do. A thaw of pind's own freeze makes it no longer pind's. */
int daemon_freeze_by_hand(Daemon *d, const char *name, bool freeze, const char *who);

typedef struct DaemonReserve {
	const char *group;
	uint64_t bytes;
	const char *holder; /* NULL: none */
	uint64_t ttl_usec;  /* 0: none */
} DaemonReserve;

typedef struct DaemonGrant {
	bool granted;
	char *id;     /* when granted */
	char *budget; /* the tightest budget containing the group */
	uint64_t max; /* its max */
	Admission a;  /* its figures after the call (a grant is in reserved); a.budget NULL */
} DaemonGrant;

/* Admission control: grants when the tightest budget containing the group has room, then
 * scans (the reservation counts at once, StateFile keeps it). -ENOENT: no budget
 * contains the group. */
int daemon_reserve(Daemon *d, const DaemonReserve *q, DaemonGrant *ret);
void daemon_grant_done(DaemonGrant *g);

/* Ends a reservation and scans. -ENOENT: no such id. */
int daemon_release(Daemon *d, const char *id, const char *who);

/* A scan now; fn(userdata) once its actions are done: at once, or when the manager has
 * answered (or not in time) the FreezeUnit and ThawUnit calls this scan made, or at
 * shutdown. Never waits itself. */
typedef void (*daemon_acted_fn)(void *userdata);
int daemon_rescan(Daemon *d, daemon_acted_fn fn, void *userdata);

/* The enforcer has no call out any more: tells daemon_rescan()'s callers. */
void daemon_acted(Daemon *d);

/* The inputs of a report from the last measurement (taken now when there is none yet),
 * the policy's states and the reservations (describe.c). */
void daemon_report_input(Daemon *d, ReportInput *ret);

/* The report for command ("status", "list", "ps"; else -EOPNOTSUPP) as compact JSON. A bad
 * name is returned in *ret_bad as report_build() says. */
int daemon_describe(Daemon *d, const char *command, char **names, size_t n_names, char **ret_json,
		    const char **ret_bad);

uint64_t now_usec(void);          /* CLOCK_MONOTONIC */
uint64_t now_realtime_usec(void); /* CLOCK_REALTIME */
