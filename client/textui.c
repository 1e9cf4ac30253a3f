/* SPDX-License-Identifier: MIT */
#include "textui.h"

const char *sz(char buf[static FORMAT_BYTES_MAX], uint64_t v)
{
	return format_bytes(buf, FORMAT_BYTES_MAX, v);
}

unsigned percent(uint64_t usage, uint64_t max)
{
	if (max == UINT64_MAX)
		return 0;
	if (max == 0)
		return usage > 0 ? 999 : 0;
	long double p = (long double)usage * 100 / (long double)max;
	return p > 999 ? 999 : (unsigned)p;
}

char *usage_bar(char buf[static BAR_WIDTH + 1], uint64_t usage, uint64_t max)
{
	unsigned filled = max == UINT64_MAX ? 0
			  : max == 0        ? (usage > 0 ? BAR_WIDTH : 0)
					    : (unsigned)((long double)(usage > max ? max : usage) *
                                                  BAR_WIDTH / (long double)max);
	for (unsigned i = 0; i < BAR_WIDTH; i++)
		buf[i] = i < filled ? '#' : '.';
	buf[BAR_WIDTH] = 0;
	return buf;
}

void tree_branch(FILE *out, const bool *last, unsigned depth)
{
	fputs("      ", out);
	for (unsigned d = 1; d < depth; d++)
		fputs(last[d] ? "  " : "│ ", out);
	fputs(last[depth] ? "└─" : "├─", out);
}
