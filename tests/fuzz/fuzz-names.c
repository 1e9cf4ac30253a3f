/* SPDX-License-Identifier: MIT */
/* The names and words the D-Bus methods, pinctl's arguments and the files take: unit
 * names, budget names, cgroup paths, actions, targets, Count=, Signal=, the commands of
 * Describe. */
#include "cgtree.h"
#include "fuzz.h"
#include "report.h"
#include "settings.h"
#include "unitname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), *out = NULL;
	UnitType t;
	Action a;
	Target tg;
	ScannerKind k;
	ReportKind rk;
	unsigned mask;
	int sig;

	if (!s)
		return 0;
	if (unit_name_is_valid(s) && unit_name_type(s, &t) < 0)
		abort(); /* a valid unit name has a type */
	(void)budget_name_is_valid(s);
	if (cg_path_normalize(s, &out) == 0) {
		char *again = NULL;
		if (cg_path_normalize(out, &again) < 0 || strcmp(again, out) != 0)
			abort(); /* normal stays normal */
		free(again);
	}
	free(out);
	out = NULL;
	if (slice_cgroup_path(s, &out) == 0 && !out)
		abort();
	free(out);
	out = NULL;
	if (unit_name_unescape(s, &out) == 0) {
		char *back = NULL;
		(void)unit_name_escape(out, &back);
		free(back);
	}
	free(out);
	if (action_from_string(s, &a) == 0 && strcmp(action_to_string(a), s) != 0)
		abort();
	(void)target_from_string(s, &tg);
	(void)scanner_from_string(s, &k);
	(void)report_kind_from_string(s, &rk);
	if (count_from_string(s, &mask) == 0 && !count_to_string(mask))
		abort();
	(void)signal_from_string(s, &sig);
	free(s);
	return 0;
}
