/* SPDX-License-Identifier: MIT */
/* summary: the text form (-F text), what a person reads at a terminal. An
 * ssh_teardown is one header line (time, endpoints, verdict, confidence,
 * symptom); a failure adds the reason, the hint, the few evidence facts that
 * decided it and a ladder diagram of the packets that decided it. Other
 * records (capture_stats, ssh_pattern) are one line of key=value pairs of
 * their top-level scalars. The writer picks the facts it shows out of the
 * record by their paths: event.c stays the one place that names fields. */
#include "config.h"
#include "writer.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define SM_TEXT_LINE 4096
/* The whole rendered record: header, reason, hint, facts and ladder. Two
 * name-lists of at most SM_TF_LIST bytes, reason and hint are the largest
 * parts. */
#define SM_TEXT_OUT   32768
#define SM_TF_VAL     1024
#define SM_TF_LIST    1024
#define SM_TEXT_DEPTH 8
#define SM_TEXT_KEY   32

/* The facts the teardown form shows, by their path in the record. */
enum sm_tf {
    TF_EVENT_TYPE,
    TF_TS,
    TF_SOURCE,
    TF_SRC_IP,
    TF_SRC_PORT,
    TF_DEST_IP,
    TF_DEST_PORT,
    TF_VERDICT,
    TF_CONFIDENCE,
    TF_REASON,
    TF_HINT,
    TF_SYMPTOM,
    TF_SYN_COUNT,
    TF_SYN_SCHEDULE,
    TF_RST_ORIGIN,
    TF_RST_FROM,
    TF_RST_TTL,
    TF_RST_TTL_BEFORE,
    TF_ICMP_TYPE,
    TF_ICMP_CODE,
    TF_ICMP_REPORTER,
    TF_ICMP_MTU,
    TF_IDLE_GAP,
    TF_IDLE_MATCH,
    TF_STALLED_FROM,
    TF_RETRANS,
    TF_STALLED_SIZE,
    TF_LARGEST_ACKED,
    TF_PREBANNER,
    TF_REFUSAL_TEXT,
    TF_REFUSAL_CAUSE,
    TF_NOT_SSH_FROM,
    TF_SERVICE,
    TF_NOT_SSH_TEXT,
    TF_KEX_CATEGORY,
    TF_KEX_CLIENT,
    TF_KEX_SERVER,
    TF_DISCONNECT,
    TF_NF_PREFIX,
    TF_NF_PACKETS,
    TF_NF_HOOK,
    TF_COUNT
};

static const char *const sm_tf_path[TF_COUNT] = {
    [TF_EVENT_TYPE] = "event_type",
    [TF_TS] = "timestamp",
    [TF_SOURCE] = "capture.source",
    [TF_SRC_IP] = "src_ip",
    [TF_SRC_PORT] = "src_port",
    [TF_DEST_IP] = "dest_ip",
    [TF_DEST_PORT] = "dest_port",
    [TF_VERDICT] = "verdict",
    [TF_CONFIDENCE] = "confidence",
    [TF_REASON] = "reason",
    [TF_HINT] = "hint",
    [TF_SYMPTOM] = "symptom",
    [TF_SYN_COUNT] = "evidence.syn_count",
    [TF_SYN_SCHEDULE] = "evidence.os_syn_schedule",
    [TF_RST_ORIGIN] = "evidence.rst_origin",
    [TF_RST_FROM] = "evidence.rst.from",
    [TF_RST_TTL] = "evidence.rst.ttl",
    [TF_RST_TTL_BEFORE] = "evidence.rst.ttl_before",
    [TF_ICMP_TYPE] = "evidence.icmp.type",
    [TF_ICMP_CODE] = "evidence.icmp.code",
    [TF_ICMP_REPORTER] = "evidence.icmp.reporter",
    [TF_ICMP_MTU] = "evidence.icmp.mtu",
    [TF_IDLE_GAP] = "evidence.idle_gap_s",
    [TF_IDLE_MATCH] = "evidence.idle_timeout_match.name",
    [TF_STALLED_FROM] = "evidence.stalled_from",
    [TF_RETRANS] = "evidence.retransmissions",
    [TF_STALLED_SIZE] = "evidence.stalled_segment_size",
    [TF_LARGEST_ACKED] = "evidence.largest_acked_segment",
    [TF_PREBANNER] = "evidence.prebanner_text",
    [TF_REFUSAL_TEXT] = "evidence.refusal.text",
    [TF_REFUSAL_CAUSE] = "evidence.refusal.cause",
    [TF_NOT_SSH_FROM] = "evidence.not_ssh_from",
    [TF_SERVICE] = "evidence.service",
    [TF_NOT_SSH_TEXT] = "evidence.not_ssh_text",
    [TF_KEX_CATEGORY] = "evidence.kex_failure.category",
    [TF_KEX_CLIENT] = "evidence.kex_failure.client",
    [TF_KEX_SERVER] = "evidence.kex_failure.server",
    [TF_DISCONNECT] = "ssh.disconnect.description",
    [TF_NF_PREFIX] = "evidence.netfilter.rule_prefix",
    [TF_NF_PACKETS] = "evidence.netfilter.logged_packets",
    [TF_NF_HOOK] = "evidence.netfilter.hook",
};

struct sm_writer_text {
    struct sm_writer w;
    struct sm_text_style style;
    char line[SM_TEXT_LINE + 1]; /* SM_TEXT_LINE - 1 characters, the newline, NUL */
    size_t len;
    int depth; /* 0: top level of the record */
    char keys[SM_TEXT_DEPTH][SM_TEXT_KEY];
    /* The teardown form's facts; lists are joined with ", ". */
    char val[TF_COUNT][SM_TF_VAL];
    char list[2][SM_TF_LIST]; /* TF_KEX_CLIENT, TF_KEX_SERVER */
    bool have[TF_COUNT];
    struct sm_ladder ladder;
    bool have_ladder;
    char out[SM_TEXT_OUT];
    size_t out_len;
};

static struct sm_writer_text *sm_wt(struct sm_writer *w)
{
    return (struct sm_writer_text *)w;
}

/* --- collecting ----------------------------------------------------------- */

/* The fact a value under key at the current depth is, or -1. */
static int sm_wt_fact(const struct sm_writer_text *t, const char *key)
{
    char path[SM_TEXT_DEPTH * SM_TEXT_KEY + SM_TEXT_KEY];
    size_t n = 0;
    int depth = t->depth < SM_TEXT_DEPTH ? t->depth : SM_TEXT_DEPTH;
    if (t->depth > SM_TEXT_DEPTH)
        return -1;
    for (int i = 0; i < depth; i++)
        n += (size_t)snprintf(path + n, sizeof(path) - n, "%s%s", i ? "." : "", t->keys[i]);
    if (key)
        snprintf(path + n, sizeof(path) - n, "%s%s", n ? "." : "", key);
    for (int f = 0; f < TF_COUNT; f++)
        if (strcmp(sm_tf_path[f], path) == 0)
            return f;
    return -1;
}

static void sm_wt_keep(struct sm_writer_text *t, const char *key, const char *val)
{
    int f = sm_wt_fact(t, key);
    if (f < 0)
        return;
    if (f == TF_KEX_CLIENT || f == TF_KEX_SERVER) {
        char *l = t->list[f == TF_KEX_SERVER];
        size_t n = strlen(l);
        if (n + 3 < SM_TF_LIST)
            snprintf(l + n, SM_TF_LIST - n, "%s%s", n ? ", " : "", val);
    } else {
        snprintf(t->val[f], SM_TF_VAL, "%s", val);
    }
    t->have[f] = true;
}

static void sm_wt_append(struct sm_writer_text *t, const char *key, const char *val, bool quote)
{
    sm_wt_keep(t, key, val);
    if (t->depth != 0 || !key)
        return;
    int n = snprintf(t->line + t->len, SM_TEXT_LINE - t->len, "%s%s=%s%s%s", t->len ? " " : "", key,
                     quote ? "\"" : "", val, quote ? "\"" : "");
    if (n > 0)
        t->len += (size_t)n < SM_TEXT_LINE - t->len ? (size_t)n : SM_TEXT_LINE - t->len - 1;
}

static void sm_wt_begin(struct sm_writer *w)
{
    struct sm_writer_text *t = sm_wt(w);
    t->len = 0;
    t->line[0] = '\0';
    t->depth = 0;
    memset(t->have, 0, sizeof(t->have));
    t->list[0][0] = t->list[1][0] = '\0';
    t->have_ladder = false;
}

static void sm_wt_open(struct sm_writer *w, const char *key)
{
    struct sm_writer_text *t = sm_wt(w);
    if (t->depth < SM_TEXT_DEPTH)
        snprintf(t->keys[t->depth], SM_TEXT_KEY, "%s", key ? key : "");
    t->depth++;
}

static void sm_wt_close(struct sm_writer *w)
{
    if (sm_wt(w)->depth > 0)
        sm_wt(w)->depth--;
}

static void sm_wt_str(struct sm_writer *w, const char *key, const void *bytes, size_t len)
{
    char buf[1024];
    sm_escape_bytes(bytes, len, buf, sizeof(buf));
    /* Quotes inside would break the key="value" form. */
    for (char *p = buf; *p; p++)
        if (*p == '"')
            *p = '\'';
    sm_wt_append(sm_wt(w), key, buf, strchr(buf, ' ') != NULL || buf[0] == '\0');
}

static void sm_wt_u64(struct sm_writer *w, const char *key, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRIu64, v);
    sm_wt_append(sm_wt(w), key, buf, false);
}

static void sm_wt_i64(struct sm_writer *w, const char *key, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRId64, v);
    sm_wt_append(sm_wt(w), key, buf, false);
}

static void sm_wt_real(struct sm_writer *w, const char *key, double v, int decimals)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%.*f", decimals, isfinite(v) ? v : 0.0);
    sm_wt_append(sm_wt(w), key, buf, false);
}

static void sm_wt_bool(struct sm_writer *w, const char *key, bool v)
{
    sm_wt_append(sm_wt(w), key, v ? "true" : "false", false);
}

static void sm_wt_null(struct sm_writer *w, const char *key)
{
    (void)w;
    (void)key; /* absent facts are left out of the text form */
}

static void sm_wt_ladder(struct sm_writer *w, const struct sm_ladder *l)
{
    struct sm_writer_text *t = sm_wt(w);
    t->ladder = *l;
    if (t->ladder.n > SM_LADDER_ROWS)
        t->ladder.n = SM_LADDER_ROWS;
    t->have_ladder = true;
}

/* --- rendering ------------------------------------------------------------ */

#define SM_ANSI_BOLD   "\033[1m"
#define SM_ANSI_RED    "\033[31m"
#define SM_ANSI_GREEN  "\033[32m"
#define SM_ANSI_YELLOW "\033[33m"
#define SM_ANSI_OFF    "\033[0m"

static void sm_out(struct sm_writer_text *t, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void sm_out(struct sm_writer_text *t, const char *fmt, ...)
{
    /* Bounded: a record that does not fit is cut (never the newline). */
    size_t room = SM_TEXT_OUT - 1 - t->out_len;
    if (room <= 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->out + t->out_len, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->out_len += (size_t)n < room ? (size_t)n : room - 1;
}

/* Colour on or off: the escape, or nothing. */
static const char *sm_c(const struct sm_writer_text *t, const char *esc)
{
    return t->style.color ? esc : "";
}

static unsigned sm_width(const struct sm_writer_text *t)
{
    unsigned w = t->style.width ? t->style.width : 80;
    return w < 40 ? 40 : w > 400 ? 400 : w;
}

static const char *sm_v(const struct sm_writer_text *t, enum sm_tf f)
{
    return t->have[f] ? (f == TF_KEX_CLIENT || f == TF_KEX_SERVER ? t->list[f == TF_KEX_SERVER]
                                                                  : t->val[f])
                      : NULL;
}

/* "label: text", the text wrapped at spaces to the width, continuation
 * lines under its first character. */
static void sm_out_para(struct sm_writer_text *t, const char *label, const char *text)
{
    const unsigned indent = 17; /* "  " + the label's column of 15 */
    unsigned width = sm_width(t);
    unsigned room = width > indent + 20 ? width - indent : 20;
    sm_out(t, "  %s%-15s%s", sm_c(t, SM_ANSI_BOLD), label, sm_c(t, SM_ANSI_OFF));
    const char *p = text;
    bool first = true;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t left = strlen(p);
        size_t take = left;
        if (left > room) {
            take = room;
            while (take > 0 && p[take] != ' ')
                take--;
            if (take == 0) /* one word longer than the line: cut it */
                take = room;
        }
        if (!first)
            sm_out(t, "%*s", (int)indent, "");
        sm_out(t, "%.*s\n", (int)take, p);
        first = false;
        p += take;
    }
    if (first)
        sm_out(t, "\n");
}

static void sm_out_endpoint(struct sm_writer_text *t, enum sm_tf ip, enum sm_tf port)
{
    const char *a = sm_v(t, ip) ? sm_v(t, ip) : "?";
    bool v6 = strchr(a, ':') != NULL;
    sm_out(t, "%s%s%s:%s", v6 ? "[" : "", a, v6 ? "]" : "", sm_v(t, port) ? sm_v(t, port) : "?");
}

static bool sm_is(const struct sm_writer_text *t, enum sm_tf f, const char *s)
{
    return t->have[f] && strcmp(t->val[f], s) == 0;
}

static void sm_out_facts(struct sm_writer_text *t)
{
    char buf[6 * SM_TF_VAL]; /* room for every fact a line quotes, uncut */
    if (sm_is(t, TF_VERDICT, "silent-drop") && sm_v(t, TF_SYN_COUNT)) {
        snprintf(buf, sizeof(buf), "%s sent, none answered%s%s%s", sm_v(t, TF_SYN_COUNT),
                 sm_v(t, TF_SYN_SCHEDULE) ? " (retry schedule: " : "",
                 sm_v(t, TF_SYN_SCHEDULE) ? sm_v(t, TF_SYN_SCHEDULE) : "",
                 sm_v(t, TF_SYN_SCHEDULE) ? ")" : "");
        sm_out_para(t, "SYNs:", buf);
    }
    if (sm_v(t, TF_RST_ORIGIN)) {
        snprintf(buf, sizeof(buf), "from the %s; origin %s (TTL %s%s%s)",
                 sm_v(t, TF_RST_FROM) ? sm_v(t, TF_RST_FROM) : "?", sm_v(t, TF_RST_ORIGIN),
                 sm_v(t, TF_RST_TTL) ? sm_v(t, TF_RST_TTL) : "?",
                 sm_v(t, TF_RST_TTL_BEFORE) ? ", earlier packets " : "",
                 sm_v(t, TF_RST_TTL_BEFORE) ? sm_v(t, TF_RST_TTL_BEFORE) : "");
        sm_out_para(t, "RST:", buf);
    }
    if (sm_v(t, TF_ICMP_TYPE)) {
        snprintf(buf, sizeof(buf), "type %s code %s from %s%s%s", sm_v(t, TF_ICMP_TYPE),
                 sm_v(t, TF_ICMP_CODE) ? sm_v(t, TF_ICMP_CODE) : "?",
                 sm_v(t, TF_ICMP_REPORTER) ? sm_v(t, TF_ICMP_REPORTER) : "?",
                 sm_v(t, TF_ICMP_MTU) ? ", next-hop MTU " : "",
                 sm_v(t, TF_ICMP_MTU) ? sm_v(t, TF_ICMP_MTU) : "");
        sm_out_para(t, "ICMP:", buf);
    }
    if (sm_is(t, TF_VERDICT, "state-table-timeout") && sm_v(t, TF_IDLE_GAP)) {
        snprintf(buf, sizeof(buf), "%s s of silence%s%s", sm_v(t, TF_IDLE_GAP),
                 sm_v(t, TF_IDLE_MATCH) ? ", at least the idle timeout of " : "",
                 sm_v(t, TF_IDLE_MATCH) ? sm_v(t, TF_IDLE_MATCH) : "");
        sm_out_para(t, "idle gap:", buf);
    }
    if (sm_v(t, TF_STALLED_SIZE)) {
        snprintf(buf, sizeof(buf),
                 "a %s-byte segment from the %s, retransmitted %s times, never acknowledged "
                 "(largest acknowledged: %s bytes)",
                 sm_v(t, TF_STALLED_SIZE),
                 sm_v(t, TF_STALLED_FROM) ? sm_v(t, TF_STALLED_FROM) : "?",
                 sm_v(t, TF_RETRANS) ? sm_v(t, TF_RETRANS) : "?",
                 sm_v(t, TF_LARGEST_ACKED) ? sm_v(t, TF_LARGEST_ACKED) : "?");
        sm_out_para(t, "stalled:", buf);
    }
    if (sm_v(t, TF_REFUSAL_TEXT)) {
        snprintf(buf, sizeof(buf), "\"%s\" (%s)", sm_v(t, TF_REFUSAL_TEXT),
                 sm_v(t, TF_REFUSAL_CAUSE) ? sm_v(t, TF_REFUSAL_CAUSE) : "?");
        sm_out_para(t, "refusal:", buf);
    } else if (sm_v(t, TF_PREBANNER)) {
        snprintf(buf, sizeof(buf), "\"%s\"", sm_v(t, TF_PREBANNER));
        sm_out_para(t, "server said:", buf);
    }
    if (sm_v(t, TF_SERVICE)) {
        snprintf(buf, sizeof(buf), "%s, from the %s%s%s%s", sm_v(t, TF_SERVICE),
                 sm_v(t, TF_NOT_SSH_FROM) ? sm_v(t, TF_NOT_SSH_FROM) : "?",
                 sm_v(t, TF_NOT_SSH_TEXT) ? ": \"" : "",
                 sm_v(t, TF_NOT_SSH_TEXT) ? sm_v(t, TF_NOT_SSH_TEXT) : "",
                 sm_v(t, TF_NOT_SSH_TEXT) ? "\"" : "");
        sm_out_para(t, "service:", buf);
    }
    if (sm_is(t, TF_KEX_CATEGORY, "disconnect")) {
        sm_out_para(t, "key exchange:", "ended by a DISCONNECT");
    } else if (sm_is(t, TF_KEX_CATEGORY, "other")) {
        sm_out_para(t, "key exchange:", "ended before both NEWKEYS");
    } else if (sm_v(t, TF_KEX_CATEGORY)) {
        snprintf(buf, sizeof(buf), "%s algorithm", sm_v(t, TF_KEX_CATEGORY));
        sm_out_para(t, "none common:", buf);
        if (sm_v(t, TF_KEX_CLIENT))
            sm_out_para(t, "client offers:", sm_v(t, TF_KEX_CLIENT));
        if (sm_v(t, TF_KEX_SERVER))
            sm_out_para(t, "server offers:", sm_v(t, TF_KEX_SERVER));
    }
    if (sm_v(t, TF_NF_PREFIX)) {
        snprintf(buf, sizeof(buf), "rule '%s' logged %s packet(s)%s%s%s", sm_v(t, TF_NF_PREFIX),
                 sm_v(t, TF_NF_PACKETS) ? sm_v(t, TF_NF_PACKETS) : "?",
                 sm_v(t, TF_NF_HOOK) ? " at the " : "",
                 sm_v(t, TF_NF_HOOK) ? sm_v(t, TF_NF_HOOK) : "",
                 sm_v(t, TF_NF_HOOK) ? " hook" : "");
        sm_out_para(t, "netfilter:", buf);
    }
    if (sm_v(t, TF_DISCONNECT)) {
        snprintf(buf, sizeof(buf), "\"%s\"", sm_v(t, TF_DISCONNECT));
        sm_out_para(t, "disconnect:", buf);
    }
}

/* One row of the ladder: the time, then the lane between the client's
 * and the server's bars with an arrow or a marked silence across it. */
static void sm_out_row(struct sm_writer_text *t, const struct sm_ladder_row *r, unsigned lane,
                       int64_t t0)
{
    char body[512], label[64];
    if (lane >= sizeof(body))
        lane = sizeof(body) - 1;
    bool arrow = r->kind == SM_LADDER_TO_SERVER || r->kind == SM_LADDER_TO_CLIENT;
    if (r->kind == SM_LADDER_GAP)
        snprintf(label, sizeof(label), " %s %.3f s ", r->label[0] ? r->label : "silence",
                 (double)r->n / 1e6);
    else if (r->kind == SM_LADDER_MORE)
        snprintf(label, sizeof(label), " %" PRIu64 " more packet%s ", r->n, r->n == 1 ? "" : "s");
    else
        snprintf(label, sizeof(label), " %s ", r->label);
    size_t ll = strlen(label);
    if (ll + 4 > lane) {
        ll = lane > 4 ? lane - 4 : 0;
        label[ll] = '\0';
    }
    memset(body, arrow ? '-' : r->kind == SM_LADDER_GAP ? '~' : ' ', lane);
    body[lane] = '\0';
    if (r->kind == SM_LADDER_TO_SERVER)
        body[lane - 1] = '>';
    else if (r->kind == SM_LADDER_TO_CLIENT)
        body[0] = '<';
    size_t at = (lane - ll) / 2;
    if (r->kind == SM_LADDER_MORE)
        sm_out(t, "  %12s %c", "", ':');
    else
        sm_out(t, "  %12.6f %c", (double)(r->ts - t0) / 1e6, r->kind == SM_LADDER_GAP ? ':' : '|');
    const char *esc = r->kind == SM_LADDER_GAP                        ? SM_ANSI_YELLOW
                      : strstr(label, "RST") || strstr(label, "ICMP") ? SM_ANSI_RED
                                                                      : SM_ANSI_BOLD;
    sm_out(t, "%.*s%s%s%s%s%c\n", (int)at, body, sm_c(t, esc), label, sm_c(t, SM_ANSI_OFF),
           body + at + ll,
           r->kind == SM_LADDER_TO_SERVER || r->kind == SM_LADDER_TO_CLIENT ? '|' : ':');
}

static void sm_out_ladder(struct sm_writer_text *t)
{
    const struct sm_ladder *l = &t->ladder;
    if (!t->have_ladder || l->n == 0)
        return;
    unsigned width = sm_width(t);
    /* "  " + 12 for the time + " |" + lane + "|" */
    unsigned lane = width > 17 + 24 ? width - 17 : 24;
    if (lane > 72)
        lane = 72;
    sm_out(t, "  %spackets:%s\n", sm_c(t, SM_ANSI_BOLD), sm_c(t, SM_ANSI_OFF));
    sm_out(t, "  %12s %-*s%s\n", "seconds", (int)(lane - 4), "client", "server");
    for (unsigned i = 0; i < l->n; i++)
        sm_out_row(t, &l->row[i], lane, l->t0);
}

static void sm_render_teardown(struct sm_writer_text *t)
{
    const char *verdict = sm_v(t, TF_VERDICT) ? sm_v(t, TF_VERDICT) : "?";
    bool normal = strcmp(verdict, "normal-close") == 0;
    const char *vc = normal                               ? SM_ANSI_GREEN
                     : strcmp(verdict, "unfinished") == 0 ? SM_ANSI_YELLOW
                                                          : SM_ANSI_RED;
    t->out_len = 0;
    sm_out(t, "%s ", sm_v(t, TF_TS) ? sm_v(t, TF_TS) : "?");
    sm_out_endpoint(t, TF_SRC_IP, TF_SRC_PORT);
    sm_out(t, " -> ");
    sm_out_endpoint(t, TF_DEST_IP, TF_DEST_PORT);
    sm_out(t, " %s%s%s%s %s", sm_c(t, SM_ANSI_BOLD), sm_c(t, vc), verdict, sm_c(t, SM_ANSI_OFF),
           sm_v(t, TF_CONFIDENCE) ? sm_v(t, TF_CONFIDENCE) : "?");
    if (sm_v(t, TF_SYMPTOM))
        sm_out(t, " \"%s\"", sm_v(t, TF_SYMPTOM));
    if (t->style.show_source && sm_v(t, TF_SOURCE))
        sm_out(t, " [%s]", sm_v(t, TF_SOURCE));
    sm_out(t, "\n");
    if (normal)
        return;
    if (sm_v(t, TF_REASON))
        sm_out_para(t, "reason:", sm_v(t, TF_REASON));
    if (sm_v(t, TF_HINT))
        sm_out_para(t, "hint:", sm_v(t, TF_HINT));
    sm_out_facts(t);
    sm_out_ladder(t);
}

/* The record as text: the teardown form, or the key=value line. */
static const char *sm_wt_render(struct sm_writer_text *t, size_t *len)
{
    if (sm_is(t, TF_EVENT_TYPE, "ssh_teardown")) {
        sm_render_teardown(t);
        if (t->out_len == 0 || t->out[t->out_len - 1] != '\n')
            t->out[t->out_len++] = '\n'; /* sm_out leaves room for it */
        t->out[t->out_len] = '\0';
        *len = t->out_len;
        return t->out;
    }
    t->line[t->len] = '\n';
    t->line[t->len + 1] = '\0';
    *len = t->len + 1;
    return t->line;
}

static int sm_wt_end(struct sm_writer *w, FILE *out)
{
    size_t len;
    const char *s = sm_wt_render(sm_wt(w), &len);
    return fwrite(s, 1, len, out) == len ? 0 : -1;
}

static const char *sm_wt_finish(struct sm_writer *w, size_t *len)
{
    struct sm_writer_text *t = sm_wt(w);
    const char *s = sm_wt_render(t, len);
    /* A second finish gives an empty line, not the record twice. */
    t->len = 0;
    t->have[TF_EVENT_TYPE] = false;
    return s;
}

static void sm_wt_free(struct sm_writer *w)
{
    free(w);
}

/* Remembers nothing: every value is written out. */
static bool sm_wt_memo_begin(struct sm_writer *w, const char *key, uint64_t id)
{
    (void)w;
    (void)key;
    (void)id;
    return false;
}

static void sm_wt_memo_end(struct sm_writer *w)
{
    (void)w;
}

static const struct sm_writer_ops sm_writer_text_ops = {
    .begin = sm_wt_begin,
    .end = sm_wt_end,
    .finish = sm_wt_finish,
    .obj_begin = sm_wt_open,
    .obj_end = sm_wt_close,
    .arr_begin = sm_wt_open,
    .arr_end = sm_wt_close,
    .str = sm_wt_str,
    .u64 = sm_wt_u64,
    .i64 = sm_wt_i64,
    .real = sm_wt_real,
    .boolean = sm_wt_bool,
    .null = sm_wt_null,
    .memo_begin = sm_wt_memo_begin,
    .memo_end = sm_wt_memo_end,
    .free = sm_wt_free,
    .ladder = sm_wt_ladder,
};

struct sm_writer *sm_writer_text_new_style(const struct sm_text_style *style)
{
    struct sm_writer_text *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->w.ops = &sm_writer_text_ops;
    if (style)
        t->style = *style;
    return &t->w;
}

struct sm_writer *sm_writer_text_new(void)
{
    return sm_writer_text_new_style(NULL);
}
