/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "actuate.h"
#include "enforce.h"
#include "log.h"
#include "macro.h"
#include "sdunit.h"
#include "unitname.h"
#include "size.h"

/* A unit that began pinning this recently is likely still starting (a guest whose start
 * waits on the QEMU pind just froze): its freeze says what it holds up. */
#define NEWCOMER_USEC (60 * UINT64_C(1000000))

/* one MESSAGE_ID per kind of event, for journalctl MESSAGE_ID=... */
static const char *const message_ids[] = {
    [DECISION_EXCEEDED] = "MESSAGE_ID=5f1e2b7c9a4d4e0b8c6a3f2d1e0b9a11",
    [DECISION_RESTORED] = "MESSAGE_ID=5f1e2b7c9a4d4e0b8c6a3f2d1e0b9a12",
    [DECISION_FREEZE] = "MESSAGE_ID=5f1e2b7c9a4d4e0b8c6a3f2d1e0b9a13",
    [DECISION_THAW] = "MESSAGE_ID=5f1e2b7c9a4d4e0b8c6a3f2d1e0b9a14",
    [DECISION_SIGNAL] = "MESSAGE_ID=5f1e2b7c9a4d4e0b8c6a3f2d1e0b9a15",
    [DECISION_KILL] = "MESSAGE_ID=5f1e2b7c9a4d4e0b8c6a3f2d1e0b9a16",
    [DECISION_LOG] = "MESSAGE_ID=5f1e2b7c9a4d4e0b8c6a3f2d1e0b9a17",
    [DECISION_NO_TARGET] = "MESSAGE_ID=5f1e2b7c9a4d4e0b8c6a3f2d1e0b9a18",
};

static void report(int priority, const Decision *d, const char *action, int result, const char *fmt,
		   ...) __attribute__((format(printf, 5, 6)));
static void report(int priority, const Decision *d, const char *action, int result, const char *fmt,
		   ...)
{
	char unit[320], pinned[48], max[48], act[48], pid[32], target[4200], res[64], resv[48];
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], c[FORMAT_BYTES_MAX];
	_cleanup_free_ char *what = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	snprintf(unit, sizeof(unit), "PIND_UNIT=%s", d->budget);
	snprintf(pinned, sizeof(pinned), "PIND_PINNED=%" PRIu64, d->usage);
	snprintf(max, sizeof(max), "PIND_MAX=%" PRIu64, d->max);
	snprintf(act, sizeof(act), "PIND_ACTION=%s", action);
	snprintf(pid, sizeof(pid), "PIND_PID=%d", (int)d->pid);
	snprintf(target, sizeof(target), "PIND_TARGET=%s", d->target ? d->target : "");
	snprintf(res, sizeof(res), "PIND_RESULT=%s", result == 0 ? "done" : strerror(-result));
	snprintf(resv, sizeof(resv), "PIND_RESERVED=%" PRIu64, d->reserved);
	const char *fields[] = {
	    message_ids[d->kind], unit, pinned, max, act, pid, target, res, resv, NULL};
	if (d->pid == 0)
		fields[5] = "PIND_PID=";
	_cleanup_free_ char *culprit = NULL, *reserved = NULL;
	if (d->pid > 0 && asprintf(&culprit, "; culprit %d (%s)%s%s", (int)d->pid, d->comm,
				   d->suspect ? " in " : "", d->suspect ? d->suspect : "") < 0)
		culprit = NULL;
	if (d->reserved > 0 &&
	    asprintf(&reserved, " used + %s reserved", format_bytes(c, sizeof(c), d->reserved)) < 0)
		reserved = NULL;
	_cleanup_free_ char *held = NULL;
	if (d->kind == DECISION_FREEZE && result == 0 && d->pinning_for > 0 &&
	    d->pinning_for < NEWCOMER_USEC &&
	    asprintf(&held,
		     "; it began pinning %.1f s ago: whatever it was starting is held until %s "
		     "has room, `pinctl thaw %s`, or it is stopped",
		     (double)d->pinning_for / 1e6, d->budget,
		     d->target_name ? d->target_name : d->target) < 0)
		held = NULL;
	log_struct(priority, fields, "%s: %s (%s%s of %s)%s%s", d->budget, what ? what : action,
		   format_bytes(a, sizeof(a), d->usage), reserved ? reserved : "",
		   format_bytes(b, sizeof(b), d->max), culprit ? culprit : "", held ? held : "");
}

struct Pending {
	Enforcer *e;
	Pending *next;
	Decision d;       /* moved from the caller's */
	SdUnitCall *call; /* NULL while it waits behind an earlier one for the same cgroup */
	uint64_t seq;     /* the enforcer's count of calls when it was made */
};

static void report_freeze(const Decision *d, int r)
{
	const char *name = d->target_name ? d->target_name : d->target;

	if (r == -EBUSY)
		report(LOG_WARNING, d, "freeze", r, "left %s alone: frozen by someone else", name);
	else if (r < 0)
		report(LOG_ERR, d, "freeze", r, "freezing %s failed: %s", name, strerror(-r));
	else
		report(LOG_WARNING, d, "freeze", r, "froze %s", name);
}

/* 1: found thawed already (pinctl thaw, say); -ENOENT: found frozen without pind's mark,
 * someone else's freeze now, left alone. Either way it is no longer pind's. */
static int report_thaw(const Decision *d, int r)
{
	const char *name = d->target_name ? d->target_name : d->target;

	if (r == 1)
		report(LOG_NOTICE, d, "thaw", 0, "%s was thawed already", name);
	else if (r == -ENOENT)
		report(LOG_WARNING, d, "thaw", r,
		       "left %s frozen: it no longer carries pind's mark", name);
	else if (r < 0)
		report(LOG_ERR, d, "thaw", r, "thawing %s failed: %s", name, strerror(-r));
	else if (d->stopping)
		report(LOG_NOTICE, d, "thaw", r, "thawed %s: systemd is stopping it", name);
	else
		report(LOG_NOTICE, d, "thaw", r, "thawed %s", name);
	return r == 1 ? 0 : r;
}

/* After systemd's answer, or without systemd: cgroupfs where systemd did not do it; the
 * mark follows the outcome. Returns the outcome, reported. */
static int freeze_done(Enforcer *e, const Decision *d, int r, const char *message)
{
	bool freeze = d->kind == DECISION_FREEZE, frozen;

	if (r >= 0 && cg_frozen(e->layout, d->target, &frozen) >= 0 && frozen == freeze)
		r = 0;
	else {
		if (r == -EOPNOTSUPP && !e->systemd_cannot_freeze) {
			e->systemd_cannot_freeze = true;
			log_msg(LOG_NOTICE,
				"systemd cannot freeze units here (%s); pind writes cgroup.freeze "
				"itself",
				message ? message : strerror(-r));
		} else if (r < 0 && r != -ENOENT && r != -EOPNOTSUPP && r != -ENODEV)
			log_msg(LOG_WARNING, "%s(%s) failed (%s); pind writes cgroup.freeze itself",
				freeze ? "FreezeUnit" : "ThawUnit", d->target_name,
				message ? message : strerror(-r));
		r = cg_freeze(e->layout, d->target, freeze, FREEZE_TIMEOUT_USEC);
	}
	if (freeze && r < 0 && r != -ETIMEDOUT) /* a timed-out freeze stays requested */
		cg_mark_remove(e->layout, d->target);
	if (!freeze && r < 0) { /* still frozen: still pind's (do_thaw took the mark off) */
		_cleanup_free_ char *mark = NULL;
		if (mark_format(e->owner, d->budget, &mark) == 0)
			cg_mark_set(e->layout, d->target, mark);
	}
	return freeze ? (report_freeze(d, r), r) : report_thaw(d, r);
}

static void pending_start(Pending *p);

static void on_manager(int result, const char *message, void *userdata)
{
	Pending *p = userdata, **pp;
	Enforcer *e = p->e;

	p->call = NULL; /* it frees itself */
	int r = freeze_done(e, &p->d, result, message);
	for (pp = &e->pending; *pp != p; pp = &(*pp)->next)
		;
	*pp = p->next;
	e->done(&p->d, r, e->userdata);
	/* the next one waiting for this cgroup */
	for (Pending *q = e->pending; q; q = q->next)
		if (!q->call && strcmp(q->d.target, p->d.target) == 0) {
			pending_start(q);
			break;
		}
	decisions_free_one(&p->d);
	free(p);
}

static void pending_start(Pending *p)
{
	int r = sdunit_freeze_async(p->e->systemd, p->d.target_name, p->d.target,
				    p->d.kind == DECISION_FREEZE, on_manager, p, &p->call);
	if (r < 0)
		on_manager(-ENODEV, strerror(-r), p);
}

/* Through systemd where it can (it then knows the unit is frozen), without waiting for
 * it: ENFORCE_PENDING, and *d is the enforcer's. Else cgroupfs, at once. */
static int freeze_unit(Enforcer *e, Decision *d)
{
	if (!e->systemd || e->systemd_cannot_freeze || !d->target_name ||
	    !unit_name_is_valid(d->target_name) || !e->done)
		return freeze_done(e, d, -ENODEV, NULL);
	Pending *p = calloc(1, sizeof(*p)), **pp;
	if (!p)
		return freeze_done(e, d, -ENODEV, NULL);
	*p = (Pending){.e = e, .d = *d, .seq = ++e->calls};
	bool behind = false;
	for (pp = &e->pending; *pp; pp = &(*pp)->next)
		behind = behind || strcmp((*pp)->d.target, d->target) == 0;
	if (!behind &&
	    sdunit_freeze_async(e->systemd, d->target_name, d->target, d->kind == DECISION_FREEZE,
				on_manager, p, &p->call) < 0) {
		free(p); /* d still owns its strings */
		return freeze_done(e, d, -ENODEV, NULL);
	}
	d->budget = d->target = d->target_name = d->suspect = NULL;
	*pp = p;
	return ENFORCE_PENDING;
}

static int do_freeze(Enforcer *e, Decision *d)
{
	_cleanup_free_ char *mark = NULL, *own = NULL;
	bool frozen = false;

	int r = mark_format(e->owner, d->budget, &own);
	if (r >= 0)
		r = cg_frozen(e->layout, d->target, &frozen);
	if (r >= 0 && frozen &&
	    (cg_mark_get(e->layout, d->target, &mark) < 0 || !mark_budget(mark, e->owner)))
		r = -EBUSY; /* frozen by someone else (another pind too): not ours to freeze, nor
			     * to thaw */
	else if (r >= 0 && ((r = cg_mark_set(e->layout, d->target, own)) >= 0 || r == -EOPNOTSUPP))
		return freeze_unit(e, d);
	report_freeze(d, r);
	return r;
}

static int do_thaw(Enforcer *e, Decision *d)
{
	_cleanup_free_ char *mark = NULL;
	bool frozen = true;

	int r = cg_mark_get(e->layout, d->target, &mark);
	if (r == -ENODATA || (r >= 0 && !mark_budget(mark, e->owner)))
		r = cg_frozen(e->layout, d->target, &frozen) >= 0 && !frozen ? 1 : -ENOENT;
	else if (r >= 0 || r == -EOPNOTSUPP) {
		/* the mark goes first: a crash before the thaw then leaves a freeze nobody
		 * claims (left alone), never a claim on a freeze that is someone else's
		 * later; a thaw that fails puts it back */
		if (r >= 0)
			cg_mark_remove(e->layout, d->target);
		return freeze_unit(e, d);
	}
	return report_thaw(d, r);
}

uint64_t enforcer_calls(const Enforcer *e)
{
	return e->calls;
}

bool enforcer_out_since(const Enforcer *e, uint64_t since)
{
	for (const Pending *p = e->pending; p; p = p->next)
		if (p->seq > since)
			return true;
	return false;
}

void enforcer_done(Enforcer *e)
{
	while (e->pending) {
		Pending *p = e->pending;
		e->pending = p->next;
		sdunit_call_free(p->call);
		decisions_free_one(&p->d);
		free(p);
	}
}

int enforce(Enforcer *e, Decision *d)
{
	const char *name = d->target_name ? d->target_name : d->target;
	int r = 0;

	switch (d->kind) {
	case DECISION_EXCEEDED:
		report(LOG_WARNING, d, "none", 0, "over budget");
		return 0;
	case DECISION_RESTORED:
		report(LOG_NOTICE, d, "none", 0, "within budget again");
		return 0;
	case DECISION_LOG:
		report(LOG_WARNING, d, "log", 0, "over budget, Action=log: would act on %s", name);
		return 0;
	case DECISION_NO_TARGET:
		report(LOG_WARNING, d, action_to_string(d->action), -EPERM,
		       "over budget, but nothing below it may be acted on (protected units, "
		       "pind's own cgroup, the root)");
		return 0;
	case DECISION_FREEZE:
		return do_freeze(e, d);
	case DECISION_THAW:
		return do_thaw(e, d);
	case DECISION_SIGNAL: {
		const char *sig = sigabbrev_np(d->signal);
		r = proc_signal(e->proc_root, d->pid, d->starttime, d->signal);
		if (r < 0)
			report(r == -ESRCH ? LOG_NOTICE : LOG_ERR, d, "signal", r,
			       "SIG%s to %d in %s not sent: %s", sig ? sig : "?", (int)d->pid, name,
			       r == -ESRCH ? "the process is gone" : strerror(-r));
		else
			report(LOG_WARNING, d, "signal", r, "sent SIG%s to %d in %s",
			       sig ? sig : "?", (int)d->pid, name);
		return r;
	}
	case DECISION_KILL:
		r = cg_kill(e->layout, e->proc_root, d->target);
		if (r < 0)
			report(LOG_ERR, d, "kill", r, "killing %s failed: %s", name, strerror(-r));
		else
			report(LOG_WARNING, d, "kill", r, "killed %s", name);
		return r;
	}
	return 0;
}
