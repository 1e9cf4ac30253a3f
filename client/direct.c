/* SPDX-License-Identifier: MIT */
/* status, list and ps, measured by pinctl itself: /proc, cgroupfs, pind.conf, unit files. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cglayout.h"
#include "macro.h"
#include "measure.h"
#include "pinctl.h"
#include "scan.h"
#include "sdmanager.h"
#include "render.h"
#include "report.h"
#include "sources.h"

static int name_error(int r, const char *name)
{
	if (r == -ENOENT) {
		fprintf(stderr, "pinctl: no such group: %s\n", name);
		return EXIT_NO_GROUP;
	}
	if (r == -EINVAL) {
		fprintf(stderr,
			"pinctl: invalid name '%s': expected a slice, service or scope name, or "
			"a cgroup path starting with '/'\n",
			name);
		return EXIT_USAGE;
	}
	fprintf(stderr, "pinctl: %s: %s\n", name, strerror(-r));
	return EXIT_FAIL;
}

int pinctl_cgroup_root(const Args *a, const Sources *s, char **ret)
{
	const char *root = s                ? sources_cgroup_root(s, a->cgroup_root, NULL)
			   : a->cgroup_root ? a->cgroup_root
			   : a->user        ? NULL
					    : "/";
	if (root) {
		*ret = strdup(root);
		return *ret ? 0 : -ENOMEM;
	}
	_cleanup_free_ char *message = NULL;
	sd_bus *bus = NULL;
	int r = sd_bus_open_user(&bus);
	if (r >= 0)
		r = sd_manager_cgroup(bus, ret, &message);
	sd_bus_flush_close_unref(bus);
	if (r < 0)
		fprintf(stderr,
			"pinctl: the user manager cannot tell its cgroup (%s); give --cgroup-root= "
			"or CgroupRoot=\n",
			message ? message : strerror(-r));
	return r;
}

typedef struct Direct {
	CgLayout layout;
	Scanner *scanner;
	Snapshot snap;
	Sources sources;
	BudgetSet budgets;
	bool have_sources;
	bool sources_failed;
} Direct;

static void direct_done(Direct *d)
{
	budgets_done(&d->budgets);
	if (d->have_sources)
		sources_done(&d->sources);
	snapshot_done(&d->snap);
	if (d->scanner)
		scanner_free(d->scanner);
	cg_layout_done(&d->layout);
}

/* Measures and reads the budgets. A bad configuration file is reported and leaves the
 * budgets out, not the measurement; it makes the command fail in the end. */
static int direct_load(const Args *a, Direct *d)
{
	_cleanup_free_ char *error = NULL;
	SysInfo si;
	int r;

	r = sysinfo_read(a->proc_root, &si);
	if (r < 0) {
		fprintf(stderr, "pinctl: reading %s/meminfo: %s\n", a->proc_root, strerror(-r));
		return EXIT_FAIL;
	}
	r = sources_load(a->root, a->user, si.mem_total, &d->sources, &error);
	if (r < 0) {
		fprintf(stderr, "pinctl: %s; budgets are not shown\n",
			error ? error : strerror(-r));
		d->sources_failed = true;
	} else {
		d->have_sources = true;
		for (size_t i = 0; i < d->sources.index.n_skipped; i++)
			fprintf(stderr, "pinctl: %s\n", d->sources.index.skipped[i]);
	}

	_cleanup_free_ char *cgroup_root = NULL;
	if (pinctl_cgroup_root(a, d->have_sources ? &d->sources : NULL, &cgroup_root) < 0)
		return EXIT_FAIL;
	r = cg_layout_discover(&d->layout);
	if (r < 0) {
		fprintf(stderr, "pinctl: cannot find the cgroup hierarchies: %s\n", strerror(-r));
		return EXIT_FAIL;
	}
	ScannerKind kind = a->scanner_set    ? a->scanner
			   : d->have_sources ? d->sources.config.scanner
					     : SCANNER_AUTO;
	int bpf_error;
	r = scanner_new(kind, a->proc_root, &d->layout, &d->scanner, &bpf_error);
	if (r < 0 && kind == SCANNER_BPF) {
		fprintf(stderr, "pinctl: the bpf scanner does not load here: %s\n", strerror(-r));
		return EXIT_FAIL;
	}
	if (r >= 0)
		r = snapshot_take(d->scanner, &d->layout, a->proc_root, cgroup_root, &d->snap);
	if (r < 0) {
		if (r == -EINVAL)
			fprintf(stderr, "pinctl: invalid cgroup root '%s'\n", cgroup_root);
		else
			fprintf(stderr, "pinctl: measuring below cgroup root %s failed: %s\n",
				cgroup_root, strerror(-r));
		return EXIT_FAIL;
	}
	if (d->have_sources) {
		r = sources_budgets(&d->sources, d->snap.tree, &d->budgets);
		if (r < 0) {
			fprintf(stderr, "pinctl: building budgets: %s\n", strerror(-r));
			return EXIT_FAIL;
		}
	}
	return EXIT_OK;
}

int run_show(const Args *a)
{
	Direct d = {};
	json_object *doc = NULL;
	const char *bad = NULL;
	ReportKind kind;
	int r, ret;

	if (report_kind_from_string(a->command, &kind) < 0)
		return EXIT_USAGE;
	if ((kind == REPORT_LIST && a->n_args > 0) || (kind == REPORT_PS && a->n_args > 1)) {
		fprintf(stderr, "pinctl: too many arguments for '%s'\n", a->command);
		return EXIT_USAGE;
	}
	ret = direct_load(a, &d);
	if (ret != EXIT_OK) {
		direct_done(&d);
		return ret;
	}
	fprintf(stderr, "pinctl: pind is not reachable; measuring /proc and cgroupfs directly.\n");

	ReportInput in = {
	    .snap = &d.snap,
	    .budgets = &d.budgets,
	    .count =
		d.have_sources ? d.sources.config.count : (unsigned)(COUNT_PINNED | COUNT_LOCKED),
	    .layout = &d.layout,
	    .source = "direct",
	    .backend = d.scanner->ops->name,
	    .scan_usec = d.snap.stats.usec,
	};
	r = report_build(&in, kind, a->args, a->n_args, &doc, &bad);
	if (r < 0)
		ret = bad ? name_error(r, bad) : (fprintf(stderr, "pinctl: %s\n", strerror(-r)), 1);
	else if (render_report(stdout, doc, a->json, a->legend) < 0) {
		fprintf(stderr, "pinctl: writing output failed\n");
		ret = EXIT_FAIL;
	} else if (d.sources_failed)
		ret = EXIT_FAIL;
	json_object_put(doc);
	direct_done(&d);
	return ret;
}
