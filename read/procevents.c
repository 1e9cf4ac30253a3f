/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdlib.h>
#include <string.h>

#include "procevents.h"

struct ProcEvents {
	struct nl_sock *sock;
	proc_event_fn fn;
	void *userdata;
};

static int on_message(struct nl_msg *msg, void *arg)
{
	ProcEvents *e = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);

	if ((size_t)nlmsg_datalen(h) < sizeof(struct cn_msg) + sizeof(struct proc_event))
		return NL_SKIP;
	const struct cn_msg *cn = nlmsg_data(h);
	if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC)
		return NL_SKIP;
	/* after the 20-byte cn_msg the event is only 4-byte aligned: copy it out */
	struct proc_event copy;
	memcpy(&copy, cn->data, sizeof(copy));
	const struct proc_event *ev = &copy;
	switch (ev->what) {
	case PROC_EVENT_FORK:
		if (ev->event_data.fork.child_pid == ev->event_data.fork.child_tgid)
			e->fn(PROC_STARTED, ev->event_data.fork.child_tgid, e->userdata);
		break;
	case PROC_EVENT_EXEC:
		e->fn(PROC_EXECED, ev->event_data.exec.process_tgid, e->userdata);
		break;
	case PROC_EVENT_EXIT:
		if (ev->event_data.exit.process_pid == ev->event_data.exit.process_tgid)
			e->fn(PROC_EXITED, ev->event_data.exit.process_tgid, e->userdata);
		break;
	default:
		break;
	}
	return NL_SKIP; /* handled here; libnl need not look further */
}

/* PROC_CN_MCAST_LISTEN: the connector sends process events to this socket from now on. */
static int listen_request(struct nl_sock *sock)
{
	/* the connector's header, then the operation as its payload */
	enum proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;
	struct cn_msg cn = {.id = {.idx = CN_IDX_PROC, .val = CN_VAL_PROC}, .len = sizeof(op)};
	char req[sizeof(cn) + sizeof(op)];
	struct nl_msg *msg = nlmsg_alloc_simple(NLMSG_DONE, 0);
	int r;

	if (!msg)
		return -ENOMEM;
	memcpy(req, &cn, sizeof(cn));
	memcpy(req + sizeof(cn), &op, sizeof(op));
	r = nlmsg_append(msg, req, sizeof(req), 0);
	if (r >= 0)
		r = nl_send_auto(sock, msg);
	nlmsg_free(msg);
	return r < 0 ? -EIO : 0;
}

int proc_events_open(proc_event_fn fn, void *userdata, ProcEvents **ret)
{
	ProcEvents *e;
	int r;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fn = fn;
	e->userdata = userdata;
	e->sock = nl_socket_alloc();
	if (!e->sock) {
		free(e);
		return -ENOMEM;
	}
	nl_socket_disable_seq_check(e->sock);
	nl_socket_disable_auto_ack(e->sock);
	nl_socket_set_local_port(e->sock, 0); /* the kernel picks one */
	r = nl_connect(e->sock, NETLINK_CONNECTOR);
	if (r >= 0)
		r = nl_socket_add_membership(e->sock, CN_IDX_PROC);
	if (r < 0) {
		r = r == -NLE_PERM ? -EPERM : -EIO;
		proc_events_close(e);
		return r;
	}
	nl_socket_modify_cb(e->sock, NL_CB_MSG_IN, NL_CB_CUSTOM, on_message, e);
	r = listen_request(e->sock);
	if (r >= 0)
		r = nl_socket_set_nonblocking(e->sock) < 0 ? -EIO : 0;
	if (r < 0) {
		proc_events_close(e);
		return r;
	}
	*ret = e;
	return 0;
}

int proc_events_fd(const ProcEvents *e)
{
	return nl_socket_get_fd(e->sock);
}

int proc_events_dispatch(ProcEvents *e)
{
	for (;;) {
		int r = nl_recvmsgs_default(e->sock);
		if (r >= 0)
			continue;
		if (r == -NLE_AGAIN)
			return 0;
		if (r == -NLE_NOMEM) { /* ENOBUFS: the socket overflowed, events are gone */
			e->fn(PROC_LOST, 0, e->userdata);
			continue;
		}
		return -EIO;
	}
}

void proc_events_close(ProcEvents *e)
{
	if (!e)
		return;
	nl_socket_free(e->sock); /* closes it; the subscription ends with the socket */
	free(e);
}
