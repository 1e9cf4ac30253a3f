/* SPDX-License-Identifier: GPL-2.0-only */
/* pinscan: one pass over every process, keeping the thread-group leaders whose mm holds
 * pinned (mm->pinned_vm) or locked (mm->locked_vm) pages, with their cgroup2 id.
 *
 * Two programs do the same job. pinwalk (Linux 6.7+) walks the kernel's list of thread-
 * group leaders with the open-coded task iterator, under one RCU read lock, and writes
 * the holders into an array map: no thread is visited, no pid is looked up and no task
 * reference is taken. pinscan, an iter/task program, runs where pinwalk does not
 * load and when the array overflows: it visits every task and skips the threads. */
#include "kernel.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <stdbool.h>

#include "pinscan.h"

__u64 visited;  /* thread-group leaders seen in this pass (reset by the caller) */
__u32 saw_init; /* PID 1 came by (on some hosts neither program sees it) */
__u32 cap;      /* pinwalk: records to keep, up to PINSCAN_MAX (set by the caller) */
__u32 n_recs;   /* pinwalk: holders found; more than cap: the pass overflowed */
/* The caller's pid namespace, found in its first pass (level 0: the initial one, where
 * every task is seen by its task->pid). In a deeper one (a container), a task is reported
 * by its pid there, and a task with none there is no process of the caller's. */
__u32 ns_level;
__u64 ns_ptr;    /* its struct pid_namespace, 0 until found */
__u32 ns_failed; /* it could not be found: the pass names no one (the caller fails it) */

#define PIDNS_LEVEL_MAX 32 /* the kernel's MAX_PID_NS_LEVEL */

/* pinwalk's records, read by the caller with one batch lookup: an array map of its own,
 * not the globals, which the caller maps whole (and a mapping counts all its pages). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PINSCAN_MAX);
	__type(key, __u32);
	__type(value, struct pinscan_record);
} recs SEC(".maps");

extern int bpf_iter_task_new(struct bpf_iter_task *it, struct task_struct *task,
			     unsigned int flags) __weak __ksym;
extern struct task_struct *bpf_iter_task_next(struct bpf_iter_task *it) __weak __ksym;
extern void bpf_iter_task_destroy(struct bpf_iter_task *it) __weak __ksym;
extern void bpf_rcu_read_lock(void) __weak __ksym;
extern void bpf_rcu_read_unlock(void) __weak __ksym;

#define BPF_TASK_ITER_ALL_PROCS 0 /* the kernel's enum: leaders only */

#define PF_KTHREAD     0x00200000 /* the kernel's task flag: a kernel thread */
#define THREADS_LOOKED 64         /* threads looked at for one whose leader exited */

/* The thread that stands for a process whose leader has exited while its threads live on
 * (pthread_exit in main): the leader's mm is gone, a live thread's is the process's, and
 * so is its cgroup (a move skips the exited leader). NULL for kernel threads and where
 * none is found. Rare: read the usual way. */
static __always_inline struct task_struct *live_thread(struct task_struct *leader)
{
	if ((leader->flags & PF_KTHREAD) || !bpf_core_field_exists(leader->thread_node))
		return NULL;
	struct signal_struct *sig = BPF_CORE_READ(leader, signal);
	if (!sig)
		return NULL;
	unsigned long head = (unsigned long)&sig->thread_head;
	struct list_head *pos = BPF_CORE_READ(sig, thread_head.next);
	for (int i = 0; i < THREADS_LOOKED && pos && (unsigned long)pos != head; i++) {
		struct task_struct *t =
		    (void *)((unsigned long)pos -
			     bpf_core_field_offset(struct task_struct, thread_node));
		if (BPF_CORE_READ(t, mm))
			return t;
		pos = BPF_CORE_READ(pos, next);
	}
	return NULL;
}

/* numbers[level] of a struct pid: its number and namespace there. */
static __always_inline int pid_at(struct pid *pid, __u32 level, struct upid *ret)
{
	if (!pid || level > PIDNS_LEVEL_MAX || BPF_CORE_READ(pid, level) < level)
		return -1;
	return bpf_core_read(ret, sizeof(*ret), &pid->numbers[level]);
}

/* The caller (pind, which runs both programs) and its pid namespace, once. */
static __always_inline void find_own_ns(void)
{
	struct upid up;

	if (ns_ptr)
		return;
	struct task_struct *me = (void *)bpf_get_current_task();
	struct pid *pid = BPF_CORE_READ(me, thread_pid);
	__u32 level = BPF_CORE_READ(pid, level);
	if (pid_at(pid, level, &up) < 0) {
		ns_failed = 1;
		return;
	}
	ns_level = level;
	ns_ptr = (__u64)up.ns;
}

/* The task's pid in the caller's pid namespace; 0 when it has none there (a task of the
 * host or of another container). */
static __always_inline int ns_pid(struct task_struct *task)
{
	struct upid up;

	if (ns_level == 0)
		return BPF_CORE_READ(task, pid); /* task may be a thread found by reading */
	if (pid_at(BPF_CORE_READ(task, thread_pid), ns_level, &up) < 0)
		return 0;
	return (__u64)up.ns == ns_ptr ? up.nr : 0;
}

/* A holder is rare: the rest of its record is read the usual way; its cgroup from the
 * task that stands for it (rep). nr: task's pid in the caller's namespace. */
static __always_inline void fill(struct task_struct *task, int nr, struct task_struct *rep,
				 struct pinscan_record *rec)
{
	rec->tgid = (unsigned int)nr;
	rec->cgroup_id = BPF_CORE_READ(rep, cgroups, dfl_cgrp, kn, id);
	rec->cgroup_tid = (unsigned int)(rep == task ? nr : ns_pid(rep));
	rec->start_boottime = BPF_CORE_READ(task, start_boottime);
	BPF_CORE_READ_STR_INTO(&rec->comm, task, comm);
}

/* What the process (its leader: task) pins and locks, in pages: whether it holds
 * anything; *rep: the task that stands for it. The fields every process needs are read by
 * direct (CO-RE relocated) loads, not through bpf_probe_read_kernel(): no helper calls for
 * each of thousands of idle processes. */
static __always_inline bool holds(struct task_struct *task, __u64 *pinned, __u64 *locked,
				  struct task_struct **rep)
{
	struct mm_struct *mm = task->mm;
	if (mm) {
		*rep = task;
		*pinned = (__u64)mm->pinned_vm.counter;
		*locked = mm->locked_vm;
	} else { /* kernel threads, zombies, exited leaders */
		struct task_struct *t = live_thread(task);
		if (!t)
			return false;
		mm = BPF_CORE_READ(t, mm);
		*rep = t;
		*pinned = (__u64)BPF_CORE_READ(mm, pinned_vm.counter);
		*locked = BPF_CORE_READ(mm, locked_vm);
	}
	return *pinned || *locked;
}

/* pinwalk: a holder goes into the next free record. */
static __always_inline void keep(struct task_struct *task, int nr)
{
	struct task_struct *rep;
	__u64 pinned, locked;

	if (!holds(task, &pinned, &locked, &rep))
		return;
	__u32 i = n_recs;
	n_recs = i + 1;
	if (i >= cap)
		return; /* counted: the caller sees the overflow */
	struct pinscan_record *rec = bpf_map_lookup_elem(&recs, &i);
	if (!rec)
		return; /* past PINSCAN_MAX, which cap never is */
	rec->pinned = pinned;
	rec->locked = locked;
	fill(task, nr, rep, rec);
}

SEC("syscall")
int pinwalk(void *ctx)
{
	struct bpf_iter_task it;
	struct task_struct *task;
	__u64 seen = 0;

	(void)ctx;
	find_own_ns();
	bpf_rcu_read_lock();
	bpf_iter_task_new(&it, NULL, BPF_TASK_ITER_ALL_PROCS);
	bpf_iter_task_next(&it); /* the idle task, PID 0, comes first: no process */
	task = bpf_iter_task_next(&it);
	if (task && task->pid == 1)
		saw_init = 1; /* the first process the kernel makes */
	for (; task; task = bpf_iter_task_next(&it)) {
		int nr = ns_level ? ns_pid(task) : task->pid;
		if (!nr)
			continue; /* not in the caller's pid namespace */
		seen++;
		keep(task, nr);
	}
	bpf_iter_task_destroy(&it);
	bpf_rcu_read_unlock();
	visited = seen;
	return 0;
}

SEC("iter/task")
int pinscan(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct pinscan_record rec = {};

	if (!task)
		return 0;
	find_own_ns();
	int pid = task->pid;
	if (pid != task->tgid)
		return 0; /* threads share their leader's mm */
	int nr = ns_level ? ns_pid(task) : pid;
	if (!nr)
		return 0; /* not in the caller's pid namespace */
	visited++;        /* one pass runs at a time */
	if (pid == 1)
		saw_init = 1;
	struct task_struct *rep;
	if (!holds(task, &rec.pinned, &rec.locked, &rep))
		return 0;
	fill(task, nr, rep, &rec);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
