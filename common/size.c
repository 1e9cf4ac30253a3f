/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>

#include "size.h"

char *format_bytes(char *buf, size_t l, uint64_t bytes)
{
	static const char suffixes[] = "KMGTPE";

	if (bytes == UINT64_MAX) {
		snprintf(buf, l, "infinity");
		return buf;
	}
	if (bytes < 1024) {
		snprintf(buf, l, "%" PRIu64 "B", bytes);
		return buf;
	}
	/* i: index of the largest suffix whose factor is <= bytes */
	unsigned i = 0;
	while (i + 1 < sizeof(suffixes) - 1 && bytes >> (10 * (i + 2)) > 0)
		i++;
	uint64_t factor = UINT64_C(1) << (10 * (i + 1));
	uint64_t tenths = (bytes % factor) * 10 / factor; /* remainder < 2^60: no overflow */
	snprintf(buf, l, "%" PRIu64 ".%" PRIu64 "%c", bytes / factor, tenths, suffixes[i]);
	return buf;
}
