/* SPDX-License-Identifier: MIT */
/* The domain XML of libvirt's qemu hook: the real samples a libvirtd 9.0 passed
 * (tests/data/libvirt), libvirt's sizing of locked memory, and its names. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libvirt_domain.h"
#include "macro.h"
#include "testutil.h"

#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

static char *slurp(const char *name, size_t *len)
{
	char path[4096];
	tu_xsnprintf(path, "%s/%s", DATA_DIR, name);
	FILE *f = fopen(path, "re");
	ck_assert_msg(f, "%s: %m", path);
	char *buf = malloc(1 << 20);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	return buf;
}

static LibvirtGuest parse_file(const char *name)
{
	size_t len;
	_cleanup_free_ char *buf = slurp(name, &len), *error = NULL;
	LibvirtGuest g;
	int r = libvirt_guest_parse(buf, len, &g, &error);
	ck_assert_msg(r == 0, "%s: %s", name, error ? error : strerror(-r));
	return g;
}

static LibvirtGuest parse_text(const char *xml)
{
	_cleanup_free_ char *error = NULL;
	LibvirtGuest g;
	int r = libvirt_guest_parse(xml, strlen(xml), &g, &error);
	ck_assert_msg(r == 0, "%s: %s", xml, error ? error : strerror(-r));
	return g;
}

START_TEST(test_samples)
{
	const char *why;
	char *s;

	/* vm2: 96 MiB, QEMU told -overcommit mem-lock=on through <qemu:commandline> */
	LibvirtGuest g = parse_file("vm2-prepare-begin.xml");
	ck_assert_str_eq(g.name, "vm2");
	ck_assert_int_eq(g.id, 6);
	ck_assert_str_eq(g.partition, "/machine");
	ck_assert_uint_eq(g.memory, 96 * MIB);
	ck_assert(g.locked);
	ck_assert_uint_eq(libvirt_guest_pinned(&g, &why), 96 * MIB);
	ck_assert_str_eq(why, "its memory is locked");
	ck_assert_int_eq(libvirt_guest_group(&g, g.id, true, &s), 0);
	ck_assert_str_eq(s, "machine-qemu\\x2d6\\x2dvm2.scope");
	free(s);
	ck_assert_int_eq(libvirt_guest_group(&g, g.id, false, &s), 0);
	ck_assert_str_eq(s, "/machine/qemu-6-vm2.libvirt-qemu");
	free(s);
	ck_assert_int_eq(libvirt_partition_group(g.partition, true, &s), 0);
	ck_assert_str_eq(s, "machine.slice");
	free(s);
	ck_assert_int_eq(libvirt_partition_group(g.partition, false, &s), 0);
	ck_assert_str_eq(s, "/machine");
	free(s);
	libvirt_guest_done(&g);

	/* at release libvirt has cleared the id; the guest is the same */
	g = parse_file("vm2-release-end.xml");
	ck_assert_int_eq(g.id, -1);
	ck_assert(libvirt_is_guest_group(&g, "machine-qemu\\x2d6\\x2dvm2.scope", true));
	ck_assert(libvirt_is_guest_group(&g, "machine-qemu\\x2d61\\x2dvm2.scope", true));
	ck_assert(libvirt_is_guest_group(&g, "/machine/qemu-6-vm2.libvirt-qemu", false));
	ck_assert(!libvirt_is_guest_group(&g, "machine-qemu\\x2d6\\x2dvm22.scope", true));
	ck_assert(!libvirt_is_guest_group(&g, "machine-qemu\\x2d6\\x2dx\\x2dvm2.scope", true));
	ck_assert(!libvirt_is_guest_group(&g, "machine-qemu\\x2d\\x2dvm2.scope", true));
	ck_assert(!libvirt_is_guest_group(&g, "/machine/qemu-6-vm2.libvirt-qemu", true));
	libvirt_guest_done(&g);

	/* vm3: 128 MiB with a 1 GiB hard limit, in /machine/pinned */
	g = parse_file("vm3-prepare-begin.xml");
	ck_assert_int_eq(g.id, 3);
	ck_assert_uint_eq(g.memory, 128 * MIB);
	ck_assert_uint_eq(g.hard_limit, GIB);
	ck_assert_uint_eq(libvirt_guest_pinned(&g, &why), GIB);
	ck_assert_str_eq(why, "<memtune><hard_limit>");
	ck_assert_int_eq(libvirt_partition_group(g.partition, true, &s), 0);
	ck_assert_str_eq(s, "machine-pinned.slice");
	free(s);
	ck_assert_int_eq(libvirt_partition_group(g.partition, false, &s), 0);
	ck_assert_str_eq(s, "/machine/pinned.partition");
	free(s);
	ck_assert_int_eq(libvirt_guest_group(&g, 3, false, &s), 0);
	ck_assert_str_eq(s, "/machine/pinned.partition/qemu-3-vm3.libvirt-qemu");
	free(s);
	libvirt_guest_done(&g);
}
END_TEST

#define DOMAIN(body)                                                                               \
	"<domain type='kvm' id='4' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"       \
	"<name>g</name><memory unit='GiB'>4</memory>" body "</domain>"

START_TEST(test_sizing)
{
	static const struct {
		const char *xml;
		uint64_t bytes;
	} cases[] = {
	    {DOMAIN(""), 0}, /* pins nothing */
	    {DOMAIN("<memoryBacking><locked/></memoryBacking>"), 4 * GIB},
	    /* a VFIO device maps all guest memory once, plus 1 GiB for MMIO */
	    {DOMAIN("<devices><hostdev mode='subsystem' type='pci' managed='yes'><source>"
		    "<address domain='0' bus='1' slot='0' function='0'/></source></hostdev>"
		    "</devices>"),
	     5 * GIB},
	    /* two without a vIOMMU still once; with one, once each */
	    {DOMAIN("<devices><hostdev type='pci'/><hostdev type='mdev' mode='subsystem'/>"
		    "</devices>"),
	     5 * GIB},
	    {DOMAIN("<devices><hostdev type='pci'/><hostdev type='pci'/><iommu model='intel'/>"
		    "</devices>"),
	     9 * GIB},
	    /* not VFIO: the legacy KVM assignment, USB */
	    {DOMAIN("<devices><hostdev type='pci'><driver name='kvm'/></hostdev>"
		    "<hostdev type='usb'/></devices>"),
	     0},
	    {DOMAIN("<devices><interface type='hostdev'/></devices>"), 5 * GIB},
	    {DOMAIN("<devices><disk type='nvme' device='disk'/></devices>"), 5 * GIB},
	    {DOMAIN("<devices><interface type='vdpa'/><interface type='vdpa'/></devices>"),
	     9 * GIB},
	    /* the hard limit wins over everything */
	    {DOMAIN("<memtune><hard_limit unit='M'>512</hard_limit></memtune>"
		    "<memoryBacking><locked/></memoryBacking><devices><hostdev type='pci'/>"
		    "</devices>"),
	     512 * MIB},
	    /* "unlimited" is no hard limit */
	    {DOMAIN("<memtune><hard_limit unit='KiB'>9007199254740991</hard_limit></memtune>"), 0},
	    /* QEMU's own switch, the last one wins */
	    {DOMAIN("<qemu:commandline><qemu:arg value='-overcommit'/>"
		    "<qemu:arg value='cpu-pm=on,mem-lock=on'/></qemu:commandline>"),
	     4 * GIB},
	    {DOMAIN("<memoryBacking><locked/></memoryBacking><qemu:commandline>"
		    "<qemu:arg value='-overcommit'/><qemu:arg value='mem-lock=off'/>"
		    "</qemu:commandline>"),
	     0},
	    {DOMAIN("<qemu:commandline><qemu:arg value='-realtime'/>"
		    "<qemu:arg value='mlock=on'/></qemu:commandline>"),
	     4 * GIB},
	    /* not in the qemu namespace: not QEMU's command line */
	    {DOMAIN("<commandline><arg value='-overcommit'/><arg value='mem-lock=on'/>"
		    "</commandline>"),
	     0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		LibvirtGuest g = parse_text(cases[i].xml);
		ck_assert_msg(libvirt_guest_pinned(&g, NULL) == cases[i].bytes,
			      "%s: %llu, not %llu", cases[i].xml,
			      (unsigned long long)libvirt_guest_pinned(&g, NULL),
			      (unsigned long long)cases[i].bytes);
		libvirt_guest_done(&g);
	}
}
END_TEST

START_TEST(test_units)
{
	static const struct {
		const char *memory;
		uint64_t bytes;
	} cases[] = {
	    {"<memory>1024</memory>", MIB}, /* KiB by default */
	    {"<memory unit='b'>1048576</memory>", MIB},
	    {"<memory unit='bytes'>1000000</memory>", MIB}, /* aligned up to 1 MiB */
	    {"<memory unit='MB'>1000</memory>", 954 * MIB},
	    {"<memory unit='MiB'>3</memory>", 3 * MIB},
	    {"<memory unit='G'>2</memory>", 2 * GIB},
	    {"<memory unit='TiB'>1</memory>", 1024 * GIB},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char xml[512];
		tu_xsnprintf(xml,
			     "<domain id='1'><name>g</name>%s<memoryBacking><locked/>"
			     "</memoryBacking></domain>",
			     cases[i].memory);
		LibvirtGuest g = parse_text(xml);
		ck_assert_msg(g.memory == cases[i].bytes, "%s: %llu", cases[i].memory,
			      (unsigned long long)g.memory);
		libvirt_guest_done(&g);
	}
}
END_TEST

START_TEST(test_bad)
{
	static const struct {
		const char *xml, *error;
	} cases[] = {
	    {"", "not XML"},
	    {"<domain><name>g</name>", "not XML"},
	    {"<network><name>g</name></network>", "not a domain"},
	    {"<domain><memory>1</memory></domain>", "no <name>"},
	    {"<domain><name>g</name><memory unit='parsec'>1</memory></domain>", "invalid size"},
	    {"<domain><name>g</name><memory>-1</memory></domain>", "invalid size"},
	    {"<domain><name>g</name><memory unit='EiB'>99</memory></domain>", "invalid size"},
	    {"<domain id='x'><name>g</name></domain>", "invalid domain id"},
	    {"<domain><name>g</name><resource><partition>machine</partition></resource></domain>",
	     "not an absolute path"},
	    /* an external entity is not fetched */
	    {"<!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><domain><name>&e;</name>"
	     "</domain>",
	     "no <name>"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *error = NULL;
		LibvirtGuest g;
		int r = libvirt_guest_parse(cases[i].xml, strlen(cases[i].xml), &g, &error);
		ck_assert_msg(r == -EINVAL && error && strstr(error, cases[i].error),
			      "%s: %d %s (wanted %s)", cases[i].xml, r, error ? error : "-",
			      cases[i].error);
	}
}
END_TEST

START_TEST(test_names)
{
	static const struct {
		int id;
		const char *name, *machine, *scope;
	} cases[] = {
	    {5, "my_vm.test--x", "qemu-5-myvm.test-x",
	     "machine-qemu\\x2d5\\x2dmyvm.test\\x2dx.scope"},
	    {1, "..-lead", "qemu-1-lead", "machine-qemu\\x2d1\\x2dlead.scope"},
	    {2, "trail.-", "qemu-2-trail", "machine-qemu\\x2d2\\x2dtrail.scope"},
	    {3, "___", "qemu-3", "machine-qemu\\x2d3.scope"},
	    {4, "h\xc3\xa9llo w\xc3\xb6rld", "qemu-4-hllowrld",
	     "machine-qemu\\x2d4\\x2dhllowrld.scope"},
	    /* 64 characters at most, the prefix included */
	    {12, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	     "qemu-12-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *m = NULL, *s = NULL;
		ck_assert_int_eq(libvirt_machine_name(cases[i].id, cases[i].name, &m), 0);
		ck_assert_str_eq(m, cases[i].machine);
		if (!cases[i].scope)
			continue;
		LibvirtGuest g = {.name = (char *)cases[i].name, .partition = (char *)"/machine"};
		ck_assert_int_eq(libvirt_guest_group(&g, cases[i].id, true, &s), 0);
		ck_assert_str_eq(s, cases[i].scope);
		ck_assert(libvirt_is_guest_group(&g, s, true));
	}
	static const struct {
		const char *partition, *slice, *path;
	} parts[] = {
	    {"/machine", "machine.slice", "/machine"},
	    {"/machine/pinned", "machine-pinned.slice", "/machine/pinned.partition"},
	    {"/machine/my-pool", "machine-my\\x2dpool.slice", "/machine/my-pool.partition"},
	    {"/machine/a.b", "machine-a.b.slice", "/machine/a.b"},
	    {"/vms", "vms.slice", "/vms.partition"},
	    {"/machine/_x", "machine-_x.slice", "/machine/__x.partition"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		_cleanup_free_ char *sl = NULL, *p = NULL;
		ck_assert_int_eq(libvirt_partition_group(parts[i].partition, true, &sl), 0);
		ck_assert_str_eq(sl, parts[i].slice);
		ck_assert_int_eq(libvirt_partition_group(parts[i].partition, false, &p), 0);
		ck_assert_str_eq(p, parts[i].path);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libvirt");
	TCase *tc = tcase_create("domain");

	tcase_add_test(tc, test_samples);
	tcase_add_test(tc, test_sizing);
	tcase_add_test(tc, test_units);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
