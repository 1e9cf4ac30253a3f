/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "budgets.h"
#include "cglayout.h"
#include "measure.h"
#include "view.h"

typedef struct ShowContext {
	Snapshot *snap;
	const BudgetSet *budgets;
	unsigned count; /* what budgets count: CountMask */
	const CgLayout *layout;
	const char *backend; /* scanner name */
	bool legend;
	FILE *out;
} ShowContext;

int show_status_text(const ShowContext *c, const View *v);
int show_list_text(const ShowContext *c, const View *v);
int show_ps_text(const ShowContext *c, const View *v);

int show_status_json(const ShowContext *c, const View *v);
int show_list_json(const ShowContext *c, const View *v);
int show_ps_json(const ShowContext *c, const View *v);
