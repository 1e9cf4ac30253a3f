/* SPDX-License-Identifier: MIT */
/* freeze and thaw by hand, when pind is not reachable (else bus.c asks pind): pinctl does
 * it itself. It marks what it freezes as its own (user.pind.frozen=pinctl), which pind
 * never adopts, and thaws only what carries a pind or pinctl mark. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "actuate.h"
#include "cglayout.h"
#include "cgtree.h"
#include "macro.h"
#include "pinctl.h"
#include "sources.h"

/* The cgroup of a group name, below the configured cgroup root. */
static int resolve(const Args *a, const CgLayout *l, char **ret)
{
	_cleanup_free_ char *error = NULL;
	CgTree *t = NULL;
	CgNode *n;
	Sources s;
	const char *root = a->cgroup_root ? a->cgroup_root : "/";

	if (!a->cgroup_root && sources_load(a->root, a->user, 0, &s, &error) == 0) {
		root = NULL; /* CgroupRoot= of pind.conf */
		int r = cg_tree_new(s.config.cgroup_root, &t);
		sources_done(&s);
		if (r < 0)
			return r;
	} else if (cg_tree_new(root, &t) < 0)
		return -EINVAL;
	int r = cg_tree_walk(t, cg_layout_primary(l));
	if (r >= 0)
		r = cg_tree_resolve(t, a->args[0], &n);
	if (r >= 0 && !(*ret = strdup(n->path)))
		r = -ENOMEM;
	cg_tree_free(t);
	return r;
}

int run_freeze(const Args *a, bool freeze)
{
	_cleanup_free_ char *cgroup = NULL, *mark = NULL;
	CgLayout l;
	bool frozen;

	if (a->n_args != 1) {
		fprintf(stderr, "pinctl: %s takes exactly one NAME\n", a->command);
		return EXIT_USAGE;
	}
	int r = cg_layout_discover(&l);
	if (r < 0) {
		fprintf(stderr, "pinctl: cannot find the cgroup hierarchies: %s\n", strerror(-r));
		return EXIT_FAIL;
	}
	r = resolve(a, &l, &cgroup);
	if (r < 0) {
		cg_layout_done(&l);
		fprintf(stderr, "pinctl: %s: %s\n", a->args[0],
			r == -ENOENT   ? "no such group"
			: r == -EINVAL ? "invalid name"
				       : strerror(-r));
		return r == -ENOENT ? EXIT_NO_GROUP : r == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	fprintf(stderr, "pinctl: pind is not reachable; acting on %s directly.\n", cgroup);
	int ret = EXIT_OK;
	r = cg_frozen(&l, cgroup, &frozen);
	int m = cg_mark_get(&l, cgroup, &mark);
	if (r < 0) {
		fprintf(stderr, "pinctl: %s: %s\n", cgroup, strerror(-r));
		ret = EXIT_FAIL;
	} else if (freeze && frozen) {
		fprintf(stderr, "pinctl: %s is frozen already%s%s\n", a->args[0],
			m >= 0 ? " by " : "", m >= 0 ? mark : "");
	} else if (freeze) {
		if (strcmp(cgroup, "/") == 0) {
			fprintf(stderr, "pinctl: refusing to freeze the cgroup root\n");
			ret = EXIT_USAGE;
		} else if ((r = cg_mark_set(&l, cgroup, MARK_MANUAL)) < 0 && r != -EOPNOTSUPP) {
			fprintf(stderr, "pinctl: marking %s: %s\n", cgroup, strerror(-r));
			ret = r == -EPERM || r == -EACCES ? EXIT_DENIED : EXIT_FAIL;
		} else if ((r = cg_freeze(&l, cgroup, true, FREEZE_TIMEOUT_USEC)) < 0) {
			fprintf(stderr, "pinctl: freezing %s: %s\n", cgroup, strerror(-r));
			cg_mark_remove(&l, cgroup);
			ret = r == -EPERM || r == -EACCES ? EXIT_DENIED : EXIT_FAIL;
		}
	} else if (!frozen) {
		fprintf(stderr, "pinctl: %s is not frozen\n", a->args[0]);
	} else if (m < 0 && m != -EOPNOTSUPP) {
		fprintf(stderr,
			"pinctl: %s was frozen neither by pind nor by pinctl; not thawing it\n",
			a->args[0]);
		ret = EXIT_FAIL;
	} else if ((r = cg_freeze(&l, cgroup, false, FREEZE_TIMEOUT_USEC)) < 0) {
		fprintf(stderr, "pinctl: thawing %s: %s\n", cgroup, strerror(-r));
		ret = r == -EPERM || r == -EACCES ? EXIT_DENIED : EXIT_FAIL;
	} else
		cg_mark_remove(&l, cgroup);
	cg_layout_done(&l);
	return ret;
}
