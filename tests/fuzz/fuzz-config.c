/* SPDX-License-Identifier: MIT */
/* pind.conf: parsed in full, or refused with a message that names the file and line. */
#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), *error = NULL;
	Config c;

	if (!s)
		return 0;
	int r = config_parse(s, size, "/etc/pind/pind.conf", false, UINT64_C(16) << 30, &c, &error);
	if (r == 0)
		config_done(&c);
	else if (r == -EINVAL && (!error || strncmp(error, "/etc/pind/pind.conf", 19) != 0))
		abort(); /* every refusal says where */
	free(error);
	free(s);
	return 0;
}
