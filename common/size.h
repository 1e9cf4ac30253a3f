/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define FORMAT_BYTES_MAX 16

/* Formats a byte count as systemd prints sizes: base 1024, one decimal below the
 * unit ("32.0M", "1.5G", "512B"); UINT64_MAX is "infinity". Returns buf. */
char *format_bytes(char *buf, size_t l, uint64_t bytes);
