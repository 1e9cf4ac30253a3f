/* SPDX-License-Identifier: MIT */
/* A unit file or drop-in, as pind reads its X-PinnedMemory* keys. */
#include "fuzz.h"
#include "unitfiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), *error = NULL;
	UnitEntry e = {.path = strdup("/etc/systemd/system/vm1.service.d/50-pin.conf")};

	if (!s || !e.path) {
		free(s);
		free(e.path);
		return 0;
	}
	int r = unit_entry_parse(s, &e, UINT64_C(16) << 30, &error);
	if (r == -EINVAL && (!error || strncmp(error, e.path, strlen(e.path)) != 0))
		abort(); /* every refusal names the file */
	if (r == 0 && e.max_set && e.max != UINT64_MAX && e.max > (UINT64_C(1) << 60))
		abort(); /* one range for budgets */
	free(error);
	unit_entry_done(&e);
	free(s);
	return 0;
}
