/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "child.h"
#include "macro.h"

#define CHILD_FDS_MAX 8

static void __attribute__((noreturn)) child_main(int sock, child_fn fn, void *userdata, size_t size)
{
	char cbuf[CMSG_SPACE(sizeof(int) * CHILD_FDS_MAX)] = {};
	int fds[CHILD_FDS_MAX];
	size_t n_fds = 0;
	void *buf = calloc(1, size ? size : 1);
	int32_t r = buf ? fn(userdata, buf, size, fds, &n_fds) : -ENOMEM;

	if (n_fds > CHILD_FDS_MAX)
		r = -E2BIG;
	struct iovec iov[2] = {{&r, sizeof(r)}, {buf, r > 0 ? (size_t)r : 0}};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
	if (r >= 0 && n_fds > 0) {
		m.msg_control = cbuf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	/* _exit: none of the parent's exit handlers (or leak checks) run here */
	_exit(sendmsg(sock, &m, MSG_NOSIGNAL) < 0 ? 1 : 0);
}

int child_call(child_fn fn, void *userdata, void *buf, size_t size, int *fds, size_t max_fds,
	       size_t *ret_len, size_t *ret_n_fds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * CHILD_FDS_MAX)];
	int sv[2];
	int32_t r = -EIO;

	if (max_fds > CHILD_FDS_MAX)
		return -EINVAL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return negative_errno();
	pid_t pid = fork();
	if (pid < 0) {
		int e = negative_errno();
		close(sv[0]);
		close(sv[1]);
		return e;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(sv[1], fn, userdata, size);
	}
	close(sv[1]);
	struct iovec iov[2] = {{&r, sizeof(r)}, {buf, size}};
	struct msghdr m = {
	    .msg_iov = iov, .msg_iovlen = 2, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n;
	while ((n = recvmsg(sv[0], &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	int e = n < 0 ? negative_errno() : 0;
	close(sv[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	size_t got = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); n > 0 && c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *in = (int *)CMSG_DATA(c);
		for (size_t i = 0; i < k; i++) {
			if (got < max_fds)
				fds[got++] = in[i];
			else
				close(in[i]);
		}
	}
	if (e < 0 || n < (ssize_t)sizeof(r) || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		while (got > 0)
			close(fds[--got]);
		return e < 0 ? e : -EIO; /* the child died, or said more than fits */
	}
	if (r < 0) {
		while (got > 0)
			close(fds[--got]);
		return r;
	}
	*ret_len = (size_t)n - sizeof(r);
	*ret_n_fds = got;
	return 0;
}
