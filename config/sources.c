/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "sources.h"

static int config_path(const char *root, bool user, char **ret)
{
	const char *r = root && strcmp(root, "/") != 0 ? root : "";

	if (!user)
		return asprintf(ret, "%s/etc/pind/pind.conf", r) < 0 ? -ENOMEM : 0;
	const char *xc = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (xc && xc[0] == '/')
		return asprintf(ret, "%s%s/pind/pind.conf", r, xc) < 0 ? -ENOMEM : 0;
	if (!home || home[0] != '/')
		return -ENXIO;
	return asprintf(ret, "%s%s/.config/pind/pind.conf", r, home) < 0 ? -ENOMEM : 0;
}

void sources_done(Sources *s)
{
	free(s->root);
	free(s->config_path);
	unit_paths_done(&s->paths);
	config_done(&s->config);
	unit_index_done(&s->index);
	*s = (Sources){};
}

int sources_load(const char *root, bool user, uint64_t mem_total, Sources *ret, char **ret_error)
{
	Sources s = {.user = user};
	int r;

	*ret_error = NULL;
	s.root = strdup(root ? root : "/");
	if (!s.root)
		return -ENOMEM;
	r = config_path(root, user, &s.config_path);
	if (r >= 0)
		r = unit_paths_init(&s.paths, root, user);
	if (r >= 0)
		r = config_load(s.config_path, user, mem_total, &s.config, ret_error);
	if (r == -ENXIO && asprintf(ret_error, "the user manager's directories are unknown: "
					       "XDG_RUNTIME_DIR and HOME must be set") < 0)
		*ret_error = NULL;
	if (r >= 0)
		r = unit_index_load(&s.paths, mem_total, &s.index, ret_error);
	if (r < 0) {
		sources_done(&s);
		return r;
	}
	*ret = s;
	return 0;
}

typedef struct Names {
	const char **v;
	size_t n;
} Names;

static int collect_units(CgNode *n, unsigned depth, void *userdata)
{
	Names *u = userdata;

	(void)depth;
	if (!n->is_unit)
		return 0;
	const char **nv = GROW(u->v, u->n);
	if (!nv)
		return -ENOMEM;
	*nv = n->name;
	u->n++;
	return 0;
}

int sources_budgets(const Sources *s, CgTree *tree, BudgetSet *ret)
{
	Names u = {};
	int r = tree ? cg_tree_visit(tree->root, collect_units, &u) : 0;

	if (r >= 0)
		r = budgets_build(&s->config, &s->index, u.v, u.n, ret);
	free(u.v);
	return r;
}

const char *sources_cgroup_root(const Sources *s, const char *override, const char *manager)
{
	return override ? override : s->config.cgroup_root ? s->config.cgroup_root : manager;
}
