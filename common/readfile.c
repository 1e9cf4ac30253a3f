/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "readfile.h"
#include "size.h"

int read_regular_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
	/* O_NONBLOCK: a FIFO opens at once instead of waiting for a writer */
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	_cleanup_free_ char *buf = malloc(max + 1);
	size_t len = 0;
	if (!buf)
		return -ENOMEM;
	for (;;) { /* up to max + 1: a file that grew meanwhile is too big all the same */
		ssize_t n = read(fd, buf + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	buf[len] = 0;
	char *small = realloc(buf, len + 1);
	*ret = small ? small : buf;
	buf = NULL;
	if (ret_len)
		*ret_len = len;
	return 0;
}

const char *read_error(int r, size_t max, char buf[static 64])
{
	char size[FORMAT_BYTES_MAX];

	if (r == -EBADFD)
		return "not a regular file";
	if (r == -EFBIG) {
		snprintf(buf, 64, "larger than %s", format_bytes(size, sizeof(size), max));
		return buf;
	}
	return strerror(-r);
}
