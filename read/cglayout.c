/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <libcgroup.h>
#include <limits.h>
#include <linux/magic.h>
#include <mntent.h>
#include <string.h>
#include <sys/statfs.h>

#include "cglayout.h"
#include "macro.h"
#include "procfs.h"

static int dup_or_null(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static bool controllers_have(const char *dir, const char *controller)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char buf[1024];

	if (dfd < 0 || read_small_file_at(dfd, "cgroup.controllers", buf, sizeof(buf)) < 0)
		return false;
	for (char *save = NULL, *t = strtok_r(buf, " \n", &save); t;
	     t = strtok_r(NULL, " \n", &save))
		if (strcmp(t, controller) == 0)
			return true;
	return false;
}

int cg_layout_init(CgLayout *ret, const char *unified, const char *systemd_v1,
		   const char *memory_v1, const char *freezer_v1)
{
	CgLayout l = {};
	int r;

	if (!unified && !systemd_v1)
		return -ENOMEDIUM;
	if ((r = dup_or_null(unified, &l.unified)) < 0 ||
	    (r = dup_or_null(systemd_v1, &l.systemd_v1)) < 0 ||
	    (r = dup_or_null(memory_v1, &l.memory_v1)) < 0 ||
	    (r = dup_or_null(freezer_v1, &l.freezer_v1)) < 0) {
		cg_layout_done(&l);
		return r;
	}
	l.memory_v2 = unified && controllers_have(unified, "memory");
	if (!unified)
		l.mode = CG_MODE_LEGACY;
	else if (memory_v1 || freezer_v1 || systemd_v1)
		l.mode = CG_MODE_HYBRID;
	else
		l.mode = CG_MODE_UNIFIED;
	*ret = l;
	return 0;
}

void cg_layout_done(CgLayout *l)
{
	free(l->unified);
	free(l->systemd_v1);
	free(l->memory_v1);
	free(l->freezer_v1);
	*l = (CgLayout){};
}

static bool is_cgroup2(const char *path)
{
	struct statfs s;
	return statfs(path, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
}

static void endmntentp(FILE **f)
{
	if (*f)
		endmntent(*f);
}

/* The part libcgroup 2.0 does not report: cgroup2 and name=systemd. */
static int scan_mount_table(char **ret_unified, char **ret_systemd)
{
	_cleanup_(endmntentp) FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *m;

	if (!f)
		return negative_errno();
	while ((m = getmntent(f))) {
		char **slot = NULL;
		if (strcmp(m->mnt_type, "cgroup2") == 0)
			slot = ret_unified;
		else if (strcmp(m->mnt_type, "cgroup") == 0 && hasmntopt(m, "name=systemd"))
			slot = ret_systemd;
		if (!slot || *slot)
			continue;
		*slot = strdup(m->mnt_dir);
		if (!*slot)
			return -ENOMEM;
	}
	return 0;
}

/* v1 mount point of controller through libcgroup, or NULL. */
static char *v1_mount(const char *controller)
{
	char *path = NULL;

	if (cgroup_get_subsys_mount_point(controller, &path) != 0)
		return NULL;
	if (is_cgroup2(path)) { /* on cgroup2: not a v1 mount */
		free(path);
		return NULL;
	}
	return path;
}

int cg_layout_discover(CgLayout *ret)
{
	_cleanup_free_ char *unified = NULL, *systemd = NULL, *memory = NULL, *freezer = NULL;

	/* libcgroup fails with ECGROUPNOTMOUNTED when only a controller-less cgroup2 exists;
	 * the mount table still finds that */
	if (cgroup_init() == 0) {
		memory = v1_mount("memory");
		freezer = v1_mount("freezer");
	}
	int r = scan_mount_table(&unified, &systemd);
	if (r < 0)
		return r;
	return cg_layout_init(ret, unified, systemd, memory, freezer);
}

const char *cg_layout_primary(const CgLayout *l)
{
	return l->unified ? l->unified : l->systemd_v1;
}

const char *cg_layout_primary_key(const CgLayout *l)
{
	return l->unified ? "" : "name=systemd";
}

bool cg_path_below(const char *path, const char *root)
{
	size_t n = strlen(root);
	if (strcmp(root, "/") == 0)
		return true;
	return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

const char *cg_mode_to_string(CgMode m)
{
	switch (m) {
	case CG_MODE_UNIFIED:
		return "unified";
	case CG_MODE_HYBRID:
		return "hybrid";
	case CG_MODE_LEGACY:
		return "legacy";
	}
	return "unknown";
}
