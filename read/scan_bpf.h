/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "scan.h"

/* The bpf backend's own knobs, for its tests and the bench; pind and pinctl use
 * scanner_new() and scanner_bpf_new() (scan.h). */

/* How the bpf backend may scan; scanner_bpf_new() uses the defaults (all zero), tests the
 * rest. */
typedef struct BpfScanOptions {
	bool iterator_only; /* do not load the task walk: every pass runs the task iterator */
	unsigned capacity;  /* records the walk keeps per pass; 0: all it can (PINSCAN_MAX) */
} BpfScanOptions;
int scanner_bpf_new_with(const char *proc_root, const CgLayout *layout, const BpfScanOptions *o,
			 Scanner **ret);

/* The first n records of the task walk's map into recs, with keys as room for n keys. */
struct pinscan_record;
int scan_bpf_read_records(int map_fd, uint32_t n, struct pinscan_record *recs, uint32_t *keys);
