/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "memcg.h"
#include "procfs.h"

/* v1 reports "no limit" as PAGE_COUNTER_MAX pages: a huge, page-size dependent value */
#define V1_UNLIMITED_FLOOR (UINT64_C(1) << 62)

static int read_u64_file(int dfd, const char *name, uint64_t *ret)
{
	char buf[64];
	ssize_t n = read_small_file_at(dfd, name, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n == 3 && memcmp(buf, "max", 3) == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	return parse_u64(buf, (size_t)n, ret);
}

static int read_stat_key(int dfd, const char *key, uint64_t *ret)
{
	char buf[8192];
	ssize_t n = read_small_file_at(dfd, "memory.stat", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return parse_keyed_u64(buf, (size_t)n, key, ret);
}

int memcg_read(const CgLayout *l, const char *path, Memcg *ret)
{
	_cleanup_free_ char *dir = NULL;
	Memcg m = {};
	int r;

	if (!l->memory_v2 && !l->memory_v1)
		return -EOPNOTSUPP;
	m.v1 = !l->memory_v2;
	if (asprintf(&dir, "%s%s", m.v1 ? l->memory_v1 : l->unified, path) < 0)
		return -ENOMEM;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	if (m.v1) {
		if ((r = read_u64_file(dfd, "memory.usage_in_bytes", &m.current)) < 0 ||
		    (r = read_u64_file(dfd, "memory.limit_in_bytes", &m.max)) < 0 ||
		    (r = read_stat_key(dfd, "total_unevictable", &m.unevictable)) < 0)
			return r;
		if (m.max >= V1_UNLIMITED_FLOOR)
			m.max = UINT64_MAX;
	} else {
		/* the cgroup2 root has neither memory.current nor memory.max */
		if ((r = read_u64_file(dfd, "memory.current", &m.current)) < 0 ||
		    (r = read_u64_file(dfd, "memory.max", &m.max)) < 0 ||
		    (r = read_stat_key(dfd, "unevictable", &m.unevictable)) < 0)
			return r;
	}
	*ret = m;
	return 0;
}
