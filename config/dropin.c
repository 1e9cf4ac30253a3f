/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "dropin.h"
#include "macro.h"
#include "unitname.h"

static const char *const section[] = {
    [UNIT_SLICE] = "Slice",
    [UNIT_SERVICE] = "Service",
    [UNIT_SCOPE] = "Scope",
};

/* Opens (creating) every directory of an absolute path without following links. */
static int open_dir_nofollow(const char *path, int *ret_fd)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	if (path[0] != '/')
		return -EINVAL;
	if (fd < 0)
		return negative_errno();
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, "..") == 0)
			return -EINVAL;
		if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST)
			return negative_errno();
		int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOTDIR) { /* a symbolic link, or no directory at all */
			struct stat st;
			return fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)
				   ? -ELOOP
				   : -ENOTDIR;
		}
		if (next < 0)
			return negative_errno();
		close(fd);
		fd = next;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int write_all(int fd, const char *s)
{
	size_t l = strlen(s);

	while (l > 0) {
		ssize_t n = write(fd, s, l);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		s += n;
		l -= (size_t)n;
	}
	return 0;
}

int dropin_write(const char *control_dir, const char *unit, const char *file, const char *key,
		 const char *value, char **ret_path)
{
	_cleanup_free_ char *dir = NULL, *content = NULL, *tmp = NULL;
	_cleanup_close_ int dfd = -1, fd = -1;
	UnitType type;
	struct stat st;
	int r;

	r = unit_name_type(unit, &type);
	if (r < 0)
		return r;
	if (strchr(file, '/') || file[0] == '.' || strchr(value, '\n') || strchr(key, '\n'))
		return -EINVAL;
	if (asprintf(&dir, "%s/%s.d", control_dir, unit) < 0 ||
	    asprintf(&content,
		     "# Written by pinctl set-property or pind; pind reads it, systemd ignores "
		     "X- keys.\n[%s]\n%s=%s\n",
		     section[type], key, value) < 0)
		return -ENOMEM;
	r = open_dir_nofollow(dir, &dfd);
	if (r < 0)
		return r;
	if (fstatat(dfd, file, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
		return S_ISLNK(st.st_mode) ? -ELOOP : -EEXIST;

	for (int tries = 0; fd < 0; tries++) {
		unsigned rnd;
		if (tries > 16)
			return -EEXIST;
		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd = (unsigned)getpid() * 2654435761u + (unsigned)tries;
		free(tmp);
		if (asprintf(&tmp, ".#%s.%08x", file, rnd) < 0)
			return -ENOMEM;
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return negative_errno();
	}
	r = write_all(fd, content);
	if (r >= 0 && fsync(fd) < 0)
		r = negative_errno();
	if (r >= 0 && renameat(dfd, tmp, dfd, file) < 0)
		r = negative_errno();
	if (r < 0) {
		unlinkat(dfd, tmp, 0);
		return r;
	}
	fsync(dfd); /* the rename itself */
	if (ret_path && asprintf(ret_path, "%s/%s", dir, file) < 0)
		return -ENOMEM;
	return 0;
}
