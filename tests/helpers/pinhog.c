/* SPDX-License-Identifier: MIT */
/*
 * pinhog - test helper for pind.
 *
 * Pins memory for real with io_uring registered (fixed) buffers, which raises
 * VmPin in /proc/PID/status, optionally mmaps + mlocks memory (raises VmLck),
 * announces readiness and then holds everything until SIGTERM or SIGINT.
 * Optionally keeps pinning more memory at a fixed interval.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "mainexit.h"

#define MAX_IOV_LEN (1UL << 30) /* kernel limit for one registered buffer */

static size_t page_size;

static void __attribute__((noreturn, format(printf, 2, 3))) fail(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("pinhog: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	exit(1);
}

static void __attribute__((noreturn)) usage(FILE *out, int code)
{
	fputs(
	    "Usage: pinhog [OPTIONS] [PIN_SIZE]\n"
	    "  PIN_SIZE, --pin SIZE  bytes to pin with io_uring registered buffers (default 0)\n"
	    "  --lock SIZE           bytes to mmap + mlock (raises VmLck)\n"
	    "  --grow SIZE           after ready, pin SIZE more every --every interval\n"
	    "  --every MSEC          growth interval in milliseconds (default 1000)\n"
	    "  --grow-max SIZE       stop growing after SIZE extra bytes (default unlimited)\n"
	    "  --ignore-term         ignore SIGTERM (SIGINT and SIGKILL still end it)\n"
	    "  --cgroup DIR          join cgroup DIR (write own pid to DIR/cgroup.procs) first\n"
	    "  --ready-file PATH     when ready, atomically write \"<pid>\\n\" to PATH\n"
	    "  --name NAME           set the process name (max 15 chars)\n"
	    "  --leader-exits        once set up, the main thread exits (pthread_exit) and a\n"
	    "                        second thread holds everything; ready then (not with --grow)\n"
	    "  -h, --help            show this help\n"
	    "SIZE is an integer with an optional K, M or G suffix (base 1024), e.g. 32M.\n",
	    out);
	exit(code);
}

static void __attribute__((noreturn)) bad_arg(const char *name, const char *arg, const char *why)
{
	fprintf(stderr, "pinhog: invalid %s '%s': %s\n", name, arg, why);
	exit(2);
}

/* Parse SIZE (digits plus optional K/M/G suffix), page-rounding must not overflow. */
static size_t parse_size(const char *arg, const char *name)
{
	unsigned long long v, mul = 1;
	char *end;

	if (!isdigit((unsigned char)arg[0]))
		bad_arg(name, arg,
			"expected a non-negative integer with optional K, M or G suffix");
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno == ERANGE)
		bad_arg(name, arg, "value too large");
	switch (*end) {
	case 'K':
	case 'k':
		mul = 1ULL << 10;
		end++;
		break;
	case 'M':
	case 'm':
		mul = 1ULL << 20;
		end++;
		break;
	case 'G':
	case 'g':
		mul = 1ULL << 30;
		end++;
		break;
	}
	if (*end)
		bad_arg(name, arg,
			"expected a non-negative integer with optional K, M or G suffix");
	if (v > (SIZE_MAX - page_size) / mul)
		bad_arg(name, arg, "value too large");
	return (size_t)(v * mul);
}

static size_t page_round(size_t len)
{
	return (len + page_size - 1) & ~(page_size - 1);
}

/* Anonymous private mapping, never backed by transparent huge pages. */
static void *map_region(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fail(errno, "mmap %zu bytes", len);
	/* Must happen before the first touch, or whole 2 MiB pages get accounted. */
	if (madvise(p, len, MADV_NOHUGEPAGE))
		fail(errno, "madvise(MADV_NOHUGEPAGE)");
	return p;
}

static void lock_region(size_t len)
{
	void *p = map_region(len);

	if (syscall(SYS_mlock, p, len)) /* raw: sanitizers turn mlock() into a no-op */
		fail(errno, "mlock %zu bytes", len);
}

static int uring_disabled_sysctl(void)
{
	FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Pin len bytes (page-rounded, > 0) by registering them as buffers of a new ring. */
static void pin_region(size_t len)
{
	struct io_uring_params params;
	struct iovec *iov;
	size_t i, n = (len + MAX_IOV_LEN - 1) / MAX_IOV_LEN;
	char *buf = map_region(len);
	int fd, err, dis;

	memset(&params, 0, sizeof(params));
	fd = (int)syscall(__NR_io_uring_setup, 1, &params);
	if (fd < 0) {
		err = errno;
		dis = uring_disabled_sysctl();
		if (err == ENOSYS)
			fail(err, "io_uring_setup (io_uring not supported by this kernel)");
		if ((err == EPERM || err == EACCES) && dis > 0)
			fail(err, "io_uring_setup (io_uring disabled: kernel.io_uring_disabled=%d)",
			     dis);
		if (err == EPERM || err == EACCES)
			fail(err, "io_uring_setup (io_uring disabled or blocked, e.g. by seccomp)");
		fail(err, "io_uring_setup");
	}
	iov = calloc(n, sizeof(*iov));
	if (!iov)
		fail(errno, "calloc");
	for (i = 0; i < n; i++) {
		iov[i].iov_base = buf + i * MAX_IOV_LEN;
		iov[i].iov_len = i + 1 < n ? MAX_IOV_LEN : len - i * MAX_IOV_LEN;
	}
	if (syscall(__NR_io_uring_register, fd, IORING_REGISTER_BUFFERS, iov, (unsigned int)n)) {
		err = errno;
		fail(err, "io_uring_register(IORING_REGISTER_BUFFERS, %zu bytes)%s", len,
		     err == ENOMEM ? " (RLIMIT_MEMLOCK too low?)" : "");
	}
	free(iov);
	/* The ring fd stays open (and the pin in place) until the process exits. */
}

/* Write "<pid>\n" to path, as both cgroup.procs and the ready file expect. */
static void write_pid(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fail(errno, "%s", path);
	if (fprintf(f, "%d\n", (int)getpid()) < 0 || fflush(f) || fclose(f))
		fail(errno, "write %s", path);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Writes "<pid>\n" to ready_file atomically (if given) and says so on stdout. */
static void announce(const char *ready_file, size_t pin, size_t lock)
{
	char path[4096];

	if (ready_file) {
		if (snprintf(path, sizeof(path), "%s.tmp", ready_file) >= (int)sizeof(path))
			fail(ENAMETOOLONG, "%s.tmp", ready_file);
		write_pid(path);
		if (rename(path, ready_file))
			fail(errno, "rename %s to %s", path, ready_file);
	}
	printf("ready %d pinned=%zu locked=%zu\n", (int)getpid(), pin, lock);
	fflush(stdout);
}

typedef struct Holder {
	sigset_t set;
	const char *ready_file;
	size_t pin, lock;
} Holder;

/* --leader-exits: the second thread. Once the main thread is a zombie, announces, then
 * waits for a termination signal and ends the process. */
static void *hold(void *arg)
{
	const Holder *h = arg;
	int sig;

	wait_main_thread_exited();
	announce(h->ready_file, h->pin, h->lock);
	while (sigwait(&h->set, &sig) != 0)
		;
	exit(0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"pin", required_argument, NULL, 'p'},
	    {"lock", required_argument, NULL, 'l'},
	    {"grow", required_argument, NULL, 'g'},
	    {"every", required_argument, NULL, 'e'},
	    {"grow-max", required_argument, NULL, 'm'},
	    {"ignore-term", no_argument, NULL, 'T'},
	    {"cgroup", required_argument, NULL, 'c'},
	    {"ready-file", required_argument, NULL, 'r'},
	    {"name", required_argument, NULL, 'n'},
	    {"leader-exits", no_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	size_t pin = 0, lock = 0, grow = 0, grow_max = SIZE_MAX, extra = 0, step;
	const char *cgroup = NULL, *ready_file = NULL, *name = NULL;
	int ignore_term = 0, leader_exits = 0, c, sig;
	unsigned long every = 1000;
	struct rlimit rl;
	struct timespec ts;
	int64_t next = 0, left;
	char *end, path[4096];
	sigset_t set;

	page_size = (size_t)sysconf(_SC_PAGESIZE);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pin = parse_size(optarg, "--pin");
			break;
		case 'l':
			lock = parse_size(optarg, "--lock");
			break;
		case 'g':
			grow = parse_size(optarg, "--grow");
			break;
		case 'm':
			grow_max = parse_size(optarg, "--grow-max");
			break;
		case 'e':
			errno = 0;
			every = isdigit((unsigned char)optarg[0]) ? strtoul(optarg, &end, 10) : 0;
			if (!every || errno || *end || every > 86400000)
				bad_arg("--every", optarg,
					"expected milliseconds between 1 and 86400000");
			break;
		case 'T':
			ignore_term = 1;
			break;
		case 'c':
			cgroup = optarg;
			break;
		case 'r':
			ready_file = optarg;
			break;
		case 'n':
			name = optarg;
			if (!*name || strlen(name) > 15)
				bad_arg("--name", name, "must be 1 to 15 characters");
			break;
		case 'L':
			leader_exits = 1;
			break;
		case 'h':
			usage(stdout, 0);
		default:
			usage(stderr, 2);
		}
	}
	if (argc - optind > 1)
		usage(stderr, 2);
	if (leader_exits && grow)
		bad_arg("--leader-exits", "--grow", "the two do not go together");
	if (optind < argc)
		pin = parse_size(argv[optind], "PIN_SIZE");
	pin = page_round(pin);
	lock = page_round(lock);
	grow = page_round(grow);

	/*
	 * Termination signals stay blocked and are only consumed by sigwaitinfo/sigtimedwait
	 * below. Reset them to default in case a shell started us with SIGINT ignored.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	if (!ignore_term)
		sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, ignore_term ? SIG_IGN : SIG_DFL);
	signal(SIGPIPE, SIG_IGN);

	if (name && prctl(PR_SET_NAME, name, 0, 0, 0))
		fail(errno, "prctl(PR_SET_NAME)");
	/* Best effort: lets unprivileged runs pin up to the hard limit. */
	if (!getrlimit(RLIMIT_MEMLOCK, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &rl);
	}
	if (cgroup) {
		if (snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup) >= (int)sizeof(path))
			fail(ENAMETOOLONG, "%s/cgroup.procs", cgroup);
		write_pid(path);
	}
	if (lock)
		lock_region(lock);
	if (pin)
		pin_region(pin);
	if (leader_exits) {
		static Holder h;
		pthread_t t;
		h = (Holder){.set = set, .ready_file = ready_file, .pin = pin, .lock = lock};
		if ((errno = pthread_create(&t, NULL, hold, &h)))
			fail(errno, "pthread_create");
		pthread_exit(NULL);
	}
	announce(ready_file, pin, lock);

	if (grow)
		next = now_ns() + (int64_t)every * 1000000;
	for (;;) {
		if (!grow || extra >= grow_max) {
			sig = sigwaitinfo(&set, NULL);
		} else {
			left = next - now_ns();
			if (left <= 0) {
				step =
				    grow_max - extra < grow ? page_round(grow_max - extra) : grow;
				pin_region(step);
				extra += step;
				pin += step;
				printf("grew pinned=%zu\n", pin);
				fflush(stdout);
				next += (int64_t)every * 1000000;
				if (next < now_ns())
					next = now_ns();
				continue;
			}
			ts.tv_sec = left / 1000000000;
			ts.tv_nsec = left % 1000000000;
			sig = sigtimedwait(&set, NULL, &ts);
			if (sig < 0 && errno == EAGAIN)
				continue;
		}
		if (sig < 0 && errno == EINTR)
			continue;
		if (sig < 0)
			fail(errno, "sigwait");
		return 0;
	}
}
