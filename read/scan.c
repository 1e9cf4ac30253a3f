/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <time.h>

#include "scan.h"
#include "scan_bpf.h"
#include "timespan.h"

uint64_t scan_now_usec(void)
{
	return clock_usec(CLOCK_MONOTONIC);
}

int scanner_run(Scanner *s, scan_cb cb, void *userdata, ScanStats *ret_stats)
{
	ScanStats stats = {};
	uint64_t start = scan_now_usec();

	int r = s->ops->run(s, cb, userdata, &stats);
	stats.usec = scan_now_usec() - start;
	if (ret_stats)
		*ret_stats = stats;
	return r;
}

int scanner_set_scope(Scanner *s, const char *const *cgroups, size_t n)
{
	return s->ops->set_scope ? s->ops->set_scope(s, cgroups, n) : 0;
}

const char *scanner_detail(Scanner *s)
{
	return s->ops->detail ? s->ops->detail(s) : NULL;
}

int scanner_event_fd(Scanner *s)
{
	return s->ops->event_fd ? s->ops->event_fd(s) : -1;
}

void scanner_cgroup_populated(Scanner *s, const char *cgroup)
{
	if (s->ops->cgroup_populated)
		s->ops->cgroup_populated(s, cgroup);
}

int scanner_process_events(Scanner *s)
{
	return s->ops->process_events ? s->ops->process_events(s) : 0;
}

void scanner_free(Scanner *s)
{
	s->ops->free(s);
}

#ifndef HAVE_BPF
int scanner_bpf_new_with(const char *proc_root, const CgLayout *layout, const BpfScanOptions *o,
			 Scanner **ret)
{
	(void)proc_root;
	(void)layout;
	(void)o;
	(void)ret;
	return -EOPNOTSUPP; /* built without the bpf scanner */
}
#endif

int scanner_bpf_new(const char *proc_root, const CgLayout *layout, Scanner **ret)
{
	return scanner_bpf_new_with(proc_root, layout, &(BpfScanOptions){}, ret);
}

int scanner_new(ScannerKind kind, const char *proc_root, const CgLayout *layout, Scanner **ret,
		int *ret_bpf_error)
{
	int r = 0;

	if (ret_bpf_error)
		*ret_bpf_error = 0;
	if (kind != SCANNER_PROCFS) {
		r = scanner_bpf_new(proc_root, layout, ret);
		if (r >= 0 || kind == SCANNER_BPF) {
			if (ret_bpf_error)
				*ret_bpf_error = r < 0 ? r : 0;
			return r;
		}
		if (ret_bpf_error)
			*ret_bpf_error = r;
	}
	return scanner_procfs_new(proc_root, layout, ret);
}
