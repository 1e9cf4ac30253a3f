/* SPDX-License-Identifier: MIT */
/* pinctl: shows and (with pind) controls pinned-memory budgets. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pinctl.h"

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
	      "  set-property NAME PinnedMemoryMax=SIZE|X-PinnedMemoryAction=ACTION...\n"
	      "                     write a drop-in, as systemctl set-property does;\n"
	      "                     an empty value removes the setting\n"
	      "  freeze NAME | thaw NAME\n"
	      "                     freeze or thaw a group by hand; thaw touches only what\n"
	      "                     pind or pinctl froze\n"
	      "\n"
	      "NAME is a unit (machine.slice, vm1.service, machine-qemu\\x2d1\\x2dvm1.scope)\n"
	      "or a cgroup path starting with '/', relative to the cgroup root.\n"
	      "\n"
	      "Options:\n"
	      "  --json               one JSON object, sizes in bytes\n"
	      "  --no-legend          no header and footer lines\n"
	      "  --user               the user manager's units and pind\n"
	      "  --runtime            set-property: until reboot (below /run)\n"
	      "  --root=DIR           read (and write) configuration below DIR\n"
	      "  --cgroup-root=PATH   the managed subtree (default: CgroupRoot= of pind.conf)\n"
	      "  --proc-root=DIR      where procfs is mounted (default /proc)\n"
	      "  -h, --help           this text\n"
	      "      --version        version\n",
	      f);
}

static int parse_args(int argc, char **argv, Args *a)
{
	enum {
		OPT_JSON = 256,
		OPT_NO_LEGEND,
		OPT_USER,
		OPT_RUNTIME,
		OPT_ROOT,
		OPT_CGROUP_ROOT,
		OPT_PROC_ROOT,
		OPT_VER
	};
	static const struct option opts[] = {
	    {"json", no_argument, NULL, OPT_JSON},
	    {"no-legend", no_argument, NULL, OPT_NO_LEGEND},
	    {"user", no_argument, NULL, OPT_USER},
	    {"runtime", no_argument, NULL, OPT_RUNTIME},
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"cgroup-root", required_argument, NULL, OPT_CGROUP_ROOT},
	    {"proc-root", required_argument, NULL, OPT_PROC_ROOT},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VER},
	    {},
	};
	int c;

	*a = (Args){.legend = true, .root = "/", .proc_root = "/proc"};
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
		case OPT_RUNTIME:
			a->runtime = true;
			break;
		case OPT_ROOT:
			if (optarg[0] != '/') {
				fprintf(stderr, "pinctl: --root=%s: not an absolute path\n",
					optarg);
				return -EINVAL;
			}
			a->root = optarg;
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
	a->args = argv + optind + 1;
	a->n_args = (size_t)(argc - optind - 1);
	return 0;
}

int main(int argc, char **argv)
{
	Args a;

	if (parse_args(argc, argv, &a) < 0)
		return EXIT_USAGE;
	if (strcmp(a.command, "status") == 0 || strcmp(a.command, "list") == 0 ||
	    strcmp(a.command, "ps") == 0)
		return run_show(&a);
	if (strcmp(a.command, "set-property") == 0)
		return run_set_property(&a);
	if (strcmp(a.command, "freeze") == 0 || strcmp(a.command, "thaw") == 0)
		return run_freeze(&a, strcmp(a.command, "freeze") == 0);
	fprintf(stderr, "pinctl: unknown command '%s'; see 'pinctl --help'\n", a.command);
	return EXIT_USAGE;
}
