/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "macro.h"
#include "testutil.h"

Fixture fx;

/* the cgroups in cgroupfs (with their parents) */
static const char *const cgroup_dirs[] = {EMULATOR, VM2,     VM3_SCOPE, "/system.slice",
					  SESSION,  AUX_VM2, LATE_VM2};

/* The processes below pin or lock (in kB) as follows; -1: no Vm lines (kernel thread). */
enum { P_OK, P_FORGED, P_GARBAGE, P_NO_CGROUP, P_EMPTY };
static const struct {
	const char *dir, *name;
	long pid; /* as the status file says */
	const char *cgroup;
	long pin_kb, lck_kb;
	int kind;
} fake_procs[] = {
    {"2", "kthreadd", 2, "/", -1, -1, P_OK},
    {"100", "qemu-vm1", 100, EMULATOR, 1048576, 2048, P_OK},
    {"101", "vm1-helper", 101, VM1_SCOPE, 4, 0, P_OK},
    {"200", "vm2", 200, VM2, 0, 512, P_OK},
    {"300", "journald", 300, "/system.slice", 16, 8, P_OK},
    {"400", "idle", 400, "/system.slice", 0, 0, P_OK},
    {"500", "forged", 501, VM2, 256, 256, P_FORGED}, /* Pid != directory name */
    {"600", NULL, 600, "/system.slice", 0, 0, P_GARBAGE},
    {"700", "nocgroup", 700, VM2, 128, 0, P_NO_CGROUP},
    {"800", "session", 800, SESSION, 64, 32, P_OK},
    {"900", "ghost", 900, GHOST_SUB, 8, 0, P_OK},
    {"1000", "exiting", 1000, "/system.slice", 0, 0, P_EMPTY},
    {"1100", "sibling", 1100, "/machine.slicex", 4, 0, P_OK}, /* not below /machine.slice */
    {"self", "qemu-vm1", 100, EMULATOR, 1048576, 2048, P_OK}, /* not a PID */
};

const char fx_meminfo[] = "MemTotal:       16315204 kB\nMemFree:         1234 kB\n"
			  "Mlocked:            2600 kB\n";
static const char vmstat[] = "nr_free_pages 300\nnr_mlock 650\nnr_foll_pin_acquired 300000\n"
			     "nr_foll_pin_released 37000\ncompact_stall_x 99\ncompact_stall 7\n"
			     "compact_fail 3\ncompact_success 4\n";

void fx_tmp_new(void)
{
	tu_mkdtemp(fx.root, sizeof(fx.root), tu_base_dir(), "t-");
}

void fx_put(const char *content, const char *fmt, ...)
{
	char rel[PATH_MAX], path[PATH_MAX + 16];
	va_list ap;

	va_start(ap, fmt);
	ck_assert_int_lt(vsnprintf(rel, sizeof(rel), fmt, ap), (int)sizeof(rel));
	va_end(ap);
	tu_xsnprintf(path, "%s/%s", fx.root, rel);
	tu_write_file(path, content);
}

static char *status_text(const char *name, long pid, long pin_kb, long lck_kb)
{
	char vm[256] = "", *s = NULL;

	if (pin_kb >= 0)
		snprintf(vm, sizeof(vm),
			 "VmPeak:\t  123456 kB\nVmSize:\t  123400 kB\nVmLck:\t%8ld kB\n"
			 "VmPin:\t%8ld kB\nVmHWM:\t   20000 kB\nVmRSS:\t   19000 kB\n",
			 lck_kb, pin_kb);
	ck_assert_int_ge(asprintf(&s,
				  "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%ld\n"
				  "Ngid:\t0\nPid:\t%ld\nPPid:\t1\nTracerPid:\t0\nUid:\t0\t0\t0\t0\n"
				  "FDSize:\t64\n%sThreads:\t3\nSigQ:\t0/62955\n"
				  "voluntary_ctxt_switches:\t10\n",
				  name, pid, pid, vm),
			 0);
	return s;
}

/* The other hierarchies name other paths: reading the wrong line would show. */
static char *cgroup_text(FxKind kind, const char *cg)
{
	char *s = NULL;
	int r = -1;

	if (kind == FX_V2)
		r = asprintf(&s, "0::%s\n", cg);
	else if (kind == FX_HYBRID)
		r = asprintf(&s,
			     "12:memory:/mem%1$s\n11:cpu,cpuacct:/cpu\n1:name=systemd:/sd%1$s\n"
			     "0::%1$s\n",
			     cg);
	else
		r = asprintf(&s, "12:memory:/mem%1$s\n11:cpu,cpuacct:/cpu\n1:name=systemd:%1$s\n",
			     cg);
	ck_assert_int_ge(r, 0);
	return s;
}

static void put_procs(FxKind kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(fake_procs); i++) {
		const char *dir = fake_procs[i].dir;
		_cleanup_free_ char *status = NULL, *cgroup = NULL;

		if (fake_procs[i].kind == P_GARBAGE)
			status = strdup("this is not\na status file\n\x01\x02\x03");
		else if (fake_procs[i].kind == P_EMPTY)
			status = strdup("");
		else
			status = status_text(fake_procs[i].name, fake_procs[i].pid,
					     fake_procs[i].pin_kb, fake_procs[i].lck_kb);
		ck_assert_ptr_nonnull(status);
		fx_put(status, "proc/%s/status", dir);
		if (fake_procs[i].kind == P_NO_CGROUP)
			continue;
		cgroup = cgroup_text(kind, fake_procs[i].cgroup);
		fx_put(cgroup, "proc/%s/cgroup", dir);
		/* comm with blanks and a ')' as the kernel allows; start time: 1000 + pid */
		_cleanup_free_ char *stat = NULL;
		ck_assert_int_ge(
		    asprintf(&stat,
			     "%ld (a) b) S 1 1 1 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 "
			     "%ld 1000 10 18446744073709551615 0 0 0\n",
			     fake_procs[i].pid, 1000 + fake_procs[i].pid),
		    0);
		fx_put(stat, "proc/%s/stat", dir);
	}
	fx_put(fx_meminfo, "proc/meminfo");
	fx_put(vmstat, "proc/vmstat");
}

static void put_cgroup_dirs(const char *hier)
{
	for (size_t i = 0; i < ARRAY_SIZE(cgroup_dirs); i++)
		fx_put("", "sys/%s%s/cgroup.procs", hier, cgroup_dirs[i]);
	fx_put("", "sys/%s/cgroup.procs", hier);
}

static void put_memcg_v2(void)
{
	fx_put("2147483648\n", "sys/unified/machine.slice/memory.current");
	fx_put("max\n", "sys/unified/machine.slice/memory.max");
	fx_put("anon 1\nfile 2\nkernel 3\nunevictable 8192\nactive_anon 4\n",
	       "sys/unified/machine.slice/memory.stat");
	fx_put("1048576\n", "sys/unified" VM2 "/memory.current");
	fx_put("4294967296\n", "sys/unified" VM2 "/memory.max");
	fx_put("anon 5\nfile 0\nunevictable 524288\n", "sys/unified" VM2 "/memory.stat");
	fx_put("4096\n", "sys/unified" VM1_SCOPE "/memory.current"); /* no memory.stat */
	fx_put("max\n", "sys/unified" VM1_SCOPE "/memory.max");
}

static void put_memcg_v1(void)
{
	put_cgroup_dirs("memory");
	fx_put("999999\n", "sys/memory/memory.usage_in_bytes");
	fx_put("9223372036854771712\n", "sys/memory/memory.limit_in_bytes");
	fx_put("cache 0\ntotal_unevictable 0\n", "sys/memory/memory.stat");
	fx_put("3145728\n", "sys/memory/machine.slice/memory.usage_in_bytes");
	fx_put("9223372036854771712\n", "sys/memory/machine.slice/memory.limit_in_bytes");
	fx_put("cache 0\nrss 1\nunevictable 4096\nhierarchical_memory_limit 9223372036854771712\n"
	       "total_cache 0\ntotal_rss 1\ntotal_unevictable 12288\n",
	       "sys/memory/machine.slice/memory.stat");
	fx_put("1000\n", "sys/memory" VM2 "/memory.usage_in_bytes");
	fx_put("1073741824\n", "sys/memory" VM2 "/memory.limit_in_bytes");
	fx_put("unevictable 4096\ntotal_unevictable 40960\n", "sys/memory" VM2 "/memory.stat");
}

void fx_build(FxKind kind)
{
	const char *unified = NULL, *systemd = NULL, *memory = NULL;

	fx_tmp_new();
	tu_xsnprintf(fx.proc, "%s/proc", fx.root);
	tu_xsnprintf(fx.unified, "%s/sys/unified", fx.root);
	tu_xsnprintf(fx.systemd, "%s/sys/systemd", fx.root);
	tu_xsnprintf(fx.memory, "%s/sys/memory", fx.root);
	put_procs(kind);
	if (kind == FX_V2) {
		put_cgroup_dirs("unified");
		fx_put("memory pids\n", "sys/unified/cgroup.controllers");
		put_memcg_v2();
		unified = fx.unified;
	} else if (kind == FX_HYBRID) {
		put_cgroup_dirs("unified");
		fx_put("", "sys/unified/cgroup.controllers");
		put_memcg_v1();
		unified = fx.unified;
		memory = fx.memory;
	} else {
		put_cgroup_dirs("systemd");
		put_memcg_v1();
		systemd = fx.systemd;
		memory = fx.memory;
	}
	ck_assert_int_eq(cg_layout_init(&fx.layout, unified, systemd, memory, NULL), 0);
	ck_assert_int_eq(scanner_procfs_new(fx.proc, &fx.layout, &fx.scanner), 0);
}

CgTree *fx_snapshot(const char *cgroup_root)
{
	snapshot_done(&fx.snap);
	ck_assert_int_eq(snapshot_take(fx.scanner, &fx.layout, fx.proc, cgroup_root, &fx.snap), 0);
	ck_assert_ptr_nonnull(fx.snap.tree);
	return fx.snap.tree;
}

void fx_done(void)
{
	snapshot_done(&fx.snap);
	scanner_free(fx.scanner);
	cg_layout_done(&fx.layout);
	tu_rm_rf(fx.root);
	memset(&fx, 0, sizeof(fx));
}
