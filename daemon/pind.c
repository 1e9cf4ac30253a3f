/* SPDX-License-Identifier: MIT */
/* pind: pinned-memory budgets for systemd slices. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "actuate.h"
#include "budgets.h"
#include "enforce.h"
#include "policy.h"
#include "state.h"
#include "cglayout.h"
#include "log.h"
#include "macro.h"
#include "measure.h"
#include "scan.h"
#include "sdunit.h"
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
	PolicyState policy;
	char *own_cgroup;  /* pind's own cgroup: never a target */
	char *state_path;  /* StateFile below --root */
	char *saved_state; /* what was last written, to write only changes */
	sd_bus *systemd;   /* for FreezeUnit/ThawUnit, when a manager is reachable */
	bool systemd_cannot_freeze;
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

static uint64_t now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Writes StateFile when what pind holds changed. */
static void save_state(Daemon *d)
{
	_cleanup_free_ char *now = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&now, &size);

	if (!f)
		return;
	for (size_t i = 0; i < d->policy.n; i++)
		for (size_t k = 0; k < d->policy.budgets[i].n_frozen; k++)
			fprintf(f, "%s\n%s\n", d->policy.budgets[i].name,
				d->policy.budgets[i].frozen[k]);
	fclose(f);
	if (d->saved_state && strcmp(d->saved_state, now) == 0)
		return;
	int r = state_save(d->state_path, &d->policy);
	if (r < 0) {
		log_msg(LOG_ERR, "writing %s failed: %s", d->state_path, strerror(-r));
		return;
	}
	free(d->saved_state);
	d->saved_state = TAKE_PTR(now);
}

/* Decide, act, remember. */
static int enforce_budgets(Daemon *d, CgTree *tree)
{
	const Config *c = &d->sources.config;
	PolicyConfig pc = {
	    .grace_usec = c->grace_usec,
	    .kill_escalation_usec = c->kill_escalation_usec,
	    .signal = c->signal,
	    .count = c->count,
	    .protected = c->protected,
	    .own_cgroup = d->own_cgroup,
	};
	Enforcer e = {
	    .layout = &d->layout,
	    .proc_root = d->opt.proc_root,
	    .systemd = d->systemd,
	    .systemd_cannot_freeze = &d->systemd_cannot_freeze,
	};
	PolicyState next;
	Decision *dec;
	size_t n;
	uint64_t now = now_usec();

	int r = policy_decide(&pc, tree, &d->budgets, &d->policy, now, &next, &dec, &n);
	if (r < 0) {
		log_msg(LOG_ERR, "deciding failed: %s", strerror(-r));
		return r;
	}
	for (size_t i = 0; i < n; i++)
		policy_outcome(&next, &dec[i], enforce(&e, &dec[i]), now);
	decisions_free(dec, n);
	policy_state_done(&d->policy);
	d->policy = next;
	save_state(d);
	return 0;
}

/* One pass: measure, work out the budgets that apply to what exists, act, publish. */
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
	budgets_done(&d->budgets);
	d->budgets = budgets;
	r = enforce_budgets(d, snap.tree);
	unsigned over = 0, frozen = 0;
	for (size_t i = 0; i < d->policy.n; i++) {
		over += d->policy.budgets[i].over;
		frozen += (unsigned)d->policy.budgets[i].n_frozen;
	}
	d->n_over = over;
	sd_notifyf(false,
		   "STATUS=%zu budgets, %u over, %u frozen; %u processes scanned in %" PRIu64 " us",
		   d->budgets.n, over, frozen, snap.stats.visited, snap.stats.usec);
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
	policy_state_done(&d->policy);
	sd_bus_flush_close_unref(d->systemd);
	free(d->own_cgroup);
	free(d->state_path);
	free(d->saved_state);
	d->watch = watch_free(d->watch);
	sd_event_source_disable_unref(d->scan_timer);
	sd_event_unref(d->event);
	budgets_done(&d->budgets);
	sources_done(&d->sources);
	if (d->scanner)
		scanner_free(d->scanner);
	cg_layout_done(&d->layout);
}

static int own_cgroup(Daemon *d)
{
	char buf[4096], path[64];
	snprintf(path, sizeof(path), "%s/self", d->opt.proc_root);
	_cleanup_close_ int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	ssize_t n = read_small_file_at(dfd, "cgroup", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return proc_cgroup_find(buf, (size_t)n, cg_layout_primary_key(&d->layout), &d->own_cgroup);
}

typedef struct Adopt {
	Daemon *d;
	unsigned n;
} Adopt;

/* A cgroup that carries pind's mark and is frozen: pind froze it before a restart. */
static int adopt_marked(CgNode *n, unsigned depth, void *userdata)
{
	Adopt *a = userdata;
	_cleanup_free_ char *mark = NULL;
	bool frozen;

	(void)depth;
	if (cg_mark_get(&a->d->layout, n->path, &mark) < 0 || strcmp(mark, MARK_MANUAL) == 0)
		return 0;
	if (cg_frozen(&a->d->layout, n->path, &frozen) < 0 || !frozen)
		return 0;
	if (policy_adopt_frozen(&a->d->policy, mark, n->path, now_usec()) < 0)
		return -ENOMEM;
	log_msg(LOG_NOTICE, "%s: still frozen for budget %s from before a restart", n->path, mark);
	a->n++;
	return 0;
}

/* Where xattrs are not supported (v1), StateFile says what pind froze. */
static int adopt_recorded(const char *budget, const char *cgroup, void *userdata)
{
	Adopt *a = userdata;
	_cleanup_free_ char *mark = NULL;
	bool frozen;

	if (policy_find(&a->d->policy, budget) && policy_find(&a->d->policy, budget)->n_frozen > 0)
		return 0; /* the marks said it already */
	int r = cg_mark_get(&a->d->layout, cgroup, &mark);
	if ((r < 0 && r != -EOPNOTSUPP) || (r >= 0 && strcmp(mark, budget) != 0))
		return 0; /* a cgroup of the same name, made anew, or someone else's */
	if (cg_frozen(&a->d->layout, cgroup, &frozen) < 0 || !frozen)
		return 0;
	if (policy_adopt_frozen(&a->d->policy, budget, cgroup, now_usec()) < 0)
		return -ENOMEM;
	log_msg(LOG_NOTICE, "%s: still frozen for budget %s from before a restart", cgroup, budget);
	a->n++;
	return 0;
}

/* Resumes what a previous pind froze: it stays frozen while over, is thawed when not. */
static void adopt(Daemon *d)
{
	Adopt a = {.d = d};
	Snapshot snap;

	if (snapshot_take(d->scanner, &d->layout, d->opt.proc_root, cgroup_root(d), &snap) < 0)
		return;
	cg_tree_visit(snap.tree->root, adopt_marked, &a);
	int r = state_load(d->state_path, adopt_recorded, &a);
	if (r < 0 && r != -ENOENT)
		log_msg(LOG_WARNING, "reading %s failed: %s", d->state_path, strerror(-r));
	snapshot_done(&snap);
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
	r = own_cgroup(d);
	if (r < 0) {
		log_msg(LOG_ERR, "cannot tell pind's own cgroup: %s", strerror(-r));
		return r;
	}
	bool top = strcmp(d->opt.root, "/") == 0;
	if (top) /* with --root, this is no host's configuration: its systemd is not ours */
		sdunit_connect(d->opt.user, &d->systemd);
	if (asprintf(&d->state_path, "%s%s", top ? "" : d->opt.root, d->sources.config.state_file) <
	    0)
		return -ENOMEM;
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

	adopt(&d);

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	r = sd_event_default(&d.event);
	if (r >= 0)
		r = sd_event_set_watchdog(d.event, true); /* WATCHDOG=1 when WatchdogSec= is set */
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
