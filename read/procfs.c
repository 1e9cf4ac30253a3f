/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "procfs.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int parse_kb(const char *s, size_t len, uint64_t *ret_bytes)
{
	uint64_t kb;
	size_t i = 0;

	while (i < len && is_blank(s[i]))
		i++;
	if (len - i < 3 || memcmp(s + len - 3, " kB", 3) != 0)
		return -EBADMSG;
	int r = parse_u64(s + i, len - 3 - i, &kb);
	if (r < 0)
		return r;
	if (kb > UINT64_MAX / 1024)
		return -ERANGE;
	*ret_bytes = kb * 1024;
	return 0;
}

/* Calls fn for every line of buf (without its '\n'); stops at fn's first non-zero. */
static int for_each_line(const char *buf, size_t len, int (*fn)(const char *, size_t, void *),
			 void *userdata)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int r = fn(p, l, userdata);
		if (r != 0)
			return r;
		p += l + 1;
	}
	return 0;
}

/* If line is "KEY:<tab>value", returns a pointer to value and its length. The kernel
 * separates with one tab; a name may itself begin with blanks, so only that one goes. */
static const char *status_value(const char *line, size_t l, const char *key, size_t *ret_len)
{
	size_t k = strlen(key);

	if (l < k + 1 || memcmp(line, key, k) != 0 || line[k] != ':')
		return NULL;
	const char *v = line + k + 1;
	size_t vl = l - k - 1;
	if (vl > 0 && *v == '\t')
		v++, vl--;
	*ret_len = vl;
	return v;
}

enum {
	SEEN_NAME = 1 << 0,
	SEEN_PID = 1 << 1,
	SEEN_TGID = 1 << 2,
	SEEN_VMPIN = 1 << 3,
	SEEN_VMLCK = 1 << 4,
};

typedef struct StatusParse {
	ProcStatus st;
	unsigned seen;
} StatusParse;

static int parse_pid_value(const char *v, size_t vl, pid_t *ret)
{
	uint64_t u;
	int r = parse_u64(v, vl, &u);
	if (r < 0)
		return -EBADMSG;
	if (u == 0 || u > INT32_MAX)
		return -EBADMSG;
	*ret = (pid_t)u;
	return 0;
}

static int status_line(const char *line, size_t l, void *userdata)
{
	StatusParse *p = userdata;
	const char *v;
	size_t vl;
	int r;

	if ((v = status_value(line, l, "Name", &vl))) {
		if (p->seen & SEEN_NAME)
			return -EBADMSG;
		if (vl >= sizeof(p->st.comm))
			vl = sizeof(p->st.comm) - 1;
		memcpy(p->st.comm, v, vl);
		p->st.comm[vl] = 0;
		p->seen |= SEEN_NAME;
	} else if ((v = status_value(line, l, "Pid", &vl))) {
		r = parse_pid_value(v, vl, &p->st.pid);
		if (r < 0)
			return r;
		p->seen |= SEEN_PID;
	} else if ((v = status_value(line, l, "Tgid", &vl))) {
		r = parse_pid_value(v, vl, &p->st.tgid);
		if (r < 0)
			return r;
		p->seen |= SEEN_TGID;
	} else if ((v = status_value(line, l, "VmPin", &vl))) {
		r = parse_kb(v, vl, &p->st.pinned);
		if (r < 0)
			return r;
		p->seen |= SEEN_VMPIN;
	} else if ((v = status_value(line, l, "VmLck", &vl))) {
		r = parse_kb(v, vl, &p->st.locked);
		if (r < 0)
			return r;
		p->seen |= SEEN_VMLCK;
	} else if ((v = status_value(line, l, "Threads", &vl))) {
		uint64_t n; /* informational: a line cut short reads as absent */
		if (parse_u64(v, vl, &n) >= 0 && n <= UINT32_MAX)
			p->st.threads = (unsigned)n;
	}
	return 0;
}

bool proc_status_leader_gone(const ProcStatus *st)
{
	return !st->has_vm && st->threads > 1;
}

int proc_live_thread(int dfd, pid_t pid, char *buf, size_t size, ProcStatus *ret, int *ret_fd)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	char self[16];

	int tfd = openat(dfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		return negative_errno();
	d = fdopendir(tfd);
	if (!d) {
		close(tfd);
		return negative_errno();
	}
	snprintf(self, sizeof(self), "%d", (int)pid);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, self) == 0)
			continue;
		int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue; /* gone meanwhile */
		ssize_t n = read_small_file_at(fd, "status", buf, size);
		if (n > 0 && proc_status_parse(buf, (size_t)n, ret) >= 0 && ret->has_vm &&
		    ret->tgid == pid) {
			*ret_fd = fd;
			return 0;
		}
		close(fd);
	}
	return -ESRCH;
}

int proc_stat_starttime(const char *buf, size_t len, uint64_t *ret)
{
	const char *p = NULL, *end = buf + len;

	for (const char *q = buf; q < end; q++) /* the last ')' ends comm */
		if (*q == ')')
			p = q;
	if (!p)
		return -EBADMSG;
	p++;
	/* fields 3..22 follow, one blank before each */
	for (int field = 3; field <= 22; field++) {
		if (p >= end || *p != ' ')
			return -EBADMSG;
		p++;
		const char *f = p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		if (field == 22)
			return parse_u64(f, (size_t)(p - f), ret) < 0 ? -EBADMSG : 0;
	}
	return -EBADMSG;
}

int proc_status_parse(const char *buf, size_t len, ProcStatus *ret)
{
	StatusParse p = {};

	int r = for_each_line(buf, len, status_line, &p);
	if (r < 0)
		return r;
	if ((p.seen & (SEEN_NAME | SEEN_PID | SEEN_TGID)) != (SEEN_NAME | SEEN_PID | SEEN_TGID))
		return -EBADMSG;
	unsigned vm = p.seen & (SEEN_VMPIN | SEEN_VMLCK);
	if (vm != 0 && vm != (SEEN_VMPIN | SEEN_VMLCK))
		return -EBADMSG; /* cut short between the two lines */
	p.st.has_vm = vm != 0;
	*ret = p.st;
	return 0;
}

typedef struct CgroupFind {
	const char *controller;
	const char *path;
	size_t path_len;
	bool found;
} CgroupFind;

static bool list_has(const char *list, size_t l, const char *item)
{
	size_t il = strlen(item);
	const char *p = list, *end = list + l;

	while (p <= end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);
		if (n == il && memcmp(p, item, il) == 0)
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

static int cgroup_line(const char *line, size_t l, void *userdata)
{
	CgroupFind *f = userdata;

	if (l == 0)
		return 0;
	const char *c1 = memchr(line, ':', l);
	if (!c1)
		return -EBADMSG;
	const char *c2 = memchr(c1 + 1, ':', l - (size_t)(c1 + 1 - line));
	if (!c2)
		return -EBADMSG;
	const char *ctl = c1 + 1;
	size_t ctl_len = (size_t)(c2 - ctl);
	const char *path = c2 + 1;
	size_t path_len = l - (size_t)(path - line);
	if (path_len == 0 || path[0] != '/')
		return -EBADMSG;

	bool match = f->controller[0] == 0 ? (ctl_len == 0 && c1 - line == 1 && line[0] == '0')
					   : list_has(ctl, ctl_len, f->controller);
	if (!match)
		return 0;
	f->path = path;
	f->path_len = path_len;
	f->found = true;
	return 1;
}

int proc_cgroup_find(const char *buf, size_t len, const char *controller, char **ret)
{
	CgroupFind f = {.controller = controller};

	int r = for_each_line(buf, len, cgroup_line, &f);
	if (r < 0)
		return r;
	if (!f.found)
		return -ENOENT;
	char *s = strndup(f.path, f.path_len);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

typedef struct KeyFind {
	const char *key;
	uint64_t value;
	int result;
} KeyFind;

static int keyed_line(const char *line, size_t l, void *userdata)
{
	KeyFind *k = userdata;
	size_t kl = strlen(k->key);

	if (l <= kl || memcmp(line, k->key, kl) != 0)
		return 0;
	const char *v = line + kl;
	size_t vl = l - kl;
	if (*v == ':')
		v++, vl--;
	else if (!is_blank(*v))
		return 0; /* a longer key with this one as prefix */
	while (vl > 0 && is_blank(*v))
		v++, vl--;
	if (vl > 3 && memcmp(v + vl - 3, " kB", 3) == 0)
		k->result = parse_kb(v, vl, &k->value);
	else
		k->result = parse_u64(v, vl, &k->value);
	return 1;
}

int parse_keyed_u64(const char *buf, size_t len, const char *key, uint64_t *ret)
{
	KeyFind k = {.key = key, .result = -ENOENT};

	for_each_line(buf, len, keyed_line, &k);
	if (k.result < 0)
		return k.result;
	*ret = k.value;
	return 0;
}

ssize_t read_small_file_at(int dirfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t n = 0;

	if (fd < 0)
		return negative_errno();
	while (n + 1 < size) {
		ssize_t k = read(fd, buf + n, size - 1 - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = 0;
	return (ssize_t)n;
}

int sysinfo_read(const char *proc_root, SysInfo *ret)
{
	_cleanup_close_ int dfd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *buf = malloc(64 * 1024);
	SysInfo s = {};
	uint64_t acquired, released;

	if (dfd < 0)
		return negative_errno();
	if (!buf)
		return -ENOMEM;
	ssize_t n = read_small_file_at(dfd, "meminfo", buf, 64 * 1024);
	if (n < 0)
		return (int)n;
	int r = parse_keyed_u64(buf, (size_t)n, "MemTotal", &s.mem_total);
	if (r < 0)
		return r;
	n = read_small_file_at(dfd, "vmstat", buf, 64 * 1024);
	if (n < 0)
		return (int)n;
	r = parse_keyed_u64(buf, (size_t)n, "compact_stall", &s.compact_stall);
	if (r < 0 && r != -ENOENT) /* absent without CONFIG_COMPACTION */
		return r;
	r = parse_keyed_u64(buf, (size_t)n, "compact_fail", &s.compact_fail);
	if (r < 0 && r != -ENOENT)
		return r;
	if (parse_keyed_u64(buf, (size_t)n, "nr_foll_pin_acquired", &acquired) == 0 &&
	    parse_keyed_u64(buf, (size_t)n, "nr_foll_pin_released", &released) == 0) {
		s.has_foll_pin = true;
		/* the two counters are read at slightly different moments */
		s.foll_pinned_pages = acquired > released ? acquired - released : 0;
	}
	*ret = s;
	return 0;
}
