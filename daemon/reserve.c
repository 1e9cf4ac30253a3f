/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "reserve.h"

static void reservation_done(Reservation *r)
{
	free(r->id);
	free(r->budget);
	free(r->holder);
}

void reservations_done(Reservations *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		reservation_done(&rs->v[i]);
	free(rs->v);
	*rs = (Reservations){};
}

int reservations_add(Reservations *rs, const char *budget, uint64_t bytes, const char *holder,
		     uint64_t ttl_usec, uint64_t now, const char **ret_id)
{
	Reservation r = {.bytes = bytes};

	if (ttl_usec > 0)
		r.expires = now + ttl_usec < now ? UINT64_MAX : now + ttl_usec;
	if (asprintf(&r.id, "r%" PRIu64, ++rs->next_id) < 0)
		r.id = NULL;
	r.budget = strdup(budget);
	r.holder = holder && holder[0] ? strdup(holder) : NULL;
	Reservation *v = realloc(rs->v, (rs->n + 1) * sizeof(*v));
	if (!r.id || !r.budget || (holder && holder[0] && !r.holder) || !v) {
		if (v)
			rs->v = v;
		reservation_done(&r);
		return -ENOMEM;
	}
	rs->v = v;
	v[rs->n++] = r;
	if (ret_id)
		*ret_id = v[rs->n - 1].id;
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

static uint64_t holder_usage(const Reservation *r, CgTree *tree, unsigned count)
{
	CgNode *n;

	if (!r->holder || !tree || cg_tree_resolve(tree, r->holder, &n) < 0)
		return 0;
	return cg_usage(n, count);
}

void reservations_expire(Reservations *rs, CgTree *tree, unsigned count, uint64_t now)
{
	for (size_t i = rs->n; i-- > 0;) {
		const Reservation *r = &rs->v[i];
		if ((r->expires && now >= r->expires) ||
		    (r->holder && holder_usage(r, tree, count) >= r->bytes))
			drop(rs, i);
	}
}

uint64_t reservations_pending(const Reservations *rs, CgTree *tree, unsigned count,
			      const char *budget)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const Reservation *r = &rs->v[i];
		if (strcmp(r->budget, budget) != 0)
			continue;
		uint64_t used = holder_usage(r, tree, count);
		uint64_t left = used >= r->bytes ? 0 : r->bytes - used;
		sum = sum + left < sum ? UINT64_MAX : sum + left;
	}
	return sum;
}
