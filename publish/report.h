/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "budgets.h"
#include "cglayout.h"
#include "measure.h"
#include "reserve.h"
#include "view.h"

/* What pinctl's status, list and ps show, as one JSON document (docs/pinctl-json.md):
 * built here from a measurement, by pinctl when it measures itself and by pind for its
 * Describe method, and rendered as text by pinctl from the document alone. Every key of
 * the schema is always present; null where a value is unknown or does not apply. */

#define REPORT_SCHEMA 1

typedef enum ReportKind {
	REPORT_STATUS,
	REPORT_LIST,
	REPORT_PS,
	_REPORT_KIND_MAX,
} ReportKind;

const char *report_kind_to_string(ReportKind k);
int report_kind_from_string(const char *s, ReportKind *ret);

/* What pind's policy says of a budget beyond the cgroups' marks ("frozen", "signalled",
 * "killed", "over"), or NULL for nothing more. */
typedef const char *(*report_policy_fn)(const char *budget, void *userdata);

typedef struct ReportInput {
	Snapshot *snap;
	const BudgetSet *budgets; /* NULL: none known */
	unsigned count;           /* what budgets count: CountMask */
	const CgLayout *layout;
	const char *source;      /* "direct" (pinctl measured) or "pind" */
	const char *backend;     /* the scanner's name */
	uint64_t scan_usec;      /* how long the measurement took */
	uint64_t interval_usec;  /* 0: no periodic scan (direct) */
	report_policy_fn policy; /* NULL: states from the marks alone */
	void *policy_userdata;
	const Reservations *reservations; /* NULL: not known (direct) */
	uint64_t now_mono, now_real;      /* µs, for the reservations' TTLs and ages */
} ReportInput;

/* The document for status (names: groups shown with what is below them), list (names:
 * none) or ps (names: at most one group, the processes below it). A bad name is
 * returned in *ret_bad with -EINVAL (not a group name) or -ENOENT (neither a cgroup nor a
 * budget). */
int report_build(const ReportInput *in, ReportKind kind, char **names, size_t n_names,
		 json_object **ret, const char **ret_bad);

/* A group's state: "frozen" (frozen_by: the mark, "pinctl", or the budget whose policy
 * froze below it; NULL when someone else froze it), what the policy says, else "over" or
 * "ok" against its budget (with reservations), "unbudgeted" without one. */
int report_group_state(const ReportInput *in, const GroupView *g, GroupState *ret);
