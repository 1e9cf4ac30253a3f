/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sdmanager.h"

int sd_manager_cgroup(sd_bus *bus, char **ret, char **ret_message)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	char *cg = NULL;

	if (ret_message)
		*ret_message = NULL;
	int r = sd_bus_get_property_string(
	    bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
	    "org.freedesktop.systemd1.Manager", "ControlGroup", &error, &cg);
	if (r < 0) {
		if (ret_message && error.message)
			*ret_message = strdup(error.message);
		sd_bus_error_free(&error);
		return r;
	}
	if (cg[0] != '/') { /* "" when the manager has no cgroup of its own */
		free(cg);
		return -ENOENT;
	}
	*ret = cg;
	return 0;
}
