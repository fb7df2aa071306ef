/* SPDX-License-Identifier: MIT */
/* summary: the JSON writer; the only file that includes jansson. Builds one
 * object per record and dumps it compact, in insertion order, on one line. */
#include "config.h"
#include "writer.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SM_JSON_DEPTH 16

struct sm_writer_json {
    struct sm_writer w;
    json_t *stack[SM_JSON_DEPTH];
    int depth;   /* index of the open container, -1 when none */
    int skipped; /* containers opened past SM_JSON_DEPTH, dropped */
};

size_t sm_escape_bytes(const void *bytes, size_t len, char *out, size_t outlen)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *b = bytes;
    size_t o = 0;

    if (outlen == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = b[i];
        if (c >= 0x20 && c <= 0x7e) {
            if (o + 1 >= outlen)
                break;
            out[o++] = (char)c;
        } else {
            if (o + 4 >= outlen)
                break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return o;
}

static struct sm_writer_json *sm_wj(struct sm_writer *w)
{
    return (struct sm_writer_json *)w;
}

/* Attaches v (a new reference, stolen) under key in the open container. */
static void sm_wj_put(struct sm_writer_json *j, const char *key, json_t *v)
{
    if (!v)
        return;
    if (j->depth < 0 || j->skipped > 0) {
        json_decref(v);
        return;
    }
    json_t *top = j->stack[j->depth];
    if (json_is_array(top))
        json_array_append_new(top, v);
    else
        json_object_set_new(top, key ? key : "", v);
}

static void sm_wj_begin(struct sm_writer *w)
{
    struct sm_writer_json *j = sm_wj(w);
    if (j->depth >= 0)
        json_decref(j->stack[0]); /* the root owns every open child */
    j->depth = -1;
    j->stack[0] = json_object();
    j->depth = j->stack[0] ? 0 : -1;
    j->skipped = 0;
}

static int sm_wj_end(struct sm_writer *w, FILE *out)
{
    struct sm_writer_json *j = sm_wj(w);
    int rc = -1;
    if (j->depth >= 0) {
        json_t *root = j->stack[0];
        /* ENSURE_ASCII: the stream stays 7-bit whatever the wire held;
         * REAL_PRECISION: 0.9 prints as 0.9, not 0.90000000000000002. */
        char *s = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER |
                                           JSON_REAL_PRECISION(10));
        if (s) {
            rc = fputs(s, out) < 0 || fputc('\n', out) == EOF ? -1 : 0;
            free(s);
        }
        for (int i = j->depth; i > 0; i--)
            j->stack[i] = NULL; /* owned by their parents */
        json_decref(root);
        j->depth = -1;
    }
    return rc;
}

static void sm_wj_push(struct sm_writer *w, const char *key, json_t *c)
{
    struct sm_writer_json *j = sm_wj(w);
    if (!c)
        return;
    if (j->depth < 0 || j->skipped > 0 || j->depth + 1 >= SM_JSON_DEPTH) {
        j->skipped++;
        json_decref(c);
        return;
    }
    json_incref(c);
    sm_wj_put(j, key, c);
    j->stack[++j->depth] = c;
    json_decref(c); /* the parent holds it now */
}

static void sm_wj_obj_begin(struct sm_writer *w, const char *key)
{
    sm_wj_push(w, key, json_object());
}

static void sm_wj_arr_begin(struct sm_writer *w, const char *key)
{
    sm_wj_push(w, key, json_array());
}

static void sm_wj_pop(struct sm_writer *w)
{
    struct sm_writer_json *j = sm_wj(w);
    if (j->skipped > 0)
        j->skipped--;
    else if (j->depth > 0)
        j->stack[j->depth--] = NULL;
}

static void sm_wj_str(struct sm_writer *w, const char *key, const void *bytes, size_t len)
{
    char small[512];
    size_t cap = len * 4 + 1;
    char *buf = cap <= sizeof(small) ? small : malloc(cap);
    if (!buf)
        return;
    size_t n = sm_escape_bytes(bytes, len, buf, cap);
    sm_wj_put(sm_wj(w), key, json_stringn(buf, n));
    if (buf != small)
        free(buf);
}

static void sm_wj_u64(struct sm_writer *w, const char *key, uint64_t v)
{
    sm_wj_put(sm_wj(w), key, json_integer((json_int_t)(v > INT64_MAX ? INT64_MAX : v)));
}

static void sm_wj_i64(struct sm_writer *w, const char *key, int64_t v)
{
    sm_wj_put(sm_wj(w), key, json_integer((json_int_t)v));
}

static void sm_wj_real(struct sm_writer *w, const char *key, double v, int decimals)
{
    double scale = pow(10.0, decimals);
    double r = round(v * scale) / scale;
    if (!isfinite(r))
        r = 0.0;
    sm_wj_put(sm_wj(w), key, json_real(r));
}

static void sm_wj_bool(struct sm_writer *w, const char *key, bool v)
{
    sm_wj_put(sm_wj(w), key, json_boolean(v));
}

static void sm_wj_null(struct sm_writer *w, const char *key)
{
    sm_wj_put(sm_wj(w), key, json_null());
}

static void sm_wj_free(struct sm_writer *w)
{
    struct sm_writer_json *j = sm_wj(w);
    if (!j)
        return;
    if (j->depth >= 0)
        json_decref(j->stack[0]);
    free(j);
}

static const struct sm_writer_ops sm_writer_json_ops = {
    .begin = sm_wj_begin,
    .end = sm_wj_end,
    .obj_begin = sm_wj_obj_begin,
    .obj_end = sm_wj_pop,
    .arr_begin = sm_wj_arr_begin,
    .arr_end = sm_wj_pop,
    .str = sm_wj_str,
    .u64 = sm_wj_u64,
    .i64 = sm_wj_i64,
    .real = sm_wj_real,
    .boolean = sm_wj_bool,
    .null = sm_wj_null,
    .free = sm_wj_free,
};

struct sm_writer *sm_writer_json_new(void)
{
    struct sm_writer_json *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    j->w.ops = &sm_writer_json_ops;
    j->depth = -1;
    return &j->w;
}
