/* SPDX-License-Identifier: MIT */
/* pind: pinned-memory budgets for systemd slices. This version measures; the budgets and
 * their enforcement build on it. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cglayout.h"
#include "macro.h"
#include "measure.h"
#include "scan.h"

static void usage(FILE *f)
{
	fputs("Usage: pind [OPTIONS]\n"
	      "\n"
	      "  --once               measure once, print a summary line, exit\n"
	      "  --cgroup-root=PATH   the managed subtree (default /)\n"
	      "  --proc-root=DIR      where procfs is mounted (default /proc)\n"
	      "  -h, --help           this text\n"
	      "      --version        version\n",
	      f);
}

int main(int argc, char **argv)
{
	enum { OPT_ONCE = 256, OPT_CGROUP_ROOT, OPT_PROC_ROOT, OPT_VERSION };
	static const struct option opts[] = {
	    {"once", no_argument, NULL, OPT_ONCE},
	    {"cgroup-root", required_argument, NULL, OPT_CGROUP_ROOT},
	    {"proc-root", required_argument, NULL, OPT_PROC_ROOT},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {},
	};
	const char *cgroup_root = "/", *proc_root = "/proc";
	bool once = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
		switch (c) {
		case OPT_ONCE:
			once = true;
			break;
		case OPT_CGROUP_ROOT:
			cgroup_root = optarg;
			break;
		case OPT_PROC_ROOT:
			proc_root = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("pind %s\n", PIND_VERSION);
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc || !once) {
		fprintf(stderr, "pind: this version only measures: use --once\n");
		return 2;
	}

	_cleanup_(scanner_freep) Scanner *scanner = NULL;
	CgLayout layout;
	Snapshot snap;
	int r = cg_layout_discover(&layout);
	if (r < 0) {
		fprintf(stderr, "pind: cannot find the cgroup hierarchies: %s\n", strerror(-r));
		return 1;
	}
	r = scanner_procfs_new(proc_root, &layout, &scanner);
	if (r >= 0)
		r = snapshot_take(scanner, &layout, proc_root, cgroup_root, &snap);
	if (r < 0) {
		fprintf(stderr, "pind: measuring below %s failed: %s\n", cgroup_root, strerror(-r));
		cg_layout_done(&layout);
		return 1;
	}
	printf("pind: %u processes scanned in %" PRIu64 " us (%s), %u hold pins: %" PRIu64
	       " bytes pinned, %" PRIu64 " bytes locked\n",
	       snap.stats.visited, snap.stats.usec, scanner->ops->name, snap.tree->all_procs,
	       snap.tree->all_pinned, snap.tree->all_locked);
	snapshot_done(&snap);
	cg_layout_done(&layout);
	return 0;
}
