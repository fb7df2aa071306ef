/* SPDX-License-Identifier: MIT */
/* summary: the one-line text form (-F text): the top-level scalar fields of a
 * record as key=value pairs, nested objects left to the JSON form. */
#include "config.h"
#include "writer.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SM_TEXT_LINE 4096

struct sm_writer_text {
    struct sm_writer w;
    char line[SM_TEXT_LINE + 1]; /* SM_TEXT_LINE - 1 characters, the newline, NUL */
    size_t len;
    int depth; /* 0: top level of the record */
};

static struct sm_writer_text *sm_wt(struct sm_writer *w)
{
    return (struct sm_writer_text *)w;
}

static void sm_wt_append(struct sm_writer_text *t, const char *key, const char *val, bool quote)
{
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
}

static int sm_wt_end(struct sm_writer *w, FILE *out)
{
    struct sm_writer_text *t = sm_wt(w);
    return fputs(t->line, out) < 0 || fputc('\n', out) == EOF ? -1 : 0;
}

static const char *sm_wt_finish(struct sm_writer *w, size_t *len)
{
    struct sm_writer_text *t = sm_wt(w);
    t->line[t->len] = '\n';
    t->line[t->len + 1] = '\0';
    *len = t->len + 1;
    t->len = 0; /* a second finish gives an empty line, not two newlines */
    return t->line;
}

static void sm_wt_open(struct sm_writer *w, const char *key)
{
    (void)key;
    sm_wt(w)->depth++;
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
};

struct sm_writer *sm_writer_text_new(void)
{
    struct sm_writer_text *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->w.ops = &sm_writer_text_ops;
    return &t->w;
}
