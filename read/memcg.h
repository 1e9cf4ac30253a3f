/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cglayout.h"

/* Memory-controller context of a cgroup: what the memcg knows next to pind's pins. */
typedef struct Memcg {
	uint64_t current;     /* bytes charged */
	uint64_t max;         /* limit; UINT64_MAX when unlimited */
	uint64_t unevictable; /* bytes on the unevictable LRU (mlocked, among others) */
	bool v1;              /* read from the v1 memory controller */
} Memcg;

/* Reads the memcg of cgroup path (as in the primary hierarchy): cgroup2's
 * memory.current, memory.max and memory.stat "unevictable" when memory is on cgroup2;
 * else the v1 controller's memory.usage_in_bytes, memory.limit_in_bytes and
 * memory.stat "total_unevictable" at the same path. -EOPNOTSUPP when there is no
 * memory controller, -ENOENT when that cgroup has no memcg of its own. */
int memcg_read(const CgLayout *l, const char *path, Memcg *ret);
