/* SPDX-License-Identifier: MIT */
/* The few kernel types pinscan reads, relocated at load time against the running kernel's
 * BTF (CO-RE): only the fields named here, wherever this kernel has them. */
#pragma once

#include <linux/types.h> /* __u64 and friends, for libbpf's helper definitions too */
#include <linux/bpf.h>   /* map types */

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
} __attribute__((preserve_access_index));

typedef struct {
	__s64 counter;
} atomic64_t;

struct mm_struct {
	atomic64_t pinned_vm;
	unsigned long locked_vm;
} __attribute__((preserve_access_index));

struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));

struct cgroup {
	struct kernfs_node *kn;
} __attribute__((preserve_access_index));

struct css_set {
	struct cgroup *dfl_cgrp;
} __attribute__((preserve_access_index));

struct list_head {
	struct list_head *next;
} __attribute__((preserve_access_index));

struct signal_struct {
	struct list_head thread_head; /* its threads, through task_struct.thread_node */
} __attribute__((preserve_access_index));

struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct pid_namespace {
	struct ns_common ns;
} __attribute__((preserve_access_index));

struct upid {
	int nr;
	struct pid_namespace *ns;
} __attribute__((preserve_access_index));

struct pid { /* one number per pid namespace, from the initial one (0) to level */
	unsigned int level;
	struct upid numbers[1];
} __attribute__((preserve_access_index));

struct task_struct {
	unsigned int flags;
	int pid;
	int tgid;
	struct mm_struct *mm;
	__u64 start_boottime;
	char comm[16];
	struct css_set *cgroups;
	struct signal_struct *signal;
	struct list_head thread_node;
	struct pid *thread_pid;
} __attribute__((preserve_access_index));

struct bpf_iter_task { /* the open-coded task iterator's state, opaque */
	__u64 __opaque[3];
} __attribute__((aligned(8)));

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} __attribute__((preserve_access_index));
