/* SPDX-License-Identifier: MIT */
/* Sizes (PinnedMemoryMax=, reserve SIZE), time spans (ScanIntervalSec=, --ttl), plain
 * decimals: what parses prints back as it was meant. */
#include "decimal.h"
#include "fuzz.h"
#include "settings.h"
#include "size.h"
#include "timespan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), buf[64];
	uint64_t v, w;

	if (!s)
		return 0;
	if (parse_size(s, UINT64_C(16) << 30, &v) == 0) {
		format_bytes(buf, sizeof(buf), v);
		if (v == UINT64_MAX && strcmp(buf, "infinity") != 0)
			abort();
	}
	if (budget_max_parse(s, UINT64_C(16) << 30, &v) == 0 && !budget_max_is_valid(v))
		abort();
	if (parse_timespan(s, &v) == 0 && v != UINT64_MAX) {
		format_timespan(buf, sizeof(buf), v);
		if (parse_timespan(buf, &w) < 0 || w != v)
			abort(); /* what pind prints, it reads back */
	}
	(void)parse_u64(s, size, &v);
	free(s);
	return 0;
}
