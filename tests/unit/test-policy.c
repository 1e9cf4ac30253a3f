/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budgets.h"
#include "cgtree.h"
#include "macro.h"
#include "policy.h"
#include "testutil.h"

/* policy_decide() as the daemon drives it: each scenario is a script of scans at fake times.
 * A scan lists the processes holding pins and the budgets in force (both carried over from
 * the previous scan when left out) and every decision expected, rendered as
 * "KIND BUDGET" for reports and "KIND BUDGET TARGET [PID@STARTTIME] [SIGNAL]" for actions,
 * compared as a whole list. The state goes from scan to scan; after each scan every decision's
 * outcome goes back through policy_outcome(): 0, or the result the step names. */

#define S(x)     (UINT64_C(1000000) * (x)) /* seconds -> µs */
#define T(x)     .t = S(x)                 /* a step at x s; T(11) - 1 is a µs before */
#define GRACE    S(10)
#define ESCALATE S(5)

enum { MAX_P = 6, MAX_B = 3, MAX_DIRS = 4, MAX_D = 6, MAX_O = 2, MAX_STEPS = 9 };

typedef struct {
	pid_t pid; /* -1: no process at all in this scan */
	uint64_t start;
	const char *comm, *cgroup;
	uint64_t pinned, locked;
} Proc;

typedef struct {
	const char *name; /* "": no budget at all in this scan */
	uint64_t max;
	Action action;
	Target target; /* 0: newest */
	uint64_t reserved;
} Bud;

typedef struct {
	DecisionKind kind;
	const char *target; /* NULL ends the list */
	int result;
} Result;

typedef struct {
	uint64_t t;                 /* now, µs; 0 ends the script */
	bool restart;               /* pind restarted before this scan: the state is lost */
	const char *adopt[2][2];    /* {budget, cgroup} found frozen with pind's mark at restart */
	Proc p[MAX_P];              /* empty: as in the previous scan */
	Bud b[MAX_B];               /* empty: as in the previous scan */
	const char *dirs[MAX_DIRS]; /* cgroups without a pinning process (this scan only) */
	const char *stopping[2];    /* cgroups of units systemd is stopping (this scan only) */
	const char *want[MAX_D];
	Result out[MAX_O]; /* outcomes other than 0 */
	bool same_culprit; /* the action names the culprit the last "exceeded" named */
} Step;

typedef struct {
	const char *name;
	unsigned count; /* 0: pinned */
	int signal;     /* 0: SIGTERM */
	const char *protected[3];
	const char *own;
	Step s[MAX_STEPS];
} Scenario;

#define SVC_B "/a.slice/b.service"
#define SVC_C "/a.slice/c.service"
#define SVC_D "/a.slice/d.service"
/* clang-format off */
#define PB(n)       {100, 1, "hog", SVC_B, n, 0}
#define PC(n)       {200, 1, "cat", SVC_C, n, 0}
#define PD(n)       {300, 1, "dd", SVC_D, n, 0}
#define NONE        {{.pid = -1}}
#define NOBUD       {{.name = ""}}
#define A(max, act) {{"a.slice", max, ACTION_##act}}
#define AL(max, act) {{"a.slice", max, ACTION_##act, TARGET_LARGEST}}
#define VM1    "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope"
#define VM2    "/machine.slice/machine-qemu\\x2d2\\x2dvm2.scope"
#define QEMU1  "/machine/qemu-1-vm1.libvirt-qemu"
#define QEMU2  "/machine/qemu-2-vm2.libvirt-qemu"
#define NESTED "/machine.slice/machine-qemu.slice"

/* the usual start: b.service 60 and c.service 50 over a.slice's 100, frozen at 11 s */
#define OVER_FROZEN(act)                                                                           \
	{T(1), .p = {PB(60), PC(50)}, .b = A(100, act), .want = {"exceeded a.slice"}},             \
	{T(11), .want = {"freeze a.slice " SVC_B " 100@1"}}
/* clang-format on */

static const Scenario scenarios[] = {
    {"under budget: nothing",
     .s = {{T(1), .p = {PB(60), PC(30)}, .b = A(100, FREEZE)}, {T(11)}, {T(30)}}},
    {"usage == max is not over",
     .s = {{T(1), .p = {PB(60), PC(40)}, .b = A(100, FREEZE)},
	   {T(20)},
	   {T(21), .p = {PB(60), PC(41)}, .want = {"exceeded a.slice"}},
	   {T(23), .p = {PB(60), PC(40)}, .want = {"restored a.slice"}}}},
    {"over, grace not reached: exceeded once, no action",
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(100, FREEZE), .want = {"exceeded a.slice"}},
	   {T(5), .p = {PB(70), PC(50)}},
	   {T(11) - 1}}},
    {"grace reached: freeze the unit holding most; nothing more while nothing grows",
     .s = {OVER_FROZEN(FREEZE), {T(13)}, {T(15), .p = {PB(65), PC(45)}}}},
    {"leaf-most: a unit below a slice beats the slice's larger subtree",
     .s = {{T(1),
	    .p = {{100, 1, "big", "/a.slice/a-big.slice", 30, 0},
		  {101, 1, "e", "/a.slice/a-big.slice/e.service", 40, 0},
		  PC(50)},
	    .b = A(100, FREEZE), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"freeze a.slice " SVC_C " 200@1"}}}},
    {"budget raised while frozen: restored + thaw",
     .s = {OVER_FROZEN(FREEZE),
	   {T(13), .b = A(1000, FREEZE), .want = {"restored a.slice", "thaw a.slice " SVC_B}},
	   {T(15)}}},
    {"the pinning process ended while frozen: restored + thaw of the cgroup left",
     .s = {OVER_FROZEN(FREEZE),
	   {T(13), .p = {PC(50)}, .dirs = {SVC_B},
	    .want = {"restored a.slice", "thaw a.slice " SVC_B}},
	   {T(15), .dirs = {SVC_B}}}},
    {"frozen target vanished: restored, no thaw",
     .s = {OVER_FROZEN(FREEZE), {T(13), .p = {PC(50)}, .want = {"restored a.slice"}}, {T(15)}}},
    {"two leaves growing: the second is frozen too, when it grows",
     .s = {{T(1), .p = {PB(60), PC(50), PD(10)}, .b = A(100, FREEZE), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"freeze a.slice " SVC_B " 100@1"}},
	   {T(13), .p = {PB(60), PC(55), PD(10)}, .want = {"freeze a.slice " SVC_C " 200@1"}},
	   {T(15)},
	   {T(17), .p = {PB(60), PC(58), PD(20)}, .want = {"freeze a.slice " SVC_D " 300@1"}},
	   {T(19), .p = {PB(90), PC(90), PD(90)}},
	   {T(21), .b = A(1000, FREEZE),
	    .want = {"restored a.slice", "thaw a.slice " SVC_B, "thaw a.slice " SVC_C,
		     "thaw a.slice " SVC_D}}}},
    {"a leaf that does not grow is left alone; a new one grew from nothing",
     .s = {OVER_FROZEN(FREEZE),
	   {T(13)},
	   {T(15), .p = {PB(60), PC(45)}},
	   {T(17), .p = {PB(60), PC(45)}},
	   {T(19), .p = {PB(60), PC(45), PD(1)}, .want = {"freeze a.slice " SVC_D " 300@1"}}}},
    {"systemd stops a frozen unit: thawed at once; nothing else is frozen while it holds "
     "pins; a grace after it is gone",
     .s = {OVER_FROZEN(FREEZE),
	   {T(12), .stopping = {SVC_B}, .want = {"thaw a.slice " SVC_B " 100@1 stopping"}},
	   {T(25), .stopping = {SVC_B}},
	   {T(30), .p = {PB(60), PC(60)}, .stopping = {SVC_B}},
	   {T(31), .p = {PC(110)}},
	   {T(40) - 1},
	   {T(40), .want = {"freeze a.slice " SVC_C " 200@1"}}}},
    {"over by more than a stopping unit holds: the action goes on, never on that unit",
     .s = {{T(1), .p = {PB(60), PC(150)}, .b = A(100, FREEZE), .stopping = {SVC_C},
	    .want = {"exceeded a.slice"}},
	   {T(11), .stopping = {SVC_C}},
	   {T(12), .p = {PB(110), PC(150)}, .stopping = {SVC_C}},
	   {T(21) - 1, .stopping = {SVC_C}},
	   {T(21), .stopping = {SVC_C}, .want = {"freeze a.slice " SVC_B " 100@1"}}}},
    {"a stopping unit holding pins holds back the action of every budget above it",
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(100, KILL), .stopping = {SVC_C},
	    .want = {"exceeded a.slice"}},
	   {T(20), .stopping = {SVC_C}},
	   {T(21), .p = {PB(120)}},
	   {T(31), .want = {"kill a.slice " SVC_B " 100@1"}}}},
    {"a unit being stopped that pind did not freeze is not thawed",
     .s = {OVER_FROZEN(FREEZE),
	   {T(12), .stopping = {SVC_C}},
	   {T(13), .b = A(1000, FREEZE), .stopping = {SVC_B},
	    .want = {"restored a.slice", "thaw a.slice " SVC_B}}}},
    {"protected target skipped: the next best is frozen", .protected = {"b.service"},
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(100, FREEZE), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"freeze a.slice " SVC_C " 200@1"}},
	   {T(13), .p = {PB(80), PC(50)}}}},
    {"all candidates protected: no-target once, never the group around them",
     .protected = {"b.service", "c.service"},
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(100, FREEZE), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"no-target a.slice"}},
	   {T(13), .p = {PB(70), PC(50)}},
	   {T(15), .p = {PB(70), PC(50), PD(5)}, .want = {"freeze a.slice " SVC_D " 300@1"}}}},
    {"all protected, kill: no-target once", .protected = {"b.service", "c.service"},
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(100, KILL), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"no-target a.slice"}},
	   {T(30)}}},
    {"pind's own cgroup is never the target", .own = SVC_B,
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(100, KILL), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"kill a.slice " SVC_C " 200@1"}}}},
    {"an ancestor of pind's own cgroup is never the target", .own = "/system.slice/pind.service",
     .s = {{T(1), .p = {{100, 1, "hog", "/system.slice", 200, 0}},
	    .b = {{"system.slice", 100, ACTION_FREEZE}}, .want = {"exceeded system.slice"}},
	   {T(11), .want = {"no-target system.slice"}},
	   {T(13)}}},
    {"the root is never the target",
     .s = {{T(1), .p = {{100, 1, "hog", "/", 200, 0}}, .b = {{"-.slice", 100, ACTION_KILL}},
	    .want = {"exceeded -.slice"}},
	   {T(11), .want = {"no-target -.slice"}},
	   {T(13),
	    .p = {{100, 1, "hog", "/", 200, 0}, {101, 1, "x", "/system.slice/x.service", 1, 0}},
	    .want = {"kill -.slice /system.slice/x.service 101@1"}}}},
    {"no child units: the group itself, culprit in a sub-cgroup",
     .s = {{T(1),
	    .p = {{100, 1, "main", "/system.slice/x.service", 10, 0},
		  {101, 1, "worker", "/system.slice/x.service/worker", 150, 0}},
	    .b = {{"x.service", 100, ACTION_FREEZE}}, .want = {"exceeded x.service"}},
	   {T(11), .want = {"freeze x.service /system.slice/x.service 101@1"}},
	   {T(13), .p = {{100, 1, "main", "/system.slice/x.service", 10, 0},
			 {101, 1, "worker", "/system.slice/x.service/worker", 190, 0}}}}},
    {"signal: the process exited before the signal (-ESRCH): a new grace, the next culprit",
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(40, SIGNAL), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"signal a.slice " SVC_B " 100@1 TERM"},
	    .out = {{DECISION_SIGNAL, SVC_B, -ESRCH}}},
	   {T(13), .p = {PC(50)}},
	   {T(16)},
	   {T(21) - 1},
	   {T(21), .want = {"signal a.slice " SVC_C " 200@1 TERM"}}}},
    {"signal escalation: SIGKILL exactly once, not before KillEscalationSec",
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(100, SIGNAL), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"signal a.slice " SVC_B " 100@1 TERM"}},
	   {T(13)},
	   {T(16) - 1},
	   {T(16), .want = {"signal a.slice " SVC_B " 100@1 KILL"}},
	   {T(17)},
	   {T(40)}}},
    {"signal: culprit exited before the escalation: no SIGKILL, a new grace",
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(40, SIGNAL), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"signal a.slice " SVC_B " 100@1 TERM"}},
	   {T(13), .p = {PC(50)}},
	   {T(16)},
	   {T(23), .want = {"signal a.slice " SVC_C " 200@1 TERM"}}}},
    {"signal: PID reused (other starttime): no SIGKILL to it, a new grace",
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(100, SIGNAL), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"signal a.slice " SVC_B " 100@1 TERM"}},
	   {T(13), .p = {{100, 2, "hog", SVC_B, 60, 0}, PC(50)}},
	   {T(16)},
	   {T(23) - 1},
	   {T(23), .want = {"signal a.slice " SVC_B " 100@2 TERM"}},
	   {T(28), .want = {"signal a.slice " SVC_B " 100@2 KILL"}}}},
    {"signal: restored while signalled, then a new episode starts over",
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(100, SIGNAL), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"signal a.slice " SVC_B " 100@1 TERM"}},
	   {T(13), .p = {PB(40), PC(50)}, .want = {"restored a.slice"}},
	   {T(16)},
	   {T(17), .p = {PB(60), PC(50)}, .want = {"exceeded a.slice"}},
	   {T(27), .want = {"signal a.slice " SVC_B " 100@1 TERM"}}}},
    {"Signal=SIGKILL: no escalation", .signal = SIGKILL,
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(100, SIGNAL), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"signal a.slice " SVC_B " 100@1 KILL"}},
	   {T(16)},
	   {T(30)}}},
    {"log: one LOG per episode, again after a restore and a new excess",
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(100, LOG), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"log a.slice " SVC_B " 100@1"}},
	   {T(13), .p = {PB(70), PC(50)}},
	   {T(30)},
	   {T(31), .p = {PB(30), PC(50)}, .want = {"restored a.slice"}},
	   {T(33), .p = {PB(30), PC(80)}, .want = {"exceeded a.slice"}},
	   {T(43), .want = {"log a.slice " SVC_C " 200@1"}}}},
    {"kill, then a new grace before the next kill",
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(100, KILL), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"kill a.slice " SVC_B " 100@1"}},
	   {T(13)},
	   {T(15), .p = {{101, 2, "hog", SVC_B, 60, 0}, PC(50)}},
	   {T(21) - 1},
	   {T(21), .want = {"kill a.slice " SVC_B " 101@2"}}}},
    {"kill, then every pinning process gone: restored, no thaw",
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(100, KILL), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"kill a.slice " SVC_B " 100@1"}},
	   {T(13), .p = NONE, .want = {"restored a.slice"}},
	   {T(30)}}},
    {"libvirt scope: the scope is the target, the culprit in libvirt/emulator",
     .s = {{T(1),
	    .p = {{300, 5, "qemu-system-x86", VM1 "/libvirt/emulator", 300, 0},
		  {301, 6, "virtiofsd", VM1 "/libvirt", 10, 0},
		  {400, 7, "qemu-system-x86", VM2 "/libvirt/emulator", 200, 0}},
	    .b = {{"machine.slice", 400, ACTION_KILL}},
	    .dirs = {VM1 "/libvirt/vcpu0", VM2 "/libvirt/vcpu0"},
	    .want = {"exceeded machine.slice"}},
	   {T(11), .dirs = {VM1 "/libvirt/vcpu0", VM2 "/libvirt/vcpu0"},
	    .want = {"kill machine.slice " VM1 " 300@5"}}}},
    {"budget /machine without systemd: the child of /machine, never emulator/",
     .s = {{T(1),
	    .p = {{400, 1, "qemu-system-x86", QEMU1 "/emulator", 80, 0},
		  {500, 1, "qemu-system-x86", QEMU2 "/emulator", 50, 0}},
	    .b = {{"/machine", 100, ACTION_FREEZE}}, .dirs = {QEMU1 "/vcpu0", QEMU2 "/vcpu0"},
	    .want = {"exceeded /machine"}},
	   {T(11), .dirs = {QEMU1 "/vcpu0", QEMU2 "/vcpu0"},
	    .want = {"freeze /machine " QEMU1 " 400@1"}},
	   {T(13),
	    .p = {{400, 1, "qemu-system-x86", QEMU1 "/emulator", 80, 0},
		  {500, 1, "qemu-system-x86", QEMU2 "/emulator", 60, 0}},
	    .want = {"freeze /machine " QEMU2 " 500@1"}}}},
    {"Count=pinned: locked memory does not count", .count = COUNT_PINNED,
     .s = {{T(1), .p = {{100, 1, "hog", SVC_B, 70, 0}, {200, 1, "cat", SVC_C, 40, 90}},
	    .b = A(100, FREEZE), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"freeze a.slice " SVC_B " 100@1"}}}},
    {"Count=locked: pinned memory does not count", .count = COUNT_LOCKED,
     .s = {{T(1), .p = {{100, 1, "hog", SVC_B, 70, 0}, {200, 1, "cat", SVC_C, 40, 90}},
	    .b = AL(100, FREEZE)},
	   {T(3), .p = {{100, 1, "hog", SVC_B, 70, 20}, {200, 1, "cat", SVC_C, 40, 90}},
	    .want = {"exceeded a.slice"}},
	   {T(13), .want = {"freeze a.slice " SVC_C " 200@1"}}}},
    {"Count=pinned,locked: both count", .count = COUNT_PINNED | COUNT_LOCKED,
     .s = {{T(1), .p = {{100, 1, "hog", SVC_B, 70, 0}, {200, 1, "cat", SVC_C, 20, 11}},
	    .b = A(100, FREEZE), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"freeze a.slice " SVC_B " 100@1"}},
	   {T(13), .p = {{100, 1, "hog", SVC_B, 70, 0}, {200, 1, "cat", SVC_C, 20, 12}},
	    .want = {"freeze a.slice " SVC_C " 200@1"}}}},
    {"budgets whose cgroup does not exist are never over",
     .s = {{T(1), .p = {PB(60)},
	    .b = {{"ghost.slice", 0, ACTION_KILL},
		  {"/nowhere", 0, ACTION_KILL},
		  {"a.slice", 10, ACTION_LOG}},
	    .want = {"exceeded a.slice"}},
	   {T(11), .want = {"log a.slice " SVC_B " 100@1"}}}},
    {"budget removed while frozen: thaw, then forgotten",
     .s = {OVER_FROZEN(FREEZE),
	   {T(13), .b = NOBUD, .want = {"thaw a.slice " SVC_B}},
	   {T(15)},
	   {T(17), .b = A(100, FREEZE), .want = {"exceeded a.slice"}}}},
    {"budget removed, the thaw fails: retried",
     .s = {OVER_FROZEN(FREEZE),
	   {T(13), .b = {{"z.slice", 1, ACTION_LOG}}, .want = {"thaw a.slice " SVC_B},
	    .out = {{DECISION_THAW, SVC_B, -EBUSY}}},
	   {T(15), .want = {"thaw a.slice " SVC_B}},
	   {T(17)}}},
    {"restart, adopted freeze, within: restored + thaw",
     .s = {{T(100), .restart = true, .adopt = {{"a.slice", SVC_B}}, .p = {PB(60), PC(30)},
	    .b = A(100, FREEZE), .want = {"restored a.slice", "thaw a.slice " SVC_B}},
	   {T(102)}}},
    {"restart, adopted freeze, over: kept, no exceeded, no new freeze until one grows",
     .s = {{T(100), .restart = true, .adopt = {{"a.slice", SVC_B}}, .p = {PB(60), PC(50)},
	    .b = A(100, FREEZE)},
	   {T(102)},
	   /* adopted: a grace of its own before anything new is frozen */
	   {T(109), .p = {PB(60), PC(55)}},
	   {T(111), .p = {PB(60), PC(58)}, .want = {"freeze a.slice " SVC_C " 200@1"}},
	   {T(113), .b = A(1000, FREEZE),
	    .want = {"restored a.slice", "thaw a.slice " SVC_B, "thaw a.slice " SVC_C}}}},
    {"restart with a freeze whose budget is gone: thaw",
     .s = {{T(100), .restart = true, .adopt = {{"a.slice", SVC_B}}, .p = {PB(60), PC(50)},
	    .b = {{"z.slice", 1, ACTION_LOG}}, .want = {"thaw a.slice " SVC_B}},
	   {T(102)}}},
    {"failed freeze: not pind's, a later restore does not thaw it",
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(100, FREEZE), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"freeze a.slice " SVC_B " 100@1"},
	    .out = {{DECISION_FREEZE, SVC_B, -EBUSY}}},
	   {T(12), .b = A(1000, FREEZE), .want = {"restored a.slice"}},
	   {T(14)}}},
    {"someone else's freeze: not retried, the next unit instead; a plain failure waits a grace",
     .s = {{T(1), .p = {PB(60), PC(50)}, .b = A(100, FREEZE), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"freeze a.slice " SVC_B " 100@1"},
	    .out = {{DECISION_FREEZE, SVC_B, -EBUSY}}},
	   {T(12), .want = {"freeze a.slice " SVC_C " 200@1"},
	    .out = {{DECISION_FREEZE, SVC_C, -EIO}}},
	   {T(13)},
	   {T(22), .want = {"freeze a.slice " SVC_C " 200@1"}},
	   {T(24), .b = A(1000, FREEZE), .want = {"restored a.slice", "thaw a.slice " SVC_C}}}},
    {"nested budgets never freeze one unit twice",
     .s = {{T(1), .p = {{300, 1, "qemu", VM1, 150, 0}},
	    .b = {{"machine.slice", 100, ACTION_FREEZE},
		  {"machine-qemu\\x2d1\\x2dvm1.scope", 100, ACTION_FREEZE}},
	    .want = {"exceeded machine-qemu\\x2d1\\x2dvm1.scope", "exceeded machine.slice"}},
	   {T(11), .want = {"freeze machine-qemu\\x2d1\\x2dvm1.scope " VM1 " 300@1"}},
	   {T(13)}}},
    {"failed thaw: kept and retried next scan",
     .s = {OVER_FROZEN(FREEZE),
	   {T(13), .b = A(1000, FREEZE), .want = {"restored a.slice", "thaw a.slice " SVC_B},
	    .out = {{DECISION_THAW, SVC_B, -EBUSY}}},
	   {T(15), .want = {"thaw a.slice " SVC_B}},
	   {T(17)}}},
    {"two nested budgets, independent: own grace, own target, own action",
     .s = {{T(1), .p = {{300, 1, "qemu", NESTED "/machine-qemu\\x2d1\\x2dvm1.scope", 150, 0}},
	    .b = {{"machine.slice", 300, ACTION_KILL}, {"machine-qemu.slice", 100, ACTION_FREEZE}},
	    .want = {"exceeded machine-qemu.slice"}},
	   {T(5),
	    .p = {{300, 1, "qemu", NESTED "/machine-qemu\\x2d1\\x2dvm1.scope", 150, 0},
		  {400, 1, "other", "/machine.slice/other.scope", 200, 0}},
	    .want = {"exceeded machine.slice"}},
	   {T(11), .want = {"freeze machine-qemu.slice " NESTED
			    "/machine-qemu\\x2d1\\x2dvm1.scope 300@1"}},
	   {T(15), .want = {"kill machine.slice /machine.slice/other.scope 400@1"}},
	   {T(17), .p = {{300, 1, "qemu", NESTED "/machine-qemu\\x2d1\\x2dvm1.scope", 150, 0}},
	    .want = {"restored machine.slice"}},
	   {T(19),
	    .b = {{"machine.slice", 300, ACTION_KILL}, {"machine-qemu.slice", 200, ACTION_FREEZE}},
	    .want = {"restored machine-qemu.slice",
		     "thaw machine-qemu.slice " NESTED "/machine-qemu\\x2d1\\x2dvm1.scope"}}}},
    /* Target=newest: the unit whose growth pushed the budget over pays, not the larger one
     * that was there before */
    {"newest: the newcomer that crossed is frozen, the larger running unit is not",
     .s = {{T(1), .p = {PB(60)}, .b = A(100, FREEZE)},
	   {T(3), .p = {PB(60), PC(50)}, .want = {"exceeded a.slice"}},
	   {T(13), .want = {"freeze a.slice " SVC_C " 200@1"}, .same_culprit = true},
	   {T(15)}}},
    {"newest: the newcomer is killed",
     .s = {{T(1), .p = {PB(60)}, .b = A(100, KILL)},
	   {T(3), .p = {PB(60), PC(50)}, .want = {"exceeded a.slice"}},
	   {T(13), .want = {"kill a.slice " SVC_C " 200@1"}, .same_culprit = true}}},
    {"newest: the newcomer's process is signalled",
     .s = {{T(1), .p = {PB(60)}, .b = A(100, SIGNAL)},
	   {T(3), .p = {PB(60), PC(50)}, .want = {"exceeded a.slice"}},
	   {T(13), .want = {"signal a.slice " SVC_C " 200@1 TERM"}, .same_culprit = true}}},
    {"largest: the larger running unit pays",
     .s = {{T(1), .p = {PB(60)}, .b = AL(100, FREEZE)},
	   {T(3), .p = {PB(60), PC(50)}, .want = {"exceeded a.slice"}},
	   {T(13), .want = {"freeze a.slice " SVC_B " 100@1"}, .same_culprit = true}}},
    {"newest: who crossed stays the target when another grows a little in the grace",
     .s = {{T(1), .p = {PB(60)}, .b = A(100, KILL)},
	   {T(3), .p = {PB(60), PC(50)}, .want = {"exceeded a.slice"}},
	   {T(5), .p = {PB(61), PC(50)}},
	   {T(13), .want = {"kill a.slice " SVC_C " 200@1"}, .same_culprit = true}}},
    {"newest: two growing in the crossing scan, the bigger growth pays",
     .s = {{T(1), .p = {PB(40), PC(40)}, .b = A(100, FREEZE)},
	   {T(3), .p = {PB(45), PC(70)}, .want = {"exceeded a.slice"}},
	   {T(13), .want = {"freeze a.slice " SVC_C " 200@1"}, .same_culprit = true}}},
    {"newest: tied newcomers, the first path pays, named alike in every line",
     .s = {{T(1), .p = {PD(20)}, .b = A(100, KILL)},
	   {T(3), .p = {PD(20), PC(45), PB(45)}, .want = {"exceeded a.slice"}},
	   {T(13), .want = {"kill a.slice " SVC_B " 100@1"}, .same_culprit = true}}},
    {"newest: over at the first look, nothing known to have grown: the largest pays",
     .s = {{T(1), .p = {PB(60), PC(70)}, .b = A(100, FREEZE), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"freeze a.slice " SVC_C " 200@1"}, .same_culprit = true}}},
    {"newest: the one that crossed is gone, still over: the next newest after a grace",
     .s = {{T(1), .p = {PB(60)}, .b = A(100, KILL)},
	   {T(3), .p = {PB(60), PC(30)}},
	   {T(5), .p = {PB(60), PC(30), PD(20)}, .want = {"exceeded a.slice"}},
	   {T(15), .want = {"kill a.slice " SVC_D " 300@1"}, .same_culprit = true},
	   {T(17), .p = {PB(60), PC(50)}},
	   {T(27), .want = {"kill a.slice " SVC_C " 200@1"}}}},
    {"reservations count: a reservation pushes it over, the one that grew last pays",
     .s = {{T(1), .p = {PB(40), PC(20)}, .b = {{"a.slice", 100, ACTION_FREEZE}}},
	   {T(3), .p = {PB(40), PC(30)}},
	   {T(5), .b = {{"a.slice", 100, ACTION_FREEZE, TARGET_NEWEST, 50}},
	    .want = {"exceeded a.slice"}},
	   {T(15), .want = {"freeze a.slice " SVC_C " 200@1"}, .same_culprit = true}}},
    {"ties: the smaller path, then the smaller pid",
     .s = {{T(1),
	    .p = {{100, 1, "c", SVC_C, 60, 0},
		  {201, 1, "b2", SVC_B, 30, 0},
		  {200, 1, "b1", SVC_B, 30, 0}},
	    .b = A(100, SIGNAL), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"signal a.slice " SVC_B " 200@1 TERM"}}}},
    {"the culprit is the process holding most in the target",
     .s = {{T(1),
	    .p = {{100, 3, "small", SVC_B, 10, 0},
		  {101, 77, "hog", SVC_B "/sub", 50, 0},
		  {102, 80, "other", SVC_B, 45, 0},
		  PC(90)},
	    .b = A(100, LOG), .want = {"exceeded a.slice"}},
	   {T(11), .want = {"log a.slice " SVC_B " 101@77"}}}},
};

static const char *signame(int sig)
{
	switch (sig) {
	case SIGTERM:
		return "TERM";
	case SIGKILL:
		return "KILL";
	case SIGINT:
		return "INT";
	default:
		return "?";
	}
}

static void render(const Decision *d, char *buf, size_t size)
{
	const char *kind = decision_kind_to_string(d->kind);
	int n = snprintf(buf, size, "%s %s", kind ? kind : "?", d->budget);

	if (d->kind == DECISION_EXCEEDED || d->kind == DECISION_RESTORED ||
	    d->kind == DECISION_NO_TARGET)
		return;
	n += snprintf(buf + n, size - (size_t)n, " %s", d->target ? d->target : "-");
	if (d->pid)
		n += snprintf(buf + n, size - (size_t)n, " %d@%" PRIu64, (int)d->pid, d->starttime);
	if (d->kind == DECISION_SIGNAL)
		snprintf(buf + n, size - (size_t)n, " %s", signame(d->signal));
	if (d->stopping)
		snprintf(buf + n, size - (size_t)n, " stopping");
}

static int cmp_budget(const void *a, const void *b)
{
	return strcmp(((const Budget *)a)->name, ((const Budget *)b)->name);
}

/* The tree of a scan: the cgroups in dirs (walked from a fresh directory, as the daemon
 * walks cgroupfs), then the records. */
static CgTree *make_tree(const Proc *p, const char *const *dirs)
{
	CgTree *t;

	ck_assert_int_eq(cg_tree_new("/", &t), 0);
	if (dirs[0]) {
		char mount[PATH_MAX], path[PATH_MAX];
		tu_mkdtemp(mount, sizeof(mount), tu_base_dir(), "cg-");
		for (size_t i = 0; i < MAX_DIRS && dirs[i]; i++) {
			tu_xsnprintf(path, "%s%s", mount, dirs[i]);
			tu_mkdir_p(path);
		}
		ck_assert_int_eq(cg_tree_walk(t, mount), 0);
	}
	for (size_t i = 0; i < MAX_P && p[i].pid > 0; i++) {
		PinRecord r = {.tgid = p[i].pid,
			       .comm = p[i].comm,
			       .cgroup = p[i].cgroup,
			       .pinned = p[i].pinned,
			       .locked = p[i].locked,
			       .starttime = p[i].start};
		ck_assert_int_eq(cg_tree_add_record(&r, t), 0);
	}
	cg_tree_sum(t);
	return t;
}

/* Every action names its target and culprit; reports name the budget. */
static void check_invariants(const Scenario *sc, size_t step, const Decision *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(d[i].budget);
		if (d[i].kind == DECISION_THAW)
			ck_assert_msg(d[i].target, "%s, step %zu: thaw without target", sc->name,
				      step);
		if (d[i].kind != DECISION_FREEZE && d[i].kind != DECISION_KILL &&
		    d[i].kind != DECISION_SIGNAL && d[i].kind != DECISION_LOG)
			continue;
		ck_assert_msg(d[i].target && d[i].target_name && d[i].pid > 0 && d[i].comm[0],
			      "%s, step %zu: %s without target or culprit", sc->name, step,
			      decision_kind_to_string(d[i].kind));
	}
}

static void check_decisions(const Scenario *sc, size_t step, const Decision *d, size_t n)
{
	const char *const *want = sc->s[step].want;
	char got[MAX_D + 4][256], msg[4096] = "";
	size_t n_want = 0, len = 0;
	bool ok = true;

	while (n_want < MAX_D && want[n_want])
		n_want++;
	for (size_t i = 0; i < n && i < ARRAY_SIZE(got); i++) {
		render(&d[i], got[i], sizeof(got[i]));
		ok = ok && i < n_want && strcmp(got[i], want[i]) == 0;
	}
	if (ok && n == n_want)
		return;
	for (size_t i = 0; i < n_want; i++)
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "\n  want: %s", want[i]);
	for (size_t i = 0; i < n && i < ARRAY_SIZE(got); i++)
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "\n  got:  %s", got[i]);
	ck_abort_msg("%s, step %zu (t=%" PRIu64 " µs): %zu decisions, expected %zu:%s", sc->name,
		     step, sc->s[step].t, n, n_want, msg);
}

START_TEST(test_scenario)
{
	const Scenario *sc = &scenarios[_i];
	PolicyConfig c = {
	    .grace_usec = GRACE,
	    .kill_escalation_usec = ESCALATE,
	    .signal = sc->signal ? sc->signal : SIGTERM,
	    .count = sc->count ? sc->count : COUNT_PINNED,
	    .protected = (char *const *)sc->protected,
	    .own_cgroup = sc->own,
	};
	PolicyState state = {};
	pid_t exceeded_pid = 0;
	char exceeded_unit[256] = "";
	const Proc *procs = NULL;
	const Bud *buds = NULL;

	for (size_t i = 0; i < MAX_STEPS && sc->s[i].t; i++) {
		const Step *st = &sc->s[i];
		Budget bv[MAX_B];
		BudgetSet set = {.budgets = bv};
		PolicyState next = {};
		Decision *d = NULL;
		size_t n = 0;

		procs = st->p[0].pid || !procs ? st->p : procs;
		buds = st->b[0].name || !buds ? st->b : buds;
		if (st->restart)
			policy_state_done(&state);
		for (size_t j = 0; j < 2 && st->adopt[j][0]; j++)
			ck_assert_int_eq(
			    policy_adopt_frozen(&state, st->adopt[j][0], st->adopt[j][1], st->t),
			    0);
		for (size_t j = 0; j < MAX_B && buds[j].name && buds[j].name[0]; j++)
			bv[set.n++] = (Budget){.name = (char *)buds[j].name,
					       .max = buds[j].max,
					       .action = buds[j].action,
					       .target = buds[j].target,
					       .reserved = buds[j].reserved};
		qsort(bv, set.n, sizeof(*bv), cmp_budget); /* budgets_find() bsearches */

		CgTree *t = make_tree(procs, st->dirs);
		c.stopping = (char *const *)st->stopping;
		for (c.n_stopping = 0; c.n_stopping < 2 && st->stopping[c.n_stopping];)
			c.n_stopping++;
		int r = policy_decide(&c, t, &set, &state, st->t, &next, &d, &n);
		ck_assert_msg(r == 0, "%s, step %zu: policy_decide: %s", sc->name, i, strerror(-r));
		check_invariants(sc, i, d, n);
		check_decisions(sc, i, d, n);
		for (size_t k = 0; k < n; k++) {
			if (d[k].kind == DECISION_EXCEEDED) {
				exceeded_pid = d[k].pid;
				snprintf(exceeded_unit, sizeof(exceeded_unit), "%s",
					 d[k].suspect ? d[k].suspect : "");
			} else if (st->same_culprit && d[k].kind != DECISION_RESTORED)
				ck_assert_msg(d[k].pid == exceeded_pid &&
						  strcmp(d[k].target_name, exceeded_unit) == 0,
					      "%s, step %zu: %s names %d in %s, exceeded named %d "
					      "in %s",
					      sc->name, i, decision_kind_to_string(d[k].kind),
					      (int)d[k].pid, d[k].target_name, (int)exceeded_pid,
					      exceeded_unit);
		}

		/* the daemon acts, then tells the policy what came of it */
		for (size_t j = 0; j < MAX_O && st->out[j].target; j++) {
			bool found = false;
			for (size_t k = 0; k < n; k++)
				found = found || (d[k].kind == st->out[j].kind &&
						  strcmp(d[k].target, st->out[j].target) == 0);
			ck_assert_msg(found, "%s, step %zu: no decision for outcome %s", sc->name,
				      i, st->out[j].target);
		}
		for (size_t k = 0; k < n; k++) {
			int res = 0;
			for (size_t j = 0; j < MAX_O && st->out[j].target; j++)
				if (d[k].kind == st->out[j].kind &&
				    strcmp(d[k].target, st->out[j].target) == 0)
					res = st->out[j].result;
			policy_outcome(&next, &d[k], res, st->t);
		}
		policy_state_done(&state);
		state = next;
		decisions_free(d, n);
		cg_tree_free(t);
	}
	policy_state_done(&state);
}
END_TEST

/* The fields the daemon logs, signals and shows: target name, culprit, usage, max. */
START_TEST(test_decision_fields)
{
	const Proc p[MAX_P] = {
	    {100, 3, "small", SVC_B, 10, 0}, {101, 77, "hog", SVC_B "/sub", 50, 5}, PC(40)};
	const char *const dirs[MAX_DIRS] = {NULL};
	PolicyConfig c = {.grace_usec = 0, .signal = SIGINT, .count = COUNT_PINNED};
	Budget bv[] = {{.name = (char *)"a.slice", .max = 64, .action = ACTION_SIGNAL}};
	BudgetSet set = {.budgets = bv, .n = 1};
	PolicyState s = {};
	Decision *d = NULL;
	size_t n = 0;
	CgTree *t = make_tree(p, dirs);

	ck_assert_int_eq(policy_decide(&c, t, &set, NULL, S(1), &s, &d, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(d[0].kind, DECISION_EXCEEDED);
	ck_assert_str_eq(d[0].budget, "a.slice");
	ck_assert_uint_eq(d[0].usage, 100);
	ck_assert_uint_eq(d[0].max, 64);
	ck_assert_int_eq(d[1].kind, DECISION_SIGNAL);
	ck_assert_str_eq(d[1].target, SVC_B);
	ck_assert_str_eq(d[1].target_name, "b.service");
	ck_assert_int_eq(d[1].pid, 101);
	ck_assert_uint_eq(d[1].starttime, 77);
	ck_assert_str_eq(d[1].comm, "hog");
	ck_assert_int_eq(d[1].signal, SIGINT);
	ck_assert_int_eq(d[1].action, ACTION_SIGNAL);
	ck_assert_uint_eq(d[1].usage, 100);
	BudgetState *bs = policy_find(&s, "a.slice");
	ck_assert_ptr_nonnull(bs);
	ck_assert(bs->over);
	ck_assert_int_eq(bs->sig_pid, 101);
	ck_assert_ptr_null(policy_find(&s, "b.slice"));
	decisions_free(d, n);
	policy_state_done(&s);
	cg_tree_free(t);
}
END_TEST

START_TEST(test_kind_names)
{
	for (DecisionKind k = DECISION_EXCEEDED; k <= DECISION_NO_TARGET; k++)
		ck_assert_ptr_nonnull(decision_kind_to_string(k));
	ck_assert_str_eq(decision_kind_to_string(DECISION_NO_TARGET), "no-target");
	ck_assert_ptr_null(decision_kind_to_string((DecisionKind)99));
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("scenarios");

	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_add_loop_test(tc, test_scenario, 0, ARRAY_SIZE(scenarios));
	tcase_add_test(tc, test_decision_fields);
	tcase_add_test(tc, test_kind_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(policy_suite());
}
