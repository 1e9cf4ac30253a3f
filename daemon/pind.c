/* SPDX-License-Identifier: MIT */
/* pind: pinned-memory budgets for systemd slices. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "budgets.h"
#include "cglayout.h"
#include "log.h"
#include "macro.h"
#include "measure.h"
#include "scan.h"
#include "size.h"
#include "sources.h"
#include "timespan.h"
#include "watch.h"

#define MESSAGE_ID_BUDGET "7a1c0d4e5b2f4c7e9d3a6b8c1e2f3a01"
#define MESSAGE_ID_RELOAD "7a1c0d4e5b2f4c7e9d3a6b8c1e2f3a02"

typedef struct Options {
	const char *root;
	bool user;
	bool once;
	const char *cgroup_root; /* overrides CgroupRoot= */
	const char *proc_root;
} Options;

typedef struct Daemon {
	Options opt;
	uint64_t mem_total;
	Sources sources; /* the last good configuration */
	BudgetSet budgets;
	CgLayout layout;
	Scanner *scanner;
	sd_event *event;
	sd_event_source *scan_timer;
	Watch *watch;
	unsigned n_over;
} Daemon;

static void usage(FILE *f)
{
	fputs("Usage: pind [OPTIONS]\n"
	      "\n"
	      "Keeps pinned memory within each unit's PinnedMemoryMax.\n"
	      "\n"
	      "  --root=DIR           read configuration and unit files below DIR\n"
	      "  --user               serve a user manager (its unit directories)\n"
	      "  --cgroup-root=PATH   the managed subtree (overrides CgroupRoot=)\n"
	      "  --proc-root=DIR      where procfs is mounted (default /proc)\n"
	      "  --once               measure once, print a summary line, exit\n"
	      "  -h, --help           this text\n"
	      "      --version        version\n",
	      f);
}

static int parse_options(int argc, char **argv, Options *o)
{
	enum { OPT_ROOT = 256, OPT_USER, OPT_ONCE, OPT_CGROUP_ROOT, OPT_PROC_ROOT, OPT_VERSION };
	static const struct option opts[] = {
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"user", no_argument, NULL, OPT_USER},
	    {"once", no_argument, NULL, OPT_ONCE},
	    {"cgroup-root", required_argument, NULL, OPT_CGROUP_ROOT},
	    {"proc-root", required_argument, NULL, OPT_PROC_ROOT},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {},
	};
	int c;

	*o = (Options){.root = "/", .proc_root = "/proc"};
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
		switch (c) {
		case OPT_ROOT:
			if (optarg[0] != '/') {
				fprintf(stderr, "pind: --root=%s: not an absolute path\n", optarg);
				return -EINVAL;
			}
			o->root = optarg;
			break;
		case OPT_USER:
			o->user = true;
			break;
		case OPT_ONCE:
			o->once = true;
			break;
		case OPT_CGROUP_ROOT:
			o->cgroup_root = optarg;
			break;
		case OPT_PROC_ROOT:
			o->proc_root = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("pind %s\n", PIND_VERSION);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pind: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static const char *cgroup_root(const Daemon *d)
{
	return sources_cgroup_root(&d->sources, d->opt.cgroup_root);
}

static void log_budget(const Budget *b, const char *verb)
{
	char size[FORMAT_BYTES_MAX], field_unit[300], field_max[64];
	snprintf(field_unit, sizeof(field_unit), "PIND_UNIT=%s", b->name);
	snprintf(field_max, sizeof(field_max), "PIND_MAX=%" PRIu64, b->max);
	const char *fields[] = {"MESSAGE_ID=" MESSAGE_ID_BUDGET, field_unit, field_max, NULL};
	log_struct(LOG_INFO, fields, "budget %s %s: PinnedMemoryMax=%s (%s) from %s, action %s%s%s",
		   b->name, verb, b->max_text, format_bytes(size, sizeof(size), b->max),
		   b->max_source, action_to_string(b->action), b->action_source ? " from " : "",
		   b->action_source ? b->action_source : " (DefaultAction=)");
}

/* Logs what changed between two budget sets. */
static void log_budget_changes(const BudgetSet *old, const BudgetSet *new)
{
	for (size_t i = 0; i < new->n; i++) {
		const Budget *b = &new->budgets[i], *o = budgets_find(old, b->name);
		if (!o)
			log_budget(b, "set");
		else if (o->max != b->max || o->action != b->action ||
			 strcmp(o->max_source, b->max_source) != 0)
			log_budget(b, "changed");
	}
	for (size_t i = 0; i < old->n; i++)
		if (!budgets_find(new, old->budgets[i].name))
			log_msg(LOG_INFO, "budget %s removed", old->budgets[i].name);
}

/* One pass: measure, work out the budgets that apply to what exists, publish. */
static int scan(Daemon *d)
{
	Snapshot snap;
	BudgetSet budgets;

	int r = snapshot_take(d->scanner, &d->layout, d->opt.proc_root, cgroup_root(d), &snap);
	if (r < 0) {
		log_msg(LOG_ERR, "measuring below %s failed: %s", cgroup_root(d), strerror(-r));
		return r;
	}
	r = sources_budgets(&d->sources, snap.tree, &budgets);
	if (r < 0) {
		snapshot_done(&snap);
		return r;
	}
	log_budget_changes(&d->budgets, &budgets);
	unsigned over = 0;
	for (size_t i = 0; i < budgets.n; i++) {
		CgNode *n;
		if (cg_tree_resolve(snap.tree, budgets.budgets[i].name, &n) < 0)
			continue;
		unsigned count = d->sources.config.count;
		uint64_t usage = (count & COUNT_PINNED ? n->pinned_sum : 0) +
				 (count & COUNT_LOCKED ? n->locked_sum : 0);
		over += usage > budgets.budgets[i].max;
	}
	budgets_done(&d->budgets);
	d->budgets = budgets;
	d->n_over = over;
	sd_notifyf(false, "STATUS=%zu budgets, %u over; %u processes scanned in %" PRIu64 " us",
		   d->budgets.n, over, snap.stats.visited, snap.stats.usec);
	snapshot_done(&snap);
	return 0;
}

static int on_scan_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	Daemon *d = userdata;

	scan(d);
	sd_event_source_set_time(s, usec + d->sources.config.scan_interval_usec);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

/* Re-reads pind.conf and the unit files; on a bad file keeps the last good ones. */
static void reload(void *userdata)
{
	Daemon *d = userdata;
	_cleanup_free_ char *error = NULL;
	Sources s;

	int r = sources_load(d->opt.root, d->opt.user, d->mem_total, &s, &error);
	if (r < 0) {
		const char *fields[] = {"MESSAGE_ID=" MESSAGE_ID_RELOAD, NULL};
		log_struct(LOG_ERR, fields, "reload failed, keeping the previous configuration: %s",
			   error ? error : strerror(-r));
		watch_arm(d->watch, &d->sources.paths, d->sources.config_path);
		return;
	}
	sources_done(&d->sources);
	d->sources = s;
	r = watch_arm(d->watch, &d->sources.paths, d->sources.config_path);
	if (r < 0)
		log_msg(LOG_WARNING, "watching the unit directories failed: %s", strerror(-r));
	log_msg(LOG_INFO, "configuration reloaded");
	scan(d);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	(void)s;
	(void)si;
	sd_notify(false, "RELOADING=1");
	reload(userdata);
	sd_notify(false, "READY=1");
	return 0;
}

static void daemon_done(Daemon *d)
{
	d->watch = watch_free(d->watch);
	sd_event_source_disable_unref(d->scan_timer);
	sd_event_unref(d->event);
	budgets_done(&d->budgets);
	sources_done(&d->sources);
	if (d->scanner)
		scanner_free(d->scanner);
	cg_layout_done(&d->layout);
}

static int run_once(Daemon *d)
{
	Snapshot snap;
	int r = snapshot_take(d->scanner, &d->layout, d->opt.proc_root, cgroup_root(d), &snap);
	if (r < 0) {
		fprintf(stderr, "pind: measuring below %s failed: %s\n", cgroup_root(d),
			strerror(-r));
		return 1;
	}
	printf("pind: %u processes scanned in %" PRIu64 " us (%s), %u hold pins: %" PRIu64
	       " bytes pinned, %" PRIu64 " bytes locked\n",
	       snap.stats.visited, snap.stats.usec, d->scanner->ops->name, snap.tree->all_procs,
	       snap.tree->all_pinned, snap.tree->all_locked);
	snapshot_done(&snap);
	return 0;
}

static int setup(Daemon *d)
{
	_cleanup_free_ char *error = NULL;
	SysInfo si;
	int r;

	r = sysinfo_read(d->opt.proc_root, &si);
	if (r < 0) {
		log_msg(LOG_ERR, "reading %s/meminfo: %s", d->opt.proc_root, strerror(-r));
		return r;
	}
	d->mem_total = si.mem_total;
	r = sources_load(d->opt.root, d->opt.user, d->mem_total, &d->sources, &error);
	if (r < 0) {
		log_msg(LOG_ERR, "refusing to start: %s", error ? error : strerror(-r));
		return r;
	}
	r = cg_layout_discover(&d->layout);
	if (r < 0) {
		log_msg(LOG_ERR, "cannot find the cgroup hierarchies: %s", strerror(-r));
		return r;
	}
	r = scanner_procfs_new(d->opt.proc_root, &d->layout, &d->scanner);
	if (r < 0)
		return r;
	return 0;
}

int main(int argc, char **argv)
{
	Daemon d = {};
	int r;

	if (parse_options(argc, argv, &d.opt) < 0)
		return 2;
	log_open();
	if (setup(&d) < 0) {
		daemon_done(&d);
		return 1;
	}
	if (d.opt.once) {
		r = run_once(&d);
		daemon_done(&d);
		return r;
	}

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	r = sd_event_default(&d.event);
	if (r >= 0)
		r = sd_event_add_signal(d.event, NULL, SIGTERM, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_signal(d.event, NULL, SIGINT, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_signal(d.event, NULL, SIGHUP, on_sighup, &d);
	if (r >= 0)
		r = watch_new(d.event, reload, &d, &d.watch);
	if (r >= 0)
		r = watch_arm(d.watch, &d.sources.paths, d.sources.config_path);
	if (r >= 0)
		r = sd_event_add_time_relative(d.event, &d.scan_timer, CLOCK_MONOTONIC, 0, 0,
					       on_scan_timer, &d);
	if (r >= 0)
		r = sd_event_source_set_enabled(d.scan_timer, SD_EVENT_ON);
	if (r < 0) {
		log_msg(LOG_ERR, "setting up the event loop failed: %s", strerror(-r));
		daemon_done(&d);
		return 1;
	}
	char interval[FORMAT_TIMESPAN_MAX];
	log_msg(LOG_INFO, "started: cgroup root %s, scanner %s, scan every %s, config %s",
		cgroup_root(&d), d.scanner->ops->name,
		format_timespan(interval, sizeof(interval), d.sources.config.scan_interval_usec),
		d.sources.config_path);
	sd_notify(false, "READY=1");
	r = sd_event_loop(d.event);
	sd_notify(false, "STOPPING=1");
	log_msg(LOG_INFO, "stopping");
	daemon_done(&d);
	return r < 0 ? 1 : 0;
}
