/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define FORMAT_BYTES_MAX 16

/* Formats a byte count as systemd prints sizes: base 1024, one decimal below the
 * unit ("32.0M", "1.5G", "512B"); UINT64_MAX is "infinity". Returns buf. */
char *format_bytes(char *buf, size_t l, uint64_t bytes);

/* systemd's MemoryMax= grammar: bytes with an optional B, K, M, G, T, P, E suffix (base
 * 1024; a decimal fraction is allowed with a suffix: "1.5G"), a percentage of mem_total
 * ("20%", "12.5%", at most 100%), or "infinity" (UINT64_MAX). No blanks. -EINVAL for
 * anything else (empty, negative, unknown suffix), -ERANGE on overflow or above 100%. */
int parse_size(const char *s, uint64_t mem_total, uint64_t *ret);
