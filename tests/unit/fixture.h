/* SPDX-License-Identifier: MIT */
#pragma once

#include <limits.h>
#include <stdint.h>

#include "cglayout.h"
#include "cgtree.h"
#include "measure.h"
#include "scan.h"

/* A fake /proc and cgroupfs below a temporary directory, for measuring end to end. The test
 * case needs tu_base_setup()/tu_base_teardown() (testutil.h) as its unchecked fixture. */

#define KB(x) (UINT64_C(x) * 1024)

#define VM1_SCOPE  "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope"
#define LIBVIRT    VM1_SCOPE "/libvirt"
#define EMULATOR   VM1_SCOPE "/libvirt/emulator"
#define VM2        "/machine.slice/vm2.service"
#define QEMU_SLICE "/machine.slice/machine-qemu.slice"
#define VM3_SCOPE  QEMU_SLICE "/machine-qemu\\x2d2\\x2dvm3.scope"
#define SESSION    "/user.slice/user-1000.slice/session-1.scope"
#define AUX_VM2    "/aux/deep/vm2.service"        /* deeper namesakes of VM2, walked */
#define LATE_VM2   "/user.slice/late/vm2.service" /* before and after it */
#define GHOST      "/machine.slice/ghost.scope"
#define GHOST_SUB  GHOST "/payload" /* in a cgroup file only, not in cgroupfs */

/* What a scan of the fake /proc finds (see fake_procs in fixture.c) */
#define N_VISITED   13
#define N_REPORTED  7
#define N_MALFORMED 2                /* 500, 600 */
#define N_VANISHED  2                /* 700 (no cgroup file), 1000 (empty status) */
#define TOTAL_PIN   KB(1048672)      /* 1048576 + 4 + 16 + 64 + 8 + 4 */
#define TOTAL_LCK   KB(2600)         /* 2048 + 512 + 8 + 32 */
#define MACHINE_PIN KB(1048588)      /* 1048576 + 4 + 8 */
#define MACHINE_LCK KB(2560)         /* 2048 + 512 */
#define FOLL_PAGES  UINT64_C(263000) /* 300000 acquired - 37000 released */

/* The cgroup layouts fx_build() makes */
typedef enum { FX_V2, FX_HYBRID, FX_LEGACY, FX_N } FxKind;

typedef struct Fixture {
	char root[PATH_MAX]; /* the per-test directory, from fx_tmp_new() */
	char proc[PATH_MAX], unified[PATH_MAX], systemd[PATH_MAX], memory[PATH_MAX];
	CgLayout layout;
	Scanner *scanner;
	Snapshot snap;
} Fixture;

extern Fixture fx;

/* the fake /proc/meminfo */
extern const char fx_meminfo[];

/* Makes a new, empty fx.root below tu_base_dir(). */
void fx_tmp_new(void);

/* Writes content to fx.root/<formatted name>, creating the directories on the way. */
__attribute__((format(printf, 2, 3))) void fx_put(const char *content, const char *fmt, ...);

/* Makes fx.root with a fake /proc (fx.proc) and cgroupfs of the given kind, and fx.layout and
 * fx.scanner for them. */
void fx_build(FxKind kind);

/* Takes fx.snap below cgroup_root (replacing the last one); returns its tree. */
CgTree *fx_snapshot(const char *cgroup_root);

/* Frees what fx_build() and fx_snapshot() made and removes fx.root. */
void fx_done(void);
