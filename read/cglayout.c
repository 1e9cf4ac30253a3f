/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libcgroup.h>
#include <limits.h>
#include <linux/magic.h>
#include <mntent.h>
#include <string.h>
#include <sys/statfs.h>

#include "cglayout.h"
#include "child.h"
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

/* libcgroup is opened in the child only: the daemon never maps it, nor runs its
 * constructors, nor keeps its relocated data (~100 kB of resident memory for a library it
 * calls once, at start). */
typedef struct Libcgroup {
	typeof(&cgroup_init) init;
	typeof(&cgroup_get_subsys_mount_point) get_subsys_mount_point;
} Libcgroup;

/* v1 mount point of controller through libcgroup, or NULL. */
static char *v1_mount(const Libcgroup *lib, const char *controller)
{
	char *path = NULL;

	if (lib->get_subsys_mount_point(controller, &path) != 0)
		return NULL;
	if (is_cgroup2(path)) { /* on cgroup2: not a v1 mount */
		free(path);
		return NULL;
	}
	return path;
}

/* In a child (child.h): libcgroup's mount table is a static array of 800 kB that
 * cgroup_init() zeroes. Hands back "MEMORY\0FREEZER\0", empty for none. */
static int v1_mounts(void *userdata, void *buf, size_t size, int *fds, size_t *n_fds)
{
	_cleanup_free_ char *memory = NULL, *freezer = NULL;
	Libcgroup lib;

	(void)userdata;
	(void)fds;
	*n_fds = 0;
	void *dl = dlopen(LIBCGROUP_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!dl || !(lib.init = (typeof(lib.init))dlsym(dl, "cgroup_init")) ||
	    !(lib.get_subsys_mount_point =
		  (typeof(lib.get_subsys_mount_point))dlsym(dl, "cgroup_get_subsys_mount_point")))
		return -ELIBACC; /* the child exits: nothing to close */
	/* libcgroup fails with ECGROUPNOTMOUNTED when only a controller-less cgroup2 exists;
	 * the mount table still finds that. */
	if (lib.init() == 0) {
		memory = v1_mount(&lib, "memory");
		freezer = v1_mount(&lib, "freezer");
	}
	int n = snprintf(buf, size, "%s%c%s", memory ? memory : "", 0, freezer ? freezer : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n + 1;
}

int cg_layout_discover(CgLayout *ret)
{
	_cleanup_free_ char *unified = NULL, *systemd = NULL;
	char buf[2 * PATH_MAX + 2];
	size_t len, n_fds;

	int r = child_call(v1_mounts, NULL, buf, sizeof(buf), NULL, 0, &len, &n_fds);
	if (r < 0)
		return r;
	if (len < 2 || buf[len - 1] != '\0')
		return -EIO;
	const char *memory = buf, *freezer = buf + strlen(buf) + 1;
	r = scan_mount_table(&unified, &systemd);
	if (r < 0)
		return r;
	return cg_layout_init(ret, unified, systemd, *memory ? memory : NULL,
			      *freezer ? freezer : NULL);
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
