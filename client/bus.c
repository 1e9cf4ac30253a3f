/* SPDX-License-Identifier: MIT */
/* pinctl's side of pind's D-Bus API: connecting, calls and their errors, and the commands
 * that only pind can do (reserve, release, reload, monitor) or that it does for pinctl
 * when it runs (freeze, thaw). */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "bus.h"
#include "macro.h"
#include "procfs.h"
#include "size.h"
#include "timespan.h"

/* pind's own errors as errno values, so that a failed call returns what its error means:
 * the bus library maps AccessDenied to EACCES and InvalidArgs to EINVAL already. */
static const sd_bus_error_map pind_errors[] = {
    SD_BUS_ERROR_MAP("org.pind.Pind1.Error.NoSuchGroup", ENOENT),
    SD_BUS_ERROR_MAP("org.pind.Pind1.Error.InvalidValue", EINVAL),
    SD_BUS_ERROR_MAP_END,
};

static int set_reason(Pind *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_reason(Pind *p, const char *fmt, ...)
{
	va_list ap;

	free(p->reason);
	va_start(ap, fmt);
	int r = vasprintf(&p->reason, fmt, ap);
	va_end(ap);
	if (r < 0) {
		p->reason = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* How long asking the bus whether pind is there may take: a bus that accepts the
 * connection and then says nothing would otherwise hold pinctl for sd-bus's 90 s. */
#define PROBE_TIMEOUT_USEC (5 * 1000000ULL)

typedef struct Probe {
	bool done;
	int has_owner;
	int error; /* negative errno */
	char *message;
} Probe;

static int on_probe_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	Probe *pr = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);

	pr->done = true;
	if (e) {
		pr->error = -sd_bus_error_get_errno(e);
		pr->message = e->message ? strdup(e->message) : NULL;
	} else if ((pr->error = sd_bus_message_read(m, "b", &pr->has_owner)) > 0)
		pr->error = 0;
	return 0;
}

/* NameHasOwner, within PROBE_TIMEOUT_USEC. */
static int probe(Pind *p, Probe *pr)
{
	sd_bus_slot *slot = NULL;
	uint64_t deadline = clock_usec(CLOCK_MONOTONIC) + PROBE_TIMEOUT_USEC;
	int r = sd_bus_call_method_async(p->bus, &slot, "org.freedesktop.DBus",
					 "/org/freedesktop/DBus", "org.freedesktop.DBus",
					 "NameHasOwner", on_probe_reply, pr, "s", PIND_BUS_NAME);

	while (r >= 0 && !pr->done) {
		r = sd_bus_process(p->bus, NULL);
		if (r != 0)
			continue;
		uint64_t n = clock_usec(CLOCK_MONOTONIC);
		r = n >= deadline ? -ETIMEDOUT : sd_bus_wait(p->bus, deadline - n);
	}
	sd_bus_slot_unref(slot);
	return r < 0 ? r : pr->error;
}

int pind_open(const Args *a, Pind *ret)
{
	Probe pr = {};
	int r;

	*ret = (Pind){.user = a->user};
	if (a->direct)
		return set_reason(ret, "--direct skips the bus");
	r = sd_bus_error_add_map(pind_errors);
	if (r < 0)
		return r;
	/* connecting to a unix socket that is not there fails at once: no timeout to wait */
	r = a->user ? sd_bus_open_user(&ret->bus) : sd_bus_open_system(&ret->bus);
	if (r < 0) {
		ret->bus = NULL;
		if (a->user && r == -ENOMEDIUM)
			return set_reason(ret, "neither DBUS_SESSION_BUS_ADDRESS nor "
					       "XDG_RUNTIME_DIR is set");
		return set_reason(ret, "cannot connect: %s", strerror(-r));
	}
	/* polkit may ask the user on a terminal, as systemctl lets it */
	(void)sd_bus_set_allow_interactive_authorization(ret->bus, isatty(STDIN_FILENO));
	r = probe(ret, &pr);
	if (r < 0) {
		/* not flushed: the bus may be the one that hangs */
		ret->bus = sd_bus_close_unref(ret->bus);
		r = set_reason(ret, "asking the bus for %s: %s", PIND_BUS_NAME,
			       pr.message        ? pr.message
			       : r == -ETIMEDOUT ? "no answer"
						 : strerror(-r));
		free(pr.message);
		return r;
	}
	ret->reachable = pr.has_owner;
	return ret->reachable ? 0 : set_reason(ret, "%s has no owner", PIND_BUS_NAME);
}

void pind_done(Pind *p)
{
	/* every call pinctl makes waits for its reply: nothing is left to flush */
	sd_bus_close_unref(p->bus);
	free(p->reason);
	*p = (Pind){};
}

const char *pind_bus_name(const Pind *p)
{
	return p->user ? "the user bus" : "the system bus";
}

int pind_unreachable(const Pind *p)
{
	fprintf(stderr, "pinctl: pind is not reachable (on %s): %s\n", pind_bus_name(p),
		p->reason ? p->reason : "unknown reason");
	return EXIT_FAIL;
}

int exit_code_from_errno(int r)
{
	switch (r) {
	case -ENOENT:
		return EXIT_NO_GROUP;
	case -EINVAL:
		return EXIT_USAGE;
	case -EACCES:
	case -EPERM:
		return EXIT_DENIED;
	default:
		return EXIT_FAIL;
	}
}

int pind_call_message(Pind *p, const char *what, sd_bus_message *m, sd_bus_message **ret_reply)
{
	_cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;

	int r = sd_bus_call(p->bus, m, 0, &error, ret_reply);
	if (r >= 0)
		return r;
	if (!what && sd_bus_error_is_set(&error)) /* pind's message names it */
		fprintf(stderr, "pinctl: %s\n", error.message ? error.message : error.name);
	else if (sd_bus_error_has_name(&error, "org.pind.Pind1.Error.NoSuchGroup"))
		fprintf(stderr, "pinctl: no such group: %s\n", what);
	else if (sd_bus_error_is_set(&error))
		fprintf(stderr, "pinctl: %s: %s\n", what,
			error.message ? error.message : error.name);
	else
		fprintf(stderr, "pinctl: %s: %s failed: %s\n", what ? what : "pind",
			sd_bus_message_get_member(m), strerror(-r));
	return r;
}

int pind_new_call(Pind *p, const char *iface, const char *member, sd_bus_message **ret)
{
	int r = sd_bus_message_new_method_call(p->bus, ret, PIND_BUS_NAME, PIND_BUS_PATH, iface,
					       member);
	if (r < 0)
		fprintf(stderr, "pinctl: making the %s call: %s\n", member, strerror(-r));
	return r;
}

int pind_call_iface(Pind *p, const char *iface, const char *what, const char *member,
		    sd_bus_message **ret_reply, const char *types, ...)
{
	_cleanup_bus_message_ sd_bus_message *m = NULL;
	va_list ap;

	int r = pind_new_call(p, iface, member, &m);
	if (r < 0)
		return r;
	va_start(ap, types);
	r = sd_bus_message_appendv(m, types, ap);
	va_end(ap);
	if (r < 0) {
		fprintf(stderr, "pinctl: %s: %s: %s\n", what, member, strerror(-r));
		return r;
	}
	return pind_call_message(p, what, m, ret_reply);
}

static int done_json(const Args *a, const char *key, const char *value);

int bus_freeze(const Args *a, Pind *p, bool freeze)
{
	if (a->n_args != 1) {
		fprintf(stderr, "pinctl: %s takes exactly one NAME\n", a->command);
		return EXIT_USAGE;
	}
	int r = pind_call(p, a->args[0], freeze ? "Freeze" : "Thaw", NULL, "s", a->args[0]);
	return r < 0 ? exit_code_from_errno(r) : done_json(a, "name", a->args[0]);
}

static int print_json_line(json_object *o, bool pretty)
{
	int flags =
	    JSON_C_TO_STRING_NOSLASHESCAPE |
	    (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN);
	const char *s = json_object_to_json_string_ext(o, flags);
	int r = s ? printf("%s\n", s) : -1;
	json_object_put(o);
	return r < 0 ? -EIO : 0;
}

static json_object *json_bytes(uint64_t v)
{
	return v == UINT64_MAX ? NULL : json_object_new_uint64(v);
}

/* reserve NAME SIZE [--holder UNIT] [--ttl SPAN] */
int run_reserve(const Args *a, Pind *p)
{
	_cleanup_bus_message_ sd_bus_message *reply = NULL;
	char buf[FORMAT_BYTES_MAX], u[FORMAT_BYTES_MAX], h[FORMAT_BYTES_MAX], m[FORMAT_BYTES_MAX];
	uint64_t bytes, ttl = 0, available, used, reserved, max;
	const char *id, *budget;
	int granted;
	SysInfo si;

	if (a->n_args != 2) {
		fprintf(stderr, "pinctl: reserve takes a NAME and a SIZE\n");
		return EXIT_USAGE;
	}
	const char *name = a->args[0], *size = a->args[1];
	int r = sysinfo_read(a->proc_root, &si);
	if (r < 0) {
		fprintf(stderr, "pinctl: reading %s/meminfo: %s\n", a->proc_root, strerror(-r));
		return EXIT_FAIL;
	}
	r = parse_size(size, si.mem_total, &bytes);
	if (r < 0 || bytes == UINT64_MAX) {
		fprintf(stderr,
			"pinctl: reserve %s: %s: %s (bytes with K, M, G, T, P or E, or a "
			"percentage of RAM)\n",
			name, size,
			r == -ERANGE ? "out of range"
			: r < 0      ? "invalid size"
				     : "not a size to reserve");
		return EXIT_USAGE;
	}
	if (a->ttl) {
		r = parse_timespan(a->ttl, &ttl);
		if (r < 0) {
			fprintf(stderr, "pinctl: --ttl=%s: %s (a time span: 30s, 5min, 1h)\n",
				a->ttl, r == -ERANGE ? "out of range" : "invalid time span");
			return EXIT_USAGE;
		}
		if (ttl == USEC_INFINITY)
			ttl = 0; /* pind's "no TTL" */
	}
	if (!p->reachable)
		return pind_unreachable(p);
	r = pind_call(p, name, "ReserveDetailed", &reply, "stst", name, bytes,
		      a->holder ? a->holder : "", ttl);
	if (r < 0)
		return exit_code_from_errno(r);
	r = sd_bus_message_read(reply, "btssttt", &granted, &available, &id, &budget, &used,
				&reserved, &max);
	if (r < 0) {
		fprintf(stderr, "pinctl: reserve %s: unexpected reply from pind: %s\n", name,
			strerror(-r));
		return EXIT_FAIL;
	}
	if (a->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "granted", json_object_new_boolean(granted));
		json_object_object_add(o, "id",
				       granted && id[0] ? json_object_new_string(id) : NULL);
		json_object_object_add(o, "bytes", json_bytes(bytes));
		json_object_object_add(o, "available", json_bytes(available));
		json_object_object_add(o, "budget", json_object_new_string(budget));
		json_object_object_add(o, "used", json_object_new_uint64(used));
		json_object_object_add(o, "reserved", json_object_new_uint64(reserved));
		json_object_object_add(o, "max", json_bytes(max));
		r = print_json_line(o, true);
	} else
		r = printf("%s%s%s (%s: %s used + %s reserved of %s, %s available)\n",
			   granted ? "granted" : "denied", granted && id[0] ? " " : "",
			   granted ? id : "", budget, format_bytes(u, sizeof(u), used),
			   format_bytes(h, sizeof(h), reserved), format_bytes(m, sizeof(m), max),
			   format_bytes(buf, sizeof(buf), available));
	if (r < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "pinctl: writing output failed\n");
		return EXIT_FAIL;
	}
	return granted ? EXIT_OK : EXIT_FAIL;
}

/* --json for a command that has nothing to say but that it was done */
static int done_json(const Args *a, const char *key, const char *value)
{
	if (!a->json)
		return EXIT_OK;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "command", json_object_new_string(a->command));
	if (key)
		json_object_object_add(o, key, json_object_new_string(value));
	json_object_object_add(o, "done", json_object_new_boolean(1));
	return print_json_line(o, true) < 0 ? EXIT_FAIL : EXIT_OK;
}

int run_release(const Args *a, Pind *p)
{
	if (a->n_args != 1) {
		fprintf(stderr, "pinctl: release takes exactly one ID\n");
		return EXIT_USAGE;
	}
	if (!p->reachable)
		return pind_unreachable(p);
	int r = pind_call(p, a->args[0], "Release", NULL, "s", a->args[0]);
	return r < 0 ? exit_code_from_errno(r) : done_json(a, "id", a->args[0]);
}

int run_reload(const Args *a, Pind *p)
{
	if (a->n_args != 0) {
		fprintf(stderr, "pinctl: reload takes no arguments\n");
		return EXIT_USAGE;
	}
	if (!p->reachable)
		return pind_unreachable(p);
	int r = pind_call(p, "reload", "Reload", NULL, "");
	return r < 0 ? exit_code_from_errno(r) : done_json(a, NULL, NULL);
}

/* monitor: one line (or JSON object) per signal of pind's, until SIGINT or SIGTERM. */

typedef struct Monitor {
	Pind *p;
	bool json;
} Monitor;

static int monitor_output_failed(sd_bus_message *m)
{
	fprintf(stderr, "pinctl: writing output failed\n");
	return sd_event_exit(sd_bus_get_event(sd_bus_message_get_bus(m)), EXIT_FAIL);
}

static int on_budget(sd_bus_message *m, const char *member, const Monitor *mon)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX];
	uint64_t current, max;
	const char *name;
	int r = sd_bus_message_read(m, "stt", &name, &current, &max);

	if (r < 0)
		return r;
	if (mon->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "signal", json_object_new_string(member));
		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "current", json_bytes(current));
		json_object_object_add(o, "max", json_bytes(max));
		return print_json_line(o, false);
	}
	return printf("%s %s %s of %s\n", member, name, format_bytes(a, sizeof(a), current),
		      format_bytes(b, sizeof(b), max)) < 0
		   ? -EIO
		   : 0;
}

static int on_action(sd_bus_message *m, const char *member, const Monitor *mon)
{
	const char *name, *action, *target;
	const uint32_t *pids;
	size_t size;
	int r = sd_bus_message_read(m, "sss", &name, &action, &target);

	if (r >= 0)
		r = sd_bus_message_read_array(m, 'u', (const void **)&pids, &size);
	if (r < 0)
		return r;
	size_t n = size / sizeof(uint32_t);
	if (mon->json) {
		json_object *o = json_object_new_object(), *l = json_object_new_array();
		json_object_object_add(o, "signal", json_object_new_string(member));
		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "action", json_object_new_string(action));
		json_object_object_add(o, "target", json_object_new_string(target));
		for (size_t i = 0; i < n; i++)
			json_object_array_add(l, json_object_new_int64(pids[i]));
		json_object_object_add(o, "pids", l);
		return print_json_line(o, false);
	}
	r = printf("%s %s %s %s%s", member, name, action, target, n > 0 ? " pids" : "");
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = printf(" %" PRIu32, pids[i]);
	if (r >= 0)
		r = printf("\n");
	return r < 0 ? -EIO : 0;
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	const Monitor *mon = userdata;
	const char *member = sd_bus_message_get_member(m);
	int r;

	if (!member)
		return 0;
	if (strcmp(member, "BudgetExceeded") == 0 || strcmp(member, "BudgetRestored") == 0)
		r = on_budget(m, member, mon);
	else if (strcmp(member, "ActionTaken") == 0)
		r = on_action(m, member, mon);
	else
		return 0; /* PropertiesChanged and whatever pind adds later */
	if (r == -EIO || fflush(stdout) != 0)
		return monitor_output_failed(m);
	if (r < 0)
		fprintf(stderr, "pinctl: ignoring a %s signal with unexpected arguments (%s)\n",
			member, sd_bus_message_get_signature(m, true));
	return 0;
}

static int on_owner(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	const Monitor *mon = userdata;
	const char *name, *old_owner, *new_owner;

	if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
		return 0;
	if (new_owner[0])
		fprintf(stderr, "pinctl: pind is on %s now\n", pind_bus_name(mon->p));
	else
		fprintf(stderr, "pinctl: pind left %s; waiting for it to come back\n",
			pind_bus_name(mon->p));
	return 0;
}

int run_monitor(const Args *a, Pind *p)
{
	sd_event *e = NULL;
	Monitor mon = {.p = p, .json = a->json};
	sigset_t ss;
	int r;

	if (a->n_args != 0) {
		fprintf(stderr, "pinctl: monitor takes no arguments\n");
		return EXIT_USAGE;
	}
	if (!p->bus)
		return pind_unreachable(p);
	r = sd_bus_match_signal(p->bus, NULL, PIND_BUS_NAME, PIND_BUS_PATH, PIND_BUS_IFACE, NULL,
				on_signal, &mon);
	if (r >= 0)
		r = sd_bus_add_match(
		    p->bus, NULL,
		    "type='signal',sender='org.freedesktop.DBus',"
		    "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
		    "member='NameOwnerChanged',arg0='" PIND_BUS_NAME "'",
		    on_owner, &mon);
	if (r < 0) {
		fprintf(stderr, "pinctl: subscribing to pind's signals on %s: %s\n",
			pind_bus_name(p), strerror(-r));
		return EXIT_FAIL;
	}
	if (!p->reachable)
		fprintf(stderr, "pinctl: pind is not on %s (yet); waiting for its signals\n",
			pind_bus_name(p));

	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	r = sigprocmask(SIG_BLOCK, &ss, NULL) < 0 ? negative_errno() : sd_event_new(&e);
	/* a NULL handler ends the loop with exit code 0 (the userdata) */
	if (r >= 0)
		r = sd_event_add_signal(e, NULL, SIGINT, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_signal(e, NULL, SIGTERM, NULL, NULL);
	if (r >= 0)
		r = sd_bus_attach_event(p->bus, e, SD_EVENT_PRIORITY_NORMAL);
	if (r >= 0)
		r = sd_bus_set_exit_on_disconnect(p->bus, true);
	if (r < 0) {
		fprintf(stderr, "pinctl: setting up the event loop: %s\n", strerror(-r));
		sd_event_unref(e);
		return EXIT_FAIL;
	}
	r = sd_event_loop(e);
	if (r != EXIT_OK && sd_bus_is_open(p->bus) <= 0)
		fprintf(stderr, "pinctl: disconnected from %s\n", pind_bus_name(p));
	else if (r < 0)
		fprintf(stderr, "pinctl: event loop: %s\n", strerror(-r));
	sd_bus_detach_event(p->bus);
	sd_event_unref(e);
	return r == EXIT_OK ? EXIT_OK : EXIT_FAIL;
}
