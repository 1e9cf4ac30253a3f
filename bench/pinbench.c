/* SPDX-License-Identifier: MIT */
/* pinbench: the cost of one scan pass of pind's scanners against the floors below them (a
 * bare BPF task iterator; pread of open /proc/PID/status files) and a shell pipeline, with
 * N idle processes; then the daemon's cost at a 1 s interval. Prints Markdown; bench/run
 * builds and runs it. All it starts lives in cgroups below one it makes in its own cgroup2
 * cgroup, killed (cgroup.kill) and removed at exit, on error and on SIGINT/TERM/HUP. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pinscan.h"
#include "pinscan.skel.h"
#endif
#include "cglayout.h"
#include "macro.h"
#include "pinbench.h"
#include "procfs.h"
#include "scan.h"
#include "scan_bpf.h"

#ifndef __NR_close_range
#define __NR_close_range 436
#endif

#define K_IDLE                     50 /* cgroups the idle processes are spread over */
#define SUB_PIND                   (K_IDLE + 3)
#define SUB_PIPE                   (K_IDLE + 4)
#define N_SUB                      (K_IDLE + 5)
#define read_file(path, buf, size) read_small_file_at(AT_FDCWD, path, buf, size)
/* Fatal: the clean-up runs at exit. */
#define die(...) (fprintf(stderr, "pinbench: " __VA_ARGS__), fputc('\n', stderr), exit(2))

/* The pinhogs, each in its own cgroup (sub-cgroups K_IDLE..K_IDLE+2). */
static const struct {
	const char *name, *args;
	uint64_t pin, lock;
} hogs[] = {{"hog-pin64", "--pin=64M", 64 * MiB, 0},
	    {"hog-pin32", "--pin=32M", 32 * MiB, 0},
	    {"hog-lock16", "--lock=16M", 0, 16 * MiB}};

/* What the clean-up needs; set before any process or cgroup of ours exists. */
static pid_t main_pid;
static char bench_dir[PATH_MAX]; /* absolute; "" until made */
static char bench_kill[PATH_MAX + 16];
static char bench_rel[2600]; /* relative to the cgroup2 mount ("/pinbench-1") */
static char sub_dir[N_SUB][PATH_MAX + 16];
static volatile sig_atomic_t n_sub; /* sub-cgroups made so far */
static int sub_fd[N_SUB];
static char tmp_dir[1024]; /* the caller's (bench/run's) scratch directory */
static sigset_t term_set;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Async-signal-safe: kills every process below bench_dir (all ours: each was started right
 * into it), reaps what has exited and removes the cgroups. */
static void cleanup_cgroups(void)
{
	if (getpid() != main_pid || !bench_dir[0])
		return;
	int fd = open(bench_kill, O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, "1", 1) < 0) {
	}
	if (fd >= 0)
		close(fd);
	for (int i = n_sub - 1; i >= -1; i--) { /* the children, then bench_dir itself */
		const char *p = i >= 0 ? sub_dir[i] : bench_dir;
		for (int t = 0; t < 300 && rmdir(p) < 0 && errno != ENOENT; t++) {
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			nap_ms(10);
		}
	}
	if (access(bench_dir, F_OK) == 0 && write(2, "pinbench: cgroup left behind\n", 29) < 0) {
	}
	bench_dir[0] = 0;
	while (waitpid(-1, NULL, WNOHANG) > 0) /* every child was in the subtree */
		;
}

static void on_signal(int sig)
{
	cleanup_cgroups();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Starts a process right in the sub-cgroup sub (no migration): an idle one (argv NULL) that
 * waits in pause(), or argv[0] with stdout to out_fd (-1: /dev/null) and stderr to err_fd
 * (-1: the bench's). It dies with the bench. */
static pid_t spawn(int sub, char *const argv[], char *const envp[], int out_fd, int err_fd)
{
	struct clone_args a = {
	    .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)sub_fd[sub]};
	sigset_t old;

	sigprocmask(SIG_BLOCK, &term_set, &old);
	pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0) {
		for (int sig = 1; sig < NSIG; sig++)
			if (sigismember(&term_set, sig) == 1)
				signal(sig, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != main_pid)
			_exit(1);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (!argv) {
			syscall(__NR_close_range, 0U, ~0U, 0U);
			for (;;)
				pause();
		}
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(out_fd >= 0 ? out_fd : nul, 1);
		if (err_fd >= 0)
			dup2(err_fd, 2);
		syscall(__NR_close_range, 3U, ~0U, 0U);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

typedef struct Ctx {
	Scanner *procfs, *bpf, *bpf_iter, *cur;
#ifdef HAVE_BPF
	struct pinscan *skel;
	struct bpf_link *link;
#endif
	char iterbuf[4 << 20] __attribute__((aligned(8)));
	int fds[65536]; /* the pread floor's /proc/PID/status files */
	pid_t pids[65536];
	bool budgeted[65536]; /* the process is in the bench's subtree */
	size_t nfds;
	int proc_fd;
	unsigned vmpin_hits; /* status files with a VmPin line: what the floors found */
	char buf[8192];
} Ctx;

/* The cgroup2 path in a /proc/PID/cgroup buffer that starts with '\n', or NULL. */
static char *cg2_path(char *buf)
{
	char *p = strstr(buf, "\n0::/");
	if (p && (p += 4))
		p[strcspn(p, "\n")] = 0;
	return p;
}

static bool in_bench(const char *cg)
{
	size_t l = strlen(bench_rel);
	return cg && strncmp(cg, bench_rel, l) == 0 && (cg[l] == 0 || cg[l] == '/');
}

/* For the floors' totals (untimed): is a process that holds something one of the bench's? */
static bool pid_in_bench(pid_t pid)
{
	char p[64], buf[4096] = "\n";
	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	return read_file(p, buf + 1, sizeof(buf) - 1) > 0 && in_bench(cg2_path(buf));
}

static void account(Totals *t, bool bench, uint64_t pinned, uint64_t locked)
{
	t->pinned += pinned;
	t->locked += locked;
	t->records += pinned || locked;
	t->bench_pinned += bench ? pinned : 0;
	t->bench_locked += bench ? locked : 0;
}

/* The scanners' callback: sums, nothing else. */
static int sum_cb(const PinRecord *r, void *userdata)
{
	account(userdata, in_bench(r->cgroup), r->pinned, r->locked);
	return 0;
}

/* pind's scan: the scanner c->cur, as the daemon runs it. */
static int64_t scan_pass(Ctx *c, Totals *t)
{
	int64_t t0 = now_ns();
	int r = scanner_run(c->cur, sum_cb, t, NULL);
	int64_t d = now_ns() - t0;
	return r < 0 ? r : d;
}

#ifdef HAVE_BPF
/* The floors' records (untimed), as pind's scan would count them. */
static void account_records(Ctx *c, Totals *t, const struct pinscan_record *rec, size_t n)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	for (size_t i = 0; i < n; i++)
		account(t, pid_in_bench((pid_t)rec[i].tgid), rec[i].pinned * page,
			rec[i].locked * page);
	t->skipped_init = !c->skel->bss->saw_init;
	c->skel->bss->saw_init = 0;
}

/* The floor of the bpf scan with the task iterator: create it, read every record. */
static int64_t iter_pass(Ctx *c, Totals *t)
{
	size_t have = 0;
	ssize_t n;

	int64_t t0 = now_ns();
	int fd = bpf_iter_create(bpf_link__fd(c->link));
	if (fd < 0)
		return -errno;
	for (;;) {
		n = read(fd, c->iterbuf + have, sizeof(c->iterbuf) - have);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0 || (have += (size_t)n) == sizeof(c->iterbuf))
			break;
	}
	int e = n < 0 ? errno : have == sizeof(c->iterbuf) ? ENOBUFS : 0;
	close(fd);
	int64_t d = now_ns() - t0;
	if (e)
		return -e;
	account_records(c, t, (const struct pinscan_record *)c->iterbuf,
			have / sizeof(struct pinscan_record));
	return d;
}

/* The floor of the bpf scan with the task walk: run it, read its records. */
static int64_t walk_pass(Ctx *c, Totals *t)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct pinscan_record *rec = (struct pinscan_record *)c->iterbuf;
	uint32_t *keys = (uint32_t *)(c->iterbuf + PINSCAN_MAX * sizeof(*rec));

	int64_t t0 = now_ns();
	c->skel->bss->n_recs = 0;
	int r = bpf_prog_test_run_opts(bpf_program__fd(c->skel->progs.pinwalk), &opts);
	if (r < 0 || opts.retval != 0)
		return r < 0 ? -errno : -EIO;
	uint32_t n = c->skel->bss->n_recs;
	if (n > c->skel->bss->cap)
		return -ENOBUFS;
	r = scan_bpf_read_records(bpf_map__fd(c->skel->maps.recs), n, rec, keys);
	int64_t d = now_ns() - t0;
	if (r < 0)
		return r;
	account_records(c, t, rec, n);
	return d;
}

static int64_t walk_floor(void *ctx)
{
	Totals t = {0};
	return walk_pass(ctx, &t);
}
#endif

static pid_t spawn_pind(char *const argv[], char *const envp[], int log_fd)
{
	return spawn(SUB_PIND, argv, envp, log_fd, log_fd);
}

/* Reads status file i (untimed) into t. */
static void account_status(Ctx *c, size_t i, Totals *t)
{
	ProcStatus st;
	ssize_t n = pread(c->fds[i], c->buf, sizeof(c->buf), 0);
	if (n > 0 && proc_status_parse(c->buf, (size_t)n, &st) >= 0 && st.has_vm)
		account(t, (st.pinned || st.locked) && pid_in_bench(st.pid), st.pinned, st.locked);
}

/* The floor of the procfs scan: pread the already open status files, memmem "VmPin". */
static int64_t pread_floor(Ctx *c, Totals *t, bool only_budgeted)
{
	unsigned h = 0;

	int64_t t0 = now_ns();
	for (size_t i = 0; i < c->nfds; i++) {
		if (only_budgeted && !c->budgeted[i])
			continue;
		ssize_t n = pread(c->fds[i], c->buf, sizeof(c->buf), 0);
		if (n > 0 && memmem(c->buf, (size_t)n, "VmPin", 5))
			h++;
	}
	int64_t d = now_ns() - t0;
	c->vmpin_hits = h;
	for (size_t i = 0; i < c->nfds; i++) /* untimed: what it read */
		if (!only_budgeted || c->budgeted[i])
			account_status(c, i, t);
	return d;
}

static int64_t pread_pass(Ctx *c, Totals *t)
{
	return pread_floor(c, t, true);
}

static int64_t pread_all_pass(Ctx *c, Totals *t)
{
	return pread_floor(c, t, false);
}

/* Without kept fds: open, read and close every status file, memmem "VmPin". */
static int64_t open_read_pass(Ctx *c, Totals *t)
{
	char name[32];
	unsigned h = 0;

	int64_t t0 = now_ns();
	for (size_t i = 0; i < c->nfds; i++) {
		snprintf(name, sizeof(name), "%d/status", (int)c->pids[i]);
		int fd = openat(c->proc_fd, name, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, c->buf, sizeof(c->buf)) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0 && memmem(c->buf, (size_t)n, "VmPin", 5))
			h++;
	}
	int64_t d = now_ns() - t0;
	c->vmpin_hits = h;
	for (size_t i = 0; i < c->nfds; i++) /* untimed: what it read */
		account_status(c, i, t);
	return d;
}

/* What an admin would type: VmPin of every process, summed per cgroup by awk. */
static const char pipeline_cmd[] =
    "grep -H VmPin /proc/[0-9]*/status 2>/dev/null | awk -F'[:/ \\t]+' '$6 > 0 {"
    " f = \"/proc/\" $3 \"/cgroup\"; cg = \"?\";"
    " while ((getline l < f) > 0) if (l ~ /^0::/) cg = substr(l, 4); close(f);"
    " s[cg] += $6 * 1024; t += $6 * 1024 }"
    " END { for (c in s) printf \"%s %.0f\\n\", c, s[c]; printf \"TOTAL %.0f\\n\", t }'";

static int64_t pipe_pass(Ctx *c, Totals *t)
{
	char *argv[] = {"/bin/sh", "-c", (char *)pipeline_cmd, NULL};
	char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
	size_t have = 0;
	int p[2], status;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	int64_t t0 = now_ns();
	pid_t pid = spawn(SUB_PIPE, argv, envp, p[1], -1);
	close(p[1]);
	/* a few lines; were it ever more than 8 KiB, the pipeline would fail, not hang */
	while ((n = read(p[0], c->buf + have, sizeof(c->buf) - 1 - have)) > 0 ||
	       (n < 0 && errno == EINTR))
		have += n > 0 ? (size_t)n : 0;
	close(p[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -ECHILD;
	int64_t d = now_ns() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EPROTO;
	c->buf[have] = 0;
	for (char *l = c->buf, *e, *sp; (e = strchr(l, '\n')); l = e + 1) { /* "CGROUP BYTES" */
		*e = 0;
		if (!(sp = strrchr(l, ' ')))
			return -EPROTO;
		*sp = 0;
		if (strcmp(l, "TOTAL") == 0)
			t->pinned = strtoull(sp + 1, NULL, 10);
		else if (in_bench(l))
			t->bench_pinned += strtoull(sp + 1, NULL, 10);
	}
	return d;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

typedef int64_t (*pass_fn)(Ctx *c, Totals *t);

/* Methods m[0..k) measured together: each round runs one pass of each in turn, so that a
 * scan and its floor see the caches as the other leaves them (a walk over 10,000 tasks
 * costs 0.3 ms right after another, 2 ms after something else went through the cache). */
static void measure_together(Ctx *c, Result *res, const int *m, const pass_fn *fn, size_t k,
			     unsigned passes)
{
	int64_t ns[4][PASSES];
	bool failed[4] = {false};

	if (k > 4 || passes > PASSES)
		die("measure_together: %zu methods, %u passes", k, passes);
	for (size_t j = 0; j < k; j++)
		fprintf(stderr, "pinbench:   %s x %u\n", method_name[m[j]], WARMUP + passes);
	for (unsigned i = 0; i < WARMUP + passes; i++)
		for (size_t j = 0; j < k; j++) {
			Totals t = {0};
			if (failed[j])
				continue;
			int64_t d = fn[j](c, &t);
			if (d < 0) {
				fprintf(stderr, "pinbench: %s failed: %s\n", method_name[m[j]],
					strerror((int)-d));
				failed[j] = true;
				continue;
			}
			if (i >= WARMUP)
				ns[j][i - WARMUP] = d;
			res[m[j]].tot = t;
		}
	for (size_t j = 0; j < k; j++) {
		Result *r = &res[m[j]];
		if (failed[j])
			continue;
		qsort(ns[j], passes, sizeof(ns[j][0]), cmp_i64);
		r->med_ns = (double)ns[j][passes / 2]; /* passes are odd */
		r->min_ns = (double)ns[j][0];
		r->max_ns = (double)ns[j][passes - 1];
		r->ran = true;
	}
}

static void measure(Ctx *c, Result *res, int m, pass_fn fn, unsigned passes)
{
	measure_together(c, res, &m, &fn, 1, passes);
}

/* utime + stime (ticks) from /proc/PID/stat; -1 when unreadable. */
static double proc_cpu(pid_t pid)
{
	char p[64], buf[4096];
	unsigned long long ut, st;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	char *e = read_file(p, buf, sizeof(buf)) > 0 ? strrchr(buf, ')') : NULL;
	/* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt */
	return e && sscanf(e + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
			   &st) == 2
		   ? (double)(ut + st)
		   : -1;
}

/* The real daemon over the bench cgroup for secs seconds: CPU of one core, RSS. */
static void run_daemon(const char *pind, const char *scanner, unsigned secs, DaemonResult *r)
{
	char path[1200], a_root[1200], a_cg[2700], bus[1200], buf[16384] = "", want[64];

	*r = (DaemonResult){.scanner = scanner, .secs = secs};
	snprintf(a_root, sizeof(a_root), "--root=%s/root", tmp_dir);
	for (const char *d = "/root\0/root/etc\0/root/etc/pind\0"; *d; d += strlen(d) + 1) {
		snprintf(path, sizeof(path), "%s%s", tmp_dir, d);
		mkdir(path, 0755);
	}
	snprintf(path, sizeof(path), "%s/root/etc/pind/pind.conf", tmp_dir);
	FILE *f = fopen(path, "we");
	if (!f)
		die("%s: %s", path, strerror(errno));
	/* the whole bench cgroup (pind's --cgroup-root) is budgeted */
	fprintf(f,
		"[Daemon]\nScanIntervalSec=1s\nScanner=%s\n[Budget -.slice]\nPinnedMemoryMax=1T\n",
		scanner);
	fclose(f);
	snprintf(path, sizeof(path), "%s/pind-%s.log", tmp_dir, scanner);
	int logfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0)
		die("%s: %s", path, strerror(errno));
	snprintf(a_cg, sizeof(a_cg), "--cgroup-root=%s", bench_rel);
	/* no D-Bus: a socket that does not exist */
	snprintf(bus, sizeof(bus), "DBUS_SYSTEM_BUS_ADDRESS=unix:path=%s/no-bus", tmp_dir);
	char *argv[] = {(char *)pind, a_root, a_cg, NULL};
	char *envp[] = {"PIND_LOG_STDERR=1", bus, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	pid_t pid = spawn(SUB_PIND, argv, envp, logfd, logfd);
	close(logfd);
	if (pid < 0)
		die("starting pind: %s", strerror(errno));
	fprintf(stderr, "pinbench: pind (Scanner=%s) as %d for %u s\n", scanner, (int)pid, secs);
	snprintf(want, sizeof(want), "scanner %s", scanner); /* then "," or " (how)," */
	nap_ms(3000);                                        /* started, past the first scans */
	bool gone = waitpid(pid, NULL, WNOHANG) == pid;      /* reaped: its pid no longer ours */
	char *started = read_file(path, buf, sizeof(buf)) > 0 ? strstr(buf, "started: ") : NULL;
	char *says = started ? strstr(started, want) : NULL;
	if (!gone && says && (says[strlen(want)] == ',' || says[strlen(want)] == ' ')) {
		int64_t w0 = now_ns();
		double t0 = proc_cpu(pid);
		nap_ms((long)secs * 1000);
		double wall = (double)(now_ns() - w0) / 1e9, t1 = proc_cpu(pid);
		if (t0 >= 0 && t1 >= 0) {
			r->cpu_pct = 100.0 * (t1 - t0) / (double)sysconf(_SC_CLK_TCK) / wall;
			snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
			if (read_file(path, buf, sizeof(buf)) > 0) {
				parse_keyed_u64(buf, strlen(buf), "VmRSS", &r->rss);
				parse_keyed_u64(buf, strlen(buf), "VmHWM", &r->hwm);
				parse_keyed_u64(buf, strlen(buf), "RssFile", &r->rss_file);
			}
			r->ran = true;
		}
	} else {
		fprintf(stderr, "pinbench: pind did not start with Scanner=%s; its log:\n%s\n",
			scanner, buf);
	}
	if (!gone)
		kill(pid, SIGTERM);
	for (int i = 0; i < 100 && !gone && !(gone = waitpid(pid, NULL, WNOHANG) == pid); i++)
		nap_ms(50);
	if (!gone) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* Exact agreement on the bench's processes: every method finds the pinhogs' pinned bytes,
 * every method but the pipeline their locked bytes. */
static bool check_totals(const Result *r)
{
	uint64_t pin = 0, lock = 0;
	bool ok = true;
	for (size_t h = 0; h < ARRAY_SIZE(hogs); h++)
		pin += hogs[h].pin, lock += hogs[h].lock;
	for (int m = 0; m < N_METHODS; m++) /* one that failed is reported as such */
		ok &= !r[m].ran || (r[m].tot.bench_pinned == pin &&
				    (m == M_PIPE || r[m].tot.bench_locked == lock));
	return ok;
}

/* The bench cgroup below this process's own cgroup2 cgroup, and its children. */
static void make_cgroups(const char *mount, const char *name)
{
	char line[4096], buf[4096] = "\n", *own;

	if (read_file("/proc/self/cgroup", buf + 1, sizeof(buf) - 1) < 0 ||
	    !(own = cg2_path(buf)) || strlen(own) > 2000)
		die("this process is in no cgroup2 cgroup");
	snprintf(bench_rel, sizeof(bench_rel), "%s/%s", strcmp(own, "/") ? own : "", name);
	if (strlen(mount) + strlen(bench_rel) > 4000)
		die("path too long");
	snprintf(line, sizeof(line), "%.2000s%.2000s", mount, bench_rel);
	snprintf(bench_kill, sizeof(bench_kill), "%.4000s/cgroup.kill", line);
	if (mkdir(line, 0755) < 0)
		die("mkdir %s: %s", line, strerror(errno));
	strcpy(bench_dir, line); /* ours from here on: the clean-up removes it */
	if (access(bench_kill, W_OK) < 0)
		die("%s: %s (needs Linux 5.14+)", bench_kill, strerror(errno));
	for (int i = 0; i < N_SUB; i++) {
		char idle[16];
		snprintf(idle, sizeof(idle), "idle-%02d", i);
		snprintf(sub_dir[i], sizeof(sub_dir[i]), "%.4000s/%.15s", line,
			 i < K_IDLE      ? idle
			 : i < SUB_PIND  ? hogs[i - K_IDLE].name
			 : i == SUB_PIND ? "pind"
					 : "pipeline");
		if (mkdir(sub_dir[i], 0755) < 0)
			die("mkdir %s: %s", sub_dir[i], strerror(errno));
		n_sub = i + 1;
		if ((sub_fd[i] = open(sub_dir[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			die("%s: %s", sub_dir[i], strerror(errno));
	}
}

static void start_hogs(const char *pinhog)
{
	for (size_t i = 0; i < 3; i++) {
		char ready[1100];
		struct stat st;
		snprintf(ready, sizeof(ready), "%s/%s.ready", tmp_dir, hogs[i].name);
		char *argv[] = {(char *)pinhog,       "--ready-file",       ready, "--name",
				(char *)hogs[i].name, (char *)hogs[i].args, NULL};
		pid_t pid = spawn(K_IDLE + (int)i, argv, (char *[]){NULL}, -1, -1);
		for (int t = 0; pid > 0 && t < 200 && (stat(ready, &st) < 0 || !st.st_size); t++)
			if (waitpid(pid, NULL, WNOHANG) == 0)
				nap_ms(50);
		if (pid < 0 || stat(ready, &st) < 0 || !st.st_size)
			die("pinhog %s did not get ready", hogs[i].name);
	}
}

/* Opens /proc/PID/status of every process, once; returns how many processes there are and,
 * in *ret_budgeted, how many of them are the bench's. */
static unsigned open_status_files(Ctx *c, unsigned *ret_budgeted)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	char p[64];

	*ret_budgeted = 0;
	while (d && (de = readdir(d))) {
		snprintf(p, sizeof(p), "/proc/%.32s/status", de->d_name);
		int fd =
		    de->d_name[0] < '1' || de->d_name[0] > '9' ? -1 : open(p, O_RDONLY | O_CLOEXEC);
		if ((fd < 0 && errno == EMFILE) || (fd >= 0 && c->nfds == ARRAY_SIZE(c->fds)))
			die("too many processes to hold their status files open");
		if (fd < 0)
			continue;
		c->pids[c->nfds] = (pid_t)atoi(de->d_name);
		c->budgeted[c->nfds] = pid_in_bench(c->pids[c->nfds]);
		*ret_budgeted += c->budgeted[c->nfds];
		c->fds[c->nfds++] = fd;
	}
	if (d)
		closedir(d);
	return (unsigned)c->nfds;
}

static const char usage_text[] =
    "Usage: pinbench --pinhog=PATH --tmp=DIR [--pind=PATH] [--cgroup-name=NAME] [--quick]\n"
    "                [--full-scan]\n"
    "As root, through bench/run (see there). --quick: N = 200 and 1000, pind 5 s and 3 s.\n"
    "--full-scan: only pind's full scan against the bare task walk, at N = 10000.\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"pinhog", required_argument, NULL, 'H'}, {"pind", required_argument, NULL, 'D'},
	    {"tmp", required_argument, NULL, 't'},    {"cgroup-name", required_argument, NULL, 'c'},
	    {"quick", no_argument, NULL, 'q'},        {"full-scan", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},         {0}};
	static Report R = {.counts = {1000, 10000}};
	static Ctx C;
	const char *pinhog = NULL, *pind = NULL, *cgname = NULL;
	bool full_only = false;
	unsigned secs[2] = {60, 30};
	char name[80];
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
		if (c == 'H' || c == 'D' || c == 'c')
			*(c == 'H' ? &pinhog : c == 'D' ? &pind : &cgname) = optarg;
		else if (c == 't' && strlen(optarg) < sizeof(tmp_dir) - 64)
			strcpy(tmp_dir, optarg);
		else if (c == 'q')
			R.counts[0] = 200, R.counts[1] = 1000, secs[0] = 5, secs[1] = 3;
		else if (c == 'f') /* only the full scan, at N = 10000 */
			full_only = true;
		else
			return fputs(usage_text, c == 'h' ? stdout : stderr), c == 'h' ? 0 : 2;
	}
	if (!pinhog || !tmp_dir[0] || optind < argc)
		die("--pinhog=PATH and --tmp=DIR are required (see --help)");
	if (cgname && (!*cgname || strchr(cgname, '/') || cgname[0] == '.' || strlen(cgname) > 60))
		die("--cgroup-name: one plain name");
	if (geteuid() != 0)
		die("needs root: sudo ./bench/run");
	main_pid = getpid();
	snprintf(name, sizeof(name), "pinbench-%d", (int)main_pid);

	sigemptyset(&term_set);
	for (int i = 0; i < 3; i++) {
		int sig = (int[]){SIGINT, SIGTERM, SIGHUP}[i];
		sigaddset(&term_set, sig);
		sigaction(sig, &(struct sigaction){.sa_handler = on_signal}, NULL);
	}
	atexit(cleanup_cgroups);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max; /* the status files of the pread floor */
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < 10000 + 4096)
		die("RLIMIT_NOFILE: %llu, not enough", (unsigned long long)rl.rlim_cur);
	CgLayout layout;
	if (cg_layout_discover(&layout) < 0 || !layout.unified)
		die("no cgroup2 hierarchy");
	make_cgroups(layout.unified, cgname ? cgname : name);
	fprintf(stderr, "pinbench: cgroup %s, scratch %s\n", bench_rel, tmp_dir);
	start_hogs(pinhog);

	if ((C.proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die("/proc: %s", strerror(errno));
	int r = scanner_procfs_new("/proc", &layout, &C.procfs);
	if (r < 0)
		die("procfs scanner: %s", strerror(-r));
	if ((r = scanner_bpf_new("/proc", &layout, &C.bpf)) < 0 ||
	    (r = scanner_bpf_new_with("/proc", &layout, &(BpfScanOptions){.iterator_only = true},
				      &C.bpf_iter)) < 0)
		fprintf(stderr, "pinbench: the bpf scanner does not load: %s\n", strerror(-r));
	else
		R.bpf_detail = scanner_detail(C.bpf);
#ifdef HAVE_BPF
	C.skel = pinscan__open_and_load(); /* both floors: fails where the walk does not load */
	C.link = C.skel ? bpf_program__attach_iter(C.skel->progs.pinscan, NULL) : NULL;
	if (!C.link)
		fprintf(stderr, "pinbench: the bare programs do not load: %s\n", strerror(errno));
	else
		C.skel->bss->cap = PINSCAN_MAX;
#endif

	for (unsigned i = 0, spawned = 0; i < 2; i++) {
		unsigned n = R.counts[i];
		fprintf(stderr, "pinbench: N=%u: %u more idle processes\n", n, n - spawned);
		for (; spawned < n; spawned++)
			if (spawn((int)(spawned % K_IDLE), NULL, NULL, -1, -1) < 0)
				die("clone3 into a cgroup: %s (needs Linux 5.7+)", strerror(errno));
		nap_ms(1000); /* all in pause() */
		if (full_only)
			continue;
		Result *res = R.res[i];
		C.cur = C.procfs;
		measure(&C, res, M_PROCFS_ALL, scan_pass, PASSES);
#ifdef HAVE_BPF
		/* in the same state as the bpf scan: before 10,000 files are open */
		if (C.bpf && C.bpf_iter && C.link) {
			C.cur = C.bpf;
			measure_together(&C, res, (int[]){M_BPF, M_WALK},
					 (pass_fn[]){scan_pass, walk_pass}, 2, PASSES);
			C.cur = C.bpf_iter;
			measure_together(&C, res, (int[]){M_BPF_ITER, M_ITER},
					 (pass_fn[]){scan_pass, iter_pass}, 2, PASSES);
		}
#endif
		/* pind's procfs scanner as the daemon runs it, over the budgeted subtree (a new
		 * one for each N, with status files of its own), in turn with its floor where
		 * the fd limit holds both sets of files, else before the floor opens its own */
		Scanner *scoped;
		const char *scope[] = {bench_rel};
		if ((r = scanner_procfs_new("/proc", &layout, &scoped)) < 0 ||
		    (r = scanner_set_scope(scoped, scope, 1)) < 0)
			die("procfs scanner with a scope: %s", strerror(-r));
		C.cur = scoped;
		R.apart[i] = 2 * (n + 1000) + 256 > rl.rlim_cur;
		if (R.apart[i]) {
			measure(&C, res, M_PROCFS, scan_pass, PASSES);
			scanner_free(scoped); /* its files closed before the floor opens its own */
		}
		R.procs[i] = open_status_files(&C, &R.budgeted[i]);
		if (R.apart[i]) {
			measure(&C, res, M_PREAD, pread_pass, PASSES);
		} else {
			measure_together(&C, res, (int[]){M_PROCFS, M_PREAD},
					 (pass_fn[]){scan_pass, pread_pass}, 2, PASSES);
			scanner_free(scoped);
		}
		measure(&C, res, M_PREAD_ALL, pread_all_pass, PASSES);
		measure(&C, res, M_OPEN_READ, open_read_pass, PASSES);
		measure(&C, res, M_PIPE, pipe_pass, PIPE_PASSES);
		while (C.nfds)
			close(C.fds[--C.nfds]);
		R.mismatch[i] = !check_totals(res);
		R.pinning = res[res[M_BPF].ran ? M_BPF : M_PROCFS].tot.records;
	}
#ifdef HAVE_BPF
	if (pind && C.link) {
		FullScanEnv env = {pind,   bench_dir,  bench_rel,  tmp_dir, sub_dir,
				   K_IDLE, spawn_pind, walk_floor, &C};
		fullscan_run(&env, &R.full);
	}
	bpf_link__destroy(C.link);
	pinscan__destroy(C.skel);
#endif
	if (C.bpf)
		scanner_free(C.bpf);
	if (C.bpf_iter)
		scanner_free(C.bpf_iter);
	scanner_free(C.procfs);
	cg_layout_done(&layout);

	for (int d = 0; d < 2 && pind && !full_only; d++)
		run_daemon(pind, d ? "procfs" : "bpf", secs[d], &R.daemon[d]);
	fprintf(stderr, "pinbench: cleaning up\n");
	cleanup_cgroups();

	report(&R);
	if (R.mismatch[0] || R.mismatch[1])
		puts("\nMISMATCH: the methods found different totals");
	return R.mismatch[0] || R.mismatch[1] ? 1 : 0;
}
