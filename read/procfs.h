/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "decimal.h"

/* Parsers for the /proc files pind reads. The parsers work on buffers so that tests
 * can feed them anything; the readers take the proc root as a parameter. */

#define PROC_COMM_MAX 64 /* "Name:" as the kernel prints it (escaped, <= 4 * 15 bytes) */

typedef struct ProcStatus {
	char comm[PROC_COMM_MAX];
	pid_t pid;
	pid_t tgid;
	uint64_t pinned;  /* VmPin, bytes */
	uint64_t locked;  /* VmLck, bytes */
	bool has_vm;      /* VmPin and VmLck present (absent for kernel threads, zombies) */
	unsigned threads; /* Threads:, 0 when absent or unreadable */
} ProcStatus;

/* Parses a /proc/PID/status buffer (need not be NUL-terminated). Name, Pid and Tgid are
 * required (Pid and Tgid in 1..INT32_MAX); VmPin and VmLck are optional (both or
 * neither). -EBADMSG for a malformed or missing required line, -ERANGE for a kB value
 * whose byte count overflows. */
int proc_status_parse(const char *buf, size_t len, ProcStatus *ret);

/* Field 22 of a /proc/PID/stat buffer: the start time in clock ticks after boot. comm
 * (field 2) may hold blanks and parentheses; fields are counted after its last ')'.
 * -EBADMSG when malformed. With the pid it names one process for good. */
int proc_stat_starttime(const char *buf, size_t len, uint64_t *ret);

/* Parses "  1234 kB" (leading blanks, decimal, " kB") into bytes. -EBADMSG, -ERANGE. */
int parse_kb(const char *s, size_t len, uint64_t *ret_bytes);

/* Finds, in a /proc/PID/cgroup buffer, the path of the hierarchy that lists
 * controller ("memory", "name=systemd"); controller "" selects the cgroup2 line
 * ("0::/path"). -ENOENT when absent, -EBADMSG for a malformed line. *ret is malloc'd. */
int proc_cgroup_find(const char *buf, size_t len, const char *controller, char **ret);

/* Value of the line "KEY<sep>VALUE" in a key/value file such as /proc/meminfo
 * ("MemTotal:   123 kB", value in bytes) or /proc/vmstat ("compact_stall 5").
 * A " kB" suffix is converted to bytes. -ENOENT when the key is absent. */
int parse_keyed_u64(const char *buf, size_t len, const char *key, uint64_t *ret);

/* Reads a whole (small) file below dirfd into buf (up to size-1 bytes, NUL-terminated).
 * Returns the length or a negative errno. */
ssize_t read_small_file_at(int dirfd, const char *name, char *buf, size_t size);

/* Whether a status says its thread-group leader has exited while other threads live on
 * (pthread_exit in main): the leader's status then has no Vm lines, and its cgroup file
 * says where the leader was, not where the process is. */
bool proc_status_leader_gone(const ProcStatus *st);

/* For such a process (/proc/PID open as dfd): a thread that still has the process's mm.
 * Parses its status (read into buf) into *ret and opens its directory (task/TID) as
 * *ret_fd, to read its cgroup from. -ESRCH when no thread has it any more. */
int proc_live_thread(int dfd, pid_t pid, char *buf, size_t size, ProcStatus *ret, int *ret_fd);

typedef struct SysInfo {
	uint64_t mem_total; /* bytes */
	uint64_t compact_stall;
	uint64_t compact_fail;
	uint64_t foll_pinned_pages; /* nr_foll_pin_acquired - nr_foll_pin_released */
	bool has_foll_pin;
} SysInfo;

/* Reads /proc/meminfo and /proc/vmstat below proc_root. */
int sysinfo_read(const char *proc_root, SysInfo *ret);
