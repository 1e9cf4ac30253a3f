/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "settings.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_DENIED = 4,
	EXIT_NO_GROUP = 5,
};

typedef struct Args {
	bool json;
	bool legend;
	bool user;
	bool runtime;
	bool direct;             /* --direct: not through pind, even when it runs */
	const char *holder;      /* reserve --holder */
	const char *ttl;         /* reserve --ttl, unparsed */
	const char *layout;      /* libvirt-hook --layout: systemd, cgroupfs; NULL: ask */
	const char *root;        /* --root; "/" when not given */
	const char *cgroup_root; /* --cgroup-root; NULL: CgroupRoot= (pinctl_cgroup_root()) */
	const char *proc_root;
	ScannerKind scanner; /* --scanner, when scanner_set */
	bool scanner_set;
	const char *command;
	char **args;
	size_t n_args;
} Args;

typedef struct Pind Pind;       /* bus.h */
typedef struct Sources Sources; /* sources.h */

/* The subtree pinctl measures itself: --cgroup-root, else CgroupRoot= of s (NULL where
 * pind.conf could not be read), else "/", or for --user the user manager's own subtree,
 * as it says over the user bus. *ret is malloc'd; an error is printed. */
int pinctl_cgroup_root(const Args *a, const Sources *s, char **ret);

/* status, list, ps: measured here. */
int run_show(const Args *a);

/* freeze NAME, thaw NAME, done here. */
int run_freeze(const Args *a, bool freeze);

/* set-property NAME KEY=VALUE...: through pind when it is reachable, else drop-ins
 * written here. */
int run_set_property(const Args *a, Pind *p);
