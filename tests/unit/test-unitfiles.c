/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budgets.h"
#include "config.h"
#include "macro.h"
#include "size.h"
#include "testutil.h"
#include "unitfiles.h"

/* X-PinnedMemoryMax= in unit files and drop-ins (unitfiles.h), merged with pind.conf
 * (budgets.h), in search paths below a temporary root. */

#define GIB (UINT64_C(1) << 30)
#define MEM (16 * GIB)

#define N_DIRS 7 /* the system manager's search path */

#define ACT(a) "X-PinnedMemoryAction=" a "\n"
#define SL(v)  "[Slice]\nX-PinnedMemoryMax=" v "\n"
#define SLA(a) "[Slice]\n" ACT(a)
#define L50    "ExecStart=/usr/bin/qemu-system-x86_64 -name guest=vm1 "
#define L300   L50 L50 L50 L50 L50 L50
#define SCOPE  "machine-qemu\\x2d1\\x2dvm1.scope"

/* short names of the search directories, in unit_paths_init()'s order */
static const char *const system_names[] = {
    "etc-ctl", "run-ctl", "transient", "etc", "run", "local", "lib",
};
static const char *const user_names[] = {
    "cfg-control", "rt-control", "rt-transient",    "cfg",       "etc",           "rt",
    "run",         "data",       "usr-local-share", "usr-share", "usr-local-lib", "lib",
};
static const char *const *dir_names = system_names;

static char root[PATH_MAX];
static UnitPaths paths;

static void setup(void)
{
	tu_mkdtemp(root, sizeof(root), tu_base_dir(), "root-");
	dir_names = system_names;
	ck_assert_int_eq(unit_paths_init(&paths, root, false), 0);
	ck_assert_uint_eq(paths.n_dirs, N_DIRS);
}

static void teardown(void)
{
	unit_paths_done(&paths);
}

/* "etc/machine.slice" <-> "<dirs[3]>/machine.slice"; rel_path() leaves other paths as they
 * are, abs_path() fails on them */
static const char *map_path(const char *path, bool to_abs, char *buf, size_t size)
{
	for (size_t i = 0; path && i < paths.n_dirs; i++) {
		const char *from = to_abs ? dir_names[i] : paths.dirs[i];
		size_t l = strlen(from);
		if (strncmp(path, from, l) == 0 && path[l] == '/') {
			ck_assert_int_lt(snprintf(buf, size, "%s%s",
						  to_abs ? paths.dirs[i] : dir_names[i], path + l),
					 (int)size);
			return buf;
		}
	}
	ck_assert_msg(!to_abs, "%s: no search directory", path);
	return path ? path : "(null)";
}
#define abs_path(p, buf, size) map_path(p, true, buf, size)
#define rel_path(p, buf, size) map_path(p, false, buf, size)

/* Creates the files of spec, blank-separated items:
 *   DIR/PATH=MAX          [TYPE] section (from PATH: scope, service, else slice) with
 *                         X-PinnedMemoryMax=MAX (an empty MAX: the empty assignment)
 *   DIR/PATH=MAX,ACTION   ... and X-PinnedMemoryAction=ACTION (no MAX: no such line)
 *   DIR/PATH=!            a symlink to /dev/null
 *   DIR/PATH              text */
static void put(const char *spec, const char *text)
{
	_cleanup_free_ char *copy = strdup(spec);
	char path[PATH_MAX];

	ck_assert_ptr_nonnull(copy);
	for (char *save = NULL, *w = strtok_r(copy, " ", &save); w;
	     w = strtok_r(NULL, " ", &save)) {
		char *value = strchr(w, '=');
		if (value)
			*value++ = 0;
		abs_path(w, path, sizeof(path));
		if (!value) {
			ck_assert_ptr_nonnull(text);
			tu_write_file(path, text);
			continue;
		}
		if (strcmp(value, "!") == 0) {
			tu_symlink("/dev/null", path);
			continue;
		}
		const char *type = strstr(w, "scope")     ? "Scope"
				   : strstr(w, "service") ? "Service"
							  : "Slice";
		char *action = strchr(value, ',');
		if (action)
			*action++ = 0;
		tu_write_filef(path, "[%s]\n%s%s%s%s%s%s", type,
			       !action || *value ? "X-PinnedMemoryMax=" : "", value,
			       !action || *value ? "\n" : "", action ? "X-PinnedMemoryAction=" : "",
			       action ? action : "", action ? "\n" : "");
	}
}

static void load(const UnitPaths *p, UnitIndex *idx)
{
	_cleanup_free_ char *err = NULL;
	int r = unit_index_load(p, MEM, idx, &err);

	ck_assert_msg(r == 0, "unit_index_load: %d %s", r, err ? err : "");
	ck_assert_ptr_null(err);
}

/* bytes as "3G", "inf" or a plain number */
static const char *bytes_str(uint64_t v, char *buf, size_t size)
{
	if (v == UINT64_MAX)
		return "inf";
	snprintf(buf, size, v && v % GIB == 0 ? "%juG" : "%ju", (uintmax_t)(v % GIB ? v : v / GIB));
	return buf;
}

/* "MAX_TEXT@FILE ACTION@FILE" with "-" for what is not set, or "masked"; MAX_TEXT=BYTES for
 * a percentage (any other value is checked against parse_size() only) */
static const char *settings_str(const UnitSettings *s, char *buf, size_t size)
{
	char b[32], r1[PATH_MAX], r2[PATH_MAX], m[PATH_MAX + 64] = "-", a[PATH_MAX + 16] = "-";

	if (s->masked) {
		ck_assert(!s->has_max && !s->has_action);
		return "masked";
	}
	if (s->has_max) {
		uint64_t v;
		ck_assert_int_eq(parse_size(s->max_text, MEM, &v), 0);
		ck_assert_uint_eq(s->max, v);
		tu_xsnprintf(m, "%s%s%s@%s", s->max_text, strchr(s->max_text, '%') ? "=" : "",
			     strchr(s->max_text, '%') ? bytes_str(s->max, b, sizeof(b)) : "",
			     rel_path(s->max_source, r1, sizeof(r1)));
	}
	if (s->has_action)
		tu_xsnprintf(a, "%s@%s", action_to_string(s->action),
			     rel_path(s->action_source, r2, sizeof(r2)));
	ck_assert_int_lt(snprintf(buf, size, "%s %s", m, a), (int)size);
	return buf;
}

/* Rows: files (put()), "UNIT: " and settings_str(), text for put() */
static const char *const eval_table[][3] = {
    /* the first directory's unit file wins, the others are ignored entirely */
    {"etc/m.slice=1G lib/m.slice=2G,kill", "m.slice: 1G@etc/m.slice -"},
    /* drop-ins apply after the unit file, wherever they are */
    {"etc/m.slice=1G,kill lib/m.slice.d/5.conf=2G",
     "m.slice: 2G@lib/m.slice.d/5.conf kill@etc/m.slice"},
    /* a drop-in shadows its namesake in later directories entirely */
    {"etc/m.slice.d/x.conf=1G lib/m.slice.d/x.conf=2G,kill", "m.slice: 1G@etc/m.slice.d/x.conf -"},
    /* drop-ins apply in file name order (strcmp's) across directories */
    {"etc/m.slice.d/10-a.conf=1G lib/m.slice.d/20-b.conf=2G",
     "m.slice: 2G@lib/m.slice.d/20-b.conf -"},
    {"etc/m.slice.d/20-b.conf=1G lib/m.slice.d/10-a.conf=2G",
     "m.slice: 1G@etc/m.slice.d/20-b.conf -"},
    {"etc/m.slice.d/9-a.conf=1G etc/m.slice.d/10-b.conf=2G",
     "m.slice: 1G@etc/m.slice.d/9-a.conf -"},
    /* an empty assignment resets an earlier value; a later one counts again */
    {"etc/m.slice=1G,kill etc/m.slice.d/5.conf=", "m.slice: - kill@etc/m.slice"},
    {"etc/m.slice=1G etc/m.slice.d/5.conf= lib/m.slice.d/6.conf=3G",
     "m.slice: 3G@lib/m.slice.d/6.conf -"},
    {"etc/m.slice", "m.slice: - -", SL("1G") "X-PinnedMemoryMax=\n"},
    {"etc/m.slice", "m.slice: 5G@etc/m.slice -", SL("1G") "X-PinnedMemoryMax=5G\n"},
    {"etc/m.slice=,kill run/m.slice.d/5.conf=,", "m.slice: - -"},
    /* prefix drop-ins: for the units below the prefix only, the longest prefix most specific */
    {"etc/m-.slice.d/5.conf=1G", "m-a.slice: 1G@etc/m-.slice.d/5.conf -"},
    {"etc/m-.slice.d/5.conf=1G", "m-a-b.slice: 1G@etc/m-.slice.d/5.conf -"},
    {"etc/m-.slice.d/5.conf=1G", "m.slice: - -"},
    {"etc/m-.slice.d/5.conf=1G", "mx-a.slice: - -"},
    {"etc/m-.slice.d/5.conf=1G etc/m-a-.slice.d/5.conf=2G",
     "m-a-b.slice: 2G@etc/m-a-.slice.d/5.conf -"},
    {"etc/m-.slice.d/5.conf=1G etc/m-a-.slice.d/5.conf=2G",
     "m-a.slice: 1G@etc/m-.slice.d/5.conf -"},
    {"etc/m-.slice.d/5.conf=1G etc/m-a.slice.d/5.conf=3G",
     "m-a.slice: 3G@etc/m-a.slice.d/5.conf -"},
    /* ... but the earlier search directory first, and all in one file name order */
    {"lib/m-a.slice.d/5.conf=3G etc/m-.slice.d/5.conf=1G", "m-a.slice: 1G@etc/m-.slice.d/5.conf -"},
    {"etc/m-.slice.d/90.conf=1G etc/m-a.slice.d/10.conf=3G",
     "m-a.slice: 1G@etc/m-.slice.d/90.conf -"},
    /* type drop-ins */
    {"etc/slice.d/5.conf=1G", "m.slice: 1G@etc/slice.d/5.conf -"},
    {"etc/slice.d/5.conf=1G", "-.slice: 1G@etc/slice.d/5.conf -"},
    {"etc/slice.d/5.conf=1G", "vm2.service: - -"},
    {"lib/service.d/5.conf=1G", "vm2.service: 1G@lib/service.d/5.conf -"},
    {"etc/slice.d/5.conf=1G etc/m.slice.d/5.conf=2G", "m.slice: 2G@etc/m.slice.d/5.conf -"},
    /* systemd searches TYPE.d/ after the unit's and the prefixes' directories in every search
     * directory (src/shared/dropin.c): the more specific drop-in wins */
    {"etc/slice.d/5.conf=1G lib/m.slice.d/5.conf=2G", "m.slice: 2G@lib/m.slice.d/5.conf -"},
    {"etc/slice.d/5.conf=1G lib/m-.slice.d/5.conf=2G", "m-a.slice: 2G@lib/m-.slice.d/5.conf -"},
    /* template instances: the template's file and drop-ins apply, the instance's own first */
    {"etc/user@.service.d/5.conf=2G", "user@1000.service: 2G@etc/user@.service.d/5.conf -"},
    {"etc/getty@.service=1G etc/getty@tty1.service.d/x.conf=,kill",
     "getty@tty1.service: 1G@etc/getty@.service kill@etc/getty@tty1.service.d/x.conf"},
    {"etc/getty@.service=1G lib/getty@tty1.service=2G",
     "getty@tty1.service: 2G@lib/getty@tty1.service -"},
    {"etc/getty@.service.d/5.conf=1G etc/getty@tty1.service.d/5.conf=2G",
     "getty@tty1.service: 2G@etc/getty@tty1.service.d/5.conf -"},
    {"etc/a-.service.d/5.conf=1G", "a-b@x.service: 1G@etc/a-.service.d/5.conf -"},
    {"etc/a@x-.service.d/5.conf=1G", "a@x-y.service: - -"}, /* dashes after '@' are no prefix */
    /* a line continued with a backslash belongs to the key it continues, as in systemd */
    {"etc/vm2.service", "vm2.service: 4G@etc/vm2.service -",
     "[Service]\nExecStart=/bin/qemu \\\n  X-PinnedMemoryMax=lots\nX-PinnedMemoryMax=4G\n"},
    {"etc/vm2.service", "vm2.service: - -",
     "[Service]\nExecStart=/bin/qemu \\\nX-PinnedMemoryMax=1G\n"},
    /* the root slice's directory is its own, no prefix's */
    {"etc/-.slice.d/5.conf=1G", "a-b.slice: - -"},
    {"etc/-.slice.d/5.conf=1G", "-.slice: 1G@etc/-.slice.d/5.conf -"},
    {"etc/-.service.d/5.conf=1G", "-foo.service: - -"}, /* a leading dash is no prefix */
    /* escaped names: "\x2d" is no dash */
    {"etc/machine-.scope.d/5.conf=8G", SCOPE ": 8G@etc/machine-.scope.d/5.conf -"},
    {"etc/machine-qemu\\x2d1\\x2d.scope.d/5.conf=8G", SCOPE ": - -"},
    /* a transient scope and what set-property writes */
    {"transient/" SCOPE " etc-ctl/" SCOPE ".d/50-PinnedMemoryMax.conf=6G",
     SCOPE ": 6G@etc-ctl/" SCOPE ".d/50-PinnedMemoryMax.conf -",
     "[Unit]\nDescription=vm1\n[Scope]\nDelegate=yes\nX-PinnedMemoryMax=4G\n"},
    /* a masked unit has no settings, drop-ins or not; an empty unit file masks it too (as in
     * systemd); a mask in a later directory is shadowed */
    {"etc/m.slice=! lib/m.slice=2G etc/m.slice.d/5.conf=1G "
     "etc/slice.d/6.conf=,kill",
     "m.slice: masked"},
    {"etc/m.slice lib/m.slice=2G etc/m.slice.d/5.conf=1G", "m.slice: masked", ""},
    {"etc/m.slice=1G lib/m.slice=!", "m.slice: 1G@etc/m.slice -"},
    /* a masked drop-in shadows its namesakes in later directories, and no other name */
    {"etc/m.slice.d/5.conf=! lib/m.slice.d/5.conf=2G", "m.slice: - -"},
    {"etc/m.slice.d/5.conf=! lib/m.slice.d/5.conf=2G "
     "lib/m.slice.d/6.conf=,log",
     "m.slice: - log@lib/m.slice.d/6.conf"},
    {"etc/m-.slice.d/5.conf=! run/m-.slice.d/5.conf=2G", "m-a.slice: - -"},
    /* only the unit's own type section counts */
    {"etc/m.slice", "m.slice: - -",
     "[Unit]\nX-PinnedMemoryMax=1G\n" ACT("kill") "[Service]\nX-PinnedMemoryMax=1G\n"},
    {"etc/vm2.service", "vm2.service: - -", SL("1G")},
    {"etc/" SCOPE, SCOPE ": - -", "[Service]\nX-PinnedMemoryMax=1G\n"},
    {"etc/" SCOPE "=1G,freeze", SCOPE ": 1G@etc/" SCOPE " freeze@etc/" SCOPE},
    {"etc/vm2.service", "vm2.service: 4G@etc/vm2.service signal@etc/vm2.service",
     "[Unit]\nDescription=VM\n[Service]\nExecStart=/usr/bin/qemu\nX-PinnedMemoryMax=4G\n" ACT(
	 "signal") "[Install]\nWantedBy=x.target\n"},
    {"etc/m.slice", "m.slice: - -", "[Slice]\nx-pinnedmemorymax=1G\n"},
    /* values */
    {"etc/m.slice=20%", "m.slice: 20%=3435973836@etc/m.slice -"},
    {"etc/m.slice=infinity", "m.slice: infinity@etc/m.slice -"},
    {"etc/m.slice=,signal", "m.slice: - signal@etc/m.slice"},
    /* syntax */
    {"etc/m.slice", "m.slice: 2G@etc/m.slice -", "# c\n; c\n[Slice]\n  X-PinnedMemoryMax = 2G  \n"},
    {"etc/m.slice", "m.slice: 1G@etc/m.slice -",
     "[Unit]\nDescription=" L300 "\nno equals sign\n[Slice]\nCPUWeight=1\nMemoryMax=\n" SL("1G")},
    {"etc/vm2.service", "vm2.service: 3G@etc/vm2.service -",
     "[Service]\n" L300 "\nExecStart=/bin/sh -c 'a=b \\\n  c=d'\nX-PinnedMemoryMax=3G\n"},
    /* no drop-ins */
    {"etc/m.slice.d/5.conf.bak=1G etc/m.slice.d/README=1G "
     "etc/m.slice.d/.50.conf=1G etc/m.slice.d/6.conf/x.conf=1G",
     "m.slice: - -"},
};

START_TEST(test_eval)
{
	char unit[256], buf[2 * PATH_MAX];
	UnitIndex idx;
	UnitSettings s;

	put(eval_table[_i][0], eval_table[_i][2]);
	load(&paths, &idx);
	tu_xsnprintf(unit, "%s", eval_table[_i][1]);
	char *colon = strstr(unit, ": ");
	ck_assert_ptr_nonnull(colon);
	*colon = 0;
	memset(&s, 0xa5, sizeof(s));
	ck_assert_int_eq(unit_index_eval(&idx, unit, &s), 0);
	const char *got = settings_str(&s, buf, sizeof(buf));
	ck_assert_msg(strcmp(got, colon + 2) == 0, "%s: %s: \"%s\", expected \"%s\"",
		      eval_table[_i][0], unit, got, colon + 2);
	unit_index_done(&idx);
}
END_TEST

/* The same unit file and drop-in in directories _i..6: directory _i wins. */
START_TEST(test_search_order)
{
	char spec[128], want[128], buf[2 * PATH_MAX];
	UnitIndex idx;
	UnitSettings s;

	for (int d = _i; d < N_DIRS; d++) {
		tu_xsnprintf(spec, "%s/a.slice=%dG,log %s/a.slice.d/50.conf=,%s", dir_names[d],
			     d + 1, dir_names[d], d == _i ? "kill" : "signal");
		put(spec, NULL);
	}
	load(&paths, &idx);
	ck_assert_int_eq(unit_index_eval(&idx, "a.slice", &s), 0);
	tu_xsnprintf(want, "%dG@%s/a.slice kill@%s/a.slice.d/50.conf", _i + 1, dir_names[_i],
		     dir_names[_i]);
	ck_assert_str_eq(settings_str(&s, buf, sizeof(buf)), want);
	unit_index_done(&idx);
}
END_TEST

/* Symlinks: an alias is read through; /dev/null reached another way masks too. */
START_TEST(test_symlinks)
{
	char target[PATH_MAX], buf[2 * PATH_MAX];
	UnitIndex idx;
	UnitSettings s;

	tu_xsnprintf(target, "%s/elsewhere/real.slice", root);
	tu_write_file(target, SL("1G"));
	tu_symlink(target, abs_path("etc/alias.slice", buf, sizeof(buf)));
	tu_symlink("/dev/./null", abs_path("etc/masked.slice", buf, sizeof(buf)));
	put("lib/masked.slice=2G", NULL);
	load(&paths, &idx);
	ck_assert_int_eq(unit_index_eval(&idx, "alias.slice", &s), 0);
	ck_assert_str_eq(settings_str(&s, buf, sizeof(buf)), "1G@etc/alias.slice -");
	ck_assert_int_eq(unit_index_eval(&idx, "masked.slice", &s), 0);
	ck_assert_str_eq(settings_str(&s, buf, sizeof(buf)), "masked");
	ck_assert_int_eq(unit_index_eval(&idx, "real.slice", &s), 0);
	ck_assert_str_eq(settings_str(&s, buf, sizeof(buf)), "- -");
	ck_assert_int_eq(unit_index_eval(&idx, "not a unit", &s), -EINVAL);
	ck_assert_int_eq(unit_index_eval(&idx, "machine.target", &s), -EINVAL);
	unit_index_done(&idx);
}
END_TEST

#define SIZE_HINT " (bytes with K, M, G, T, P or E, a percentage of RAM, or infinity)"
#define KEY_HINT  " (X-PinnedMemoryMax, X-PinnedMemoryAction or X-PinnedMemoryTarget)"
#define ACT_HINT  " (log, freeze, signal or kill)"

/* Rows: files (put()), "DIR/PATH:LINE: message", text for put() */
static const char *const bad[][3] = {
    {"etc/machine.slice=lots",
     "etc/machine.slice:2: X-PinnedMemoryMax: invalid size 'lots'" SIZE_HINT},
    {"etc/machine.slice=101%", "etc/machine.slice:2: X-PinnedMemoryMax: invalid size '101%' (out "
			       "of range: 0 to 1E, at most 100%, or infinity)"},
    /* systemd knows no comments after a value */
    {"run/machine.slice", "run/machine.slice:2: X-PinnedMemoryMax: invalid size '4G # c'" SIZE_HINT,
     SL("4G # c")},
    {"etc/machine.slice.d/50.conf",
     "etc/machine.slice.d/50.conf:3: X-PinnedMemoryAction: invalid action 'stop'" ACT_HINT,
     "# c\n[Slice]\n" ACT("stop")},
    {"lib/vm2.service", "lib/vm2.service:4: unknown key 'X-PinnedMemoryFoo'" KEY_HINT,
     "[Unit]\n\n[Service]\nX-PinnedMemoryFoo=1\n"},
    {"etc/" SCOPE, "etc/" SCOPE ":2: unknown key 'X-PinnedMemory'" KEY_HINT,
     "[Scope]\nX-PinnedMemory=1G\n"},
    {"etc/slice.d/50.conf=-1",
     "etc/slice.d/50.conf:2: X-PinnedMemoryMax: invalid size '-1'" SIZE_HINT},
    {"transient/machine-.slice.d/5.conf=1G,Kill",
     "transient/machine-.slice.d/5.conf:3: X-PinnedMemoryAction: invalid action 'Kill'" ACT_HINT},
    {"etc/machine.slice", "etc/machine.slice:2: line too long", SL("1" L300)},
};

START_TEST(test_bad)
{
	char want[PATH_MAX + 256];
	UnitIndex idx, copy;
	char *err = NULL;

	put(bad[_i][0], bad[_i][2]);
	memset(&idx, 0xa5, sizeof(idx));
	memcpy(&copy, &idx, sizeof(idx));
	ck_assert_int_eq(unit_index_load(&paths, MEM, &idx, &err), -EINVAL);
	ck_assert(memcmp(&idx, &copy, sizeof(idx)) == 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err, abs_path(bad[_i][1], want, sizeof(want)));
	free(err);
}
END_TEST

/* Files pind has no business with never make an error. */
START_TEST(test_not_ours)
{
	char buf[2 * PATH_MAX];
	UnitIndex idx;
	UnitSettings s;

	put("etc/machine.target=lots etc/foo.socket=lots etc/foo.target.d/50.conf=lots "
	    "etc/machine.slice.d/README=lots etc/x.slice.d=lots "
	    "lib/bad@name.slice=lots",
	    NULL);
	put("etc/machine.slice", "[Unit]\nX-PinnedMemoryMax=lots\nX-PinnedMemoryFoo=1\n");
	put("etc/sshd.service", "[Unit]\nDescription=OpenSSH\n[Service]\n" L300 "\n");
	put("etc/weird.service", "this is no ini file at all\n[[[\n=\n");
	put("etc/empty.service run/long.slice", "");
	put("lib/long.slice", "[Slice]\nDescription=" L300 "\n");
	load(&paths, &idx);
	ck_assert_int_eq(unit_index_eval(&idx, "sshd.service", &s), 0);
	ck_assert_str_eq(settings_str(&s, buf, sizeof(buf)), "- -");
	ck_assert_int_eq(unit_index_eval(&idx, "machine.slice", &s), 0);
	ck_assert_str_eq(settings_str(&s, buf, sizeof(buf)), "- -");
	unit_index_done(&idx);
}
END_TEST

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

START_TEST(test_units)
{
	const char **units = NULL;
	UnitIndex idx;
	UnitSettings s;

	/* no directory exists at all */
	load(&paths, &idx);
	ck_assert_int_eq(unit_index_eval(&idx, "machine.slice", &s), 0);
	ck_assert(!s.masked && !s.has_max && !s.has_action);
	ck_assert_int_eq(unit_index_units(&idx, &units), 0);
	ck_assert_ptr_null(units[0]);
	free(units);
	unit_index_done(&idx);

	put("etc/machine.slice=1G lib/machine.slice=2G etc/machine-foo.slice.d/x.conf=1G "
	    "etc/machine-.slice.d/x.conf=1G etc/slice.d/x.conf=1G run/vm2.service=,log "
	    "etc/other.target=1G",
	    NULL);
	load(&paths, &idx);
	ck_assert_int_eq(unit_index_units(&idx, &units), 0);
	size_t n = 0;
	while (units[n])
		n++;
	qsort(units, n, sizeof(*units), cmp_str);
	char got[256] = "";
	for (size_t i = 0, l = 0; i < n; i++, l = strlen(got))
		ck_assert_int_lt(snprintf(got + l, sizeof(got) - l, " %s", units[i]),
				 (int)(sizeof(got) - l));
	ck_assert_str_eq(got, " machine-foo.slice machine.slice vm2.service");
	free(units);
	unit_index_done(&idx);
}
END_TEST

/* unit_paths_init() gives want: dirs, then "|", control and runtime_control, blank-separated,
 * each without the root_dir prefix */
static void check_paths(const char *root_dir, bool user, const char *want)
{
	const char *pre = root_dir && strcmp(root_dir, "/") ? root_dir : "";
	_cleanup_free_ char *got = NULL;
	size_t size = 0, l = strlen(pre);
	FILE *f = open_memstream(&got, &size);
	UnitPaths p;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(unit_paths_init(&p, root_dir, user), 0);
	for (size_t i = 0; i < p.n_dirs + 3; i++) {
		const char *d = i < p.n_dirs        ? p.dirs[i]
				: i == p.n_dirs     ? pre
				: i == p.n_dirs + 1 ? p.control
						    : p.runtime_control;
		ck_assert_msg(strncmp(d, pre, l) == 0, "%s is not below %s", d, pre);
		fprintf(f, "%s%s", i ? " " : "", i == p.n_dirs ? "|" : d + l);
	}
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_str_eq(got, want);
	unit_paths_done(&p);
	ck_assert_ptr_null(p.dirs);
}

#define SYSTEM_DIRS                                                                                \
	"/etc/systemd/system.control /run/systemd/system.control /run/systemd/transient "          \
	"/etc/systemd/system /run/systemd/system /usr/local/lib/systemd/system "                   \
	"/usr/lib/systemd/system | /etc/systemd/system.control /run/systemd/system.control"
#define RT "/run/user/1000"
#define USER_DIRS(C, D)                                                                            \
	C "/systemd/user.control " RT "/systemd/user.control " RT "/systemd/transient " C          \
	  "/systemd/user /etc/systemd/user " RT "/systemd/user /run/systemd/user " D               \
	  "/systemd/user /usr/local/share/systemd/user /usr/share/systemd/user "                   \
	  "/usr/local/lib/systemd/user /usr/lib/systemd/user | " C "/systemd/user.control " RT     \
	  "/systemd/user.control"

/* Only strings: no directory is looked at. */
START_TEST(test_paths)
{
	UnitPaths p, copy;

	check_paths(NULL, false, SYSTEM_DIRS);
	check_paths("/", false, SYSTEM_DIRS);
	check_paths("/srv/r", false, SYSTEM_DIRS);
	ck_assert_int_eq(setenv("XDG_RUNTIME_DIR", RT, 1), 0);
	ck_assert_int_eq(setenv("XDG_CONFIG_HOME", "/home/u/cfg", 1), 0);
	ck_assert_int_eq(setenv("XDG_DATA_HOME", "/home/u/data", 1), 0);
	ck_assert_int_eq(setenv("HOME", "/home/u", 1), 0);
	check_paths(NULL, true, USER_DIRS("/home/u/cfg", "/home/u/data"));
	check_paths("/srv/r", true, USER_DIRS("/home/u/cfg", "/home/u/data"));

	/* without XDG_CONFIG_HOME and XDG_DATA_HOME, or relative ones: below HOME */
	ck_assert_int_eq(unsetenv("XDG_CONFIG_HOME"), 0);
	ck_assert_int_eq(setenv("XDG_DATA_HOME", "data", 1), 0);
	check_paths("/", true, USER_DIRS("/home/u/.config", "/home/u/.local/share"));

	static const char *const no_runtime[] = {NULL, "", "run/user/1000"};
	for (size_t i = 0; i < ARRAY_SIZE(no_runtime); i++) {
		if (no_runtime[i])
			ck_assert_int_eq(setenv("XDG_RUNTIME_DIR", no_runtime[i], 1), 0);
		else
			ck_assert_int_eq(unsetenv("XDG_RUNTIME_DIR"), 0);
		memset(&p, 0xa5, sizeof(p));
		memcpy(&copy, &p, sizeof(p));
		ck_assert_int_eq(unit_paths_init(&p, NULL, true), -ENXIO);
		ck_assert(memcmp(&p, &copy, sizeof(p)) == 0);
		/* the system manager's path needs none of it */
		check_paths(NULL, false, SYSTEM_DIRS);
	}
}
END_TEST

/* A user manager's search path below root, read. */
START_TEST(test_user_load)
{
	char buf[2 * PATH_MAX];
	UnitIndex idx;
	UnitSettings s;

	ck_assert_int_eq(setenv("XDG_RUNTIME_DIR", RT, 1), 0);
	ck_assert_int_eq(setenv("XDG_CONFIG_HOME", "/home/u/.config", 1), 0);
	ck_assert_int_eq(setenv("XDG_DATA_HOME", "/home/u/.local/share", 1), 0);
	unit_paths_done(&paths);
	ck_assert_int_eq(unit_paths_init(&paths, root, true), 0);
	ck_assert_uint_eq(paths.n_dirs, ARRAY_SIZE(user_names));
	dir_names = user_names;
	put("lib/app.slice=2G data/app.slice.d/50.conf=,kill cfg/app.slice=1G", NULL);
	load(&paths, &idx);
	ck_assert_int_eq(unit_index_eval(&idx, "app.slice", &s), 0);
	ck_assert_str_eq(settings_str(&s, buf, sizeof(buf)),
			 "1G@cfg/app.slice kill@data/app.slice.d/50.conf");
	unit_index_done(&idx);

	/* what set-property --runtime writes wins */
	put("rt-control/app.slice.d/50-PinnedMemoryMax.conf=3G", NULL);
	load(&paths, &idx);
	ck_assert_int_eq(unit_index_eval(&idx, "app.slice", &s), 0);
	ck_assert_str_eq(settings_str(&s, buf, sizeof(buf)),
			 "3G@rt-control/app.slice.d/50-PinnedMemoryMax.conf "
			 "kill@data/app.slice.d/50.conf");
	unit_index_done(&idx);
}
END_TEST

/* "NAME MAX_TEXT=BYTES@FILE ACTION@FILE" per budget, a line each; FILE "conf" for pind.conf,
 * "default" for DefaultAction */
static char *budgets_str(const BudgetSet *set, const char *conf)
{
	char *buf = NULL, b[32], r1[PATH_MAX], r2[PATH_MAX];
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < set->n; i++) {
		const Budget *x = &set->budgets[i];
		const char *as = x->action_source;
		ck_assert_ptr_eq(budgets_find(set, x->name), x);
		fprintf(
		    f, "%s %s=%s@%s %s@%s\n", x->name, x->max_text, bytes_str(x->max, b, sizeof(b)),
		    strcmp(x->max_source, conf) ? rel_path(x->max_source, r1, sizeof(r1)) : "conf",
		    action_to_string(x->action),
		    !as                ? "default"
		    : strcmp(as, conf) ? rel_path(as, r2, sizeof(r2))
				       : "conf");
	}
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

static void build(const char *const *seen, size_t n_seen, const char *want)
{
	char conf[PATH_MAX];
	_cleanup_free_ char *err = NULL, *got = NULL;
	Config c;
	UnitIndex idx;
	BudgetSet set;

	tu_xsnprintf(conf, "%s/etc/pind/pind.conf", root);
	tu_write_file(conf, "[Daemon]\nDefaultAction=signal\n"
			    "[Budget machine.slice]\nPinnedMemoryMax=64G\nAction=kill\n"
			    "[Budget vm2.service]\nPinnedMemoryMax=8G\n"
			    "[Budget /machine/x]\nPinnedMemoryMax=10%\n"
			    "[Budget masked.slice]\nPinnedMemoryMax=5G\n"
			    "[Budget reset.slice]\nPinnedMemoryMax=7G\n"
			    "[Budget actiononly.slice]\nAction=log\n");
	ck_assert_int_eq(config_load(conf, false, MEM, &c, &err), 0);
	put("etc/machine.slice=1G etc/vm2.service=,log etc/plain.slice=2G "
	    "etc/machine-.slice.d/50.conf=3G etc/masked.slice=! etc/masked.slice.d/50.conf=1G "
	    "etc/reset.slice=1G etc/reset.slice.d/50.conf= etc/actiononly.slice=,kill "
	    "run/infinite.slice=infinity",
	    NULL);
	load(&paths, &idx);
	ck_assert_int_eq(budgets_build(&c, &idx, seen, n_seen, &set), 0);
	got = budgets_str(&set, conf);
	ck_assert_msg(strcmp(got, want) == 0, "got:\n%s\nexpected:\n%s", got, want);
	static const char *const none[] = {
	    "machine-.slice", "actiononly.slice", "nope.slice", "slice.d", "", "/machine"};
	for (size_t i = 0; i < ARRAY_SIZE(none); i++)
		ck_assert_ptr_null(budgets_find(&set, none[i]));
	budgets_done(&set);
	ck_assert_uint_eq(set.n, 0);
	unit_index_done(&idx);
	config_done(&c);
}

/* The budgets of build(): masked.slice has nothing from unit files, pind.conf's budget still
 * counts; reset.slice's unit file value is reset by a drop-in: pind.conf's */
#define NOT_SEEN                                                                                   \
	"/machine/x 10%=1717986918@conf signal@default\n"                                          \
	"infinite.slice infinity=inf@run/infinite.slice signal@default\n"
#define SEEN "machine-foo.slice 3G=3G@etc/machine-.slice.d/50.conf signal@default\n"
#define REST                                                                                       \
	"machine.slice 1G=1G@etc/machine.slice kill@conf\n"                                        \
	"masked.slice 5G=5G@conf signal@default\n"                                                 \
	"plain.slice 2G=2G@etc/plain.slice signal@default\n"                                       \
	"reset.slice 7G=7G@conf signal@default\n"                                                  \
	"vm2.service 8G=8G@conf log@etc/vm2.service\n"

/* Unit files win over pind.conf key by key; sorted by name. Prefix drop-ins reach only units
 * that something names (_i == 1: nothing in seen). */
START_TEST(test_budgets_merge)
{
	static const char *const seen[] = {"machine-foo.slice", "/machine/x", "machine.slice",
					   "not-a-unit",        "foo.target", "",
					   "machine-foo.slice"};

	if (_i == 0)
		build(seen, ARRAY_SIZE(seen), NOT_SEEN SEEN REST);
	else
		build(NULL, 0, NOT_SEEN REST);
}
END_TEST

static Suite *unitfiles_suite(void)
{
	Suite *s = suite_create("unitfiles");
	TCase *tc = tcase_create("unitfiles");

	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_eval, 0, ARRAY_SIZE(eval_table));
	tcase_add_loop_test(tc, test_search_order, 0, N_DIRS);
	tcase_add_test(tc, test_symlinks);
	tcase_add_loop_test(tc, test_bad, 0, ARRAY_SIZE(bad));
	tcase_add_test(tc, test_not_ours);
	tcase_add_test(tc, test_units);
	tcase_add_test(tc, test_paths);
	tcase_add_test(tc, test_user_load);
	tcase_add_loop_test(tc, test_budgets_merge, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(unitfiles_suite());
}
