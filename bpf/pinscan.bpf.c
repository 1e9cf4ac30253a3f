/* SPDX-License-Identifier: GPL-2.0-only */
/* pinscan: one pass over every task, emitting the thread-group leaders whose mm holds
 * pinned (mm->pinned_vm) or locked (mm->locked_vm) pages, with their cgroup2 id. */
#include "kernel.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "pinscan.h"

__u64 visited;  /* thread-group leaders seen in this pass (reset by the loader) */
__u32 saw_init; /* PID 1 came by (some kernels' task iterators start at 2) */

SEC("iter/task")
int pinscan(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct pinscan_record rec = {};

	if (!task)
		return 0;
	if (BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid))
		return 0; /* threads share their leader's mm */
	__sync_fetch_and_add(&visited, 1);
	if (BPF_CORE_READ(task, pid) == 1)
		saw_init = 1;
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	if (!mm)
		return 0; /* kernel threads, zombies */
	rec.pinned = (unsigned long long)BPF_CORE_READ(mm, pinned_vm.counter);
	rec.locked = BPF_CORE_READ(mm, locked_vm);
	if (rec.pinned == 0 && rec.locked == 0)
		return 0;
	rec.tgid = (unsigned int)BPF_CORE_READ(task, tgid);
	rec.cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	rec.start_boottime = BPF_CORE_READ(task, start_boottime);
	BPF_CORE_READ_STR_INTO(&rec.comm, task, comm);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
