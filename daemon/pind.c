/* SPDX-License-Identifier: MIT */
/* pind: pinned-memory budgets for systemd slices. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/resource.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "daemon.h"
#include "dbus_api.h"
#include "log.h"
#include "macro.h"
#include "sdwatch.h"
#include "timespan.h"

static int on_scan_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	Daemon *d = userdata;

	daemon_scan(d);
	sd_event_source_set_time(s, usec + d->sources.config.scan_interval_usec);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static void on_change(void *userdata)
{
	daemon_reload(userdata, NULL);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	(void)s;
	(void)si;
	sd_notify(false, "RELOADING=1");
	daemon_reload(userdata, NULL);
	sd_notify(false, "READY=1");
	return 0;
}

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
	      "  --bus-introspect     print the D-Bus interface (XML) and exit\n"
	      "  -h, --help           this text\n"
	      "      --version        version\n",
	      f);
}

static int parse_options(int argc, char **argv, Options *o)
{
	enum {
		OPT_ROOT = 256,
		OPT_USER,
		OPT_ONCE,
		OPT_CGROUP_ROOT,
		OPT_PROC_ROOT,
		OPT_VERSION,
		OPT_INTROSPECT
	};
	static const struct option opts[] = {
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"user", no_argument, NULL, OPT_USER},
	    {"once", no_argument, NULL, OPT_ONCE},
	    {"bus-introspect", no_argument, NULL, OPT_INTROSPECT},
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
		case OPT_INTROSPECT: {
			int r = bus_introspect(stdout);
			if (r < 0)
				fprintf(stderr, "pind: introspection failed: %s\n", strerror(-r));
			exit(r < 0 ? 1 : 0);
		}
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

/* The event loop and what it watches; *ret_step names the step that failed. */
static int setup_loop(Daemon *d, const char **ret_step)
{
	int r;

	*ret_step = "creating the event loop";
	r = sd_event_default(&d->event);
	if (r < 0)
		return r;
	*ret_step = "enabling the watchdog"; /* WATCHDOG=1 when WatchdogSec= is set */
	r = sd_event_set_watchdog(d->event, true);
	if (r < 0)
		return r;
	*ret_step = "handling SIGTERM, SIGINT and SIGHUP";
	if ((r = sd_event_add_signal(d->event, NULL, SIGTERM, NULL, NULL)) < 0 ||
	    (r = sd_event_add_signal(d->event, NULL, SIGINT, NULL, NULL)) < 0 ||
	    (r = sd_event_add_signal(d->event, NULL, SIGHUP, on_sighup, d)) < 0)
		return r;
	*ret_step = "watching the configuration (inotify)";
	r = watch_new(d->event, on_change, d, &d->watch);
	if (r < 0)
		return r;
	r = watch_arm(d->watch, &d->sources.paths, d->sources.config_path);
	if (r < 0)
		return r;
	*ret_step = "opening the D-Bus API";
	r = bus_open(d, &d->bus);
	if (r < 0)
		return r;
	if (d->systemd) { /* its signals: a unit pind froze may be stopped */
		*ret_step = "attaching the systemd connection to the event loop";
		r = sd_bus_attach_event(d->systemd, d->event, SD_EVENT_PRIORITY_NORMAL);
		if (r < 0)
			return r;
		if (sdwatch_start(d->systemd, daemon_unit_stopping, d) < 0)
			log_msg(LOG_WARNING, "cannot follow the manager's units: pind does not "
					     "learn when systemd stops a unit it froze");
	}
	/* accuracy 1 us: sd-event's default of 250 ms would turn ScanIntervalSec=200ms
	 * into 250 ms, and 50ms into bursts */
	*ret_step = "arming the scan timer";
	r = sd_event_add_time_relative(d->event, &d->scan_timer, CLOCK_MONOTONIC, 0, 1,
				       on_scan_timer, d);
	if (r < 0)
		return r;
	return sd_event_source_set_enabled(d->scan_timer, SD_EVENT_ON);
}

int main(int argc, char **argv)
{
	Daemon d = {};
	int r;

	if (parse_options(argc, argv, &d.opt) < 0)
		return 2;
	log_open();
	/* the procfs scanner keeps a status fd per process it reads; nothing here uses
	 * select(), so the soft limit of 1024 protects nothing */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (daemon_setup(&d) < 0) {
		daemon_done(&d);
		return 1;
	}
	if (d.opt.once) {
		r = daemon_run_once(&d);
		daemon_done(&d);
		return r;
	}

	/* one pind per cgroup root (--once only measures: it claims nothing) */
	r = daemon_claim_root(&d);
	if (r < 0) {
		if (r != -EBUSY) /* -EBUSY: said */
			log_msg(LOG_ERR, "refusing to start: claiming cgroup root %s: %s",
				daemon_cgroup_root(&d), strerror(-r));
		daemon_done(&d);
		return 1;
	}
	daemon_adopt(&d);

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	const char *step = NULL;
	r = setup_loop(&d, &step);
	if (r < 0) {
		log_msg(LOG_ERR, "refusing to start: %s failed: %s", step, strerror(-r));
		daemon_done(&d);
		return 1;
	}
	char interval[FORMAT_TIMESPAN_MAX];
	const char *how = scanner_detail(d.scanner);
	log_msg(LOG_INFO, "started: cgroup root %s, scanner %s%s%s%s, scan every %s, config %s",
		daemon_cgroup_root(&d), d.scanner->ops->name, how ? " (" : "", how ? how : "",
		how ? ")" : "",
		format_timespan(interval, sizeof(interval), d.sources.config.scan_interval_usec),
		d.sources.config_path);
	sd_notify(false, "READY=1");
	r = sd_event_loop(d.event);
	sd_notify(false, "STOPPING=1");
	log_msg(LOG_INFO, "stopping");
	daemon_done(&d);
	return r < 0 ? 1 : 0;
}
