/* SPDX-License-Identifier: MIT */
/* For test helpers whose main thread exits (pthread_exit) while a second thread holds
 * on: the second thread waits here until the main thread is a zombie. */
#pragma once

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Returns once the state in /proc/self/stat ("PID (comm) S ...", after the last ')') is
 * Z: the main thread has exited. */
static inline void wait_main_thread_exited(void)
{
	char buf[512];

	for (;;) {
		int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = 0;
		char *p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'Z')
			return;
		usleep(1000);
	}
}
