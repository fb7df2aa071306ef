/* SPDX-License-Identifier: MIT */
/* summary: where events go (stdout, a file reopened on SIGHUP, RFC 5424
 * syslog over UDP or TCP) and in which form (json, text, summary); what
 * did not get there is counted, never lost silently. */
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

/* Records syslog over TCP keeps while the collector is away or slow
 * (--syslog-backlog): 10,000 events of 2 to 8 KB are 20 to 80 MB at most,
 * and hold a collector restart of minutes at a busy bastion's rate. */
#define SM_OUTPUT_DEFAULT_BACKLOG 10000u
/* The syslog size limit (--max-event-size): rsyslog's default
 * maxMessageSize is 8k, and that counts the RFC 5424 header too. */
#define SM_OUTPUT_DEFAULT_MAX_EVENT 8192u

struct sm_output_options {
    const char *host;     /* sensor name (sanitized for the syslog header) */
    bool line_buffered;   /* live: each record leaves when written */
    size_t max_event;     /* bytes; 0: the default (syslog only) */
    bool max_event_given; /* --max-event-size: files and stdout too */
    size_t backlog;       /* records; 0: SM_OUTPUT_DEFAULT_BACKLOG */
    /* -F text: colour, width, file names */
    struct sm_text_style text;
};

/* What happened to records on their way out (capture_stats "output"). */
struct sm_output_stats {
    const char *destination; /* stdout, file, syslog-udp, syslog-tcp */
    uint64_t written;        /* handed whole to the destination */
    uint64_t lost;           /* the sum of the three below */
    uint64_t lost_write_error, lost_backlog_full, lost_oversize;
    uint64_t trimmed; /* written with parts left out */
    bool tcp;         /* the five below apply */
    uint64_t backlog, backlog_max, reconnects;
    uint64_t collector_resets; /* connections the collector reset (unread data discarded) */
    bool connected;
};

struct sm_output;

/* dest: NULL or "-" for stdout, a path, syslog://HOST[:PORT] or
 * syslog+tcp://HOST[:PORT]. On failure returns NULL with a message in err. */
struct sm_output *sm_output_open_opts(const char *dest, enum sm_format fmt,
                                      const struct sm_output_options *opt, char *err,
                                      size_t errlen);
/* The same with the default options. */
struct sm_output *sm_output_open(const char *dest, enum sm_format fmt, const char *host,
                                 bool line_buffered, char *err, size_t errlen);
/* The writer to describe one record into; then sm_output_commit(). */
struct sm_writer *sm_output_writer(struct sm_output *o);
/* True when records are written (false for the summary format). */
bool sm_output_wants_records(const struct sm_output *o);
/* Writes the record just described; returns 0 or -1 (and counts the loss). */
int sm_output_commit(struct sm_output *o);

/* Describes one record into w, leaving out the parts in trim (a mask of
 * nparts bits whose meaning is the caller's: SM_TRIM_* for events). */
typedef void (*sm_output_describe_fn)(struct sm_writer *w, unsigned trim, void *ctx);
/* Describes and writes one record that may be trimmed: over the size
 * limit, it is described again with one more part left out each time, in
 * bit order (a part whose absence does not shrink it is not counted as
 * left out), until it fits; still too large, it is counted lost_oversize
 * and not written. Returns 0 or -1. */
int sm_output_event(struct sm_output *o, sm_output_describe_fn fn, void *ctx, unsigned nparts);

/* For records described on another thread than the one that commits:
 * a writer of the output's own format (free with w->ops->free(w)); the
 * record described by fn in it, fitted to the size limit, as text
 * (malloc'd, *len bytes; *trimmed set; NULL when out of memory or still
 * too large: then describe it again through sm_output_event); and that
 * text written, in its turn, as sm_output_event() would have written it
 * (0 or -1, counted). */
struct sm_writer *sm_output_new_writer(const struct sm_output *o);
char *sm_output_render(const struct sm_output *o, struct sm_writer *w, sm_output_describe_fn fn,
                       void *ctx, unsigned nparts, size_t *len, bool *trimmed);
int sm_output_commit_text(struct sm_output *o, const char *text, size_t len, bool trimmed);

/* Reopens a file destination (log rotation); no-op otherwise. When the
 * new file cannot be opened, says so on stderr and keeps the old one. */
void sm_output_reopen(struct sm_output *o);
/* Periodic work on the wall clock (the live loop calls it at least once
 * a second, also on an idle wire): syslog over TCP notices a collector
 * that went away, reconnects with backoff and replays its backlog. */
void sm_output_tick(struct sm_output *o);
/* The counters so far; everything handed to a file is written first, so
 * that they are exact. */
void sm_output_stats(struct sm_output *o, struct sm_output_stats *st);
/* The summary form: one line per verdict name with its count. */
void sm_output_summary(struct sm_output *o, const char *const *names, const uint64_t *counts,
                       size_t n);
/* Writes out what is still held (syslog: waits a few seconds for the
 * collector), reports the records lost on stderr and returns how many. */
uint64_t sm_output_finish(struct sm_output *o);
uint64_t sm_output_errors(const struct sm_output *o);
void sm_output_close(struct sm_output *o);

#endif
