/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "size.h"

/* Pieces of pinctl's text output that every view draws the same way. */

#define BAR_WIDTH 20

/* format_bytes into a caller's buffer, for use inside printf arguments. */
const char *sz(char buf[static FORMAT_BYTES_MAX], uint64_t v);

/* usage as a percentage of max (0 for infinity; 999 at most). */
unsigned percent(uint64_t usage, uint64_t max);

/* "#########..........": usage against max, BAR_WIDTH wide; buf holds BAR_WIDTH + 1. */
char *usage_bar(char buf[static BAR_WIDTH + 1], uint64_t usage, uint64_t max);

/* Tree branches like systemctl status: one column of "│ " or "  " per ancestor level,
 * "├─" or "└─" before the entry. last[d]: the entry at depth d is its parent's last. */
void tree_branch(FILE *out, const bool *last, unsigned depth);
