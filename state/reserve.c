/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "reserve.h"
#include "unitname.h"

static void reservation_done(Reservation *r)
{
	free(r->id);
	free(r->group);
	free(r->holder);
}

void reservations_done(Reservations *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		reservation_done(&rs->v[i]);
	free(rs->v);
	*rs = (Reservations){};
}

int reservations_add(Reservations *rs, const char *group, uint64_t bytes, const char *holder,
		     uint64_t ttl_usec, uint64_t now, uint64_t created, const char **ret_id)
{
	Reservation r = {.bytes = bytes, .created = created};

	if (rs->next_id >= INT64_MAX) /* ids go to 2^63 - 1: none ever wraps */
		return -EOVERFLOW;
	if (ttl_usec > 0)
		r.expires = now + ttl_usec < now ? UINT64_MAX : now + ttl_usec;
	if (asprintf(&r.id, "r%" PRIu64, ++rs->next_id) < 0)
		r.id = NULL;
	r.group = strdup(group);
	r.holder = holder && holder[0] ? strdup(holder) : NULL;
	Reservation *v = GROW(rs->v, rs->n);
	if (!r.id || !r.group || (holder && holder[0] && !r.holder) || !v) {
		reservation_done(&r);
		return -ENOMEM;
	}
	*v = r;
	rs->n++;
	if (ret_id)
		*ret_id = v->id;
	return 0;
}

static void drop(Reservations *rs, size_t i)
{
	reservation_done(&rs->v[i]);
	rs->v[i] = rs->v[--rs->n];
}

int reservations_release(Reservations *rs, const char *id)
{
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].id, id) == 0) {
			drop(rs, i);
			return 0;
		}
	return -ENOENT;
}

static CgNode *holder_node(const Reservation *r, CgTree *tree)
{
	CgNode *n;

	if (!r->holder || !tree || cg_tree_resolve(tree, r->holder, &n) < 0)
		return NULL;
	return n;
}

uint64_t reservation_left(const Reservation *r, CgTree *tree, unsigned count)
{
	uint64_t used = cg_usage(holder_node(r, tree), count);
	return used >= r->bytes ? 0 : r->bytes - used;
}

void reservations_expire(Reservations *rs, CgTree *tree, unsigned count, uint64_t now,
			 reservation_ended_fn ended, void *userdata)
{
	for (size_t i = rs->n; i-- > 0;) {
		Reservation *r = &rs->v[i];
		CgNode *h = holder_node(r, tree);
		const char *why = NULL;
		if (r->expires && now >= r->expires)
			why = "its TTL ended";
		else if (h && cg_usage(h, count) >= r->bytes)
			why = "its holder pins all of it now";
		else if (r->holder && tree && !h && r->holder_seen)
			why = "its holder is gone";
		if (h)
			r->holder_seen = true;
		if (!why)
			continue;
		if (ended)
			ended(r, why, userdata);
		drop(rs, i);
	}
}

/* Where a group sits, relative to the managed root, as far as names tell ("/a.slice/x",
 * "" for the root itself): a path as it is, a slice by its nesting, any other unit where
 * the tree has it (NULL when it has not). */
static char *group_place(CgTree *tree, const char *name)
{
	char *s = NULL;
	CgNode *n;

	if (name[0] == '/')
		return strdup(strcmp(name, "/") == 0 ? "" : name);
	_cleanup_free_ char *sp = NULL;
	if (slice_cgroup_path(name, &sp) >= 0) {
		if (asprintf(&s, "%s%s", sp[0] ? "/" : "", sp) < 0)
			return NULL;
		return s;
	}
	if (!tree || cg_tree_resolve(tree, name, &n) < 0)
		return NULL;
	const char *root = tree->root->path;
	return strdup(strcmp(root, "/") == 0 ? n->path : n->path + strlen(root));
}

bool group_contains(CgTree *tree, const char *outer, const char *inner)
{
	if (strcmp(outer, inner) == 0)
		return true;
	_cleanup_free_ char *o = group_place(tree, outer), *i = group_place(tree, inner);
	if (!o || !i)
		return false;
	return cg_path_below(i, o);
}

uint64_t reservations_pending(const Reservations *rs, CgTree *tree, unsigned count,
			      const char *budget)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const Reservation *r = &rs->v[i];
		if (!group_contains(tree, budget, r->group))
			continue;
		uint64_t left = reservation_left(r, tree, count);
		sum = sum + left < sum ? UINT64_MAX : sum + left;
	}
	return sum;
}

void reservations_admit(const Reservations *rs, CgTree *tree, unsigned count,
			const BudgetSet *budgets, const char *group, Admission *ret)
{
	*ret = (Admission){.available = UINT64_MAX};
	for (size_t i = 0; i < budgets->n; i++) {
		const Budget *b = &budgets->budgets[i];
		CgNode *n;
		if (!group_contains(tree, b->name, group))
			continue;
		if (!tree || cg_tree_resolve(tree, b->name, &n) < 0)
			n = NULL;
		uint64_t used = cg_usage(n, count),
			 held = reservations_pending(rs, tree, count, b->name);
		uint64_t taken = used + held < used ? UINT64_MAX : used + held;
		uint64_t available = b->max == UINT64_MAX ? UINT64_MAX
				     : b->max > taken     ? b->max - taken
							  : 0;
		if (!ret->budget || available < ret->available)
			*ret = (Admission){
			    .budget = b, .used = used, .reserved = held, .available = available};
	}
}
