/* SPDX-License-Identifier: MIT */
/* This instance's claim on its cgroup root: one pind per root (an flock on the root's
 * directory in the primary hierarchy), and the owner its marks name (mark_format), so
 * that no other instance adopts, thaws or counts its freezes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "macro.h"

int daemon_claim_root(Daemon *d)
{
	_cleanup_free_ char *root = NULL, *dir = NULL;

	int r = cg_path_normalize(daemon_cgroup_root(d), &root);
	if (r < 0)
		return r;
	if (strchr(root, '\n')) /* a mark could not name it */
		return -EINVAL;
	if (d->owner && strcmp(d->owner, root) == 0)
		return 0;
	if (asprintf(&dir, "%s%s", cg_layout_primary(&d->layout), root) < 0)
		return -ENOMEM;
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = negative_errno();
		if (r == -EWOULDBLOCK)
			log_msg(LOG_ERR,
				"another pind manages cgroup root %s already (it holds the lock on "
				"%s); one pind per cgroup root",
				root, dir);
		return r == -EWOULDBLOCK ? -EBUSY : r;
	}
	if (d->owner)
		close(d->owner_fd); /* the old root's claim goes */
	d->owner_fd = TAKE_FD(fd);
	free(d->owner);
	d->owner = TAKE_PTR(root);
	d->enforcer.owner = d->owner;
	return 0;
}

void daemon_release_root(Daemon *d)
{
	if (d->owner)
		close(d->owner_fd);
	d->owner_fd = -1;
	free(d->owner);
	d->owner = NULL;
}
