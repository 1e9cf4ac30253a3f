/* SPDX-License-Identifier: GPL-2.0-only */
/* pinscan: one pass over every task, emitting the thread-group leaders whose mm holds
 * pinned (mm->pinned_vm) or locked (mm->locked_vm) pages, with their cgroup2 id. */
#include "kernel.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "pinscan.h"

__u64 visited;  /* thread-group leaders seen in this pass (reset by the loader) */
__u32 saw_init; /* PID 1 came by (some kernels' task iterators start at 2) */

/* The fields every task needs are read by direct (CO-RE relocated) loads from the
 * iterator's task pointer, not through bpf_probe_read_kernel(): no helper calls for each
 * of thousands of idle processes. */
SEC("iter/task")
int pinscan(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct pinscan_record rec = {};

	if (!task)
		return 0;
	int pid = task->pid;
	if (pid != task->tgid)
		return 0; /* threads share their leader's mm */
	visited++;    /* one pass runs at a time */
	if (pid == 1)
		saw_init = 1;
	struct mm_struct *mm = task->mm;
	if (!mm)
		return 0; /* kernel threads, zombies */
	rec.pinned = (unsigned long long)mm->pinned_vm.counter;
	rec.locked = mm->locked_vm;
	if (rec.pinned == 0 && rec.locked == 0)
		return 0;
	/* a holder: rare, read the rest the usual way */
	rec.tgid = (unsigned int)pid;
	rec.cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	rec.start_boottime = BPF_CORE_READ(task, start_boottime);
	BPF_CORE_READ_STR_INTO(&rec.comm, task, comm);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
