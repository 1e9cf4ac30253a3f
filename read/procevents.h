/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Process events from the kernel's proc connector (through libnl-3): which processes
 * start and end, so that a scanner can keep its set of processes current without
 * walking /proc again. Needs CAP_NET_ADMIN (root). */

typedef enum {
	PROC_STARTED, /* a new process (fork of a thread-group leader's child process) */
	PROC_EXECED,
	PROC_EXITED, /* a thread-group leader exited */
	PROC_LOST,   /* events were lost (ENOBUFS): resynchronise from scratch */
} ProcEventKind;

typedef void (*proc_event_fn)(ProcEventKind kind, pid_t pid, void *userdata);

typedef struct ProcEvents ProcEvents;

/* Subscribes. -EPERM without privileges. */
int proc_events_open(proc_event_fn fn, void *userdata, ProcEvents **ret);

/* The socket to poll (non-blocking). */
int proc_events_fd(const ProcEvents *e);

/* Reads what is pending and calls fn for each event; 0 when nothing more is pending. */
int proc_events_dispatch(ProcEvents *e);

void proc_events_close(ProcEvents *e);
