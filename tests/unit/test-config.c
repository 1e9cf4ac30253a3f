/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <sys/stat.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "macro.h"
#include "settings.h"
#include "testutil.h"

/* pind.conf (config.h) from files in temporary directories. */

#define GIB (UINT64_C(1) << 30)

static char conf_path[PATH_MAX];

/* Writes text to a new pind.conf in its own directory below the base directory. */
static const char *write_conf(const char *text)
{
	char dir[PATH_MAX];

	tu_mkdtemp(dir, sizeof(dir), tu_base_dir(), "conf-");
	tu_xsnprintf(conf_path, "%s/pind.conf", dir);
	tu_write_file(conf_path, text);
	return conf_path;
}

static void load_ok(const char *text, uint64_t mem_total, Config *c)
{
	_cleanup_free_ char *err = NULL;
	const char *path = write_conf(text);
	int r = config_load(path, false, mem_total, c, &err);

	ck_assert_msg(r == 0, "\"%s\": %d, %s", text, r, err ? err : "(no error text)");
	ck_assert_ptr_null(err);
}

typedef enum {
	F_SCAN,
	F_COUNT,
	F_SCANNER,
	F_ACTION,
	F_GRACE,
	F_KILL,
	F_SIGNAL,
	F_ROOT,
	F_PROTECTED,
	F_STATE,
	_F_MAX,
} Field;

static const char *const field_names[_F_MAX] = {
    "ScanIntervalSec",   "Count",  "Scanner",    "DefaultAction", "GraceSec",
    "KillEscalationSec", "Signal", "CgroupRoot", "Protected",     "StateFile",
};

/* One field of c as text, to compare fields of any type in one table */
static const char *render(const Config *c, Field f, char *buf, size_t size)
{
	const char *s = NULL;
	uint64_t u = 0;

	switch (f) {
	case F_SCAN:
		u = c->scan_interval_usec;
		break;
	case F_COUNT:
		s = count_to_string(c->count);
		break;
	case F_SCANNER:
		s = scanner_to_string(c->scanner);
		break;
	case F_ACTION:
		s = action_to_string(c->default_action);
		break;
	case F_GRACE:
		u = c->grace_usec;
		break;
	case F_KILL:
		u = c->kill_escalation_usec;
		break;
	case F_SIGNAL:
		u = (uint64_t)c->signal;
		break;
	case F_ROOT:
		s = c->cgroup_root;
		break;
	case F_STATE:
		s = c->state_file;
		break;
	case F_PROTECTED:
		ck_assert_ptr_nonnull(c->protected);
		buf[0] = 0;
		for (char **w = c->protected; *w; w++) {
			size_t l = strlen(buf);
			ck_assert_int_lt(snprintf(buf + l, size - l, "%s%s", l ? " " : "", *w),
					 (int)(size - l));
		}
		return buf;
	case _F_MAX:
		break;
	}
	ck_assert_int_lt(s ? snprintf(buf, size, "%s", s) : snprintf(buf, size, "%" PRIu64, u),
			 (int)size);
	return buf;
}

/* Every field of c equals its default except want_field, which renders as want. */
static void check_daemon(const Config *c, Field want_field, const char *want, const char *what)
{
	Config d;
	char got[256], def[256];

	ck_assert_int_eq(config_defaults(false, &d), 0);
	for (Field f = 0; f < _F_MAX; f++) {
		render(c, f, got, sizeof(got));
		const char *exp = f == want_field ? want : render(&d, f, def, sizeof(def));
		ck_assert_msg(strcmp(got, exp) == 0, "%s: %s is \"%s\", expected \"%s\"", what,
			      field_names[f], got, exp);
	}
	config_done(&d);
}

START_TEST(test_defaults_missing_file)
{
	char path[PATH_MAX];
	char *err = (char *)"sentinel";
	Config c;

	tu_xsnprintf(path, "%s/no-such-dir/pind.conf", tu_base_dir());
	ck_assert_int_eq(config_load(path, false, 16 * GIB, &c, &err), 0);
	ck_assert_ptr_null(err);
	check_daemon(&c, _F_MAX, NULL, "missing file");
	/* the values DESIGN.md documents, not only those config_defaults() returns */
	ck_assert_uint_eq(c.scan_interval_usec, 1000000);
	ck_assert_uint_eq(c.count, COUNT_PINNED | COUNT_LOCKED);
	ck_assert_int_eq(c.scanner, SCANNER_AUTO);
	ck_assert_int_eq(c.default_action, ACTION_FREEZE);
	ck_assert_uint_eq(c.grace_usec, 2000000);
	ck_assert_uint_eq(c.kill_escalation_usec, 30000000);
	ck_assert_int_eq(c.signal, SIGTERM);
	ck_assert_str_eq(c.cgroup_root, "/");
	char buf[256];
	ck_assert_str_eq(render(&c, F_PROTECTED, buf, sizeof(buf)),
			 "-.slice init.scope system.slice");
	ck_assert_str_eq(c.state_file, "/run/pind/state.json");
	ck_assert_uint_eq(c.n_budgets, 0);
	ck_assert_ptr_null(c.budgets);
	config_done(&c);
	ck_assert_ptr_null(c.cgroup_root);
	ck_assert_ptr_null(c.protected);
}
END_TEST

/* pind --user: no CgroupRoot= default (the manager says its own), StateFile= below
 * XDG_RUNTIME_DIR, which must be set; a file's values win as for the system. */
START_TEST(test_defaults_user)
{
	char path[PATH_MAX], *err = NULL;
	Config c;

	ck_assert_int_eq(setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1), 0);
	ck_assert_int_eq(config_defaults(true, &c), 0);
	ck_assert_ptr_null(c.cgroup_root);
	ck_assert_str_eq(c.state_file, "/run/user/1000/pind/state.json");
	ck_assert_int_eq(c.scanner, SCANNER_AUTO);
	config_done(&c);

	tu_xsnprintf(path, "%s/user-pind.conf", tu_base_dir());
	tu_write_file(path, "[Daemon]\nCgroupRoot=/user.slice/u\nStateFile=/tmp/s.json\n");
	ck_assert_int_eq(config_load(path, true, 16 * GIB, &c, &err), 0);
	ck_assert_str_eq(c.cgroup_root, "/user.slice/u");
	ck_assert_str_eq(c.state_file, "/tmp/s.json");
	config_done(&c);

	ck_assert_int_eq(unsetenv("XDG_RUNTIME_DIR"), 0);
	ck_assert_int_eq(config_defaults(true, &c), -ENXIO);
	ck_assert_int_eq(setenv("XDG_RUNTIME_DIR", "relative", 1), 0);
	ck_assert_int_eq(config_load(path, true, 16 * GIB, &c, &err), -ENXIO);
	ck_assert_int_eq(unsetenv("XDG_RUNTIME_DIR"), 0);
}
END_TEST

/* An empty file and one of comments only are the defaults too. */
START_TEST(test_defaults_empty_file)
{
	static const char *const texts[] = {"", "\n\n", "# comment\n; comment\n\n[Daemon]\n"};
	Config c;

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		load_ok(texts[i], 0, &c);
		check_daemon(&c, _F_MAX, NULL, texts[i]);
		ck_assert_uint_eq(c.n_budgets, 0);
		config_done(&c);
	}
}
END_TEST

static const struct {
	const char *text; /* below [Daemon] */
	Field field;
	const char *want;
} daemon_ok[] = {
    {"ScanIntervalSec=500ms", F_SCAN, "500000"},
    {"ScanIntervalSec=10ms", F_SCAN, "10000"}, /* the least allowed */
    {"ScanIntervalSec=1min 30s", F_SCAN, "90000000"},
    {"ScanIntervalSec=3", F_SCAN, "3000000"},
    {"Count=pinned", F_COUNT, "pinned"},
    {"Count=locked", F_COUNT, "locked"},
    {"Count=locked,pinned", F_COUNT, "pinned,locked"},
    {"Scanner=procfs", F_SCANNER, "procfs"},
    {"Scanner=bpf", F_SCANNER, "bpf"},
    {"DefaultAction=kill", F_ACTION, "kill"},
    {"DefaultAction=log", F_ACTION, "log"},
    {"DefaultAction=signal", F_ACTION, "signal"},
    {"GraceSec=0", F_GRACE, "0"},
    {"GraceSec=250ms", F_GRACE, "250000"},
    {"GraceSec=infinity", F_GRACE, "18446744073709551615"},
    {"KillEscalationSec=1min", F_KILL, "60000000"},
    {"KillEscalationSec=0", F_KILL, "0"},
    {"Signal=SIGINT", F_SIGNAL, "2"},
    {"Signal=INT", F_SIGNAL, "2"},
    {"Signal=9", F_SIGNAL, "9"},
    {"Signal=SIGKILL", F_SIGNAL, "9"},
    {"Signal=USR1", F_SIGNAL, "10"},
    {"CgroupRoot=/a/b/", F_ROOT, "/a/b"},
    {"CgroupRoot=/a/b///", F_ROOT, "/a/b"},
    {"CgroupRoot=/", F_ROOT, "/"},
    {"CgroupRoot=/user.slice/user-1000.slice/user@1000.service", F_ROOT,
     "/user.slice/user-1000.slice/user@1000.service"},
    {"Protected=machine.slice  sshd.service\tsession-1.scope", F_PROTECTED,
     "machine.slice sshd.service session-1.scope"},
    {"Protected=/machine", F_PROTECTED, "/machine"},
    {"Protected=", F_PROTECTED, ""},
    {"StateFile=/var/lib/pind/state.json", F_STATE, "/var/lib/pind/state.json"},
    /* syntax around the value */
    {"ScanIntervalSec=2s   # two seconds", F_SCAN, "2000000"},
    {"ScanIntervalSec=2s # a # b", F_SCAN, "2000000"},
    {"GraceSec=5s ; inih's own comment", F_GRACE, "5000000"},
    {"DefaultAction=log\t# a tab before the comment", F_ACTION, "log"},
    {"Protected=a.slice b.slice # and not c.slice", F_PROTECTED, "a.slice b.slice"},
    {"StateFile=/run/pind/a#b.json", F_STATE, "/run/pind/a#b.json"}, /* no blank: not one */
    {"GraceSec = 3s", F_GRACE, "3000000"},
    {"GraceSec=3s\r", F_GRACE, "3000000"},
    {"GraceSec=1s\nGraceSec=4s", F_GRACE, "4000000"}, /* the last assignment wins */
    {"# GraceSec=9s\n; GraceSec=8s\nGraceSec=7s", F_GRACE, "7000000"},
};

START_TEST(test_daemon_ok)
{
	_cleanup_free_ char *text = NULL;
	Config c;

	ck_assert_int_ge(asprintf(&text, "[Daemon]\n%s\n", daemon_ok[_i].text), 0);
	load_ok(text, 16 * GIB, &c);
	check_daemon(&c, daemon_ok[_i].field, daemon_ok[_i].want, daemon_ok[_i].text);
	ck_assert_uint_eq(c.n_budgets, 0);
	config_done(&c);
}
END_TEST

START_TEST(test_protected_effect)
{
	Config c;
	char buf[256];

	load_ok("[Daemon]\nProtected=machine.slice /machine\n", 0, &c);
	/* replaced, not added to */
	ck_assert_str_eq(render(&c, F_PROTECTED, buf, sizeof(buf)), "machine.slice /machine");
	config_done(&c);
	load_ok("[Daemon]\nProtected=\n", 0, &c);
	ck_assert(!c.protected || !c.protected[0]);
	config_done(&c);
}
END_TEST

#define NO_ACTION (-1)

static const struct {
	const char *text;
	uint64_t mem_total;
	const char *name;
	const char *max_text; /* NULL: no max */
	uint64_t max;
	int action; /* NO_ACTION: none */
} budget_ok[] = {
    {"[Budget machine.slice]\nPinnedMemoryMax=64G\nAction=freeze", 0, "machine.slice", "64G",
     64 * GIB, ACTION_FREEZE},
    {"[Budget machine.slice]\nPinnedMemoryMax=20%", 16 * GIB, "machine.slice", "20%", 3435973836,
     NO_ACTION}, /* floor(16G / 5) */
    {"[Budget machine.slice]\nPinnedMemoryMax=12.5%", 16 * GIB, "machine.slice", "12.5%", 2 * GIB,
     NO_ACTION},
    {"[Budget machine.slice]\nPinnedMemoryMax=100%", 16 * GIB, "machine.slice", "100%", 16 * GIB,
     NO_ACTION},
    {"[Budget machine.slice]\nPinnedMemoryMax=20%", 0, "machine.slice", "20%", 0, NO_ACTION},
    {"[Budget machine.slice]\nPinnedMemoryMax=infinity", 0, "machine.slice", "infinity", UINT64_MAX,
     NO_ACTION},
    {"[Budget machine.slice]\nPinnedMemoryMax=1.5G", 0, "machine.slice", "1.5G", GIB + GIB / 2,
     NO_ACTION},
    {"[Budget machine.slice]\nPinnedMemoryMax=4096", 0, "machine.slice", "4096", 4096, NO_ACTION},
    {"[Budget machine.slice]\nPinnedMemoryMax=0", 0, "machine.slice", "0", 0, NO_ACTION},
    {"[Budget machine.slice]\nPinnedMemoryMax=8G # comment", 0, "machine.slice", "8G", 8 * GIB,
     NO_ACTION},
    {"[Budget machine.slice]\nAction=kill", 0, "machine.slice", NULL, 0, ACTION_KILL},
    {"[Budget machine.slice]\nAction=log", 0, "machine.slice", NULL, 0, ACTION_LOG},
    {"[Budget machine.slice]\nAction=signal", 0, "machine.slice", NULL, 0, ACTION_SIGNAL},
    {"[Budget machine.slice]\nPinnedMemoryMax=1G\nPinnedMemoryMax=", 0, "machine.slice", NULL, 0,
     NO_ACTION}, /* an empty value resets */
    {"[Budget machine.slice]\nAction=kill\nAction=", 0, "machine.slice", NULL, 0, NO_ACTION},
    {"[Budget machine.slice]\nPinnedMemoryMax=1G\nPinnedMemoryMax=2G", 0, "machine.slice", "2G",
     2 * GIB, NO_ACTION},
    {"[Budget /machine/x]\nPinnedMemoryMax=1G", 0, "/machine/x", "1G", GIB, NO_ACTION},
    {"[Budget /machine/x/]\nPinnedMemoryMax=1G", 0, "/machine/x", "1G", GIB, NO_ACTION},
    {"[Budget /]\nPinnedMemoryMax=1G", 0, "/", "1G", GIB, NO_ACTION},
    {"[Budget machine-qemu\\x2d1\\x2dvm1.scope]\nPinnedMemoryMax=8G", 0,
     "machine-qemu\\x2d1\\x2dvm1.scope", "8G", 8 * GIB, NO_ACTION},
    {"[Budget vm2.service]\nPinnedMemoryMax=8G", 0, "vm2.service", "8G", 8 * GIB, NO_ACTION},
    {"[Budget user@1000.service]\nAction=log", 0, "user@1000.service", NULL, 0, ACTION_LOG},
    /* "Budget NAME" of 49 bytes, all inih keeps of a section name, and longer: the whole name,
     * never a cut one */
    {"[Budget /machine/qemu-1-abcdefghijklmnopqrstuvwxyz]\nAction=log", 0,
     "/machine/qemu-1-abcdefghijklmnopqrstuvwxyz", NULL, 0, ACTION_LOG},
    {"[Budget /machine/qemu-1-averyveryverylongdomainname.libvirt-qemu]\nPinnedMemoryMax=1G", 0,
     "/machine/qemu-1-averyveryverylongdomainname.libvirt-qemu", "1G", GIB, NO_ACTION},
    {"[Budget machine-qemu\\x2d12\\x2dwindows\\x2dserver\\x2d2022.scope]\nAction=kill", 0,
     "machine-qemu\\x2d12\\x2dwindows\\x2dserver\\x2d2022.scope", NULL, 0, ACTION_KILL},
};

START_TEST(test_budget_ok)
{
	Config c;

	load_ok(budget_ok[_i].text, budget_ok[_i].mem_total, &c);
	ck_assert_uint_eq(c.n_budgets, 1);
	const BudgetSpec *b = &c.budgets[0];
	ck_assert_str_eq(b->name, budget_ok[_i].name);
	ck_assert_str_eq(b->source, conf_path);
	ck_assert_int_eq(b->has_max, budget_ok[_i].max_text != NULL);
	if (b->has_max) {
		ck_assert_str_eq(b->max_text, budget_ok[_i].max_text);
		ck_assert_uint_eq(b->max, budget_ok[_i].max);
	}
	ck_assert_int_eq(b->has_action, budget_ok[_i].action != NO_ACTION);
	if (b->has_action)
		ck_assert_int_eq(b->action, budget_ok[_i].action);
	check_daemon(&c, _F_MAX, NULL, budget_ok[_i].text);
	config_done(&c);
	ck_assert_uint_eq(c.n_budgets, 0);
}
END_TEST

/* The example in DESIGN.md, verbatim, and several budgets in file order. */
START_TEST(test_design_example)
{
	static const char text[] =
	    "[Daemon]\n"
	    "ScanIntervalSec=1s        # systemd time span syntax: 500ms, 2s, 1min\n"
	    "Count=pinned,locked\n"
	    "Scanner=auto             # bpf | procfs | auto\n"
	    "DefaultAction=freeze      # log | freeze | signal | kill\n"
	    "GraceSec=2s               # over budget this long before acting\n"
	    "KillEscalationSec=30s     # signal: SIGTERM, then SIGKILL after this\n"
	    "Signal=SIGTERM\n"
	    "CgroupRoot=/              # the subtree pind manages (e.g. a user manager's)\n"
	    "Protected=-.slice init.scope system.slice   # never frozen, signalled or killed\n"
	    "StateFile=/run/pind/state.json\n"
	    "\n"
	    "[Budget machine.slice]\n"
	    "PinnedMemoryMax=64G\n"
	    "Action=freeze\n"
	    "\n"
	    "[Budget /machine/x]\n"
	    "PinnedMemoryMax=10%\n"
	    "[Daemon]\n"
	    "GraceSec=0\n"
	    "[Budget a.scope]\n"
	    "Action=signal\n";
	Config c;

	load_ok(text, 10 * GIB, &c);
	check_daemon(&c, F_GRACE, "0", "DESIGN.md example");
	ck_assert_uint_eq(c.n_budgets, 3);
	ck_assert_str_eq(c.budgets[0].name, "machine.slice");
	ck_assert_uint_eq(c.budgets[0].max, 64 * GIB);
	ck_assert(c.budgets[0].has_action);
	ck_assert_int_eq(c.budgets[0].action, ACTION_FREEZE);
	ck_assert_str_eq(c.budgets[1].name, "/machine/x");
	ck_assert_uint_eq(c.budgets[1].max, GIB);
	ck_assert(!c.budgets[1].has_action);
	ck_assert_str_eq(c.budgets[2].name, "a.scope");
	ck_assert(!c.budgets[2].has_max);
	ck_assert_int_eq(c.budgets[2].action, ACTION_SIGNAL);
	for (size_t i = 0; i < c.n_budgets; i++)
		ck_assert_str_eq(c.budgets[i].source, conf_path);
	config_done(&c);
}
END_TEST

static const struct {
	const char *text;
	unsigned line;
	const char *msg; /* after "FILE:LINE: " */
} bad[] = {
    {"[Daemon]\nScanIntervalSec=1s\nGraceSec=soon\n", 3,
     "GraceSec: invalid time span 'soon' (e.g. 500ms, 2s, 1min)"},
    {"[Daemon]\nKillEscalationSec=-1s", 2,
     "KillEscalationSec: invalid time span '-1s' (e.g. 500ms, 2s, 1min)"},
    {"[Daemon]\nScanIntervalSec=", 2,
     "ScanIntervalSec: invalid time span '' (e.g. 500ms, 2s, 1min)"},
    {"[Daemon]\nScanIntervalSec=9ms", 2,
     "ScanIntervalSec: '9ms' is out of range (10ms or more, finite)"},
    {"[Daemon]\nScanIntervalSec=infinity", 2,
     "ScanIntervalSec: 'infinity' is out of range (10ms or more, finite)"},
    {"[Daemon]\nGraceSec=1s#x", 2, "GraceSec: invalid time span '1s#x' (e.g. 500ms, 2s, 1min)"},
    {"[Daemon]\nCount=both", 2, "Count: invalid value 'both' (pinned, locked or pinned,locked)"},
    {"[Daemon]\nCount=pinned, locked", 2,
     "Count: invalid value 'pinned, locked' (pinned, locked or pinned,locked)"},
    {"[Daemon]\nScanner=ebpf", 2, "Scanner: invalid value 'ebpf' (auto, bpf or procfs)"},
    {"[Daemon]\nDefaultAction=stop", 2,
     "DefaultAction: invalid action 'stop' (log, freeze, signal or kill)"},
    {"[Daemon]\nDefaultAction=Kill", 2,
     "DefaultAction: invalid action 'Kill' (log, freeze, signal or kill)"},
    {"[Daemon]\nSignal=SIGFOO", 2, "Signal: invalid signal 'SIGFOO'"},
    {"[Daemon]\nSignal=sigterm", 2, "Signal: invalid signal 'sigterm'"},
    {"[Daemon]\nSignal=0", 2, "Signal: invalid signal '0'"},
    {"[Daemon]\nSignal=65", 2, "Signal: invalid signal '65'"},
    {"[Daemon]\nCgroupRoot=a/b", 2, "CgroupRoot: invalid cgroup path 'a/b' (absolute, no . or ..)"},
    {"[Daemon]\nCgroupRoot=/a/../b", 2,
     "CgroupRoot: invalid cgroup path '/a/../b' (absolute, no . or ..)"},
    {"[Daemon]\nCgroupRoot=/a//b", 2,
     "CgroupRoot: invalid cgroup path '/a//b' (absolute, no . or ..)"},
    {"[Daemon]\nProtected=a.slice bogus c.slice", 2, "Protected: invalid unit name 'bogus'"},
    {"[Daemon]\nProtected=a-.slice", 2, "Protected: invalid unit name 'a-.slice'"},
    {"[Daemon]\nStateFile=state.json", 2, "StateFile: 'state.json' is not an absolute path"},
    {"[Daemon]\nStateFile=", 2, "StateFile: '' is not an absolute path"},
    {"[Daemon]\nFoo=1", 2, "unknown key 'Foo' in [Daemon]"},
    {"[Daemon]\nscanintervalsec=1s", 2, "unknown key 'scanintervalsec' in [Daemon]"},
    {"[Daemon]\nPinnedMemoryMax=1G", 2, "unknown key 'PinnedMemoryMax' in [Daemon]"},
    {"\n[Deamon]\nGraceSec=1s", 3,
     "unknown section [Deamon] (expected [Daemon], [Budget NAME] or [Libvirt])"},
    {"[Budget]\nPinnedMemoryMax=1G", 2,
     "unknown section [Budget] (expected [Daemon], [Budget NAME] or [Libvirt])"},
    {"GraceSec=1s\n[Daemon]\n", 1,
     "GraceSec: outside any section (expected [Daemon], [Budget NAME] or [Libvirt])"},
    {"[Budget a.slice]\nPinnedMemoryMax=1G\n[Daemon]\nGraceSec=1s\n[Budget a.slice]\nAction=log", 6,
     "[Budget a.slice]: duplicate budget for a.slice"},
    {"[Budget /m]\nAction=log\n[Budget /m/]\nAction=kill", 4,
     "[Budget /m/]: duplicate budget for /m"},
    {"[Budget machine]\nPinnedMemoryMax=1G", 2,
     "[Budget machine]: invalid budget name 'machine' (a slice, service or scope, or a cgroup "
     "path starting with /)"},
    {"[Budget foo.target]\nPinnedMemoryMax=1G", 2,
     "[Budget foo.target]: invalid budget name 'foo.target' (a slice, service or scope, or a "
     "cgroup path starting with /)"},
    {"[Budget /a/../b]\nPinnedMemoryMax=1G", 2,
     "[Budget /a/../b]: invalid budget name '/a/../b' (a slice, service or scope, or a cgroup "
     "path starting with /)"},
    {"[Budget ]\nPinnedMemoryMax=1G", 2,
     "[Budget ]: invalid budget name '' (a slice, service or scope, or a cgroup path starting "
     "with /)"},
    {"[Budget a.slice]\nPinnedMemoryMax=lots", 2,
     "PinnedMemoryMax: invalid size 'lots' (bytes with K, M, G, T, P or E, a percentage of RAM, "
     "or infinity)"},
    {"[Budget a.slice]\nPinnedMemoryMax=-1G", 2,
     "PinnedMemoryMax: invalid size '-1G' (bytes with K, M, G, T, P or E, a percentage of RAM, "
     "or infinity)"},
    {"[Budget a.slice]\nPinnedMemoryMax=101%", 2,
     "PinnedMemoryMax: invalid size '101%' (out of range: 0 to 1E, at most 100%, or infinity)"},
    {"[Budget a.slice]\nPinnedMemoryMax=2E", 2,
     "PinnedMemoryMax: invalid size '2E' (out of range: 0 to 1E, at most 100%, or infinity)"},
    {"[Budget a.slice]\nPinnedMemoryMax=16E", 2,
     "PinnedMemoryMax: invalid size '16E' (out of range: 0 to 1E, at most 100%, or infinity)"},
    {"[Budget a.slice]\nAction=stop", 2,
     "Action: invalid action 'stop' (log, freeze, signal or kill)"},
    {"[Budget a.slice]\nMax=1G", 2, "unknown key 'Max' in [Budget a.slice]"},
    {"[Budget a.slice]\nX-PinnedMemoryMax=1G", 2,
     "unknown key 'X-PinnedMemoryMax' in [Budget a.slice]"},
    {"[Budget a.slice]\nGraceSec=1s", 2, "unknown key 'GraceSec' in [Budget a.slice]"},
    {"[Daemon]\nGraceSec 1s\n", 2, "syntax error (expected KEY=VALUE or [SECTION])"},
    {"[Daemon\nGraceSec=1s\n", 1, "syntax error (expected KEY=VALUE or [SECTION])"},
    {"[Daemon]\nGraceSec 1s\nCount=x\n", 2, "syntax error (expected KEY=VALUE or [SECTION])"},
    /* the first error is reported */
    {"[Daemon]\nGraceSec=soon\nCount=x\n", 2,
     "GraceSec: invalid time span 'soon' (e.g. 500ms, 2s, 1min)"},
    /* an invalid section's keys are not taken for [Daemon]'s */
    {"[Budget nope]\nGraceSec=1s\nPinnedMemoryMax=1G\n", 2,
     "[Budget nope]: invalid budget name 'nope' (a slice, service or scope, or a cgroup path "
     "starting with /)"},
};

/* Fails with exactly want, and leaves *ret alone. */
static void check_fails(const char *path, int want_r, const char *want)
{
	Config c, copy;
	char *err = NULL;

	memset(&c, 0xa5, sizeof(c));
	memcpy(&copy, &c, sizeof(c));
	ck_assert_int_eq(config_load(path, false, 16 * GIB, &c, &err), want_r);
	ck_assert_msg(memcmp(&c, &copy, sizeof(c)) == 0, "%s: *ret written on failure", want);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err, want);
	free(err);
}

START_TEST(test_bad)
{
	char want[1024];
	const char *path = write_conf(bad[_i].text);

	tu_xsnprintf(want, "%s:%u: %s", path, bad[_i].line, bad[_i].msg);
	check_fails(path, -EINVAL, want);
}
END_TEST

START_TEST(test_line_too_long)
{
	char text[1024], want[PATH_MAX + 64];

	/* inih reads 198 bytes of a line: a value must not be cut silently */
	tu_xsnprintf(text, "[Daemon]\nStateFile=/%0250d\n", 0);
	const char *path = write_conf(text);
	tu_xsnprintf(want, "%s:2: line too long", path);
	check_fails(path, -EINVAL, want);

	tu_xsnprintf(text, "[Budget a.slice]\n\nPinnedMemoryMax=1%0300d\n", 0);
	path = write_conf(text);
	tu_xsnprintf(want, "%s:3: line too long", path);
	check_fails(path, -EINVAL, want);

	/* a long comment is no error, and the line after it is whole */
	Config c;
	tu_xsnprintf(text, "# %0400d\n[Daemon]\n; %0300d\nGraceSec=5s\n", 0, 0);
	load_ok(text, 0, &c);
	check_daemon(&c, F_GRACE, "5000000", "long comments");
	config_done(&c);

	/* 198 bytes and the newline still fit */
	tu_xsnprintf(text, "[Daemon]\nStateFile=/%0187d\n", 0);
	ck_assert_uint_eq(strlen(strchr(text, '\n') + 1), 199);
	load_ok(text, 0, &c);
	ck_assert_uint_eq(strlen(c.state_file), 188);
	config_done(&c);
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char text[] = "[Daemon]\nGraceSec=1s\0\nCount=pinned\n";
	char want[PATH_MAX + 64];
	const char *path = write_conf("");
	FILE *f = fopen(path, "we");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
	ck_assert_int_eq(fclose(f), 0);
	tu_xsnprintf(want, "%s: NUL byte in file (not a text file?)", path);
	check_fails(path, -EINVAL, want);
}
END_TEST

START_TEST(test_not_readable)
{
	char dir[PATH_MAX], want[PATH_MAX + 64], fifo[PATH_MAX + 16];

	/* a directory, a FIFO: not read, and the FIFO does not block */
	tu_mkdtemp(dir, sizeof(dir), tu_base_dir(), "conf-");
	tu_xsnprintf(want, "%s: not a regular file", dir);
	check_fails(dir, -EBADFD, want);
	tu_xsnprintf(fifo, "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	tu_xsnprintf(want, "%s: not a regular file", fifo);
	check_fails(fifo, -EBADFD, want);

	/* more than 1 MiB */
	_cleanup_free_ char *big = malloc(1024 * 1024 + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', 1024 * 1024 + 1);
	big[1024 * 1024 + 1] = 0;
	const char *path = write_conf(big);
	tu_xsnprintf(want, "%s: larger than 1.0M", path);
	check_fails(path, -EFBIG, want);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("daemon");

	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_add_test(tc, test_defaults_missing_file);
	tcase_add_test(tc, test_defaults_empty_file);
	tcase_add_test(tc, test_defaults_user);
	tcase_add_loop_test(tc, test_daemon_ok, 0, ARRAY_SIZE(daemon_ok));
	tcase_add_test(tc, test_protected_effect);
	suite_add_tcase(s, tc);

	tc = tcase_create("budgets");
	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_add_loop_test(tc, test_budget_ok, 0, ARRAY_SIZE(budget_ok));
	tcase_add_test(tc, test_design_example);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_add_loop_test(tc, test_bad, 0, ARRAY_SIZE(bad));
	tcase_add_test(tc, test_line_too_long);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_not_readable);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(config_suite());
}
