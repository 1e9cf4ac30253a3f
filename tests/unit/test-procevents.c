/* SPDX-License-Identifier: MIT */
/* The proc connector on the real kernel: a child the test starts is seen starting,
 * exec'ing and exiting; an overflowing socket says events were lost, and the procfs
 * scanner then re-reads its subtrees. Needs root (CAP_NET_ADMIN); says so and passes
 * otherwise. */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cglayout.h"
#include "procevents.h"
#include "scan.h"
#include "testutil.h"

#define MAX_SEEN 4096

typedef struct Seen {
	ProcEventKind kind[MAX_SEEN];
	pid_t pid[MAX_SEEN];
	size_t n;
} Seen;

static void record(ProcEventKind kind, pid_t pid, void *userdata)
{
	Seen *s = userdata;
	if (s->n < MAX_SEEN) {
		s->kind[s->n] = kind;
		s->pid[s->n++] = pid;
	}
}

static bool seen(const Seen *s, ProcEventKind kind, pid_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->kind[i] == kind && s->pid[i] == pid)
			return true;
	return false;
}

/* Dispatches for up to ms, or until want(kind, pid) was seen. */
static void pump(ProcEvents *e, Seen *s, ProcEventKind kind, pid_t pid, int ms)
{
	struct pollfd p = {.fd = proc_events_fd(e), .events = POLLIN};

	for (int left = ms; left > 0 && !seen(s, kind, pid); left -= 10) {
		if (poll(&p, 1, 10) > 0)
			ck_assert_int_eq(proc_events_dispatch(e), 0);
	}
}

START_TEST(test_start_exec_exit)
{
	ProcEvents *e = NULL;
	Seen s = {};

	if (geteuid() != 0) {
		printf("SKIP: the proc connector needs root (CAP_NET_ADMIN)\n");
		return;
	}
	int r = proc_events_open(record, &s, &e);
	ck_assert_msg(r == 0, "proc_events_open: %s", strerror(-r));

	int go[2];
	ck_assert_int_eq(pipe(go), 0);
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1) /* wait until the test listens */
			_exit(1);
		execl("/bin/sleep", "sleep", "0.2", (char *)NULL);
		_exit(127);
	}
	close(go[0]);
	pump(e, &s, PROC_STARTED, child, 1000);
	ck_assert_msg(seen(&s, PROC_STARTED, child), "no start event for %d", (int)child);
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	close(go[1]);
	pump(e, &s, PROC_EXECED, child, 2000);
	ck_assert_msg(seen(&s, PROC_EXECED, child), "no exec event for %d", (int)child);
	pump(e, &s, PROC_EXITED, child, 3000);
	ck_assert_msg(seen(&s, PROC_EXITED, child), "no exit event for %d", (int)child);
	int status;
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	proc_events_close(e);
}
END_TEST

/* Threads are no processes: a thread of the test appears in no event. */
static void *idle(void *arg)
{
	(void)arg;
	return NULL;
}

START_TEST(test_threads_are_not_processes)
{
	ProcEvents *e = NULL;
	Seen s = {};
	pthread_t t;

	if (geteuid() != 0) {
		printf("SKIP: the proc connector needs root (CAP_NET_ADMIN)\n");
		return;
	}
	ck_assert_int_eq(proc_events_open(record, &s, &e), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, idle, NULL), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	pump(e, &s, PROC_STARTED, -1, 200);
	ck_assert(!seen(&s, PROC_STARTED, getpid()));
	ck_assert(!seen(&s, PROC_EXITED, getpid()));
	for (size_t i = 0; i < s.n; i++) /* whatever else ran: never a thread id of ours */
		ck_assert_int_ne(s.pid[i], 0);
	proc_events_close(e);
}
END_TEST

/* Starts and reaps n children that exit at once: 2 events each. */
static void churn(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			_exit(0);
		ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	}
}

START_TEST(test_overflow_is_lost)
{
	ProcEvents *e = NULL;
	Seen s = {};
	int tiny = 1; /* the kernel's minimum */

	if (geteuid() != 0) {
		printf("SKIP: the proc connector needs root (CAP_NET_ADMIN)\n");
		return;
	}
	ck_assert_int_eq(proc_events_open(record, &s, &e), 0);
	ck_assert_int_eq(setsockopt(proc_events_fd(e), SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny)),
			 0);
	churn(200);
	ck_assert_int_eq(proc_events_dispatch(e), 0);
	ck_assert(seen(&s, PROC_LOST, 0));
	proc_events_close(e);
}
END_TEST

static int ignore(const PinRecord *r, void *userdata)
{
	(void)r;
	(void)userdata;
	return 0;
}

START_TEST(test_scanner_resyncs_after_loss)
{
	CgLayout l;
	Scanner *sc;
	ScanStats st;
	int tiny = 1, big = 1 << 20;
	const char *scope[] = {"/pind-test-no-such-cgroup"};

	if (geteuid() != 0) {
		printf("SKIP: the proc connector needs root (CAP_NET_ADMIN)\n");
		return;
	}
	ck_assert_int_eq(cg_layout_discover(&l), 0);
	ck_assert_int_eq(scanner_procfs_new("/proc", &l, &sc), 0);
	ck_assert_int_eq(scanner_set_scope(sc, scope, 1), 0);
	ck_assert_int_eq(scanner_run(sc, ignore, NULL, &st), 0);
	ck_assert_int_eq(st.resync, RESYNC_SCOPE);
	ck_assert_int_eq(st.events_error, 0);
	ck_assert_int_eq(scanner_run(sc, ignore, NULL, &st), 0);
	ck_assert_int_eq(st.resync, RESYNC_NONE); /* events keep it current */
	int fd = scanner_event_fd(sc);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny)), 0);
	churn(200);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big)), 0);
	ck_assert_int_eq(scanner_run(sc, ignore, NULL, &st), 0);
	ck_assert_int_eq(st.resync, RESYNC_LOST);
	scanner_free(sc);
	cg_layout_done(&l);
}
END_TEST

static Suite *procevents_suite(void)
{
	Suite *s = suite_create("procevents");
	TCase *tc = tcase_create("connector");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_start_exec_exit);
	tcase_add_test(tc, test_threads_are_not_processes);
	tcase_add_test(tc, test_overflow_is_lost);
	tcase_add_test(tc, test_scanner_resyncs_after_loss);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(procevents_suite());
}
