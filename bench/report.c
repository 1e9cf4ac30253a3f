/* SPDX-License-Identifier: MIT */
/* pinbench's tables: scan cost, ratios, the daemon, the targets. */
#include <stdio.h>

#include "pinbench.h"

const char *const method_name[N_METHODS] = {
    [M_PROCFS] = "pind procfs, budgeted",
    [M_PROCFS_ALL] = "pind procfs, all",
    [M_BPF] = "pind bpf scan",
    [M_BPF_ITER] = "pind bpf, iterator",
    [M_WALK] = "bare task walk floor",
    [M_ITER] = "bare iterator floor",
    [M_PREAD] = "pread floor, budgeted",
    [M_PREAD_ALL] = "pread floor, all",
    [M_OPEN_READ] = "open+read+close, all",
    [M_PIPE] = "shell pipeline",
};

static double ratio(const Result *a, const Result *b)
{
	return a->ran && b->ran && b->med_ns > 0 ? a->med_ns / b->med_ns : -1;
}

/* A row of the targets table; v < 0: not measured. */
static void target(const char *what, int prec, const char *unit, double v, const char *limit,
		   double max, bool at_most)
{
	char m[32] = "-";
	if (v >= 0)
		snprintf(m, sizeof(m), "%.*f%s", prec, v, unit);
	printf("| %-50s | %10s | %9s | %-6s |\n", what, m, limit,
	       v < 0                             ? "n/a"
	       : (at_most ? v <= max : v >= max) ? "PASS"
						 : "FAIL");
}

/* The budgeted methods read the bench's processes only. */
static bool budgeted(int m)
{
	return m == M_PROCFS || m == M_PREAD;
}

void report(const Report *R)
{
	char what[80], lim[32];

	printf("### Scan cost\n\nMedian of %u passes after %u warm-ups (shell pipeline: %u); "
	       "read = processes the method reads: all in /proc, or the budgeted subtree's "
	       "(the bench's); us/proc = median / read. Bytes found: bench = in the bench's "
	       "processes (the pinhogs), checked for exact agreement; host = in all processes "
	       "read, for information (processes outside the bench may change meanwhile; the "
	       "pipeline counts VmPin only).\n\n"
	       "|     N |  read | method                | median ms |    min ms |    max ms | "
	       "us/proc | bench pinned B | bench locked B |  host pinned B |  host locked B |\n"
	       "|------:|------:|-----------------------|----------:|----------:|----------:|"
	       "--------:|---------------:|---------------:|---------------:|---------------:|\n",
	       PASSES, WARMUP, PIPE_PASSES);
	for (int i = 0; i < 2; i++)
		for (int m = 0; m < N_METHODS; m++) {
			const Result *r = &R->res[i][m];
			const Totals *t = &r->tot;
			unsigned read = budgeted(m) ? R->budgeted[i] : R->procs[i];
			char bl[24] = "-", hl[24] = "-";
			if (m != M_PIPE) {
				snprintf(bl, sizeof(bl), "%llu",
					 (unsigned long long)t->bench_locked);
				snprintf(hl, sizeof(hl), "%llu", (unsigned long long)t->locked);
			}
			printf("| %5u | %5u | %-21s | %9.3f | %9.3f | %9.3f | %7.3f | %14llu | "
			       "%14s | %14llu | %14s |%s\n",
			       R->counts[i], read, method_name[m], r->med_ns / 1e6, r->min_ns / 1e6,
			       r->max_ns / 1e6, r->med_ns / 1e3 / read,
			       (unsigned long long)t->bench_pinned, bl,
			       (unsigned long long)t->pinned, hl, r->ran ? "" : " failed");
		}
	printf("\n### Ratios of the medians\n\n"
	       "|     N | bpf / walk floor | bpf iterator / iter floor | pread all / bpf | "
	       "procfs budgeted / its pread | procfs all / pread all | open+read / pread all | "
	       "pipeline / bpf |\n"
	       "|------:|-----------------:|--------------------------:|----------------:|"
	       "----------------------------:|-----------------------:|----------------------:|"
	       "---------------:|\n");
	for (int i = 0; i < 2; i++) {
		const Result *r = R->res[i];
		printf("| %5u | %16.2f | %25.2f | %15.1f | %27.2f | %22.2f | %21.2f | %14.1f |\n",
		       R->counts[i], ratio(&r[M_BPF], &r[M_WALK]),
		       ratio(&r[M_BPF_ITER], &r[M_ITER]), ratio(&r[M_PREAD_ALL], &r[M_BPF]),
		       ratio(&r[M_PROCFS], &r[M_PREAD]), ratio(&r[M_PROCFS_ALL], &r[M_PREAD_ALL]),
		       ratio(&r[M_OPEN_READ], &r[M_PREAD_ALL]), ratio(&r[M_PIPE], &r[M_BPF]));
	}
	printf(
	    "\n### Daemon\n\npind --cgroup-root=<bench cgroup>, ScanIntervalSec=1s, the whole "
	    "bench cgroup budgeted, N=%u; CPU in %% of one core (utime+stime from "
	    "/proc/PID/stat), memory at the end (RssFile: the pages of pind's and its libraries' "
	    "files it has mapped, shared with other processes; which of them fault-around "
	    "maps varies by some 100 KiB from run to run with the libraries' load "
	    "addresses).\n\n"
	    "| scanner | secs |  CPU %% | VmRSS KiB | of it RssFile KiB | VmHWM KiB |\n"
	    "|---------|-----:|-------:|----------:|------------------:|----------:|\n",
	    R->counts[1]);
	for (int d = 0; d < 2; d++) {
		const DaemonResult *r = &R->daemon[d];
		if (r->scanner)
			printf("| %-7s | %4u | %6.3f | %9llu | %17llu | %9llu |%s\n", r->scanner,
			       r->secs, r->cpu_pct, (unsigned long long)r->rss / 1024,
			       (unsigned long long)r->rss_file / 1024,
			       (unsigned long long)r->hwm / 1024, r->ran ? "" : " failed");
	}

	const FullScanResult *f = &R->full;
	printf("\n### Full scan\n\npind as the daemon runs, Scanner=bpf, ScanIntervalSec=100ms, "
	       "over %u processes in %u services of 10 in %u slices, a budget on each slice; "
	       "LastScanUSec (the budgets that apply, the pass, the sums, the policy, the actions) "
	       "from its STATUS= after each scan, the bare task walk halfway to the next. "
	       "Medians of 31 after 5 warm-ups.\n\n",
	       f->procs, f->budgets * 10, f->budgets);
	if (f->ran)
		printf("| cgroups | budgets | pind full scan us | bare task walk us | ratio | "
		       "re-walks |\n|--------:|--------:|------------------:|------------------:|"
		       "------:|---------:|\n| %7u | %7u | %17.0f | %17.0f | %5.2f | %8u |\n",
		       f->cgroups, f->budgets, f->scan_us, f->walk_us,
		       f->walk_us > 0 ? f->scan_us / f->walk_us : 0, f->rewalks);
	else
		printf("Not measured: %s.\n", f->why[0] ? f->why : "no bpf or no pind");
	printf("\nA cgroup made below a slice and removed again: pind counted it %s and %s, "
	       "with %u re-walks of the tree.\n",
	       f->seen_create ? "made" : "NOT made", f->seen_remove ? "removed" : "NOT removed",
	       f->rewalks);

	const Result *x = R->counts[1] == 10000 ? R->res[1] : NULL;
	const Result *y = R->counts[0] == 1000 ? R->res[0] : NULL;
	const DaemonResult *bd = &R->daemon[0];
	bool cpu = bd->ran && R->counts[1] == 10000, agree = !R->mismatch[0] && !R->mismatch[1];
	double rss_max = 8.0 * MiB + 256.0 * R->pinning;
	printf("\n### Targets\n\n| %-50s |   measured |     limit | result |\n"
	       "|%.52s|-----------:|----------:|--------|\n",
	       "target", "-----------------------------------------------------");
	target("bpf scan / bare task walk floor (N=10000)", 2, "x",
	       x ? ratio(&x[M_BPF], &x[M_WALK]) : -1, "<= 1.2x", 1.2, true);
	target("bpf scan, iterator / bare iterator floor (N=10000)", 2, "x",
	       x ? ratio(&x[M_BPF_ITER], &x[M_ITER]) : -1, "<= 1.2x", 1.2, true);
	target("bpf scan vs the pread floor, all (N=10000)", 1, "x",
	       x ? ratio(&x[M_PREAD_ALL], &x[M_BPF]) : -1, ">= 15x", 15, false);
	target("procfs scan, budgeted / its pread floor (N=1000)", 2, "x",
	       y ? ratio(&y[M_PROCFS], &y[M_PREAD]) : -1, "<= 1.2x", 1.2, true);
	target("pind CPU, bpf, 1 s interval, N=10000 (one core)", 3, "%", cpu ? bd->cpu_pct : -1,
	       "<= 1%", 1.0, true);
	snprintf(what, sizeof(what), "pind VmRSS, bpf (8 MiB + 256 B x %u pinning)", R->pinning);
	snprintf(lim, sizeof(lim), "%.0f KiB", rss_max / 1024);
	target(what, 0, " KiB", bd->ran ? (double)bd->rss / 1024 : -1, lim, rss_max / 1024, true);
	const FullScanResult *fs = &R->full;
	target("pind full scan / bare task walk (LastScanUSec)", 2, "x",
	       fs->ran && fs->walk_us > 0 ? fs->scan_us / fs->walk_us : -1, "<= 1.5x", 1.5, true);
	bool seen = fs->ran && fs->seen_create && fs->seen_remove && fs->rewalks == 0;
	printf("| %-50s | %10s | %9s | %-6s |\n", "a cgroup made and removed: seen, no re-walk",
	       !fs->ran ? "-"
	       : seen   ? "yes"
			: "no",
	       "yes",
	       !fs->ran ? "n/a"
	       : seen   ? "PASS"
			: "FAIL");
	printf("| %-50s | %10s | %9s | %-6s |\n",
	       "bench totals agree exactly, all methods, every N", agree ? "yes" : "MISMATCH",
	       "exact", agree ? "PASS" : "FAIL");
	for (int i = 0; i < 2; i++)
		if (R->apart[i])
			printf("\nAt N=%u the procfs scan, budgeted, and its pread floor were "
			       "measured "
			       "one after the other, not in turn: the fd limit does not hold both "
			       "sets of status files.\n",
			       R->counts[i]);
	if (R->bpf_detail)
		printf("\npind's bpf scanner here: %s.\n", R->bpf_detail);
	if (R->res[1][M_ITER].tot.skipped_init || R->res[1][M_WALK].tot.skipped_init)
		puts("\nThe bare floors did not visit PID 1 (on this host it is on neither the "
		     "kernel's task list nor the task iterator's walk), so their host totals lack "
		     "PID 1's; pind's bpf scan reads PID 1 through procfs then.");
}
