/* SPDX-License-Identifier: MIT */
/* StateFile: what is loaded is in range, whatever the file says. */
#include "fuzz.h"
#include "settings.h"
#include "state.h"

static int frozen(const char *budget, const char *cgroup, void *userdata)
{
	(void)userdata;
	if (!budget_name_is_valid(budget) || cgroup[0] != '/')
		abort();
	return 0;
}

static int leaf(const char *budget, const char *cgroup, uint64_t usage, void *userdata)
{
	(void)budget;
	(void)cgroup;
	(void)userdata;
	if (usage > BUDGET_BYTES_MAX)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	Reservations rs = {};
	StateLoad l = {.path = "/run/pind/state.json", .frozen = frozen, .leaf = leaf};

	if (!s)
		return 0;
	(void)state_parse(s, &l, &rs);
	for (size_t i = 0; i < rs.n; i++)
		if (rs.v[i].bytes == 0 || rs.v[i].bytes > BUDGET_BYTES_MAX ||
		    !budget_name_is_valid(rs.v[i].group) || rs.v[i].id[0] != 'r')
			abort();
	if (rs.next_id > INT64_MAX)
		abort(); /* the next id never wraps */
	reservations_done(&rs);
	free(s);
	return 0;
}
