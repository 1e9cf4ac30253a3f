/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "polkit.h"

typedef struct Query Query;
struct Query {
	Polkit *p;
	Query *next;
	sd_bus_message *request; /* the method call waiting for the answer */
	sd_bus_slot *slot;       /* the call to polkit while it is out */
	bool answered, allowed;
	char *why; /* when polkit could not be asked, or failed */
};

struct Polkit {
	sd_bus *bus;
	Query *queries;
};

int polkit_new(sd_bus *bus, Polkit **ret)
{
	Polkit *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->bus = sd_bus_ref(bus);
	*ret = p;
	return 0;
}

static void query_free(Query *q)
{
	Query **pp = &q->p->queries;
	while (*pp != q)
		pp = &(*pp)->next;
	*pp = q->next;
	sd_bus_slot_unref(q->slot);
	sd_bus_message_unref(q->request);
	free(q->why);
	free(q);
}

Polkit *polkit_free(Polkit *p)
{
	if (!p)
		return NULL;
	while (p->queries)
		query_free(p->queries);
	sd_bus_unref(p->bus);
	free(p);
	return NULL;
}

static int on_answer(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	Query *q = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(reply);
	int authorized = 0, challenge = 0;

	(void)ret_error;
	q->slot = sd_bus_slot_unref(q->slot);
	q->answered = true;
	if (e) {
		q->why = strdup(e->message ? e->message : e->name);
	} else if (sd_bus_message_enter_container(reply, 'r', "bba{ss}") < 0 ||
		   sd_bus_message_read(reply, "bb", &authorized, &challenge) < 0) {
		q->why = strdup("polkit's answer could not be read");
	}
	q->allowed = !e && authorized;
	/* the method runs again with the answer */
	int r = sd_bus_message_rewind(q->request, true);
	if (r >= 0)
		r = sd_bus_enqueue_for_read(q->p->bus, q->request);
	if (r < 0) {
		sd_bus_reply_method_errorf(q->request, SD_BUS_ERROR_NO_MEMORY,
					   "Cannot take polkit's answer: %s", strerror(-r));
		query_free(q);
	}
	return 0;
}

static int denied(sd_bus_error *error, const char *action, const char *context, const char *why)
{
	return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
				 "Changing pind's budgets and groups needs root or the polkit "
				 "action %s%s%s",
				 action, why ? context : "", why ? why : "");
}

int polkit_check(Polkit *p, sd_bus_message *m, const char *action, sd_bus_error *error)
{
	_cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
	uid_t uid = (uid_t)-1;
	Query *q;

	int r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
	if (r >= 0)
		r = sd_bus_creds_get_euid(creds, &uid);
	if (r >= 0 && uid == 0)
		return 0;
	for (q = p->queries; q && q->request != m; q = q->next)
		;
	if (q && !q->answered)
		return 1;
	if (q) {
		bool allowed = q->allowed;
		_cleanup_free_ char *why = TAKE_PTR(q->why);
		query_free(q);
		if (allowed)
			return 0;
		return denied(error, action, "; polkit: ", why);
	}
	if (!(q = calloc(1, sizeof(*q))))
		return -ENOMEM;
	*q = (Query){.p = p, .next = p->queries, .request = sd_bus_message_ref(m)};
	p->queries = q;
	r = sd_bus_call_method_async(p->bus, &q->slot, "org.freedesktop.PolicyKit1",
				     "/org/freedesktop/PolicyKit1/Authority",
				     "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization",
				     on_answer, q, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name",
				     "s", sd_bus_message_get_sender(m), action, 0, 0, "");
	if (r < 0) {
		query_free(q);
		return denied(error, action, "; polkit cannot be asked: ", strerror(-r));
	}
	return 1;
}
