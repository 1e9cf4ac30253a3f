/* SPDX-License-Identifier: MIT */
/* /proc/PID/status, /proc/PID/stat, /proc/PID/cgroup and keyed cgroup files (memory.stat,
 * cgroup.events), as the readers get them: buffers that need not end in NUL. */
#include "fuzz.h"
#include "procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	ProcStatus st;
	uint64_t v;
	char *cg = NULL;

	if (proc_status_parse(buf, size, &st) == 0 && st.pid <= 0)
		abort(); /* a parsed Pid is 1..INT32_MAX */
	(void)proc_stat_starttime(buf, size, &v);
	(void)parse_kb(buf, size, &v);
	for (const char *const *c = (const char *const[]){"", "name=systemd", "memory", NULL}; *c;
	     c++) {
		if (proc_cgroup_find(buf, size, *c, &cg) == 0 && (!cg || cg[0] != '/'))
			abort(); /* a found cgroup is a path */
		free(cg);
		cg = NULL;
	}
	(void)parse_keyed_u64(buf, size, "unevictable", &v);
	(void)parse_keyed_u64(buf, size, "populated", &v);
	return 0;
}
