/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

/* Inside the policy (policy.c, policy_state.c): the lists a BudgetState keeps. */

BudgetState *state_add(PolicyState *s, const char *name);
void leaves_free(LeafUsage *v, size_t n);
/* *dst becomes a copy of src's n leaves (never NULL, even for none). */
int leaves_copy(LeafUsage **dst, size_t *n_dst, const LeafUsage *src, size_t n);
/* A copy of what carries over from the previous scan. */
int state_copy(BudgetState *dst, const BudgetState *src);

/* cgroup lists without duplicates */
int list_add(char ***list, size_t *n, const char *cgroup);
bool list_has(char *const *list, size_t n, const char *cgroup);

int frozen_add(BudgetState *b, const char *cgroup);
void frozen_remove(BudgetState *b, const char *cgroup);
bool is_frozen_by(const BudgetState *b, const char *cgroup);
