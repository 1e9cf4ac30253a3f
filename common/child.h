/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* Work done in a short-lived child process, so that the memory it takes (heap, static
 * tables it fills, code pages it runs) is never the caller's: loading the BPF program
 * parses megabytes of kernel BTF, which the daemon then never holds. The
 * child hands back data and file descriptors, and exits. */

/* Runs in the child: fills buf (up to size bytes) and fds (up to *n_fds, which it sets);
 * returns the length of the data, or a negative errno that child_call returns. */
typedef int (*child_fn)(void *userdata, void *buf, size_t size, int *fds, size_t *n_fds);

/* Forks, runs fn in the child, waits for it. *ret_len: bytes in buf; fds: what the child
 * passed (close-on-exec), *ret_n_fds of them (up to max_fds). Call it while the process
 * has a single thread. */
int child_call(child_fn fn, void *userdata, void *buf, size_t size, int *fds, size_t max_fds,
	       size_t *ret_len, size_t *ret_n_fds);
