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
	_cleanup_free_ char *error = NULL, *root = NULL;
	CgTree *t = NULL;
	CgNode *n;
	Sources s;

	bool loaded = sources_load(a->root, a->user, 0, &s, &error) == 0;
	int r = pinctl_cgroup_root(a, loaded ? &s : NULL, &root);
	if (loaded)
		sources_done(&s);
	if (r < 0)
		return -ECANCELED; /* said */
	if (cg_tree_new(root, &t) < 0)
		return -EINVAL;
	r = cg_tree_walk(t, cg_layout_primary(l));
	if (r >= 0)
		r = cg_tree_resolve(t, a->args[0], &n);
	if (r >= 0 && !(*ret = strdup(n->path)))
		r = -ENOMEM;
	cg_tree_free(t);
	return r;
}

int run_freeze(const Args *a, bool freeze)
{
	_cleanup_free_ char *cgroup = NULL;
	CgLayout l;

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
	if (r == -ECANCELED) {
		cg_layout_done(&l);
		return EXIT_FAIL;
	}
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
	if (freeze && strcmp(cgroup, "/") == 0) {
		fprintf(stderr, "pinctl: refusing to freeze the cgroup root\n");
		ret = EXIT_USAGE;
	} else {
		r = freeze ? cg_manual_freeze(&l, cgroup) : cg_manual_thaw(&l, cgroup);
		if (r == 1)
			fprintf(stderr, "pinctl: %s is %s\n", a->args[0],
				freeze ? "frozen already" : "not frozen");
		else if (r == -EPERM && !freeze) {
			fprintf(stderr,
				"pinctl: %s was frozen neither by pind nor by pinctl; not thawing "
				"it\n",
				a->args[0]);
			ret = EXIT_FAIL;
		} else if (r < 0) {
			fprintf(stderr, "pinctl: %s %s: %s\n", freeze ? "freezing" : "thawing",
				cgroup, strerror(-r));
			ret = r == -EPERM || r == -EACCES ? EXIT_DENIED : EXIT_FAIL;
		}
	}
	cg_layout_done(&l);
	return ret;
}
