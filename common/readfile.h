/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* Reads a whole regular file (path relative to dirfd, or AT_FDCWD) into a NUL-terminated
 * *ret of *ret_len bytes (ret_len may be NULL), opened so that it cannot block or balloon:
 * -EBADFD when it is not a regular file (a FIFO, a device, a socket, a directory), -EFBIG
 * when it holds more than max bytes; -ENOENT when it is not there. Symbolic links are
 * followed. */
int read_regular_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);

/* What read_regular_file_at() said, for a message: "not a regular file", "larger than
 * 1.0M", else strerror. buf holds 64 bytes. */
const char *read_error(int r, size_t max, char buf[static 64]);
