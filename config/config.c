/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <string.h>

#include "cgtree.h"
#include "config.h"
#include "readfile.h"
#include "inifile.h"
#include "macro.h"
#include "size.h"
#include "timespan.h"

#define BUDGET_PREFIX   "Budget "
#define CONFIG_READ_MAX (1024 * 1024)

typedef struct Parse {
	Config c;
	uint64_t mem_total;
	char *error; /* first error, without the "FILE:LINE: " prefix */
	unsigned error_line;
	unsigned line;      /* of the assignment being handled */
	char *last_section; /* to notice a [Budget NAME] section opened twice */
	BudgetSpec *budget; /* the section being read */
} Parse;

static int fail(Parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(Parse *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->error) {
		p->error_line = p->line;
		va_start(ap, fmt);
		if (vasprintf(&p->error, fmt, ap) < 0)
			p->error = NULL;
		va_end(ap);
	}
	return 0; /* inih: error at this line */
}

static char **split_words(const char *s)
{
	_cleanup_free_ char *copy = strdup(s);
	char **v = calloc(1, sizeof(char *));
	size_t n = 0;

	if (!copy || !v) {
		free(v);
		return NULL;
	}
	for (char *save = NULL, *w = strtok_r(copy, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		char **nv = realloc(v, (n + 2) * sizeof(char *));
		if (!nv || !(nv[n] = strdup(w))) {
			v = nv ? nv : v;
			v[n] = NULL;
			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return NULL;
		}
		v = nv;
		v[++n] = NULL;
	}
	return v;
}

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static int set_string(char **slot, const char *value)
{
	char *s = strdup(value);
	if (!s)
		return -ENOMEM;
	free(*slot);
	*slot = s;
	return 0;
}

static int daemon_key(Parse *p, const char *key, const char *value)
{
	Config *c = &p->c;
	uint64_t u;

	if (strcmp(key, "ScanIntervalSec") == 0 || strcmp(key, "GraceSec") == 0 ||
	    strcmp(key, "KillEscalationSec") == 0) {
		if (parse_timespan(value, &u) < 0)
			return fail(p, "%s: invalid time span '%s' (e.g. 500ms, 2s, 1min)", key,
				    value);
		if (key[0] == 'S' && (u < 10000 || u == UINT64_MAX))
			return fail(p, "%s: '%s' is out of range (10ms or more, finite)", key,
				    value);
		*(key[0] == 'S'   ? &c->scan_interval_usec
		  : key[0] == 'G' ? &c->grace_usec
				  : &c->kill_escalation_usec) = u;
	} else if (strcmp(key, "Count") == 0) {
		if (count_from_string(value, &c->count) < 0)
			return fail(p, "%s: invalid value '%s' (pinned, locked or pinned,locked)",
				    key, value);
	} else if (strcmp(key, "Scanner") == 0) {
		if (scanner_from_string(value, &c->scanner) < 0)
			return fail(p, "%s: invalid value '%s' (auto, bpf or procfs)", key, value);
	} else if (strcmp(key, "DefaultAction") == 0) {
		if (action_from_string(value, &c->default_action) < 0)
			return fail(p, "%s: invalid action '%s' (log, freeze, signal or kill)", key,
				    value);
	} else if (strcmp(key, "Target") == 0) {
		if (target_from_string(value, &c->default_target) < 0)
			return fail(p, "%s: invalid target '%s' (newest or largest)", key, value);
	} else if (strcmp(key, "Signal") == 0) {
		if (signal_from_string(value, &c->signal) < 0)
			return fail(p, "%s: invalid signal '%s'", key, value);
	} else if (strcmp(key, "CgroupRoot") == 0) {
		_cleanup_free_ char *norm = NULL;
		if (cg_path_normalize(value, &norm) < 0)
			return fail(p, "%s: invalid cgroup path '%s' (absolute, no . or ..)", key,
				    value);
		free(c->cgroup_root);
		c->cgroup_root = TAKE_PTR(norm);
	} else if (strcmp(key, "Protected") == 0) {
		char **v = split_words(value);
		if (!v)
			return fail(p, "out of memory");
		for (char **w = v; *w; w++)
			if (!budget_name_is_valid(*w)) {
				fail(p, "%s: invalid unit name '%s'", key, *w);
				strv_free(v);
				return 0;
			}
		strv_free(c->protected);
		c->protected = v;
	} else if (strcmp(key, "StateFile") == 0) {
		if (value[0] != '/')
			return fail(p, "%s: '%s' is not an absolute path", key, value);
		if (set_string(&c->state_file, value) < 0)
			return fail(p, "out of memory");
	} else
		return fail(p, "unknown key '%s' in [Daemon]", key);
	return 1;
}

static int libvirt_key(Parse *p, const char *key, const char *value)
{
	if (strcmp(key, "IfUnreachable") != 0)
		return fail(p, "unknown key '%s' in [Libvirt]", key);
	if (strcmp(value, "allow") != 0 && strcmp(value, "refuse") != 0)
		return fail(p, "%s: invalid value '%s' (allow or refuse)", key, value);
	p->c.libvirt_refuse_unreachable = strcmp(value, "refuse") == 0;
	return 1;
}

static int budget_key(Parse *p, const char *key, const char *value)
{
	BudgetSpec *b = p->budget;

	if (strcmp(key, "PinnedMemoryMax") == 0) {
		if (value[0] == 0) { /* empty: reset */
			b->has_max = false;
			return 1;
		}
		int r = budget_max_parse(value, p->mem_total, &b->max);
		if (r < 0)
			return fail(p, "%s: invalid size '%s' (%s)", key, value,
				    budget_max_error(r));
		if (set_string(&b->max_text, value) < 0)
			return fail(p, "out of memory");
		b->has_max = true;
	} else if (strcmp(key, "Action") == 0) {
		if (value[0] == 0) {
			b->has_action = false;
			return 1;
		}
		if (action_from_string(value, &b->action) < 0)
			return fail(p, "%s: invalid action '%s' (log, freeze, signal or kill)", key,
				    value);
		b->has_action = true;
	} else if (strcmp(key, "Target") == 0) {
		b->has_target = value[0] != 0;
		if (b->has_target && target_from_string(value, &b->target) < 0)
			return fail(p, "%s: invalid target '%s' (newest or largest)", key, value);
	} else
		return fail(p, "unknown key '%s' in [Budget %s]", key, b->name);
	return 1;
}

static int open_budget(Parse *p, const char *section, const char *name)
{
	_cleanup_free_ char *norm = NULL;

	if (!budget_name_is_valid(name))
		return fail(p,
			    "[%s]: invalid budget name '%s' (a slice, service or scope, or "
			    "a cgroup path starting with /)",
			    section, name);
	if (name[0] == '/' && cg_path_normalize(name, &norm) < 0)
		return fail(p, "out of memory");
	const char *canon = norm ? norm : name;
	for (size_t i = 0; i < p->c.n_budgets; i++)
		if (strcmp(p->c.budgets[i].name, canon) == 0)
			return fail(p, "[%s]: duplicate budget for %s", section, canon);
	BudgetSpec *v = GROW(p->c.budgets, p->c.n_budgets);
	if (!v)
		return fail(p, "out of memory");
	p->c.n_budgets++;
	p->budget = v;
	*v = (BudgetSpec){.name = strdup(canon)};
	if (!p->budget->name)
		return fail(p, "out of memory");
	return 1;
}

static int handler(void *userdata, const IniLine *where, const char *section, const char *key,
		   const char *value)
{
	Parse *p = userdata;
	_cleanup_free_ char *v = strdup(value);

	p->line = where->line;
	if (!v)
		return fail(p, "out of memory");
	if (where->too_long)
		return fail(p, "line too long");
	/* pind.conf allows "KEY=VALUE  # comment": a '#' after a blank (space or tab) */
	char *hash = strchr(v, '#');
	while (hash && (hash == v || (hash[-1] != ' ' && hash[-1] != '\t')))
		hash = strchr(hash + 1, '#');
	if (hash) {
		*hash = 0;
		for (size_t l = strlen(v); l > 0 && (v[l - 1] == ' ' || v[l - 1] == '\t');)
			v[--l] = 0;
	}
	if (section[0] == 0)
		return fail(
		    p, "%s: outside any section (expected [Daemon], [Budget NAME] or [Libvirt])",
		    key);
	bool new_section = !p->last_section || strcmp(p->last_section, section) != 0;
	if (new_section) {
		free(p->last_section);
		p->last_section = strdup(section);
		p->budget = NULL;
		if (strncmp(section, BUDGET_PREFIX, strlen(BUDGET_PREFIX)) == 0) {
			if (!open_budget(p, section, section + strlen(BUDGET_PREFIX)))
				return 0;
		} else if (strcmp(section, "Daemon") != 0 && strcmp(section, "Libvirt") != 0)
			return fail(p,
				    "unknown section [%s] (expected [Daemon], [Budget NAME] or "
				    "[Libvirt])",
				    section);
	}
	if (p->budget)
		return budget_key(p, key, v);
	if (strcmp(section, "Libvirt") == 0)
		return libvirt_key(p, key, v);
	return daemon_key(p, key, v);
}

void budget_spec_done(BudgetSpec *b)
{
	free(b->name);
	free(b->max_text);
	free(b->source);
	*b = (BudgetSpec){};
}

void config_done(Config *c)
{
	for (size_t i = 0; i < c->n_budgets; i++)
		budget_spec_done(&c->budgets[i]);
	free(c->budgets);
	free(c->cgroup_root);
	strv_free(c->protected);
	free(c->state_file);
	*c = (Config){};
}

int config_defaults(bool user, Config *ret)
{
	Config c = {
	    .scan_interval_usec = 1000000,
	    .count = COUNT_PINNED | COUNT_LOCKED,
	    .scanner = SCANNER_AUTO,
	    .default_action = ACTION_FREEZE,
	    .default_target = TARGET_NEWEST,
	    .grace_usec = 2000000,
	    .kill_escalation_usec = 30000000,
	    .signal = SIGTERM,
	};

	c.protected = split_words("-.slice init.scope system.slice");
	if (!user) {
		c.cgroup_root = strdup("/");
		c.state_file = strdup("/run/pind/state.json");
	} else {
		/* the user manager's own subtree, which only the manager can tell */
		const char *rt = getenv("XDG_RUNTIME_DIR");
		if (!rt || rt[0] != '/') {
			config_done(&c);
			return -ENXIO;
		}
		if (asprintf(&c.state_file, "%s/pind/state.json", rt) < 0)
			c.state_file = NULL;
	}
	if ((!user && !c.cgroup_root) || !c.protected || !c.state_file) {
		config_done(&c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

int config_parse(const char *text, size_t n, const char *path, bool user, uint64_t mem_total,
		 Config *ret, char **ret_error)
{
	Parse p = {.mem_total = mem_total};

	*ret_error = NULL;
	int r = config_defaults(user, &p.c);
	if (r < 0)
		return r;
	if (memchr(text, 0, n)) {
		if (asprintf(ret_error, "%s: NUL byte in file (not a text file?)", path) < 0)
			*ret_error = NULL;
		config_done(&p.c);
		return -EINVAL;
	}
	int line = ini_parse_text(text, handler, &p);
	for (size_t i = 0; line == 0 && i < p.c.n_budgets; i++)
		if (!(p.c.budgets[i].source = strdup(path)))
			r = -ENOMEM;
	free(p.last_section);
	if (line != 0 || r < 0) {
		/* the first error in the file: ours, or inih's on an earlier line */
		bool own = p.error && p.error_line == (unsigned)line;
		if (r >= 0 &&
		    asprintf(ret_error, "%s:%d: %s", path, line,
			     own ? p.error : "syntax error (expected KEY=VALUE or [SECTION])") < 0)
			*ret_error = NULL;
		free(p.error);
		config_done(&p.c);
		return r < 0 ? r : -EINVAL;
	}
	*ret = p.c;
	return 0;
}

int config_load(const char *path, bool user, uint64_t mem_total, Config *ret, char **ret_error)
{
	_cleanup_free_ char *text = NULL;
	char why[64];
	size_t n;

	*ret_error = NULL;
	int r = read_regular_file_at(AT_FDCWD, path, CONFIG_READ_MAX, &text, &n);
	if (r == -ENOENT) /* no file: the defaults */
		return config_parse("", 0, path, user, mem_total, ret, ret_error);
	if (r < 0) {
		if (asprintf(ret_error, "%s: %s", path, read_error(r, CONFIG_READ_MAX, why)) < 0)
			*ret_error = NULL;
		return r;
	}
	return config_parse(text, n, path, user, mem_total, ret, ret_error);
}
