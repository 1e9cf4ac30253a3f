/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "budgets.h"
#include "cgtree.h"
#include "procfs.h"

/* What to do about budgets: a pure function of (measurement, budgets, previous state,
 * clock). No I/O, no clock of its own; the same inputs give the same decisions. */

typedef enum {
	DECISION_EXCEEDED, /* the budget just went over: report */
	DECISION_RESTORED, /* back within: report */
	DECISION_FREEZE,
	DECISION_THAW,
	DECISION_SIGNAL,
	DECISION_KILL,
	DECISION_LOG,       /* Action=log: what would have been done, reported once */
	DECISION_NO_TARGET, /* over and past grace, but nothing may be touched */
} DecisionKind;

typedef struct Decision {
	DecisionKind kind;
	char *budget;      /* budget name */
	char *target;      /* cgroup path acted on; for reports, the budget's group (or NULL) */
	char *target_name; /* its group name (unit name or relative path) */
	pid_t pid;         /* the culprit: the process holding most in the target */
	uint64_t starttime;
	char comm[PROC_COMM_MAX];
	int signal; /* DECISION_SIGNAL */
	uint64_t usage, max;
	uint64_t reserved;    /* the budget's reservations not yet pinned, counted with usage */
	Action action;        /* the budget's */
	char *suspect;        /* DECISION_EXCEEDED: the unit that will pay (the culprit's) */
	uint64_t pinning_for; /* actions: µs since the target began pinning; 0: unknown */
	bool stopping;        /* DECISION_THAW: systemd is stopping the unit (not: within budget) */
} Decision;

typedef struct PolicyConfig {
	uint64_t grace_usec;
	uint64_t kill_escalation_usec;
	int signal;
	unsigned count;         /* CountMask */
	char *const *protected; /* NULL-terminated unit names */
	const char *own_cgroup; /* pind's own cgroup: neither it nor an ancestor is a target */
	/* The cgroups of the units systemd is stopping (ActiveState=deactivating): pind gets
	 * out of their way. What it froze of them is thawed (else the stop hangs: frozen
	 * processes do not see SIGTERM), none is a target, and a budget that is over only by
	 * what they hold waits: that usage is about to go. */
	char *const *stopping;
	size_t n_stopping;
} PolicyConfig;

/* A candidate target's history, kept across scans whether the budget is over or not:
 * Target=newest picks by it. Times are the scans' clocks; 0: before pind's first look. */
typedef struct LeafUsage {
	char *cgroup;
	uint64_t usage;
	uint64_t grew_at; /* the last scan at which its usage rose */
	uint64_t grew_by; /* by how much it rose then */
	uint64_t born;    /* the scan that first saw it pinning */
} LeafUsage;

typedef struct BudgetState {
	char *name;
	bool over;
	uint64_t over_since; /* start of this episode, or of the grace after an action */
	bool reported;       /* LOG / NO_TARGET said for this episode */
	bool killed;         /* a unit was killed in this episode */
	char **frozen;       /* cgroups pind froze for this budget */
	size_t n_frozen;
	char **foreign; /* found frozen by someone else this episode: left alone */
	size_t n_foreign;
	LeafUsage *leaves; /* candidate targets at the last scan; NULL: none measured yet */
	size_t n_leaves;
	/* the leaves as they were at pind's last freeze for this budget (StateFile keeps
	 * them): a restart compares with these, so what grew while pind was down is known */
	LeafUsage *at_freeze;
	size_t n_at_freeze;
	uint64_t frozen_at; /* pind's last freeze for it: a leaf that grew since is next */
	char *pusher;       /* Target=newest: the unit whose growth pushed it over this episode */
	/* signal: the culprit and how far it went */
	pid_t sig_pid;
	uint64_t sig_starttime;
	int sig_stage; /* 0 none, 1 Signal= sent, 2 SIGKILL sent */
	uint64_t sig_at;
	char *sig_target;
} BudgetState;

typedef struct PolicyState {
	BudgetState *budgets;
	size_t n;
} PolicyState;

/* Decides for every budget. next is a fresh state (the caller frees prev when it likes);
 * decisions are in order: reports first for each budget, then actions. */
int policy_decide(const PolicyConfig *c, CgTree *tree, const BudgetSet *budgets,
		  const PolicyState *prev, uint64_t now, PolicyState *ret_next,
		  Decision **ret_decisions, size_t *ret_n);

/* What an action came to, for the state: a freeze that failed is not pind's (retried
 * after a grace; -EBUSY, frozen by someone else: that unit is left alone until the budget
 * is within again); a thaw that failed stays pind's (retried); a signal whose process was
 * gone starts the grace again. result is 0 or a negative errno. */
void policy_outcome(PolicyState *s, const Decision *d, int result, uint64_t now);

/* A freeze pind held that was undone by hand (Thaw()): no longer pind's; if the budget is
 * still over, the next action waits a grace of its own. */
void policy_forget_frozen(PolicyState *s, const char *cgroup, uint64_t now);

/* A cgroup found frozen with pind's mark (a restart): pind's again, for budget. Until
 * policy_adopt_leaf() says otherwise, every other leaf counts as new since (grown while
 * pind was down): a restart re-decides from what it measures. */
int policy_adopt_frozen(PolicyState *s, const char *budget, const char *cgroup, uint64_t now);

/* A leaf's usage at pind's last freeze for budget (StateFile), after policy_adopt_frozen():
 * the next scan acts on it only if it grew since. */
int policy_adopt_leaf(PolicyState *s, const char *budget, const char *cgroup, uint64_t usage);

BudgetState *policy_find(const PolicyState *s, const char *budget);
void policy_state_done(PolicyState *s);
void decisions_free(Decision *d, size_t n);
void decisions_free_one(Decision *d); /* its strings, not d */
const char *decision_kind_to_string(DecisionKind k);
