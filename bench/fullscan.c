/* SPDX-License-Identifier: MIT */
/* pind's full scan as the daemon runs it (LastScanUSec: the budgets that apply, the pass,
 * the sums, the policy, the actions), read from its sd_notify STATUS= after every scan,
 * with the bare task walk run halfway between two scans, so that both find the caches
 * alike. The
 * idle processes are moved into 100 slices of 10 services each, one budget per slice;
 * then a cgroup is made and removed to show that pind sees both without a re-walk. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pinbench.h"

#define SLICES   100
#define SERVICES 10
#define SAMPLES  31 /* odd: the median is a sample */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void service_dir(const FullScanEnv *env, int slice, int service, char *buf, size_t size)
{
	if (service < 0)
		snprintf(buf, size, "%s/full/b%03d.slice", env->bench_dir, slice);
	else
		snprintf(buf, size, "%s/full/b%03d.slice/u%d.service", env->bench_dir, slice,
			 service);
}

/* Moves every process in from (a cgroup directory) into the SLICES x SERVICES services,
 * round-robin from *next on; to == NULL: into back (one directory). */
static unsigned move_procs(const FullScanEnv *env, const char *from, const char *back,
			   unsigned *next)
{
	char path[4200], line[32];
	unsigned moved = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", from);
	FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char to[4200];
		if (back)
			snprintf(to, sizeof(to), "%s/cgroup.procs", back);
		else {
			unsigned i = (*next)++ % (SLICES * SERVICES);
			service_dir(env, (int)(i / SERVICES), (int)(i % SERVICES), to, sizeof(to));
			strcat(to, "/cgroup.procs");
		}
		int fd = open(to, O_WRONLY | O_CLOEXEC);
		if (fd >= 0 && write(fd, line, strlen(line)) > 0)
			moved++;
		if (fd >= 0)
			close(fd);
	}
	if (f)
		fclose(f);
	return moved;
}

static void remove_tree(const FullScanEnv *env, unsigned n_idle)
{
	char dir[4200];
	unsigned next = 0;

	for (int s = 0; s < SLICES; s++)
		for (int u = -1; u < SERVICES; u++) {
			service_dir(env, s, u, dir, sizeof(dir));
			/* back where they came from: the bench's clean-up removes those */
			move_procs(env, dir, env->idle_dirs[next++ % n_idle], NULL);
		}
	for (int s = 0; s < SLICES; s++) {
		for (int u = SERVICES - 1; u >= -1; u--) {
			service_dir(env, s, u, dir, sizeof(dir));
			rmdir(dir);
		}
	}
	snprintf(dir, sizeof(dir), "%s/full", env->bench_dir);
	rmdir(dir);
}

/* The next STATUS= from pind: scan time, cgroups, re-walks; false after 5 s of silence. */
static bool next_status(int sock, double *ret_us, unsigned *ret_cgroups, unsigned *ret_rewalks)
{
	char buf[4096];

	for (;;) {
		ssize_t n = recv(sock, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			return false;
		buf[n] = 0;
		char *st = strstr(buf, "STATUS="), *c = st ? strstr(st, " cgroups; scan ") : NULL;
		if (!c)
			continue;
		uint64_t us;
		while (c > st && c[-1] >= '0' && c[-1] <= '9')
			c--;
		if (sscanf(c, "%u cgroups; scan %" SCNu64 " us (re-walks: %u)", ret_cgroups, &us,
			   ret_rewalks) == 3) {
			*ret_us = (double)us;
			return true;
		}
	}
}

void fullscan_run(const FullScanEnv *env, FullScanResult *r)
{
	char path[4200], conf[1200], a_root[1200], a_cg[2700], notify[1200], bus[1200];
	unsigned next = 0;

	*r = (FullScanResult){.budgets = SLICES};
	snprintf(path, sizeof(path), "%s/full", env->bench_dir);
	if (mkdir(path, 0755) < 0) {
		snprintf(r->why, sizeof(r->why), "mkdir %s: %s", path, strerror(errno));
		return;
	}
	for (int s = 0; s < SLICES; s++)
		for (int u = -1; u < SERVICES; u++) {
			service_dir(env, s, u, path, sizeof(path));
			mkdir(path, 0755);
		}
	for (size_t i = 0; i < env->n_idle; i++)
		r->procs += move_procs(env, env->idle_dirs[i], NULL, &next);

	const char *dirs[] = {"", "/etc", "/etc/pind"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(conf, sizeof(conf), "%s/full-root%s", env->tmp_dir, dirs[i]);
		mkdir(conf, 0755);
	}
	strcat(conf, "/pind.conf");
	FILE *f = fopen(conf, "we");
	if (!f) {
		snprintf(r->why, sizeof(r->why), "%s: %s", conf, strerror(errno));
		remove_tree(env, (unsigned)env->n_idle);
		return;
	}
	fprintf(f, "[Daemon]\nScanIntervalSec=100ms\nScanner=bpf\n");
	for (int s = 0; s < SLICES; s++)
		fprintf(f, "[Budget b%03d.slice]\nPinnedMemoryMax=1T\n", s);
	fclose(f);

	snprintf(notify, sizeof(notify), "%s/notify", env->tmp_dir);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", notify);
	int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct timeval tv = {.tv_sec = 5};
	unlink(notify);
	if (sock < 0 || bind(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		snprintf(r->why, sizeof(r->why), "notify socket %s: %s", notify, strerror(errno));
		remove_tree(env, (unsigned)env->n_idle);
		return;
	}
	snprintf(a_root, sizeof(a_root), "--root=%s/full-root", env->tmp_dir);
	snprintf(a_cg, sizeof(a_cg), "--cgroup-root=%s/full", env->bench_rel);
	snprintf(bus, sizeof(bus), "DBUS_SYSTEM_BUS_ADDRESS=unix:path=%s/no-bus", env->tmp_dir);
	char env_notify[1300];
	snprintf(env_notify, sizeof(env_notify), "NOTIFY_SOCKET=%s", notify);
	snprintf(path, sizeof(path), "%s/pind-full.log", env->tmp_dir);
	int logfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	char *argv[] = {(char *)env->pind, a_root, a_cg, NULL};
	char *envp[] = {"PIND_LOG_STDERR=1", bus, env_notify, "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			NULL};
	pid_t pid = env->spawn_pind(argv, envp, logfd);
	if (logfd >= 0)
		close(logfd);
	fprintf(stderr, "pinbench: full scan: %u processes in %d services, pind as %d\n", r->procs,
		SLICES * SERVICES, (int)pid);

	double scan[SAMPLES], walk[SAMPLES], us;
	unsigned cgroups = 0, rewalks = 0, got = 0;
	for (int i = 0; pid > 0 && i < 5 + SAMPLES; i++) { /* 5 warm-ups */
		if (!next_status(sock, &us, &cgroups, &rewalks))
			break;
		/* halfway to pind's next scan: both find the caches as the other left them
		 * 50 ms before (right after pind's walk, the floor's would find them warm) */
		struct timespec half = {0, 50 * 1000000L};
		nanosleep(&half, NULL);
		int64_t ns = env->floor(env->floor_ctx);
		if (ns < 0)
			break;
		if (i >= 5) {
			scan[got] = us;
			walk[got++] = (double)ns / 1000;
		}
	}
	if (got == SAMPLES) {
		qsort(scan, SAMPLES, sizeof(double), cmp_double);
		qsort(walk, SAMPLES, sizeof(double), cmp_double);
		r->scan_us = scan[SAMPLES / 2];
		r->walk_us = walk[SAMPLES / 2];
		r->cgroups = cgroups;
		/* a cgroup made, then removed: seen both times, with no re-walk */
		service_dir(env, 0, -1, path, sizeof(path));
		strcat(path, "/new.service");
		unsigned c = cgroups;
		if (mkdir(path, 0755) == 0) {
			for (int i = 0; i < 20 && next_status(sock, &us, &c, &rewalks); i++)
				if (c == cgroups + 1)
					break;
			r->seen_create = c == cgroups + 1;
			rmdir(path);
			for (int i = 0; i < 20 && next_status(sock, &us, &c, &rewalks); i++)
				if (c == cgroups)
					break;
			r->seen_remove = c == cgroups;
		}
		r->rewalks = rewalks;
		r->ran = true;
	} else {
		snprintf(r->why, sizeof(r->why), "pind said %u scan times (see %s/pind-full.log)",
			 got, env->tmp_dir);
	}
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	close(sock);
	unlink(notify);
	remove_tree(env, (unsigned)env->n_idle);
}
