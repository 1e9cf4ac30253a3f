/* SPDX-License-Identifier: MIT */
/* status, list and ps as pind sees them: its Describe method hands over the document
 * that pinctl builds itself when pind does not answer (publish/report.h). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "render.h"
#include "report.h"

/* The document pind describes, checked to be one this pinctl reads. */
static int describe(Pind *p, const Args *a, json_object **ret)
{
	_cleanup_bus_message_ sd_bus_message *m = NULL, *reply = NULL;
	const char *text, *what = a->n_args > 0 ? a->args[0] : a->command;
	int r;

	if ((r = pind_new_call(p, PIND_BUS_IFACE, "Describe", &m)) < 0)
		return r;
	r = sd_bus_message_append(m, "s", a->command);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "s");
	for (size_t i = 0; r >= 0 && i < a->n_args; i++)
		r = sd_bus_message_append(m, "s", a->args[i]);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r < 0) {
		fprintf(stderr, "pinctl: making the Describe call: %s\n", strerror(-r));
		return r;
	}
	/* of several names, pind's error says which one it does not know */
	if (a->n_args > 1)
		what = NULL;
	if ((r = pind_call_message(p, what, m, &reply)) < 0)
		return r;
	if ((r = sd_bus_message_read(reply, "s", &text)) < 0) {
		fprintf(stderr, "pinctl: unexpected reply to Describe from pind: %s\n",
			strerror(-r));
		return r;
	}
	json_object *doc = json_tokener_parse(text), *schema = NULL;
	if (!doc || !json_object_object_get_ex(doc, "schema", &schema) ||
	    json_object_get_int(schema) != REPORT_SCHEMA) {
		fprintf(stderr,
			"pinctl: pind describes %s in a form this pinctl does not read "
			"(schema %d expected)\n",
			a->command, REPORT_SCHEMA);
		json_object_put(doc);
		return -EBADMSG;
	}
	*ret = doc;
	return 0;
}

int bus_show(const Args *a, Pind *p)
{
	json_object *doc = NULL;
	ReportKind kind;

	if (report_kind_from_string(a->command, &kind) < 0)
		return EXIT_USAGE;
	if ((kind == REPORT_LIST && a->n_args > 0) || (kind == REPORT_PS && a->n_args > 1)) {
		fprintf(stderr, "pinctl: too many arguments for '%s'\n", a->command);
		return EXIT_USAGE;
	}
	int r = describe(p, a, &doc);
	if (r < 0)
		return r == -EBADMSG ? EXIT_FAIL : exit_code_from_errno(r);
	r = render_report(stdout, doc, a->json, a->legend);
	json_object_put(doc);
	if (r < 0) {
		fprintf(stderr, "pinctl: writing output failed\n");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
