/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a libvirt domain XML (as libvirtd hands it to its qemu hook) says about the pinned
 * memory of the guest, and the names libvirt gives its cgroups. Read with libxml2. */

typedef struct LibvirtGuest {
	char *name;
	int id;              /* -1: not running (no id= in the XML, as at release) */
	char *partition;     /* <resource><partition>, default "/machine" */
	uint64_t memory;     /* <memory>, bytes */
	uint64_t hard_limit; /* <memtune><hard_limit>, bytes; 0: none */
	bool locked;         /* <memoryBacking><locked/>, or QEMU's -overcommit mem-lock=on */
	unsigned vfio;       /* VFIO PCI and mdev host devices, NVMe disks */
	unsigned vdpa;       /* vDPA interfaces */
	bool iommu;          /* a vIOMMU: each VFIO device maps guest memory of its own */
} LibvirtGuest;

/* Parses the domain XML in buf. -EINVAL with *ret_error (malloc'd) saying why. */
int libvirt_guest_parse(const char *buf, size_t len, LibvirtGuest *ret, char **ret_error);
void libvirt_guest_done(LibvirtGuest *g);

/* What the guest will pin, as libvirt sizes its RLIMIT_MEMLOCK: <hard_limit> when set;
 * else with VFIO or vDPA devices, memory once per device that maps it (once for all VFIO
 * devices without a vIOMMU) plus 1 GiB for MMIO; else for locked memory, the guest's
 * memory (libvirt lifts the limit; QEMU's own locked mappings are measured as they come);
 * else 0: it pins nothing. *ret_why says which rule. */
uint64_t libvirt_guest_pinned(const LibvirtGuest *g, const char **ret_why);

/* libvirt's machine name of a guest for qemu:///system: "qemu-ID-NAME", NAME kept to
 * letters, digits and single '-' or '.', the whole at most 64 characters. */
int libvirt_machine_name(int id, const char *name, char **ret);

/* The group a partition is (budgets name it so): with systemd, the slice
 * ("/machine/pinned" -> "machine-pinned.slice"); without, the cgroup path libvirt makes
 * ("/machine/pinned" -> "/machine/pinned.partition"). */
int libvirt_partition_group(const char *partition, bool systemd, char **ret);

/* The group a running guest is: with systemd, machined's scope
 * ("machine-qemu\x2d3\x2dvm3.scope"); without, its cgroup below the partition
 * ("/machine/qemu-3-vm3.libvirt-qemu"). */
int libvirt_guest_group(const LibvirtGuest *g, int id, bool systemd, char **ret);

/* holder is the group of this guest under some id (a reservation made for an earlier
 * start of it). */
bool libvirt_is_guest_group(const LibvirtGuest *g, const char *holder, bool systemd);
