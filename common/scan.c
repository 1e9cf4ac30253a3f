/* SPDX-License-Identifier: MIT */
#include <time.h>

#include "scan.h"

static uint64_t now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int scanner_run(Scanner *s, scan_cb cb, void *userdata, ScanStats *ret_stats)
{
	ScanStats stats = {};
	uint64_t start = now_usec();

	int r = s->ops->run(s, cb, userdata, &stats);
	stats.usec = now_usec() - start;
	if (ret_stats)
		*ret_stats = stats;
	return r;
}

void scanner_free(Scanner *s)
{
	s->ops->free(s);
}
