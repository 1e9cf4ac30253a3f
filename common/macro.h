/* SPDX-License-Identifier: MIT */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Room for one more element at the end of an array of n elements of size: the new
 * element's address, zeroed, or NULL when out of memory (the array as it was). The
 * caller counts it. */
static inline void *grow_by_one(void **array, size_t n, size_t size)
{
	char *v = reallocarray(*array, n + 1, size);
	if (!v)
		return NULL;
	*array = v;
	memset(v + n * size, 0, size);
	return v + n * size;
}
#define GROW(array, n) ((__typeof__(array))grow_by_one((void **)&(array), (n), sizeof(*(array))))

/* NULL-terminated string arrays, as sd_bus_message_read_strv() makes them */
static inline size_t strv_length(char *const *l)
{
	size_t n = 0;
	while (l && l[n])
		n++;
	return n;
}

/* n strings and their array */
static inline void strv_free_n(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static inline void strv_freep(char ***l)
{
	for (char **i = *l; i && *i; i++)
		free(*i);
	free(*l);
}

#define _cleanup_(f)        __attribute__((cleanup(f)))
#define _cleanup_free_      _cleanup_(freep)
#define _cleanup_close_     _cleanup_(closep)
#define _cleanup_fclose_    _cleanup_(fclosep)
#define _cleanup_closedir_  _cleanup_(closedirp)
#define _cleanup_strv_free_ _cleanup_(strv_freep)

/* Hands ownership out of a cleanup variable: returns the value, leaves NULL behind. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _p = (p);                                                            \
		(p) = NULL;                                                                        \
		_p;                                                                                \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _fd = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_fd;                                                                               \
	})

static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}
