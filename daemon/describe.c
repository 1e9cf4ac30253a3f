/* SPDX-License-Identifier: MIT */
/* What pind shows of itself: the report (publish/report.h) from its last measurement,
 * its policy's states and its reservations. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "macro.h"

static const char *policy_says(const char *budget, void *userdata)
{
	const Daemon *d = userdata;
	const BudgetState *st = policy_find(&d->policy, budget);

	if (!st)
		return NULL;
	if (st->n_frozen > 0)
		return "frozen";
	if (st->sig_stage > 0)
		return "signalled";
	if (st->killed)
		return "killed";
	return st->over ? "over" : NULL;
}

void daemon_report_input(Daemon *d, ReportInput *ret)
{
	daemon_ensure_measured(d);
	*ret = (ReportInput){
	    .snap = &d->snap,
	    .budgets = &d->budgets,
	    .count = d->sources.config.count,
	    .layout = &d->layout,
	    .source = "pind",
	    .backend = d->scanner->ops->name,
	    .scan_usec = d->last_scan_usec,
	    .interval_usec = d->sources.config.scan_interval_usec,
	    .policy = policy_says,
	    .policy_userdata = d,
	    .reservations = &d->reservations,
	    .now_mono = now_usec(),
	    .now_real = now_realtime_usec(),
	};
}

int daemon_describe(Daemon *d, const char *command, char **names, size_t n_names, char **ret_json,
		    const char **ret_bad)
{
	json_object *doc = NULL;
	ReportInput in;
	ReportKind kind;

	if (report_kind_from_string(command, &kind) < 0)
		return -EOPNOTSUPP;
	daemon_report_input(d, &in);
	int r = report_build(&in, kind, names, n_names, &doc, ret_bad);
	if (r < 0)
		return r;
	const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE);
	*ret_json = s ? strdup(s) : NULL;
	json_object_put(doc);
	return *ret_json ? 0 : -ENOMEM;
}
