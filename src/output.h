/* SPDX-License-Identifier: MIT */
/* summary: where events go (stdout, a file reopened on SIGHUP, RFC 5424
 * syslog over UDP or TCP) and in which form (json, text, summary). */
#ifndef SM_OUTPUT_H
#define SM_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writer.h"

enum sm_format {
    SM_FMT_JSON,
    SM_FMT_TEXT,
    SM_FMT_SUMMARY
};

struct sm_output;

/* dest: NULL or "-" for stdout, a path, syslog://HOST[:PORT] or
 * syslog+tcp://HOST[:PORT]. On failure returns NULL with a message in err. */
struct sm_output *sm_output_open(const char *dest, enum sm_format fmt, const char *host,
                                 bool line_buffered, char *err, size_t errlen);
/* The writer to describe one record into; then sm_output_commit(). */
struct sm_writer *sm_output_writer(struct sm_output *o);
/* True when records are written (false for the summary format). */
bool sm_output_wants_records(const struct sm_output *o);
/* Writes the record just described; returns 0 or -1 (and counts the error). */
int sm_output_commit(struct sm_output *o);
/* For records described on another thread than the one that commits:
 * a writer of the output's own format (free with w->ops->free(w)); the
 * record just described in it as text (malloc'd, *len bytes; NULL when out
 * of memory); and that text written, in its turn, as sm_output_commit()
 * would have written it (0 or -1, counted). */
struct sm_writer *sm_output_new_writer(const struct sm_output *o);
char *sm_output_render(struct sm_writer *w, size_t *len);
int sm_output_commit_text(struct sm_output *o, const char *text, size_t len);
/* Reopens a file destination (log rotation); no-op otherwise. */
void sm_output_reopen(struct sm_output *o);
/* The summary form: one line per verdict name with its count. */
void sm_output_summary(struct sm_output *o, const char *const *names, const uint64_t *counts,
                       size_t n);
uint64_t sm_output_errors(const struct sm_output *o);
void sm_output_close(struct sm_output *o);

#endif
