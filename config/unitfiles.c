/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "inifile.h"
#include "macro.h"
#include "procfs.h"
#include "size.h"
#include "readfile.h"
#include "unitfiles.h"

#define KEY_MAX            "X-PinnedMemoryMax"
#define KEY_ACTION         "X-PinnedMemoryAction"
#define KEY_TARGET         "X-PinnedMemoryTarget"
#define UNIT_FILE_READ_MAX (1024 * 1024)

static const char *const type_suffix[] = {
    [UNIT_SLICE] = "slice",
    [UNIT_SERVICE] = "service",
    [UNIT_SCOPE] = "scope",
};

static const char *const type_section[] = {
    [UNIT_SLICE] = "Slice",
    [UNIT_SERVICE] = "Service",
    [UNIT_SCOPE] = "Scope",
};

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void unit_paths_done(UnitPaths *p)
{
	strv_free(p->dirs, p->n_dirs);
	free(p->control);
	free(p->runtime_control);
	*p = (UnitPaths){};
}

static int push_dir(UnitPaths *p, const char *root, const char *a, const char *b)
{
	char **v = GROW(p->dirs, p->n_dirs);
	if (!v || asprintf(v, "%s%s%s", root, a, b ? b : "") < 0)
		return -ENOMEM;
	p->n_dirs++;
	return 0;
}

int unit_paths_init(UnitPaths *ret, const char *root, bool user)
{
	static const char *const system_dirs[] = {
	    "/etc/systemd/system.control", "/run/systemd/system.control",
	    "/run/systemd/transient",      "/etc/systemd/system",
	    "/run/systemd/system",         "/usr/local/lib/systemd/system",
	    "/usr/lib/systemd/system",
	};
	UnitPaths p = {};
	_cleanup_free_ char *config = NULL, *data = NULL;
	int r = 0;

	if (!root || strcmp(root, "/") == 0)
		root = "";
	if (!user) {
		for (size_t i = 0; i < ARRAY_SIZE(system_dirs) && r >= 0; i++)
			r = push_dir(&p, root, system_dirs[i], NULL);
		if (r >= 0 && (asprintf(&p.control, "%s%s", root, system_dirs[0]) < 0 ||
			       asprintf(&p.runtime_control, "%s%s", root, system_dirs[1]) < 0))
			r = -ENOMEM;
	} else {
		const char *runtime = getenv("XDG_RUNTIME_DIR"), *home = getenv("HOME");
		const char *xc = getenv("XDG_CONFIG_HOME"), *xd = getenv("XDG_DATA_HOME");
		if (!runtime || runtime[0] != '/') {
			unit_paths_done(&p);
			return -ENXIO;
		}
		if ((xc && xc[0] == '/' ? asprintf(&config, "%s", xc)
					: asprintf(&config, "%s/.config", home ? home : "")) < 0 ||
		    (xd && xd[0] == '/'
			 ? asprintf(&data, "%s", xd)
			 : asprintf(&data, "%s/.local/share", home ? home : "")) < 0) {
			unit_paths_done(&p);
			return -ENOMEM;
		}
		const char *user_dirs[][2] = {
		    {config, "/systemd/user.control"},
		    {runtime, "/systemd/user.control"},
		    {runtime, "/systemd/transient"},
		    {config, "/systemd/user"},
		    {"/etc/systemd/user", NULL},
		    {runtime, "/systemd/user"},
		    {"/run/systemd/user", NULL},
		    {data, "/systemd/user"},
		    {"/usr/local/share/systemd/user", NULL},
		    {"/usr/share/systemd/user", NULL},
		    {"/usr/local/lib/systemd/user", NULL},
		    {"/usr/lib/systemd/user", NULL},
		};
		for (size_t i = 0; i < ARRAY_SIZE(user_dirs) && r >= 0; i++)
			r = push_dir(&p, root, user_dirs[i][0], user_dirs[i][1]);
		if (r >= 0 && (asprintf(&p.control, "%s", p.dirs[0]) < 0 ||
			       asprintf(&p.runtime_control, "%s", p.dirs[1]) < 0))
			r = -ENOMEM;
	}
	if (r < 0) {
		unit_paths_done(&p);
		return r;
	}
	*ret = p;
	return 0;
}

void unit_index_done(UnitIndex *idx)
{
	for (size_t i = 0; i < idx->n_entries; i++) {
		UnitEntry *e = &idx->entries[i];
		unit_entry_done(e);
	}
	free(idx->entries);
	strv_free_n(idx->skipped, idx->n_skipped);
	*idx = (UnitIndex){};
}

typedef struct Load {
	UnitIndex idx;
	uint64_t mem_total;
	UnitEntry *cur;
	char *error;
	unsigned error_line;
	unsigned line;
} Load;

/* An entry that cannot be read: skipped, said once. 0, or -ENOMEM. */
static int skip(Load *l, const char *path, int r)
{
	char why[64];
	char **v = GROW(l->idx.skipped, l->idx.n_skipped);

	if (!v || asprintf(v, "%s: skipped: %s", path, read_error(r, UNIT_FILE_READ_MAX, why)) < 0)
		return -ENOMEM;
	l->idx.n_skipped++;
	return 0;
}

static int fail(Load *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(Load *l, const char *fmt, ...)
{
	va_list ap;

	if (!l->error) {
		l->error_line = l->line;
		va_start(ap, fmt);
		if (vasprintf(&l->error, fmt, ap) < 0)
			l->error = NULL;
		va_end(ap);
	}
	return 0;
}

static int unit_key(void *userdata, const IniLine *where, const char *section, const char *key,
		    const char *value)
{
	Load *l = userdata;
	UnitEntry *e = l->cur;

	l->line = where->line;
	if (strcmp(section, type_section[e->type]) != 0)
		return 1; /* systemd's business, or ignored by systemd too */
	if (where->too_long && strncmp(key, "X-PinnedMemory", 14) == 0)
		return fail(l, "line too long");
	if (strcmp(key, KEY_MAX) == 0) {
		e->max_touched = true;
		e->max_set = value[0] != 0;
		free(e->max_text);
		e->max_text = NULL;
		if (!e->max_set)
			return 1; /* empty: reset */
		int r = budget_max_parse(value, l->mem_total, &e->max);
		if (r < 0)
			return fail(l, "%s: invalid size '%s' (%s)", key, value,
				    budget_max_error(r));
		e->max_text = strdup(value);
		if (!e->max_text)
			return fail(l, "out of memory");
	} else if (strcmp(key, KEY_ACTION) == 0) {
		e->action_touched = true;
		e->action_set = value[0] != 0;
		if (e->action_set && action_from_string(value, &e->action) < 0)
			return fail(l, "%s: invalid action '%s' (log, freeze, signal or kill)", key,
				    value);
	} else if (strcmp(key, KEY_TARGET) == 0) {
		e->target_touched = true;
		e->target_set = value[0] != 0;
		if (e->target_set && target_from_string(value, &e->target) < 0)
			return fail(l, "%s: invalid target '%s' (newest or largest)", key, value);
	} else if (strncmp(key, "X-PinnedMemory", 14) == 0)
		return fail(l,
			    "unknown key '%s' (X-PinnedMemoryMax, X-PinnedMemoryAction or "
			    "X-PinnedMemoryTarget)",
			    key);
	return 1;
}

/* 1 when the file at dirfd/name is a symlink to /dev/null */
static int is_masked(int dirfd, const char *name)
{
	char target[16];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

	if (n < 0)
		return errno == EINVAL ? 0 : negative_errno(); /* EINVAL: not a symlink */
	target[n] = 0;
	return strcmp(target, "/dev/null") == 0;
}

static int parse_entry(Load *l, const char *text, UnitEntry *e);

/* Reads one file's assignments into e. */
static int load_file(Load *l, int dirfd, const char *name, UnitEntry *e)
{
	_cleanup_free_ char *buf = NULL;

	int r = is_masked(dirfd, name);
	if (r < 0)
		return r == -ENOENT ? 0 : r == -ENOMEM ? r : skip(l, e->path, r);
	if (r > 0) {
		e->masked = true;
		return 0;
	}
	/* an alias symlink is followed like systemd does: a planted link reads nothing more
	 * than the file it points to */
	struct stat st;
	if (fstatat(dirfd, name, &st, 0) < 0)
		return errno == ENOENT ? 0 : skip(l, e->path, negative_errno());
	/* as systemd's null_or_empty(): /dev/null by any path masks, and so does an empty unit
	 * file (an empty drop-in is just empty) */
	if (S_ISCHR(st.st_mode) || (!e->dir_name && S_ISREG(st.st_mode) && st.st_size == 0)) {
		e->masked = true;
		return 0;
	}
	r = read_regular_file_at(dirfd, name, UNIT_FILE_READ_MAX, &buf, NULL);
	if (r == -ENOMEM || r == -ENOENT)
		return r == -ENOENT ? 0 : r;
	if (r < 0)
		return skip(l, e->path, r);
	return parse_entry(l, buf, e);
}

/* A file's text into e; files without pind's keys are not parsed (most unit files are
 * systemd's alone, and inih need not agree with systemd on them). */
static int parse_entry(Load *l, const char *text, UnitEntry *e)
{
	if (!strstr(text, "X-PinnedMemory"))
		return 0;
	l->cur = e;
	ini_parse_text(text, unit_key, l);
	if (l->error) {
		char *msg;
		if (asprintf(&msg, "%s:%u: %s", e->path, l->error_line, l->error) < 0)
			return -ENOMEM;
		free(l->error);
		l->error = msg;
		return -EINVAL;
	}
	return 0; /* inih's own complaints concern systemd's lines, not pind's keys */
}

int unit_entry_parse(const char *text, UnitEntry *e, uint64_t mem_total, char **ret_error)
{
	Load l = {.mem_total = mem_total};

	int r = parse_entry(&l, text, e);
	*ret_error = l.error;
	return r;
}

static int push_entry(Load *l, UnitEntry *e)
{
	UnitEntry *v = GROW(l->idx.entries, l->idx.n_entries);
	if (!v)
		return -ENOMEM;
	*v = *e;
	l->idx.n_entries++;
	*e = (UnitEntry){};
	return 0;
}

void unit_entry_done(UnitEntry *e)
{
	free(e->dir_name);
	free(e->file_name);
	free(e->unit);
	free(e->path);
	free(e->max_text);
}

static int add_entry(Load *l, size_t prio, const char *dir, int dirfd, const char *dir_name,
		     const char *file_name, const char *unit, UnitType type)
{
	UnitEntry e = {.type = type, .prio = prio};
	int r = -ENOMEM;

	if ((dir_name && !(e.dir_name = strdup(dir_name))) || !(e.file_name = strdup(file_name)) ||
	    (unit && !(e.unit = strdup(unit))) ||
	    asprintf(&e.path, "%s/%s%s%s", dir, dir_name ? dir_name : "", dir_name ? "/" : "",
		     file_name) < 0) {
		e.path = NULL;
		goto out;
	}
	r = load_file(l, dirfd, file_name, &e);
	if (r >= 0)
		r = push_entry(l, &e);
out:
	unit_entry_done(&e);
	return r;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t l = strlen(s), sl = strlen(suffix);
	return l >= sl && strcmp(s + l - sl, suffix) == 0;
}

/* What a NAME.d directory applies to, with the unit type: 1 for a unit's, 0 for a
 * prefix's ("machine-.slice.d") or a type's ("slice.d"), -EINVAL for neither. */
static int dropin_dir_type(const char *name, UnitType *ret)
{
	_cleanup_free_ char *base = NULL, *probe = NULL;

	if (!has_suffix(name, ".d"))
		return -EINVAL;
	base = strndup(name, strlen(name) - 2);
	if (!base)
		return -ENOMEM;
	if (unit_name_type(base, ret) == 0)
		return 1;
	for (UnitType t = 0; t < ARRAY_SIZE(type_suffix); t++) {
		if (strcmp(base, type_suffix[t]) == 0) {
			*ret = t;
			return 0;
		}
		char dash_suffix[16];
		snprintf(dash_suffix, sizeof(dash_suffix), "-.%s", type_suffix[t]);
		if (!has_suffix(base, dash_suffix))
			continue;
		/* "machine-.slice" stands for "machine-X.slice": valid when that is */
		size_t pl = strlen(base) - strlen(dash_suffix) + 1;
		if (asprintf(&probe, "%.*sx.%s", (int)pl, base, type_suffix[t]) < 0)
			return -ENOMEM;
		if (unit_name_type(probe, NULL) == 0) {
			*ret = t;
			return 0;
		}
		return -EINVAL;
	}
	return -EINVAL;
}

static bool is_dir_at(int dirfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
		return de->d_type == DT_DIR;
	return fstatat(dirfd, de->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

static int load_dropin_dir(Load *l, size_t prio, const char *dir, int parent, const char *name,
			   bool exact, UnitType type)
{
	_cleanup_free_ char *unit = exact ? strndup(name, strlen(name) - 2) : NULL;
	if (exact && !unit)
		return -ENOMEM;
	int sub = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sub < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (sub < 0) { /* a symbolic link loop, no access: skipped, as systemd does */
		_cleanup_free_ char *path = NULL;
		int r = negative_errno();
		if (asprintf(&path, "%s/%s", dir, name) < 0)
			return -ENOMEM;
		return skip(l, path, r);
	}
	_cleanup_closedir_ DIR *d = fdopendir(sub);
	struct dirent *de;

	if (!d) {
		close(sub);
		return negative_errno();
	}
	while ((errno = 0, de = readdir(d))) {
		if (de->d_name[0] == '.' || !has_suffix(de->d_name, ".conf") ||
		    is_dir_at(dirfd(d), de))
			continue;
		int r = add_entry(l, prio, dir, dirfd(d), name, de->d_name, unit, type);
		if (r < 0)
			return r;
	}
	return errno > 0 ? -errno : 0;
}

static int load_dir(Load *l, size_t prio, const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : negative_errno();
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	struct dirent *de;
	UnitType type;

	if (!d) {
		close(dfd);
		return negative_errno();
	}
	while ((errno = 0, de = readdir(d))) {
		int r = 0;
		if (de->d_name[0] == '.')
			continue;
		if (is_dir_at(dirfd(d), de)) {
			int kind = dropin_dir_type(de->d_name, &type);
			if (kind >= 0)
				r = load_dropin_dir(l, prio, dir, dirfd(d), de->d_name, kind == 1,
						    type);
		} else if (unit_name_type(de->d_name, &type) == 0)
			r = add_entry(l, prio, dir, dirfd(d), NULL, de->d_name, de->d_name, type);
		if (r < 0)
			return r;
	}
	return errno > 0 ? -errno : 0;
}

int unit_index_load(const UnitPaths *paths, uint64_t mem_total, UnitIndex *ret, char **ret_error)
{
	Load l = {.mem_total = mem_total};
	int r = 0;

	*ret_error = NULL;
	size_t i;
	for (i = 0; i < paths->n_dirs && r >= 0; i++)
		r = load_dir(&l, i, paths->dirs[i]);
	if (r < 0) {
		if (!l.error && asprintf(&l.error, "%s: %s", paths->dirs[i - 1], strerror(-r)) < 0)
			l.error = NULL;
		*ret_error = TAKE_PTR(l.error);
		unit_index_done(&l.idx);
		return r;
	}
	*ret = l.idx;
	return 0;
}

/* Drop-in directory names of unit, most specific first: NAME.d, prefix dirs, TYPE.d */
/* "foo@bar.service" -> "foo@.service"; NULL for anything but an instance. */
static char *template_of(const char *unit)
{
	const char *at = strchr(unit, '@'), *dot = strrchr(unit, '.');
	char *t;

	if (!at || !dot || dot == at + 1)
		return NULL;
	if (asprintf(&t, "%.*s%s", (int)(at - unit + 1), unit, dot) < 0)
		return NULL;
	return t;
}

/* Drop-in directory names of unit, most specific first: NAME.d, the template's
 * (foo@.service.d for foo@bar.service), prefix dirs (dashes before any '@'), TYPE.d */
static int dropin_dir_names(const char *unit, UnitType type, char ***ret, size_t *ret_n)
{
	const char *suffix = type_suffix[type], *at = strchr(unit, '@');
	size_t base_len = at ? (size_t)(at - unit) : strlen(unit) - strlen(suffix) - 1, n = 0;
	char **v = calloc(base_len + 3, sizeof(char *));
	_cleanup_free_ char *template = template_of(unit);

	if (!v)
		return -ENOMEM;
	if (asprintf(&v[n++], "%s.d", unit) < 0)
		goto oom;
	if (template && asprintf(&v[n++], "%s.d", template) < 0)
		goto oom;
	for (size_t i = base_len; i-- > 1;) /* a leading dash is no prefix, as in systemd */
		if (unit[i] == '-' && asprintf(&v[n++], "%.*s.%s.d", (int)i + 1, unit, suffix) < 0)
			goto oom;
	if (asprintf(&v[n++], "%s.d", suffix) < 0)
		goto oom;
	*ret = v;
	*ret_n = n;
	return 0;
oom:
	strv_free(v, n - 1);
	return -ENOMEM;
}

/* Of two drop-ins with the same file name, whether the one in search directory a and drop-in
 * directory names[ka] wins over the one in b and names[kb]. systemd lists the unit's and the
 * prefixes' directories of every search directory, most specific first, and after all of
 * them TYPE.d/ (names[type_k]) of every search directory; the first listed wins. */
static bool dropin_wins(size_t a, size_t ka, size_t b, size_t kb, size_t type_k)
{
	if ((ka == type_k) != (kb == type_k))
		return kb == type_k;
	return a < b || (a == b && ka < kb);
}

static int cmp_file_name(const void *a, const void *b)
{
	const UnitEntry *x = *(UnitEntry *const *)a, *y = *(UnitEntry *const *)b;
	return strcmp(x->file_name, y->file_name);
}

static void apply(const UnitEntry *e, UnitSettings *s)
{
	if (e->max_touched) {
		s->has_max = e->max_set;
		s->max = e->max_set ? e->max : 0;
		s->max_text = e->max_set ? e->max_text : NULL;
		s->max_source = e->max_set ? e->path : NULL;
	}
	if (e->action_touched) {
		s->has_action = e->action_set;
		s->action = e->action;
		s->action_source = e->action_set ? e->path : NULL;
	}
	if (e->target_touched) {
		s->has_target = e->target_set;
		s->target = e->target;
		s->target_source = e->target_set ? e->path : NULL;
	}
}

int unit_index_eval(const UnitIndex *idx, const char *unit, UnitSettings *ret)
{
	char **names;
	size_t n_names, n_chosen = 0;
	UnitType type;
	const UnitEntry *main_file = NULL;
	UnitSettings s = {};

	int r = unit_name_type(unit, &type);
	if (r < 0)
		return r;
	r = dropin_dir_names(unit, type, &names, &n_names);
	if (r < 0)
		return r;
	_cleanup_free_ const UnitEntry **chosen = calloc(idx->n_entries + 1, sizeof(*chosen));
	_cleanup_free_ size_t *spec = calloc(idx->n_entries + 1, sizeof(*spec));
	if (!chosen || !spec) {
		strv_free(names, n_names);
		return -ENOMEM;
	}
	_cleanup_free_ char *template = template_of(unit);
	const UnitEntry *template_file = NULL;
	for (size_t i = 0; i < idx->n_entries; i++) {
		const UnitEntry *e = &idx->entries[i];
		if (!e->dir_name) {
			if (strcmp(e->file_name, unit) == 0 &&
			    (!main_file || e->prio < main_file->prio))
				main_file = e;
			if (template && strcmp(e->file_name, template) == 0 &&
			    (!template_file || e->prio < template_file->prio))
				template_file = e;
			continue;
		}
		size_t k = 0;
		while (k < n_names && strcmp(names[k], e->dir_name) != 0)
			k++;
		if (k == n_names)
			continue;
		size_t j = 0;
		while (j < n_chosen && strcmp(chosen[j]->file_name, e->file_name) != 0)
			j++;
		if (j == n_chosen) {
			chosen[n_chosen] = e;
			spec[n_chosen++] = k;
		} else if (dropin_wins(e->prio, k, chosen[j]->prio, spec[j], n_names - 1)) {
			chosen[j] = e;
			spec[j] = k;
		}
	}
	strv_free(names, n_names);
	if (!main_file)
		main_file = template_file; /* an instance without a file of its own */
	if (main_file && main_file->masked) {
		*ret = (UnitSettings){.masked = true};
		return 0;
	}
	if (n_chosen > 1)
		qsort(chosen, n_chosen, sizeof(*chosen), cmp_file_name);
	if (main_file)
		apply(main_file, &s);
	for (size_t j = 0; j < n_chosen; j++)
		if (!chosen[j]->masked)
			apply(chosen[j], &s);
	*ret = s;
	return 0;
}

int unit_index_units(const UnitIndex *idx, const char ***ret)
{
	const char **v = calloc(idx->n_entries + 1, sizeof(char *));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < idx->n_entries; i++) {
		const char *name = idx->entries[i].unit;
		bool dup = !name;
		for (size_t k = 0; k < n && !dup; k++)
			dup = strcmp(v[k], name) == 0;
		if (!dup)
			v[n++] = name;
	}
	*ret = v;
	return 0;
}
