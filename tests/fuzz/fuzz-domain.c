/* SPDX-License-Identifier: MIT */
/* The domain XML libvirt hands its qemu hook on stdin. */
#include "fuzz.h"
#include "libvirt_domain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	LibvirtGuest g = {};
	char *error = NULL;

	if (libvirt_guest_parse((const char *)data, size, &g, &error) == 0) {
		if (!g.name || !g.partition)
			abort(); /* a guest has a name and a partition */
		libvirt_guest_done(&g);
	}
	free(error);
	return 0;
}
