/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>

#include "dbus_api.h"
#include "dbus_internal.h"
#include "log.h"
#include "macro.h"
#include "polkit.h"
#include "settings.h"
#include "unitname.h"
#include "report.h"
#include "view.h"

#define BUS_NAME      "org.pind.Pind1"
#define BUS_PATH      "/org/pind/Pind1"
#define BUS_IFACE     "org.pind.Pind1.Manager"
#define POLKIT_ACTION "org.pind.Pind1.manage"
#define NAME_MAX_LEN  4096

/* --- access --- */

/* Changing methods: 0 when the caller may, 1 while polkit is asked (the handler returns
 * 1, handled for now, and runs again with the answer), else AccessDenied. */
int check_access(Bus *b, sd_bus_message *m, sd_bus_error *error)
{
	return polkit_check(b->polkit, m, POLKIT_ACTION, error);
}

/* --- groups --- */

int check_name(const char *name, bool unit_only, sd_bus_error *error)
{
	if (!name[0] || strlen(name) > NAME_MAX_LEN ||
	    !(unit_only ? unit_name_is_valid(name) : budget_name_is_valid(name)))
		return sd_bus_error_setf(error, ERR_ARGS,
					 unit_only
					     ? "Invalid unit name '%.64s%s' (a slice, service "
					       "or scope)"
					     : "Invalid group name '%.64s%s' (a unit, or a "
					       "cgroup path starting with /)",
					 name, strlen(name) > 64 ? "..." : "");
	return 0;
}

int reply_with(sd_bus_message *m, const char *array_of, size_t n, append_fn fn, void *userdata)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;

	int r = sd_bus_message_new_method_return(m, &reply);
	if (r < 0)
		return r;
	if (array_of && (r = sd_bus_message_open_container(reply, 'a', array_of)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if ((r = fn(reply, i, userdata)) < 0)
			return r;
	if (array_of && (r = sd_bus_message_close_container(reply)) < 0)
		return r;
	return sd_bus_send(NULL, reply, NULL);
}

typedef struct Groups {
	ReportInput in; /* what the states are worked out from, once per reply */
	View v;
} Groups;

static int append_group(sd_bus_message *reply, size_t i, void *userdata)
{
	Groups *gs = userdata;
	const GroupView *g = &gs->v.groups[i];
	GroupState st;

	int r = report_group_state(&gs->in, g, &st);
	if (r < 0)
		return r;
	r = sd_bus_message_append(reply, "(ssttts)", g->name, g->node ? g->node->path : "",
				  g->node ? g->node->pinned_sum : 0,
				  g->node ? g->node->locked_sum : 0,
				  g->budget ? g->budget->max : UINT64_MAX, st.state);
	group_state_done(&st);
	return r;
}

static int view_error(int r, const char *name, sd_bus_error *error)
{
	if (r == -ENOENT)
		return sd_bus_error_setf(error, ERR_GROUP, "No group or budget '%s'", name);
	if (r == -EINVAL)
		return sd_bus_error_setf(error, ERR_ARGS, "Invalid group name '%.64s'", name);
	return r;
}

/* ListGroups (name NULL) and GetGroup (name): rows as view_groups() lists them */
static int reply_groups(sd_bus_message *m, Bus *b, const char *name, sd_bus_error *error)
{
	Groups gs = {};
	const char *bad = NULL;
	char *names[] = {(char *)name};

	daemon_report_input(b->d, &gs.in); /* measures first when nothing was yet */
	int r = view_groups(&b->d->snap, &b->d->budgets, names, name ? 1 : 0, false, &gs.v, &bad);
	if (r >= 0)
		r = name ? reply_with(m, NULL, 1, append_group, &gs)
			 : reply_with(m, "(ssttts)", gs.v.n_groups, append_group, &gs);
	else if (name)
		r = view_error(r, name, error);
	view_done(&gs.v);
	return r;
}

static int method_list_groups(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	return reply_groups(m, userdata, NULL, error);
}

int read_name(sd_bus_message *m, const char **ret, sd_bus_error *error)
{
	int r = sd_bus_message_read(m, "s", ret);
	return r < 0 ? r : check_name(*ret, false, error);
}

static int method_get_group(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *name;

	int r = read_name(m, &name, error);
	return r < 0 ? r : reply_groups(m, userdata, name, error);
}

static int append_proc(sd_bus_message *reply, size_t i, void *userdata)
{
	const CgProc *p = ((View *)userdata)->procs[i];
	return sd_bus_message_append(reply, "(ustts)", (uint32_t)p->pid, p->comm, p->pinned,
				     p->locked, p->node->path);
}

static int method_list_processes(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;
	const char *name;
	View v = {};
	CgNode *n;

	int r = sd_bus_message_read(m, "s", &name);
	if (r < 0)
		return r;
	if (name[0] && (r = check_name(name, false, error)) < 0)
		return r;
	daemon_ensure_measured(b->d);
	n = b->d->snap.tree->root;
	if (name[0] && (r = cg_tree_resolve(b->d->snap.tree, name, &n)) < 0)
		return view_error(r, name, error);
	r = view_procs(n, &v);
	if (r >= 0)
		r = reply_with(m, "(ustts)", v.n_procs, append_proc, &v);
	view_done(&v);
	return r;
}

static int method_describe(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;
	_cleanup_free_ char *json = NULL;
	_cleanup_strv_free_ char **names = NULL;
	const char *command, *bad = NULL;

	int r = sd_bus_message_read(m, "s", &command);
	if (r >= 0)
		r = sd_bus_message_read_strv(m, &names);
	if (r < 0)
		return r;
	for (char **n = names; n && *n; n++)
		if ((r = check_name(*n, false, error)) < 0)
			return r;
	r = daemon_describe(b->d, command, names, strv_length(names), &json, &bad);
	if (r == -EOPNOTSUPP)
		return sd_bus_error_setf(error, ERR_ARGS,
					 "Cannot describe '%.32s' (status, list or ps)", command);
	if (r == -E2BIG)
		return sd_bus_error_setf(error, ERR_ARGS, "ps describes one group at most");
	if (r < 0)
		return bad ? view_error(r, bad, error) : r;
	return sd_bus_reply_method_return(m, "s", json);
}

/* --- changing methods --- */

const char *sender(sd_bus_message *m)
{
	return sd_bus_message_get_sender(m) ? sd_bus_message_get_sender(m) : "?";
}

static int write_setting(Bus *b, sd_bus_message *m, const char *unit, const char *file,
			 const char *key, const char *value, int runtime, sd_bus_error *error)
{
	_cleanup_free_ char *path = NULL, *problem = NULL;
	DaemonSetting s = {.unit = unit,
			   .file = file,
			   .key = key,
			   .value = value,
			   .runtime = runtime,
			   .who = sender(m)};

	int r = daemon_write_setting(b->d, &s, &path, &problem);
	if (r == -EUCLEAN)
		return sd_bus_error_setf(error, ERR_VALUE,
					 "Wrote %s, but the configuration has an error elsewhere, "
					 "so the previous budgets stay in force: %s",
					 path, problem ? problem : "see the log");
	if (r < 0)
		return sd_bus_error_setf(error, r == -ELOOP ? ERR_ACCESS : ERR_VALUE,
					 "Writing the drop-in for %s failed: %s", unit,
					 r == -ELOOP ? "a symbolic link is in the way"
						     : strerror(-r));
	return sd_bus_reply_method_return(m, NULL);
}

static int method_set_max(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;
	const char *unit;
	uint64_t max;
	int runtime;
	char value[32];

	int r = sd_bus_message_read(m, "stb", &unit, &max, &runtime);
	if (r < 0)
		return r;
	if ((r = check_access(b, m, error)) != 0 || (r = check_name(unit, true, error)) < 0)
		return r;
	if (!budget_max_is_valid(max))
		return sd_bus_error_setf(error, ERR_VALUE,
					 "PinnedMemoryMax of %" PRIu64
					 " bytes for %s is not a budget "
					 "(0 to 1 EiB, or UINT64_MAX for infinity)",
					 max, unit);
	if (max == UINT64_MAX)
		snprintf(value, sizeof(value), "infinity");
	else
		snprintf(value, sizeof(value), "%" PRIu64, max);
	return write_setting(b, m, unit, "50-PinnedMemoryMax.conf", "X-PinnedMemoryMax", value,
			     runtime, error);
}

static int method_set_action(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;
	const char *unit, *action;
	int runtime;
	Action a;

	int r = sd_bus_message_read(m, "ssb", &unit, &action, &runtime);
	if (r < 0)
		return r;
	if ((r = check_access(b, m, error)) != 0 || (r = check_name(unit, true, error)) < 0)
		return r;
	if (action_from_string(action, &a) < 0)
		return sd_bus_error_setf(
		    error, ERR_VALUE, "Invalid action '%.32s' for %s (log, freeze, signal or kill)",
		    action, unit);
	return write_setting(b, m, unit, "50-PinnedMemoryAction.conf", "X-PinnedMemoryAction",
			     action, runtime, error);
}

static int method_freeze_thaw(sd_bus_message *m, Bus *b, bool freeze, sd_bus_error *error)
{
	const char *name;

	int r = sd_bus_message_read(m, "s", &name);
	if (r < 0)
		return r;
	if ((r = check_access(b, m, error)) != 0 || (r = check_name(name, false, error)) < 0)
		return r;
	r = daemon_freeze_by_hand(b->d, name, freeze, sender(m));
	if (r == -ENOENT || r == -EINVAL)
		return view_error(r, name, error);
	if (r == -EISDIR)
		return sd_bus_error_setf(error, ERR_ARGS, "Refusing to act on the cgroup root");
	if (r == -EPERM && !freeze)
		return sd_bus_error_setf(error, ERR_VALUE,
					 "%s was frozen neither by pind nor by pinctl; pind does "
					 "not thaw it",
					 name);
	if (r < 0)
		return sd_bus_error_setf(error, ERR_VALUE, "%s %s failed: %s",
					 freeze ? "Freezing" : "Thawing", name, strerror(-r));
	return sd_bus_reply_method_return(m, NULL);
}

static int method_freeze(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	return method_freeze_thaw(m, userdata, true, error);
}

static int method_thaw(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	return method_freeze_thaw(m, userdata, false, error);
}

/* daemon_acted_fn: Rescan's actions are done (systemd answered too) */
static void reply_rescan(void *userdata)
{
	sd_bus_message *m = userdata;

	int r = sd_bus_reply_method_return(m, NULL);
	if (r < 0 && r != -ENOTCONN)
		log_msg(LOG_WARNING, "replying to Rescan failed: %s", strerror(-r));
	sd_bus_message_unref(m);
}

static int method_rescan(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;

	int r = check_access(b, m, error);
	if (r != 0)
		return r;
	r = daemon_rescan(b->d, reply_rescan, sd_bus_message_ref(m));
	return r < 0 ? r : 1; /* replied by reply_rescan */
}

static int method_reload(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;
	_cleanup_free_ char *problem = NULL;

	int r = check_access(b, m, error);
	if (r != 0)
		return r;
	if (daemon_reload(b->d, &problem) < 0)
		return sd_bus_error_setf(
		    error, ERR_VALUE,
		    "The configuration has an error, the previous one stays in "
		    "force: %s",
		    problem ? problem : "see the log");
	return sd_bus_reply_method_return(m, NULL);
}

/* --- properties --- */

static int prop_get(sd_bus *bus, const char *path, const char *interface, const char *property,
		    sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	Bus *b = userdata;
	const Daemon *d = b->d;
	const CgTree *t = d->snap.tree;

	(void)bus;
	(void)path;
	(void)interface;
	(void)error;
	if (strcmp(property, "Version") == 0)
		return sd_bus_message_append(reply, "s", PIND_VERSION);
	if (strcmp(property, "ScanIntervalUSec") == 0)
		return sd_bus_message_append(reply, "t", d->sources.config.scan_interval_usec);
	if (strcmp(property, "Count") == 0)
		return sd_bus_message_append(reply, "s", count_to_string(d->sources.config.count));
	if (strcmp(property, "TotalPinned") == 0)
		return sd_bus_message_append(reply, "t", t ? t->all_pinned : 0);
	if (strcmp(property, "TotalLocked") == 0)
		return sd_bus_message_append(reply, "t", t ? t->all_locked : 0);
	if (strcmp(property, "LastScanUSec") == 0)
		return sd_bus_message_append(reply, "t", d->last_scan_usec);
	if (strcmp(property, "ProcessesScanned") == 0)
		return sd_bus_message_append(reply, "u", d->snap.stats.visited);
	return -ENOENT;
}

static const sd_bus_vtable vtable[] = {
    SD_BUS_VTABLE_START(SD_BUS_VTABLE_UNPRIVILEGED), /* access checked per method */
    SD_BUS_PROPERTY("Version", "s", prop_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("ScanIntervalUSec", "t", prop_get, 0, 0),
    SD_BUS_PROPERTY("Count", "s", prop_get, 0, 0),
    SD_BUS_PROPERTY("TotalPinned", "t", prop_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("TotalLocked", "t", prop_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("LastScanUSec", "t", prop_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("ProcessesScanned", "u", prop_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_METHOD_WITH_NAMES("ListGroups", "", , "a(ssttts)", SD_BUS_PARAM(groups),
			     method_list_groups, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("GetGroup", "s", SD_BUS_PARAM(name), "(ssttts)", SD_BUS_PARAM(group),
			     method_get_group, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("ListProcesses", "s", SD_BUS_PARAM(name), "a(ustts)",
			     SD_BUS_PARAM(processes), method_list_processes,
			     SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Describe", "sas", SD_BUS_PARAM(command) SD_BUS_PARAM(names), "s",
			     SD_BUS_PARAM(json), method_describe, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("SetPinnedMemoryMax", "stb",
			     SD_BUS_PARAM(name) SD_BUS_PARAM(max) SD_BUS_PARAM(runtime), "", ,
			     method_set_max, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("SetAction", "ssb",
			     SD_BUS_PARAM(name) SD_BUS_PARAM(action) SD_BUS_PARAM(runtime), "", ,
			     method_set_action, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Freeze", "s", SD_BUS_PARAM(name), "", , method_freeze,
			     SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Thaw", "s", SD_BUS_PARAM(name), "", , method_thaw,
			     SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Reserve", "stst",
			     SD_BUS_PARAM(name) SD_BUS_PARAM(bytes) SD_BUS_PARAM(holder)
				 SD_BUS_PARAM(ttl_usec),
			     "bts", SD_BUS_PARAM(granted) SD_BUS_PARAM(available) SD_BUS_PARAM(id),
			     method_reserve, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES(
	"ReserveDetailed", "stst",
	SD_BUS_PARAM(name) SD_BUS_PARAM(bytes) SD_BUS_PARAM(holder) SD_BUS_PARAM(ttl_usec),
	"btssttt",
	SD_BUS_PARAM(granted) SD_BUS_PARAM(available) SD_BUS_PARAM(id) SD_BUS_PARAM(budget)
	    SD_BUS_PARAM(used) SD_BUS_PARAM(reserved) SD_BUS_PARAM(max),
	method_reserve_detailed, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Release", "s", SD_BUS_PARAM(id), "", , method_release,
			     SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("ListReservations", "", , "a(ssstttt)", SD_BUS_PARAM(reservations),
			     method_list_reservations, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("ListBudgets", "", , "a(sstttss)", SD_BUS_PARAM(budgets),
			     method_list_budgets, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("GetBudget", "s", SD_BUS_PARAM(name), "(sstttss)",
			     SD_BUS_PARAM(budget), method_get_budget, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Rescan", "", "", method_rescan, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Reload", "", "", method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_SIGNAL_WITH_NAMES("BudgetExceeded", "stt",
			     SD_BUS_PARAM(name) SD_BUS_PARAM(current) SD_BUS_PARAM(max), 0),
    SD_BUS_SIGNAL_WITH_NAMES(
	"ActionTaken", "sssau",
	SD_BUS_PARAM(name) SD_BUS_PARAM(action) SD_BUS_PARAM(target) SD_BUS_PARAM(pids), 0),
    SD_BUS_SIGNAL_WITH_NAMES("BudgetRestored", "stt",
			     SD_BUS_PARAM(name) SD_BUS_PARAM(current) SD_BUS_PARAM(max), 0),
    SD_BUS_VTABLE_END,
};

/* --- the connection --- */

static int add_object(sd_bus *bus, Bus *b, sd_bus_slot **ret_slot)
{
	return sd_bus_add_object_vtable(bus, ret_slot, BUS_PATH, BUS_IFACE, vtable, b);
}

int bus_open(Daemon *d, Bus **ret)
{
	Bus *b = calloc(1, sizeof(*b));
	const char *which = d->opt.user ? "user" : "system";

	*ret = NULL;
	if (!b)
		return -ENOMEM;
	b->d = d;
	int r = d->opt.user ? sd_bus_open_user(&b->bus) : sd_bus_open_system(&b->bus);
	if (r < 0) {
		log_msg(LOG_NOTICE, "no %s bus (%s): the D-Bus API is off; enforcing goes on",
			which, strerror(-r));
		free(b);
		return 0;
	}
	const char *step = "asking polkit";
	if ((r = polkit_new(b->bus, &b->polkit)) >= 0 && (step = "adding the object") &&
	    (r = add_object(b->bus, b, &b->slot)) >= 0 && (step = "taking the name") &&
	    (r = sd_bus_request_name(b->bus, BUS_NAME, 0)) >= 0 &&
	    (step = "attaching it to the event loop"))
		r = sd_bus_attach_event(b->bus, d->event, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0) {
		log_msg(LOG_WARNING,
			"D-Bus API on the %s bus as %s: %s failed (%s): the API is off", which,
			BUS_NAME, step, strerror(-r));
		bus_free(b);
		return 0;
	}
	log_msg(LOG_INFO, "D-Bus API on the %s bus as %s", which, BUS_NAME);
	*ret = b;
	return 0;
}

Bus *bus_free(Bus *b)
{
	if (!b)
		return NULL;
	sd_bus_slot_unref(b->slot);
	b->polkit = polkit_free(b->polkit);
	if (b->bus) {
		sd_bus_detach_event(b->bus);
		sd_bus_flush_close_unref(b->bus);
	}
	free(b);
	return NULL;
}

void bus_emit_decision(Bus *b, const Decision *d, int result)
{
	static const char *const actions[] = {
	    [DECISION_FREEZE] = "freeze", [DECISION_THAW] = "thaw", [DECISION_SIGNAL] = "signal",
	    [DECISION_KILL] = "kill",     [DECISION_LOG] = "log",
	};
	uint32_t pid = (uint32_t)d->pid;

	if (!b)
		return;
	switch (d->kind) {
	case DECISION_EXCEEDED:
	case DECISION_RESTORED:
		sd_bus_emit_signal(b->bus, BUS_PATH, BUS_IFACE,
				   d->kind == DECISION_EXCEEDED ? "BudgetExceeded"
								: "BudgetRestored",
				   "stt", d->budget, d->usage, d->max);
		break;
	case DECISION_FREEZE:
	case DECISION_THAW:
	case DECISION_SIGNAL:
	case DECISION_KILL:
	case DECISION_LOG:
		if (result < 0)
			break; /* not taken */
		sd_bus_message *m = NULL;
		int r = sd_bus_message_new_signal(b->bus, &m, BUS_PATH, BUS_IFACE, "ActionTaken");
		if (r >= 0)
			r = sd_bus_message_append(m, "sss", d->budget, actions[d->kind],
						  d->target_name ? d->target_name
						  : d->target    ? d->target
								 : "");
		if (r >= 0)
			r = sd_bus_message_append_array(m, 'u', &pid, d->pid > 0 ? sizeof(pid) : 0);
		if (r >= 0)
			r = sd_bus_send(b->bus, m, NULL);
		if (r < 0)
			log_msg(LOG_WARNING, "emitting ActionTaken failed: %s", strerror(-r));
		sd_bus_message_unref(m);
		break;
	default:
		break;
	}
}

void bus_emit_scan(Bus *b)
{
	if (b)
		sd_bus_emit_properties_changed(b->bus, BUS_PATH, BUS_IFACE, "TotalPinned",
					       "TotalLocked", "LastScanUSec", "ProcessesScanned",
					       NULL);
}

static int on_introspect_reply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	char **xml = userdata;
	const char *s;

	(void)error;
	if (sd_bus_message_is_method_error(m, NULL) || sd_bus_message_read(m, "s", &s) < 0)
		return 0;
	*xml = strdup(s);
	return 0;
}

static void bus_flush_close_unrefp(sd_bus **b)
{
	sd_bus_flush_close_unref(*b);
}

/* One end of a private socket pair, which takes fd (closed on failure); the server
 * serves the object (slot). */
static int pair_end(int fd, Bus *serve, sd_bus_slot **slot, sd_bus **ret)
{
	_cleanup_(bus_flush_close_unrefp) sd_bus *bus = NULL;
	sd_id128_t id = {.bytes = {'p', 'i', 'n', 'd'}};

	int r = sd_bus_new(&bus);
	if (r >= 0)
		r = sd_bus_set_fd(bus, fd, fd);
	if (r < 0) {
		close(fd);
		return r;
	}
	if ((r = sd_bus_set_anonymous(bus, 1)) < 0)
		return r;
	if (serve &&
	    ((r = sd_bus_set_server(bus, 1, id)) < 0 || (r = add_object(bus, serve, slot)) < 0))
		return r;
	if ((r = sd_bus_start(bus)) < 0)
		return r;
	*ret = TAKE_PTR(bus);
	return 0;
}

/* The XML sd-bus itself serves for the object, over a private socket pair. */
int bus_introspect(FILE *out)
{
	_cleanup_(bus_flush_close_unrefp) sd_bus *server = NULL, *client = NULL;
	_cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
	_cleanup_free_ char *xml = NULL;
	Daemon d = {};
	Bus b = {.d = &d};
	int fds[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) < 0)
		return negative_errno();
	int r = pair_end(fds[0], &b, &slot, &server);
	if (r < 0) {
		close(fds[1]);
		return r;
	}
	if ((r = pair_end(fds[1], NULL, NULL, &client)) < 0)
		return r;
	r = sd_bus_call_method_async(client, NULL, NULL, BUS_PATH,
				     "org.freedesktop.DBus.Introspectable", "Introspect",
				     on_introspect_reply, &xml, "");
	for (int i = 0; r >= 0 && !xml && i < 1000; i++) {
		sd_bus_process(server, NULL);
		sd_bus_process(client, NULL);
		poll(NULL, 0, 1);
	}
	if (r < 0)
		return r;
	if (!xml)
		return -ETIMEDOUT;
	fputs(xml, out);
	return 0;
}
