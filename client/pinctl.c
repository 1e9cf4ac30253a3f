/* SPDX-License-Identifier: MIT */
/* pinctl: shows and (with pind) controls pinned-memory budgets. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cglayout.h"
#include "macro.h"
#include "measure.h"
#include "scan.h"
#include "show.h"
#include "view.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_DENIED = 4,
	EXIT_NO_GROUP = 5,
};

typedef struct Args {
	bool json;
	bool legend;
	bool user;
	const char *cgroup_root;
	const char *proc_root;
	const char *command;
	char **names;
	size_t n_names;
} Args;

static void usage(FILE *f)
{
	fputs("Usage: pinctl [OPTIONS] COMMAND [NAME...]\n"
	      "\n"
	      "Show pinned and locked memory per systemd unit and cgroup.\n"
	      "\n"
	      "Commands:\n"
	      "  status [NAME...]   tree of groups: pinned/locked, top pinners, memcg context,\n"
	      "                     system summary\n"
	      "  list               one row per group holding pins\n"
	      "  ps [NAME]          processes holding pins, largest first\n"
	      "\n"
	      "NAME is a unit (machine.slice, vm1.service, machine-qemu\\x2d1\\x2dvm1.scope)\n"
	      "or a cgroup path starting with '/', relative to the cgroup root.\n"
	      "\n"
	      "Options:\n"
	      "  --json               one JSON object, sizes in bytes\n"
	      "  --no-legend          no header and footer lines\n"
	      "  --user               talk to the user instance of pind\n"
	      "  --cgroup-root=PATH   the managed subtree (default /)\n"
	      "  --proc-root=DIR      where procfs is mounted (default /proc)\n"
	      "  -h, --help           this text\n"
	      "      --version        version\n",
	      f);
}

static int parse_args(int argc, char **argv, Args *a)
{
	enum { OPT_JSON = 256, OPT_NO_LEGEND, OPT_USER, OPT_CGROUP_ROOT, OPT_PROC_ROOT, OPT_VER };
	static const struct option opts[] = {
	    {"json", no_argument, NULL, OPT_JSON},
	    {"no-legend", no_argument, NULL, OPT_NO_LEGEND},
	    {"user", no_argument, NULL, OPT_USER},
	    {"cgroup-root", required_argument, NULL, OPT_CGROUP_ROOT},
	    {"proc-root", required_argument, NULL, OPT_PROC_ROOT},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VER},
	    {},
	};
	int c;

	*a = (Args){.legend = true, .cgroup_root = "/", .proc_root = "/proc"};
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
		switch (c) {
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_NO_LEGEND:
			a->legend = false;
			break;
		case OPT_USER:
			a->user = true;
			break;
		case OPT_CGROUP_ROOT:
			a->cgroup_root = optarg;
			break;
		case OPT_PROC_ROOT:
			a->proc_root = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		case OPT_VER:
			printf("pinctl %s\n", PIND_VERSION);
			exit(EXIT_OK);
		default:
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "pinctl: missing command; see 'pinctl --help'\n");
		return -EINVAL;
	}
	a->command = argv[optind];
	a->names = argv + optind + 1;
	a->n_names = (size_t)(argc - optind - 1);
	return 0;
}

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

typedef int (*show_fn)(const ShowContext *c, const View *v);

static int run_direct(const Args *a)
{
	_cleanup_(scanner_freep) Scanner *scanner = NULL;
	CgLayout layout;
	Snapshot snap;
	View v = {};
	const char *bad = NULL;
	show_fn show;
	int r;

	bool is_status = strcmp(a->command, "status") == 0,
	     is_list = strcmp(a->command, "list") == 0, is_ps = strcmp(a->command, "ps") == 0;
	if (!is_status && !is_list && !is_ps) {
		fprintf(stderr, "pinctl: unknown command '%s'; see 'pinctl --help'\n", a->command);
		return EXIT_USAGE;
	}
	if ((is_list && a->n_names > 0) || (is_ps && a->n_names > 1)) {
		fprintf(stderr, "pinctl: too many arguments for '%s'\n", a->command);
		return EXIT_USAGE;
	}

	r = cg_layout_discover(&layout);
	if (r < 0) {
		fprintf(stderr, "pinctl: cannot find the cgroup hierarchies: %s\n", strerror(-r));
		return EXIT_FAIL;
	}
	r = scanner_procfs_new(a->proc_root, &layout, &scanner);
	if (r >= 0)
		r = snapshot_take(scanner, &layout, a->proc_root, a->cgroup_root, &snap);
	if (r < 0) {
		if (r == -EINVAL)
			fprintf(stderr, "pinctl: invalid --cgroup-root '%s'\n", a->cgroup_root);
		else
			fprintf(stderr, "pinctl: measuring below cgroup root %s failed: %s\n",
				a->cgroup_root, strerror(-r));
		cg_layout_done(&layout);
		return EXIT_FAIL;
	}
	fprintf(stderr, "pinctl: pind is not reachable; measuring /proc and cgroupfs directly.\n");

	if (is_ps) {
		CgNode *n = snap.tree->root;
		if (a->n_names == 1)
			r = cg_tree_resolve(snap.tree, a->names[0], &n);
		if (r < 0)
			bad = a->names[0];
		else
			r = view_procs(n, &v);
		show = a->json ? show_ps_json : show_ps_text;
	} else {
		r = view_groups(&snap, a->names, a->n_names, is_status, &v, &bad);
		show = is_status ? (a->json ? show_status_json : show_status_text)
				 : (a->json ? show_list_json : show_list_text);
	}
	int ret = EXIT_OK;
	if (r < 0) {
		ret = bad ? name_error(r, bad) : (fprintf(stderr, "pinctl: %s\n", strerror(-r)), 1);
	} else {
		ShowContext c = {
		    .snap = &snap,
		    .layout = &layout,
		    .backend = scanner->ops->name,
		    .legend = a->legend,
		    .out = stdout,
		};
		r = show(&c, &v);
		if (r < 0 || fflush(stdout) != 0) {
			fprintf(stderr, "pinctl: writing output failed\n");
			ret = EXIT_FAIL;
		}
	}
	view_done(&v);
	snapshot_done(&snap);
	cg_layout_done(&layout);
	return ret;
}

int main(int argc, char **argv)
{
	Args a;

	if (parse_args(argc, argv, &a) < 0)
		return EXIT_USAGE;
	return run_direct(&a);
}
