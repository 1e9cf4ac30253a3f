/* SPDX-License-Identifier: MIT */
/* pinctl libvirt-hook GUEST OP SUBOP EXTRA, the domain XML on stdin: what libvirtd runs
 * as /etc/libvirt/hooks/qemu.d/pind. At "prepare begin" it reserves what the guest will
 * pin in its partition (exit 1 with one line on stderr when pind denies it: libvirt then
 * refuses the start and shows that line); at "release end", which libvirt calls after
 * every start that got past prepare, failed or not, it releases it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "bus.h"
#include "config.h"
#include "libvirt_domain.h"
#include "macro.h"
#include "size.h"

#define XML_MAX         (16 << 20)
#define CALL_TIMEOUT_US (10 * UINT64_C(1000000)) /* libvirt waits on the hook without one */

typedef struct Hook {
	const Args *a;
	Pind *p;
	LibvirtGuest g;
	bool systemd; /* guests are machined's scopes, partitions slices */
} Hook;

/* One line for the admin (libvirt shows stderr of a failed hook), and the journal. */
static void say(int priority, const char *guest, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(int priority, const char *guest, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return;
	fprintf(stderr, "pind: %s\n", msg);
	sd_journal_send("MESSAGE=libvirt hook: %s", msg, "PRIORITY=%d", priority,
			"SYSLOG_IDENTIFIER=pind-libvirt-hook", "PIND_GUEST=%s", guest ? guest : "",
			NULL);
}

static int read_stdin(char **ret, size_t *ret_len)
{
	size_t len = 0, size = 0;
	char *buf = NULL;

	for (;;) {
		if (len == size) {
			char *n =
			    size < XML_MAX ? realloc(buf, size = size ? size * 2 : 65536) : NULL;
			if (!n) {
				free(buf);
				return size >= XML_MAX ? -E2BIG : -ENOMEM;
			}
			buf = n;
		}
		ssize_t k = read(STDIN_FILENO, buf + len, size - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			free(buf);
			return negative_errno();
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* libvirt uses machined when it runs: then guests are scopes in slices. */
static bool machined_runs(Pind *p)
{
	sd_bus_message *reply = NULL;
	int has = 0;

	if (!p->bus || sd_bus_call_method(p->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
					  "org.freedesktop.DBus", "NameHasOwner", NULL, &reply, "s",
					  "org.freedesktop.machine1") < 0)
		return false;
	if (sd_bus_message_read(reply, "b", &has) < 0)
		has = 0;
	sd_bus_message_unref(reply);
	return has;
}

static int call(Hook *h, const char *member, sd_bus_error *error, sd_bus_message **reply,
		const char *types, ...)
{
	va_list ap;

	va_start(ap, types);
	int r = sd_bus_call_methodv(h->p->bus, PIND_BUS_NAME, PIND_BUS_PATH, PIND_BUS_IFACE, member,
				    error, reply, types, ap);
	va_end(ap);
	return r;
}

/* Releases every reservation held for this guest (under any id: an earlier start whose
 * release never came, too). */
static int release_guest(Hook *h, unsigned *ret_n)
{
	_cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_bus_message_ sd_bus_message *reply = NULL;
	const char *id, *group, *holder;
	uint64_t bytes, counted, created, expires;

	*ret_n = 0;
	int r = call(h, "ListReservations", &error, &reply, "");
	if (r < 0) {
		say(LOG_ERR, h->g.name, "listing the reservations of %s failed: %s", h->g.name,
		    error.message ? error.message : strerror(-r));
		return r;
	}
	r = sd_bus_message_enter_container(reply, 'a', "(ssstttt)");
	while (r >= 0 && (r = sd_bus_message_read(reply, "(ssstttt)", &id, &group, &holder, &bytes,
						  &counted, &created, &expires)) > 0) {
		if (!libvirt_is_guest_group(&h->g, holder, h->systemd))
			continue;
		_cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
		int k = call(h, "Release", &e, NULL, "s", id);
		if (k < 0 && !sd_bus_error_has_name(&e, "org.freedesktop.DBus.Error.InvalidArgs"))
			say(LOG_ERR, h->g.name, "releasing %s of %s failed: %s", id, h->g.name,
			    e.message ? e.message : strerror(-k));
		else if (k >= 0)
			(*ret_n)++;
	}
	return r < 0 ? r : 0;
}

/* pind cannot be asked: IfUnreachable= says whether the guest starts anyway. */
static int unreachable(Hook *h, uint64_t bytes, const char *group)
{
	_cleanup_free_ char *path = NULL, *problem = NULL;
	char size[FORMAT_BYTES_MAX];
	Config c = {};

	if (asprintf(&path, "%s/etc/pind/pind.conf",
		     strcmp(h->a->root, "/") == 0 ? "" : h->a->root) < 0)
		return EXIT_FAIL;
	int r = config_load(path, false, 0, &c, &problem);
	bool refuse = r >= 0 && c.libvirt_refuse_unreachable;
	if (r < 0)
		say(LOG_WARNING, h->g.name, "%s, so IfUnreachable= is not known: allow",
		    problem ? problem : strerror(-r));
	config_done(&c);
	format_bytes(size, sizeof(size), bytes);
	if (refuse) {
		say(LOG_ERR, h->g.name,
		    "not reachable (%s): %s, which needs %s pinned in %s, is refused "
		    "(IfUnreachable=refuse in %s)",
		    h->p->reason ? h->p->reason : "?", h->g.name, size, group, path);
		return EXIT_FAIL;
	}
	say(LOG_WARNING, h->g.name,
	    "not reachable (%s): %s starts without a reservation of %s in %s "
	    "(IfUnreachable=allow)",
	    h->p->reason ? h->p->reason : "?", h->g.name, size, group);
	return EXIT_OK;
}

static int prepare(Hook *h)
{
	_cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_bus_message_ sd_bus_message *reply = NULL;
	_cleanup_free_ char *group = NULL, *holder = NULL;
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], c[FORMAT_BYTES_MAX], d[FORMAT_BYTES_MAX];
	const char *why, *id, *budget;
	uint64_t available, used, reserved, max;
	int granted;

	uint64_t bytes = libvirt_guest_pinned(&h->g, &why);
	if (bytes == 0)
		return EXIT_OK; /* it pins nothing: nothing to reserve */
	if (libvirt_partition_group(h->g.partition, h->systemd, &group) < 0 || h->g.id < 0 ||
	    libvirt_guest_group(&h->g, h->g.id, h->systemd, &holder) < 0) {
		say(LOG_ERR, h->g.name,
		    "%s: no partition or id to reserve in (partition %s, id %d)", h->g.name,
		    h->g.partition, h->g.id);
		return EXIT_FAIL;
	}
	if (!h->p->reachable)
		return unreachable(h, bytes, group);
	unsigned stale;
	if (release_guest(h, &stale) < 0)
		return EXIT_FAIL;
	int r =
	    call(h, "ReserveDetailed", &error, &reply, "stst", group, bytes, holder, UINT64_C(0));
	if (r < 0 && sd_bus_error_has_name(&error, "org.pind.Pind1.Error.NoSuchGroup"))
		return EXIT_OK; /* no budget contains its partition */
	if (r < 0) {
		say(LOG_ERR, h->g.name, "reserving %s for %s in %s failed: %s",
		    format_bytes(a, sizeof(a), bytes), h->g.name, group,
		    error.message ? error.message : strerror(-r));
		return EXIT_FAIL;
	}
	r = sd_bus_message_read(reply, "btssttt", &granted, &available, &id, &budget, &used,
				&reserved, &max);
	if (r < 0) {
		say(LOG_ERR, h->g.name, "unexpected reply from pind: %s", strerror(-r));
		return EXIT_FAIL;
	}
	if (granted)
		return EXIT_OK; /* pind logs the grant */
	say(LOG_NOTICE, h->g.name, "%s needs %s pinned in %s: %s used + %s reserved of %s",
	    h->g.name, format_bytes(a, sizeof(a), bytes), budget, format_bytes(b, sizeof(b), used),
	    format_bytes(c, sizeof(c), reserved), format_bytes(d, sizeof(d), max));
	return EXIT_FAIL;
}

int run_libvirt_hook(const Args *a, Pind *p)
{
	_cleanup_free_ char *xml = NULL, *problem = NULL;
	Hook h = {.a = a, .p = p};
	size_t len;

	if (a->n_args != 4) {
		fprintf(stderr, "pinctl: libvirt-hook takes GUEST OP SUBOP EXTRA (as libvirtd "
				"calls its qemu hook), the domain XML on stdin\n");
		return EXIT_USAGE;
	}
	const char *guest = a->args[0], *op = a->args[1], *sub = a->args[2];
	bool is_prepare = strcmp(op, "prepare") == 0 && strcmp(sub, "begin") == 0;
	bool is_release = strcmp(op, "release") == 0 && strcmp(sub, "end") == 0;
	if (!is_prepare && !is_release)
		return EXIT_OK; /* pind has nothing to do at start, started, stopped, ... */
	int r = read_stdin(&xml, &len);
	if (r >= 0)
		r = libvirt_guest_parse(xml, len, &h.g, &problem);
	if (r < 0) {
		say(LOG_ERR, guest, "the domain XML of %s on stdin: %s", guest,
		    problem ? problem : strerror(-r));
		return EXIT_FAIL;
	}
	if (strcmp(h.g.name, guest) != 0) {
		say(LOG_ERR, guest, "the domain XML on stdin is of %s, not %s", h.g.name, guest);
		libvirt_guest_done(&h.g);
		return EXIT_FAIL;
	}
	h.systemd = a->layout ? strcmp(a->layout, "systemd") == 0 : machined_runs(p);
	if (p->bus)
		(void)sd_bus_set_method_call_timeout(p->bus, CALL_TIMEOUT_US);
	if (is_prepare)
		r = prepare(&h);
	else if (!p->reachable) {
		say(LOG_WARNING, guest, "not reachable (%s): nothing of %s released",
		    p->reason ? p->reason : "?", guest);
		r = EXIT_OK;
	} else {
		unsigned n;
		r = release_guest(&h, &n) < 0 ? EXIT_FAIL : EXIT_OK;
	}
	libvirt_guest_done(&h.g);
	return r;
}
