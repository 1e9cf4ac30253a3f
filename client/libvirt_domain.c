/* SPDX-License-Identifier: MIT */
/* The domain XML libvirtd hands its qemu hook, read with libxml2 and XPath, and libvirt's
 * own rules for RLIMIT_MEMLOCK (qemuDomainGetMemLockLimitBytes), machine names
 * (virDomainDriverGenerateMachineName), slices (virSystemdMakeSliceName) and partitions
 * (virCgroupSetPartitionSuffix), as libvirt 9 applies them on x86. */
#include <errno.h>
#include <inttypes.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "libvirt_domain.h"
#include "macro.h"
#include "unitname.h"

#define QEMU_NS       "http://libvirt.org/schemas/domain/qemu/1.0"
#define KiB           UINT64_C(1024)
#define MiB           (KiB * 1024)
#define GiB           (MiB * 1024)
#define UNLIMITED_KIB UINT64_C(9007199254740991) /* VIR_DOMAIN_MEMORY_PARAM_UNLIMITED */
#define MACHINE_MAX   64

typedef struct Doc {
	xmlDocPtr doc;
	xmlXPathContextPtr ctx;
} Doc;

static void doc_done(Doc *d)
{
	xmlXPathFreeContext(d->ctx);
	xmlFreeDoc(d->doc);
}

static xmlXPathObjectPtr eval(const Doc *d, const char *xpath)
{
	return xmlXPathEvalExpression((const xmlChar *)xpath, d->ctx);
}

/* The string value of xpath, or NULL when it selects nothing. */
static char *text(const Doc *d, const char *xpath)
{
	_cleanup_free_ char *expr = NULL;
	if (asprintf(&expr, "string(%s)", xpath) < 0)
		return NULL;
	xmlXPathObjectPtr o = eval(d, expr);
	char *s = o && o->stringval && o->stringval[0] ? strdup((const char *)o->stringval) : NULL;
	xmlXPathFreeObject(o);
	return s;
}

static unsigned count(const Doc *d, const char *xpath)
{
	_cleanup_free_ char *expr = NULL;
	if (asprintf(&expr, "count(%s)", xpath) < 0)
		return 0;
	xmlXPathObjectPtr o = eval(d, expr);
	unsigned n = o && o->type == XPATH_NUMBER && o->floatval > 0 ? (unsigned)o->floatval : 0;
	xmlXPathFreeObject(o);
	return n;
}

/* libvirt's scaled integers: unit b/bytes, k/KiB (the default here), KB, M/MiB, MB... */
static int unit_scale(const char *unit, uint64_t *ret)
{
	static const char prefixes[] = "kmgtpe";

	if (!unit || !unit[0]) {
		*ret = KiB;
		return 0;
	}
	if (strcasecmp(unit, "b") == 0 || strcasecmp(unit, "byte") == 0 ||
	    strcasecmp(unit, "bytes") == 0) {
		*ret = 1;
		return 0;
	}
	const char *p = strchr(prefixes, unit[0] | 0x20);
	if (!p)
		return -EINVAL;
	bool binary = unit[1] == 0 || strcasecmp(unit + 1, "iB") == 0;
	if (!binary && strcasecmp(unit + 1, "B") != 0)
		return -EINVAL;
	uint64_t s = 1;
	for (const char *c = prefixes; c <= p; c++)
		s *= binary ? 1024 : 1000;
	*ret = s;
	return 0;
}

/* A size element (<memory unit='KiB'>98304</memory>) in bytes; 0 when absent. */
static int size_of(const Doc *d, const char *xpath, uint64_t *ret_bytes, uint64_t *ret_value,
		   char **ret_error)
{
	_cleanup_free_ char *value = text(d, xpath), *unit_path = NULL, *unit = NULL;
	uint64_t scale, v;
	char *end;

	*ret_bytes = 0;
	if (ret_value)
		*ret_value = 0;
	if (!value)
		return 0;
	if (asprintf(&unit_path, "%s/@unit", xpath) < 0)
		return -ENOMEM;
	unit = text(d, unit_path);
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno || end == value || *end || value[0] == '-' || unit_scale(unit, &scale) < 0 ||
	    (v > 0 && scale > UINT64_MAX / v)) {
		if (asprintf(ret_error, "%s: invalid size '%s%s%s'", xpath, value, unit ? " " : "",
			     unit ? unit : "") < 0)
			*ret_error = NULL;
		return -EINVAL;
	}
	*ret_bytes = v * scale;
	if (ret_value)
		*ret_value = v;
	return 0;
}

/* QEMU options passed through <qemu:commandline>: the last -overcommit mem-lock= (or the
 * older -realtime mlock=) wins over the one libvirt writes before them. */
static bool commandline_locks(const Doc *d, bool locked)
{
	xmlXPathObjectPtr o = eval(d, "/domain/qemu:commandline/qemu:arg/@value");
	xmlNodeSetPtr set = o ? o->nodesetval : NULL;
	const char *option = NULL;

	for (int i = 0; set && i < set->nodeNr; i++) {
		_cleanup_free_ char *v = (char *)xmlNodeGetContent(set->nodeTab[i]);
		if (!v)
			continue;
		if (option) {
			for (char *save = NULL, *w = strtok_r(v, ",", &save); w;
			     w = strtok_r(NULL, ",", &save))
				if (strncmp(w, option, strlen(option)) == 0)
					locked = strcmp(w + strlen(option), "on") == 0;
			option = NULL;
		} else if (strcmp(v, "-overcommit") == 0 || strcmp(v, "--overcommit") == 0)
			option = "mem-lock=";
		else if (strcmp(v, "-realtime") == 0 || strcmp(v, "--realtime") == 0)
			option = "mlock=";
	}
	xmlXPathFreeObject(o);
	return locked;
}

static int read_guest(const Doc *d, LibvirtGuest *g, char **ret_error)
{
	uint64_t kib;
	_cleanup_free_ char *id = NULL;

	if (!(g->name = text(d, "/domain/name"))) {
		*ret_error = strdup("no <name> in the domain XML");
		return -EINVAL;
	}
	g->id = -1;
	if ((id = text(d, "/domain/@id"))) {
		char *end;
		errno = 0;
		long v = strtol(id, &end, 10);
		if (errno || *end || v < -1 || v > INT32_MAX) {
			if (asprintf(ret_error, "invalid domain id '%s'", id) < 0)
				*ret_error = NULL;
			return -EINVAL;
		}
		g->id = (int)v;
	}
	g->partition = text(d, "/domain/resource/partition");
	if (!g->partition && !(g->partition = strdup("/machine")))
		return -ENOMEM;
	if (g->partition[0] != '/') {
		if (asprintf(ret_error, "partition '%s' is not an absolute path", g->partition) < 0)
			*ret_error = NULL;
		return -EINVAL;
	}
	int r = size_of(d, "/domain/memory", &g->memory, NULL, ret_error);
	if (r >= 0)
		r = size_of(d, "/domain/memtune/hard_limit", &g->hard_limit, &kib, ret_error);
	if (r < 0)
		return r;
	if (g->hard_limit == UNLIMITED_KIB * KiB)
		g->hard_limit = 0; /* "unlimited" is no limit set */
	/* libvirt aligns x86 guest memory to 1 MiB before it sizes the limit */
	if (g->memory % MiB)
		g->memory += MiB - g->memory % MiB;
	g->locked = commandline_locks(d, count(d, "/domain/memoryBacking/locked") > 0);
	g->vfio = count(d, "/domain/devices/hostdev[not(@mode) or @mode='subsystem']"
			   "[@type='pci'][not(driver/@name) or driver/@name='vfio']") +
		  count(d, "/domain/devices/hostdev[@type='mdev']") +
		  count(d, "/domain/devices/interface[@type='hostdev']"
			   "[not(driver/@name) or driver/@name='vfio']") +
		  count(d, "/domain/devices/disk[@type='nvme' or .//backingStore[@type='nvme']]");
	g->vdpa = count(d, "/domain/devices/interface[@type='vdpa']");
	g->iommu = count(d, "/domain/devices/iommu") > 0;
	return 0;
}

int libvirt_guest_parse(const char *buf, size_t len, LibvirtGuest *ret, char **ret_error)
{
	LibvirtGuest g = {};
	Doc d = {};

	*ret_error = NULL;
	if (len > INT32_MAX)
		return -E2BIG;
	/* no network, no entities, no DTD: the XML says what it says */
	d.doc = xmlReadMemory(buf, (int)len, "domain.xml", NULL,
			      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!d.doc) {
		const xmlError *e = xmlGetLastError();
		if (asprintf(ret_error, "not XML: %s",
			     e && e->message ? e->message : "unreadable") < 0)
			*ret_error = NULL;
		if (*ret_error && (*ret_error)[strlen(*ret_error) - 1] == '\n')
			(*ret_error)[strlen(*ret_error) - 1] = 0;
		return -EINVAL;
	}
	xmlNodePtr root = xmlDocGetRootElement(d.doc);
	int r = 0;
	if (!root || strcmp((const char *)root->name, "domain") != 0) {
		*ret_error = strdup("not a domain: the root element is not <domain>");
		r = -EINVAL;
	} else if (!(d.ctx = xmlXPathNewContext(d.doc)) ||
		   xmlXPathRegisterNs(d.ctx, (const xmlChar *)"qemu", (const xmlChar *)QEMU_NS) !=
		       0)
		r = -ENOMEM;
	if (r >= 0)
		r = read_guest(&d, &g, ret_error);
	doc_done(&d);
	if (r < 0) {
		libvirt_guest_done(&g);
		return r;
	}
	*ret = g;
	return 0;
}

void libvirt_guest_done(LibvirtGuest *g)
{
	free(g->name);
	free(g->partition);
	*g = (LibvirtGuest){};
}

uint64_t libvirt_guest_pinned(const LibvirtGuest *g, const char **ret_why)
{
	const char *why = "it locks no memory";
	uint64_t bytes = 0;

	if (g->hard_limit > 0) {
		why = "<memtune><hard_limit>";
		bytes = g->hard_limit;
	} else if (g->vfio > 0 || g->vdpa > 0) {
		uint64_t factor = g->vdpa + (g->vfio > 0 ? (g->iommu ? g->vfio : 1) : 0);
		why = g->vdpa > 0 ? "its vDPA and VFIO devices map its memory, plus 1G for MMIO"
				  : "its VFIO devices map its memory, plus 1G for MMIO";
		bytes =
		    g->memory > (UINT64_MAX - GiB) / factor ? UINT64_MAX : factor * g->memory + GiB;
	} else if (g->locked) {
		why = "its memory is locked";
		bytes = g->memory;
	}
	if (ret_why)
		*ret_why = why;
	return bytes;
}

int libvirt_machine_name(int id, const char *name, char **ret)
{
	char buf[MACHINE_MAX + 1];
	bool skip = true;
	int n = snprintf(buf, sizeof(buf), "qemu-%d-", id);

	if (n < 0 || n >= MACHINE_MAX)
		return -EINVAL;
	for (const char *c = name; *c && n < MACHINE_MAX; c++) {
		if (*c == '.' || *c == '-') {
			if (!skip)
				buf[n++] = *c;
			skip = true;
			continue;
		}
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9')))
			continue;
		buf[n++] = *c;
		skip = false;
	}
	while (n > 0 && (buf[n - 1] == '-' || buf[n - 1] == '.'))
		n--;
	buf[n] = 0;
	*ret = strdup(buf);
	return *ret ? 0 : -ENOMEM;
}

/* virCgroupPartitionEscape: a component that could be mistaken for a controller's file */
static bool needs_escape(const char *c)
{
	return c[0] == '_' || c[0] == '.' || strncmp(c, "cgroup.", 7) == 0;
}

int libvirt_partition_group(const char *partition, bool systemd, char **ret)
{
	if (partition[0] != '/')
		return -EINVAL;
	if (systemd) {
		_cleanup_free_ char *esc = NULL;
		int r = unit_name_escape(partition + 1, &esc);
		if (r < 0)
			return r;
		return asprintf(ret, "%s.slice", esc) < 0 ? -ENOMEM : 0;
	}
	_cleanup_free_ char *copy = strdup(partition);
	/* each component grows by at most '_' and ".partition" */
	char *out = malloc(strlen(partition) * 12 + 2);
	size_t n = 0;
	if (!copy || !out) {
		free(out);
		return -ENOMEM;
	}
	out[0] = 0;
	bool first = true;
	for (char *save = NULL, *c = strtok_r(copy, "/", &save); c;
	     c = strtok_r(NULL, "/", &save), first = false) {
		bool fixed = first && (strcmp(c, "machine") == 0 || strcmp(c, "system") == 0 ||
				       strcmp(c, "user") == 0);
		n += (size_t)sprintf(out + n, "/%s%s%s", !fixed && needs_escape(c) ? "_" : "", c,
				     !fixed && !strchr(c, '.') ? ".partition" : "");
	}
	if (n == 0)
		strcpy(out, "/");
	*ret = out;
	return 0;
}

int libvirt_guest_group(const LibvirtGuest *g, int id, bool systemd, char **ret)
{
	_cleanup_free_ char *machine = NULL, *esc = NULL, *part = NULL;

	int r = libvirt_machine_name(id, g->name, &machine);
	if (r < 0)
		return r;
	if (systemd) {
		if ((r = unit_name_escape(machine, &esc)) < 0)
			return r;
		return asprintf(ret, "machine-%s.scope", esc) < 0 ? -ENOMEM : 0;
	}
	if ((r = libvirt_partition_group(g->partition, false, &part)) < 0)
		return r;
	return asprintf(ret, "%s/%s.libvirt-qemu", strcmp(part, "/") == 0 ? "" : part, machine) < 0
		   ? -ENOMEM
		   : 0;
}

bool libvirt_is_guest_group(const LibvirtGuest *g, const char *holder, bool systemd)
{
	_cleanup_free_ char *prefix = NULL, *want = NULL;
	const char *p;

	/* the id is the only part that differs between two starts of a guest */
	if (systemd)
		prefix = strdup("machine-qemu\\x2d");
	else if (libvirt_partition_group(g->partition, false, &want) >= 0 &&
		 asprintf(&prefix, "%s/qemu-", strcmp(want, "/") == 0 ? "" : want) < 0)
		prefix = NULL;
	if (!prefix || strncmp(holder, prefix, strlen(prefix)) != 0)
		return false;
	p = holder + strlen(prefix);
	if (*p < '0' || *p > '9')
		return false;
	long id = strtol(p, NULL, 10);
	if (id < 0 || id > INT32_MAX)
		return false;
	free(want);
	want = NULL;
	return libvirt_guest_group(g, (int)id, systemd, &want) >= 0 && strcmp(want, holder) == 0;
}
