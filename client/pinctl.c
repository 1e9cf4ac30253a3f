/* SPDX-License-Identifier: MIT */
/* pinctl: shows and (with pind) controls pinned-memory budgets. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "macro.h"
#include "pinctl.h"

static void usage(FILE *f)
{
	fputs(
	    "Usage: pinctl [OPTIONS] COMMAND [NAME...]\n"
	    "\n"
	    "Show and control pinned-memory budgets per systemd unit and cgroup, through\n"
	    "pind on the system bus (the user bus with --user). Without a reachable pind,\n"
	    "status, list and ps measure /proc and cgroupfs themselves, set-property writes\n"
	    "the drop-in itself, freeze and thaw act on the cgroup themselves.\n"
	    "\n"
	    "Commands:\n"
	    "  status [NAME...]   tree of groups: pinned/locked, state, top pinners, memcg\n"
	    "                     context, system summary\n"
	    "  list               one row per budget or group holding pins\n"
	    "  ps [NAME]          processes holding pins, largest first\n"
	    "  set-property NAME PinnedMemoryMax=SIZE|X-PinnedMemoryAction=ACTION...\n"
	    "                     set a budget (a drop-in, as systemctl set-property writes);\n"
	    "                     an empty value removes the setting (pinctl writes that\n"
	    "                     drop-in itself and has pind reload)\n"
	    "  freeze NAME | thaw NAME\n"
	    "                     freeze or thaw a group by hand; thaw touches only what\n"
	    "                     pind or pinctl froze\n"
	    "  reserve NAME SIZE [--holder=UNIT] [--ttl=SPAN]\n"
	    "                     reserve budget before a workload starts; prints\n"
	    "                     'granted ID' (exit 0) or 'denied' (exit 1)\n"
	    "  release ID         end a reservation\n"
	    "  libvirt-hook GUEST OP SUBOP EXTRA\n"
	    "                     libvirt's qemu hook (the domain XML on stdin): reserve at\n"
	    "                     prepare, refuse what does not fit, release at release\n"
	    "  reload             have pind re-read pind.conf and the unit files\n"
	    "  monitor            follow pind's signals, one line each, until interrupted\n"
	    "Reserve, release, reload and monitor need pind.\n"
	    "\n"
	    "NAME is a unit (machine.slice, vm1.service, machine-qemu\\x2d1\\x2dvm1.scope)\n"
	    "or a cgroup path starting with '/', relative to the cgroup root.\n"
	    "\n"
	    "Options:\n"
	    "  --json               one JSON object (monitor: one per line), sizes in bytes\n"
	    "  --no-legend          no header and footer lines\n"
	    "  --user               the user manager's units and pind\n"
	    "  --runtime            set-property: until reboot (below /run)\n"
	    "  --holder=UNIT        reserve: the unit whose usage takes the reservation over\n"
	    "  --ttl=SPAN           reserve: end the reservation after SPAN (30s, 5min)\n"
	    "  --layout=LAYOUT      libvirt-hook: systemd (scopes in slices) or cgroupfs\n"
	    "                       (libvirt's own cgroups); default: systemd if machined runs\n"
	    "  -h, --help           this text\n"
	    "      --version        version\n"
	    "For pinctl's own reading and writing (pind keeps its own):\n"
	    "  --root=DIR           read (and write) configuration below DIR\n"
	    "  --cgroup-root=PATH   the managed subtree (default: CgroupRoot= of pind.conf;\n"
	    "                       with --user, the user manager's own)\n"
	    "  --proc-root=DIR      where procfs is mounted (default /proc)\n"
	    "  --scanner=KIND       measuring directly: bpf, procfs or auto (default: Scanner=)\n",
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
		OPT_SCANNER,
		OPT_HOLDER,
		OPT_TTL,
		OPT_DIRECT,
		OPT_LAYOUT,
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
	    {"scanner", required_argument, NULL, OPT_SCANNER},
	    {"holder", required_argument, NULL, OPT_HOLDER},
	    {"ttl", required_argument, NULL, OPT_TTL},
	    {"direct", no_argument, NULL, OPT_DIRECT}, /* hidden: never through pind */
	    {"layout", required_argument, NULL, OPT_LAYOUT},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VER},
	    {},
	};
	int c;

	*a = (Args){.legend = true, .root = "/", .proc_root = "/proc"};
	/* libvirt-hook takes libvirt's arguments as they come (a guest may be named
	 * "--json"): options only before it */
	int end = argc;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "libvirt-hook") == 0) {
			end = i + 1;
			break;
		} else if (argv[i][0] != '-')
			break;
	while ((c = getopt_long(end, argv, "h", opts, NULL)) >= 0) {
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
		case OPT_SCANNER:
			if (scanner_from_string(optarg, &a->scanner) < 0) {
				fprintf(stderr,
					"pinctl: --scanner=%s: expected bpf, procfs or auto\n",
					optarg);
				return -EINVAL;
			}
			a->scanner_set = true;
			break;
		case OPT_HOLDER:
			a->holder = optarg;
			break;
		case OPT_TTL:
			a->ttl = optarg;
			break;
		case OPT_DIRECT:
			a->direct = true;
			break;
		case OPT_LAYOUT:
			if (strcmp(optarg, "systemd") != 0 && strcmp(optarg, "cgroupfs") != 0) {
				fprintf(stderr,
					"pinctl: --layout=%s: expected systemd or cgroupfs\n",
					optarg);
				return -EINVAL;
			}
			a->layout = optarg;
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
	if (a->layout && strcmp(a->command, "libvirt-hook") != 0) {
		fprintf(stderr, "pinctl: --layout is an option of libvirt-hook\n");
		return -EINVAL;
	}
	return 0;
}

static const char *const commands[] = {
    "status",  "list",    "ps",     "set-property", "freeze",       "thaw",
    "reserve", "release", "reload", "monitor",      "libvirt-hook",
};

static bool is(const Args *a, const char *command)
{
	return strcmp(a->command, command) == 0;
}

static int run(const Args *a, Pind *p)
{
	if (is(a, "status") || is(a, "list") || is(a, "ps"))
		return p->reachable ? bus_show(a, p) : run_show(a);
	if (is(a, "set-property"))
		return run_set_property(a, p);
	if (is(a, "freeze") || is(a, "thaw"))
		return p->reachable ? bus_freeze(a, p, is(a, "freeze"))
				    : run_freeze(a, is(a, "freeze"));
	if (is(a, "reserve"))
		return run_reserve(a, p);
	if (is(a, "release"))
		return run_release(a, p);
	if (is(a, "reload"))
		return run_reload(a, p);
	if (is(a, "libvirt-hook"))
		return run_libvirt_hook(a, p);
	return run_monitor(a, p);
}

int main(int argc, char **argv)
{
	Args a;
	Pind p;
	size_t i;

	if (parse_args(argc, argv, &a) < 0)
		return EXIT_USAGE;
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (is(&a, commands[i]))
			break;
	if (i == ARRAY_SIZE(commands)) {
		fprintf(stderr, "pinctl: unknown command '%s'; see 'pinctl --help'\n", a.command);
		return EXIT_USAGE;
	}
	if ((a.holder || a.ttl) && !is(&a, "reserve")) {
		fprintf(stderr, "pinctl: --holder and --ttl are options of reserve\n");
		return EXIT_USAGE;
	}
	int r = pind_open(&a, &p);
	int ret = r < 0 ? (fprintf(stderr, "pinctl: %s\n", strerror(-r)), EXIT_FAIL) : run(&a, &p);
	pind_done(&p);
	return ret;
}
