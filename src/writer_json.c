/* SPDX-License-Identifier: MIT */
/* summary: the JSON writer; the only file that includes jansson. Builds one
 * object per record and dumps it compact, in insertion order, on one line. */
#include "config.h"
#include "writer.h"

#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define SM_JSON_DEPTH 16

/* jansson allocates every value, key and hash table of a record separately;
 * a record's tree lives only until it is dumped. All of it comes from an
 * arena that is emptied after each record: allocation is a pointer bump,
 * freeing is nothing. jansson's allocator hooks are process-wide, so they
 * point at the arena only from begin() to the end of end(): other jansson
 * users (tests) see malloc and free in between. */
#define SM_ARENA_CHUNK (64 * 1024)
#define SM_ARENA_BIG   (16 * 1024) /* larger blocks get their own malloc */

struct sm_arena_block {
    struct sm_arena_block *next;
    size_t used, size;
    max_align_t data[]; /* aligned storage */
};

struct sm_arena {
    struct sm_arena_block *head; /* current chunk first */
    struct sm_arena_block *big;  /* oversized blocks */
};

/* jansson's hooks take no context: each writer operation makes its own
 * arena the current one before calling jansson. */
static struct sm_arena *sm_arena_cur;

static void *sm_arena_alloc(size_t n)
{
    struct sm_arena *a = sm_arena_cur;
    size_t align = sizeof(max_align_t);
    if (!a)
        return NULL;
    n = (n + align - 1) / align * align;
    if (n > SM_ARENA_BIG) {
        struct sm_arena_block *b = malloc(sizeof(*b) + n);
        if (!b)
            return NULL;
        b->size = b->used = n;
        b->next = a->big;
        a->big = b;
        return b->data;
    }
    struct sm_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        b = malloc(sizeof(*b) + SM_ARENA_CHUNK);
        if (!b)
            return NULL;
        b->size = SM_ARENA_CHUNK;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
}

static void sm_arena_free(void *p)
{
    (void)p; /* everything goes at once in sm_arena_reset() */
}

/* Empties the arena, keeping one chunk for the next record. */
static void sm_arena_reset(struct sm_arena *a)
{
    while (a->big) {
        struct sm_arena_block *b = a->big;
        a->big = b->next;
        free(b);
    }
    if (!a->head)
        return;
    struct sm_arena_block *keep = a->head;
    struct sm_arena_block *b = keep->next;
    while (b) {
        struct sm_arena_block *next = b->next;
        free(b);
        b = next;
    }
    keep->next = NULL;
    keep->used = 0;
}

static void sm_arena_release(struct sm_arena *a)
{
    sm_arena_reset(a);
    free(a->head);
    a->head = NULL;
    if (sm_arena_cur == a)
        sm_arena_cur = NULL;
}

struct sm_writer_json {
    struct sm_writer w;
    json_t *stack[SM_JSON_DEPTH];
    int depth;   /* index of the open container, -1 when none */
    int skipped; /* containers opened past SM_JSON_DEPTH, dropped */
    struct sm_arena arena;
    char *out; /* the dumped record */
    size_t outcap;
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

/* Every operation goes through here: it also makes this writer's arena
 * the one jansson allocates from. */
static struct sm_writer_json *sm_wj(struct sm_writer *w)
{
    struct sm_writer_json *j = (struct sm_writer_json *)w;
    if (j)
        sm_arena_cur = &j->arena;
    return j;
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
    /* An unfinished record (begin without end) is dropped with the arena. */
    j->depth = -1;
    sm_arena_reset(&j->arena);
    json_set_alloc_funcs(sm_arena_alloc, sm_arena_free);
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
        size_t flags =
                JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10);
        /* One dump into a buffer kept between records, then one write. */
        size_t n = json_dumpb(root, j->out, j->outcap, flags);
        if (n > j->outcap) {
            size_t cap = n + n / 2 + 1024;
            char *nb = realloc(j->out, cap);
            if (nb) {
                j->out = nb;
                j->outcap = cap;
                n = json_dumpb(root, j->out, j->outcap, flags);
            }
        }
        if (n > 0 && n <= j->outcap)
            rc = fwrite(j->out, 1, n, out) == n && fputc('\n', out) != EOF ? 0 : -1;
        /* No json_decref: the tree lives in the arena, emptied at the next
         * begin() or when the writer is freed. */
        j->depth = -1;
        sm_arena_reset(&j->arena);
    }
    json_set_alloc_funcs(malloc, free);
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
    sm_arena_release(&j->arena);
    json_set_alloc_funcs(malloc, free); /* a record begun and never ended */
    free(j->out);
    free(j);
}

/* Remembers nothing: every value is written out. */
static bool sm_wj_memo_begin(struct sm_writer *w, const char *key, uint64_t id)
{
    (void)w;
    (void)key;
    (void)id;
    return false;
}

static void sm_wj_memo_end(struct sm_writer *w)
{
    (void)w;
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
    .memo_begin = sm_wj_memo_begin,
    .memo_end = sm_wj_memo_end,
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
