/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

/* Writes a status, list or ps document (publish/report.h) as JSON or as text; legend: the
 * header and the count of list and ps. -EBADMSG for a document of another command. */
int render_report(FILE *out, json_object *doc, bool json, bool legend);
