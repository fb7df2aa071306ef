/* SPDX-License-Identifier: MIT */
/* summary: unit tests of the neutral writer: exact JSON lines for small
 * records (nesting, reals, escaping of raw bytes), depth overflow, the
 * key=value text form, and sm_escape_bytes at small output sizes. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <jansson.h>

#include "unit.h"
#include "event.h"
#include "output.h"
#include "writeback.h"
#include "writer.h"

/* Captures what a writer's end() prints, as a malloc'd string (caller
 * frees); *rc gets end()'s return value. */
static char *sm_t_end(struct sm_writer *w, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    *rc = w->ops->end(w, m);
    fclose(m);
    return buf;
}

/* A small record with every kind of value, described through the ops. */
static void sm_t_describe(struct sm_writer *w)
{
    const struct sm_writer_ops *o = w->ops;
    o->begin(w);
    o->str(w, "event_type", "ssh_teardown", 12);
    o->u64(w, "flow_id", 42);
    o->i64(w, "delta", -5);
    o->real(w, "confidence", 0.9, 2);
    o->boolean(w, "midstream", false);
    o->null(w, "ssh");
    o->obj_begin(w, "flow");
    o->u64(w, "pkts_toserver", 3);
    o->obj_begin(w, "inner");
    o->boolean(w, "deep", true);
    o->obj_end(w);
    o->obj_end(w);
    o->arr_begin(w, "vlan");
    o->u64(w, NULL, 200);
    o->u64(w, NULL, 100);
    o->obj_begin(w, NULL);
    sm_w_cstr(w, "k", "v");
    o->obj_end(w);
    o->arr_end(w);
    sm_w_cstr(w, "verdict", "normal-close");
}

static void test_writer_json_record(void)
{
    struct sm_writer *w = sm_writer_json_new();
    int rc;
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    sm_t_describe(w);
    char *s = sm_t_end(w, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(s, "{\"event_type\":\"ssh_teardown\",\"flow_id\":42,\"delta\":-5,"
                              "\"confidence\":0.9,\"midstream\":false,\"ssh\":null,"
                              "\"flow\":{\"pkts_toserver\":3,\"inner\":{\"deep\":true}},"
                              "\"vlan\":[200,100,{\"k\":\"v\"}],\"verdict\":\"normal-close\"}\n");
    free(s);

    /* The writer is reusable: a second record is a second line. */
    w->ops->begin(w);
    w->ops->u64(w, "n", 2);
    s = sm_t_end(w, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(s, "{\"n\":2}\n");
    free(s);
    w->ops->free(w);
}

static void test_writer_json_reals(void)
{
    static const struct {
        double v;
        int decimals;
        const char *want;
    } rows[] = {
        { 0.9, 2, "0.9" },    { 0.95, 2, "0.95" },          { 0.63, 2, "0.63" },  { 1.0, 2, "1.0" },
        { 0.0, 2, "0.0" },    { 0.123456, 3, "0.123" },     { 0.9999, 2, "1.0" }, { 2.5, 0, "3.0" },
        { -0.25, 1, "-0.3" }, { 12.3456789, 4, "12.3457" },
    };
    struct sm_writer *w = sm_writer_json_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (size_t i = 0; i < SM_NELEM(rows); i++) {
        char want[64];
        int rc;
        w->ops->begin(w);
        w->ops->real(w, "c", rows[i].v, rows[i].decimals);
        char *s = sm_t_end(w, &rc);
        snprintf(want, sizeof(want), "{\"c\":%s}\n", rows[i].want);
        CU_ASSERT_STRING_EQUAL(s, want);
        free(s);
    }
    /* Not a number, infinity: 0, never an invalid JSON token. */
    int rc;
    w->ops->begin(w);
    w->ops->real(w, "nan", 0.0 / 0.0, 2);
    w->ops->real(w, "inf", 1.0 / 0.0, 2);
    char *s = sm_t_end(w, &rc);
    CU_ASSERT_STRING_EQUAL(s, "{\"nan\":0.0,\"inf\":0.0}\n");
    free(s);
    w->ops->free(w);
}

/* Reals against jansson's own printing of the same rounded value, over
 * magnitudes from 1e-7 to 1e12 and 0..9 decimals (the writer prints most
 * reals by hand, the rest through snprintf). */
static void test_writer_json_reals_match_jansson(void)
{
    struct sm_writer *w = sm_writer_json_new();
    uint64_t x = 88172645463325252ull;
    int bad = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int decimals = (int)(x % 10);
        double mag = pow(10.0, (double)((x >> 8) % 20) - 7.0);
        double v = (double)((x >> 20) % 1000000007u) / 1000000007.0 * mag;
        if (x & (1u << 5))
            v = -v;
        if ((x >> 6) % 50 == 0)
            v = (double)(int64_t)((x >> 12) % 100000) / 100.0; /* exact decimals */
        double scale = pow(10.0, decimals);
        json_t *ref = json_real(round(v * scale) / scale);
        char *want = json_dumps(ref, JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
        json_decref(ref);
        int rc;
        w->ops->begin(w);
        w->ops->real(w, "c", v, decimals);
        char *s = sm_t_end(w, &rc);
        char line[96];
        snprintf(line, sizeof(line), "{\"c\":%s}\n", want ? want : "?");
        if (strcmp(s, line) != 0 && bad++ < 5)
            fprintf(stderr, "\n  %.17g at %d decimals: ours %s  jansson %s", v, decimals, s, line);
        free(want);
        free(s);
    }
    CU_ASSERT_EQUAL(bad, 0);
    w->ops->free(w);
}

static void test_writer_json_integers(void)
{
    struct sm_writer *w = sm_writer_json_new();
    int rc;
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    w->ops->begin(w);
    w->ops->u64(w, "max", UINT64_MAX); /* beyond JSON's signed range: capped */
    w->ops->u64(w, "big", (uint64_t)INT64_MAX);
    w->ops->i64(w, "min", INT64_MIN);
    w->ops->u64(w, "zero", 0);
    char *s = sm_t_end(w, &rc);
    CU_ASSERT_STRING_EQUAL(s, "{\"max\":9223372036854775807,\"big\":9223372036854775807,"
                              "\"min\":-9223372036854775808,\"zero\":0}\n");
    free(s);
    w->ops->free(w);
}

static void test_writer_json_escaping(void)
{
    struct sm_writer *w = sm_writer_json_new();
    int rc;
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);

    /* Controls, DEL, a NUL, valid UTF-8 (é), invalid UTF-8, quote and
     * backslash: each field survives, as 7-bit JSON. */
    static const uint8_t raw[] = { 'a', 0x01, '\n', 0x7f, 0xc3, 0xa9, 0x00, 'z' };
    static const uint8_t bad[] = { 0xff, 0xfe, 0xc0, 0x80 };
    w->ops->begin(w);
    w->ops->str(w, "raw", raw, sizeof(raw));
    w->ops->str(w, "bad", bad, sizeof(bad));
    w->ops->str(w, "q", "say \"hi\" \\o/", 12);
    w->ops->str(w, "empty", "", 0);
    char *s = sm_t_end(w, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(s, "{\"raw\":\"a\\\\x01\\\\x0a\\\\x7f\\\\xc3\\\\xa9\\\\x00z\","
                              "\"bad\":\"\\\\xff\\\\xfe\\\\xc0\\\\x80\","
                              "\"q\":\"say \\\"hi\\\" \\\\o/\",\"empty\":\"\"}\n");
    for (const char *p = s; *p; p++)
        CU_ASSERT_TRUE((unsigned char)*p < 0x80);
    free(s);

    /* A long string (past the writer's stack buffer) of bytes to escape. */
    size_t n = 3000;
    uint8_t *big = malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    memset(big, 0x80, n);
    w->ops->begin(w);
    w->ops->str(w, "big", big, n);
    s = sm_t_end(w, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    /* {"big":"...."}\n with each byte as \\x80 (5 characters in JSON). */
    CU_ASSERT_EQUAL(strlen(s), strlen("{\"big\":\"\"}\n") + n * 5);
    free(s);
    free(big);
    w->ops->free(w);
}

/* Keys take a word-at-a-time path; every length around the word size and
 * past the short-key limit, with a byte to escape at either end, comes out
 * escaped as jansson would write it. */
static void test_writer_json_key_escaping(void)
{
    struct sm_writer *w = sm_writer_json_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (size_t n = 1; n <= 70; n++) {
        for (int where = 0; where < 3; where++) {
            char key[80], want[200];
            memset(key, 'k', n);
            key[n] = '\0';
            if (where == 1)
                key[0] = '"';
            if (where == 2)
                key[n - 1] = '\\';
            /* want: {"<key escaped>":1}\n */
            size_t o = 0;
            want[o++] = '{';
            want[o++] = '"';
            for (size_t i = 0; i < n; i++) {
                if (key[i] == '"' || key[i] == '\\')
                    want[o++] = '\\';
                want[o++] = key[i];
            }
            memcpy(want + o, "\":1}\n", 6);
            int rc;
            w->ops->begin(w);
            w->ops->u64(w, key, 1);
            char *s = sm_t_end(w, &rc);
            CU_ASSERT_STRING_EQUAL(s, want);
            free(s);
        }
    }
    w->ops->free(w);
}

/* Keys are remembered by address: a buffer reused for another key (the
 * same length, shorter, longer, one byte changed) must be written as what
 * it holds now, and a remembered key written twice in a row stays right. */
static void test_writer_json_key_cache(void)
{
    struct sm_writer *w = sm_writer_json_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    static const char *const seq[] = { "alpha",           "alpha", "alphb", "alp",
                                       "alphabet_longer", "",      "alpha", "x\"y" };
    char key[32];
    char want[512] = "{";
    size_t o = 1;
    w->ops->begin(w);
    for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
        snprintf(key, sizeof(key), "%s", seq[i]);
        w->ops->u64(w, key, i);
        if (i)
            want[o++] = ',';
        want[o++] = '"';
        for (const char *c = seq[i]; *c; c++) {
            if (*c == '"')
                want[o++] = '\\';
            want[o++] = *c;
        }
        o += (size_t)snprintf(want + o, sizeof(want) - o, "\":%zu", i);
    }
    /* A constant key again, and inside a nested object (comma or not). */
    w->ops->obj_begin(w, "alpha");
    w->ops->u64(w, "alpha", 1);
    w->ops->u64(w, "alpha", 2);
    w->ops->obj_end(w);
    snprintf(want + o, sizeof(want) - o, ",\"alpha\":{\"alpha\":1,\"alpha\":2}}\n");
    int rc;
    char *s = sm_t_end(w, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(s, want);
    free(s);
    w->ops->free(w);
}

/* Strings go 16 bytes, then 8, then one at a time: every length up to 70
 * with a byte that needs escaping at every position (and none) comes out
 * as the byte-by-byte rule says. */
static void test_writer_json_string_blocks(void)
{
    static const uint8_t special[] = { 0x00, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff, '"', '\\' };
    static const char hex[] = "0123456789abcdef";
    struct sm_writer *w = sm_writer_json_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (size_t n = 0; n <= 70; n++) {
        for (size_t at = 0; at <= n; at++) { /* at == n: no special byte */
            for (size_t k = 0; k < sizeof(special); k++) {
                uint8_t v[80];
                for (size_t i = 0; i < n; i++)
                    v[i] = (uint8_t)('a' + i % 26);
                if (at < n)
                    v[at] = special[k];
                char want[512] = "{\"s\":\"";
                size_t o = strlen(want);
                for (size_t i = 0; i < n; i++) {
                    uint8_t c = v[i];
                    if (c == '"' || c == '\\') {
                        want[o++] = '\\';
                        want[o++] = (char)c;
                    } else if (c >= 0x20 && c <= 0x7e) {
                        want[o++] = (char)c;
                    } else {
                        want[o++] = '\\';
                        want[o++] = '\\';
                        want[o++] = 'x';
                        want[o++] = hex[c >> 4];
                        want[o++] = hex[c & 15];
                    }
                }
                memcpy(want + o, "\"}\n", 4);
                int rc;
                w->ops->begin(w);
                w->ops->str(w, "s", v, n);
                char *s = sm_t_end(w, &rc);
                CU_ASSERT_STRING_EQUAL(s, want);
                free(s);
                if (at == n)
                    break; /* the plain case once per length */
            }
        }
    }
    w->ops->free(w);
}

static void test_writer_json_depth_overflow(void)
{
    struct sm_writer *w = sm_writer_json_new();
    int rc;
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);

    w->ops->begin(w);
    w->ops->u64(w, "before", 1);
    for (int i = 0; i < 40; i++) {
        if (i % 2)
            w->ops->arr_begin(w, "a");
        else
            w->ops->obj_begin(w, "o");
        w->ops->u64(w, "d", (uint64_t)i);
    }
    for (int i = 39; i >= 0; i--) {
        if (i % 2)
            w->ops->arr_end(w);
        else
            w->ops->obj_end(w);
    }
    /* Unbalanced closes at the top level are ignored. */
    w->ops->obj_end(w);
    w->ops->arr_end(w);
    w->ops->u64(w, "after", 2);
    char *s = sm_t_end(w, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_NSTRING_EQUAL(s, "{\"before\":1,\"o\":{\"d\":0,\"a\":[1,{", 30);
    /* The root is closed properly and keeps what followed the overflow. */
    const char *tail = ",\"after\":2}\n";
    size_t len = strlen(s);
    CU_ASSERT_TRUE(len > strlen(tail) && strcmp(s + len - strlen(tail), tail) == 0);
    /* Balanced brackets: what was too deep was dropped whole. */
    int depth = 0, max = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '{' || *p == '[')
            depth++;
        if (*p == '}' || *p == ']')
            depth--;
        CU_ASSERT_TRUE(depth >= 0);
        if (depth > max)
            max = depth;
    }
    CU_ASSERT_EQUAL(depth, 0);
    CU_ASSERT_TRUE(max >= 8 && max <= 16);
    free(s);

    /* end() without begin() writes nothing. */
    s = sm_t_end(w, &rc);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_STRING_EQUAL(s, "");
    free(s);
    /* Values without a record are dropped, not crashed on. */
    w->ops->u64(w, "x", 1);
    w->ops->obj_begin(w, "y");
    w->ops->obj_end(w);
    w->ops->free(w);

    /* Freeing in the middle of a nested record leaks nothing. */
    w = sm_writer_json_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    w->ops->begin(w);
    w->ops->obj_begin(w, "a");
    w->ops->arr_begin(w, "b");
    w->ops->u64(w, NULL, 1);
    w->ops->free(w);
}

/* begin() on a record left open with nested containers drops it whole:
 * the new record is the only thing written. */
static void test_writer_json_begin_discards_open_record(void)
{
    struct sm_writer *w = sm_writer_json_new();
    int rc;
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    w->ops->begin(w);
    w->ops->obj_begin(w, "a");
    w->ops->arr_begin(w, "b");
    w->ops->u64(w, NULL, 1);
    w->ops->begin(w); /* abandon the record above */
    w->ops->u64(w, "n", 1);
    char *s = sm_t_end(w, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(s, "{\"n\":1}\n");
    free(s);

    /* Containers left open at end() are closed in order. */
    w->ops->begin(w);
    w->ops->obj_begin(w, "a");
    w->ops->arr_begin(w, "b");
    w->ops->u64(w, NULL, 1);
    s = sm_t_end(w, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(s, "{\"a\":{\"b\":[1]}}\n");
    free(s);
    w->ops->free(w);
}

/* A value written under memo_begin/memo_end the first time; later records
 * naming the same id get the remembered text and the caller writes nothing. */
static void sm_t_memo_value(struct sm_writer *w, uint64_t id, const char *tag, bool *hit)
{
    *hit = w->ops->memo_begin(w, "kexinit", id);
    if (*hit)
        return;
    w->ops->obj_begin(w, "kexinit");
    w->ops->arr_begin(w, "kex_algorithms");
    sm_w_cstr(w, NULL, tag);
    w->ops->arr_end(w);
    w->ops->boolean(w, "first_kex_packet_follows", false);
    w->ops->obj_end(w);
    w->ops->memo_end(w);
}

static void test_writer_json_memo(void)
{
    struct sm_writer *w = sm_writer_json_new();
    int rc;
    bool hit;
    char *s;
    const char *want = "{\"n\":1,\"kexinit\":{\"kex_algorithms\":[\"curve25519-sha256\"],"
                       "\"first_kex_packet_follows\":false},\"after\":2}\n";
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);

    for (int round = 0; round < 3; round++) {
        w->ops->begin(w);
        w->ops->u64(w, "n", 1);
        /* The tag differs after the first round: only a remembered text can
         * still say curve25519-sha256. */
        sm_t_memo_value(w, 7, round == 0 ? "curve25519-sha256" : "changed", &hit);
        CU_ASSERT_EQUAL(hit, round > 0);
        w->ops->u64(w, "after", 2);
        s = sm_t_end(w, &rc);
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_STRING_EQUAL(s, want);
        free(s);
    }

    /* Id 0 is never remembered; another id is another value; the first
     * item of a container gets no comma. */
    for (int round = 0; round < 2; round++) {
        w->ops->begin(w);
        sm_t_memo_value(w, 0, "a", &hit);
        CU_ASSERT_FALSE(hit);
        sm_t_memo_value(w, 8, round == 0 ? "b" : "x", &hit);
        CU_ASSERT_EQUAL(hit, round > 0);
        s = sm_t_end(w, &rc);
        CU_ASSERT_STRING_EQUAL(s, "{\"kexinit\":{\"kex_algorithms\":[\"a\"],"
                                  "\"first_kex_packet_follows\":false},"
                                  "\"kexinit\":{\"kex_algorithms\":[\"b\"],"
                                  "\"first_kex_packet_follows\":false}}\n");
        free(s);
    }

    /* A value cut by the depth limit is not remembered: written deep down,
     * the second time it is written again rather than recalled. */
    for (int round = 0; round < 2; round++) {
        w->ops->begin(w);
        for (int d = 0; d < 14; d++)
            w->ops->obj_begin(w, "o"); /* the record + 14 = 15 of 16 */
        sm_t_memo_value(w, 9, "deep", &hit);
        CU_ASSERT_FALSE(hit);
        s = sm_t_end(w, &rc);
        CU_ASSERT_PTR_NULL(strstr(s, "kex_algorithms"));
        CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"kexinit\":{\"first_kex_packet_follows\":false}"));
        free(s);
    }

    /* Thousands of distinct ids: the cache starts over when full, and every
     * value is still right, recalled or written. */
    for (uint64_t id = 100; id < 3100; id++) {
        char tag[32];
        for (int round = 0; round < 2; round++) {
            snprintf(tag, sizeof(tag), round == 0 ? "id-%llu" : "wrong-%llu",
                     (unsigned long long)id);
            w->ops->begin(w);
            sm_t_memo_value(w, id, tag, &hit);
            s = sm_t_end(w, &rc);
            snprintf(tag, sizeof(tag), "[\"id-%llu\"]", (unsigned long long)id);
            CU_ASSERT_EQUAL(hit, round == 1);
            CU_ASSERT_PTR_NOT_NULL(strstr(s, tag));
            free(s);
        }
    }
    w->ops->free(w);
}

/* Random records (nesting, every value kind, raw bytes, memo'd values,
 * depth overflow, unbalanced closes): jansson must parse each line without
 * duplicate keys and dump it back as the same bytes, the check the golden
 * tests make on real output (tests/golden/json_roundtrip.c). */
static void test_writer_json_jansson_roundtrip(void)
{
    struct sm_writer *w = sm_writer_json_new();
    uint32_t x = 12345;
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (int rec = 0; rec < 2000; rec++) {
        int depth = 0, keyno = 0, rc;
        bool in_arr[64] = { false };
        w->ops->begin(w);
        int ops = (int)(x % 60);
        for (int i = 0; i < ops; i++) {
            char key[16];
            x = x * 1103515245u + 12345u;
            uint32_t r = x >> 8;
            snprintf(key, sizeof(key), "k%d", keyno++); /* never a duplicate */
            const char *k = in_arr[depth] ? NULL : key;
            switch (r % 11) {
            case 0:
                if (depth < 40) {
                    w->ops->obj_begin(w, k);
                    in_arr[++depth] = false;
                }
                break;
            case 1:
                if (depth < 40) {
                    w->ops->arr_begin(w, k);
                    in_arr[++depth] = true;
                }
                break;
            case 2:
                if (depth > 0) {
                    if (in_arr[depth])
                        w->ops->arr_end(w);
                    else
                        w->ops->obj_end(w);
                    depth--;
                }
                break;
            case 3: {
                uint8_t raw[40];
                size_t n = (r >> 4) % sizeof(raw);
                for (size_t b = 0; b < n; b++) {
                    x = x * 1103515245u + 12345u;
                    raw[b] = (uint8_t)(x >> 16);
                }
                w->ops->str(w, k, raw, n);
                break;
            }
            case 4:
                w->ops->u64(w, k, (uint64_t)r * r * r);
                break;
            case 5:
                w->ops->i64(w, k, -(int64_t)r * 977);
                break;
            case 6:
                w->ops->real(w, k, (double)(int32_t)x / 1000.0, (int)(r % 7));
                break;
            case 7:
                w->ops->boolean(w, k, r & 1);
                break;
            case 8:
                w->ops->null(w, k);
                break;
            case 9:
                w->ops->real(w, k, (double)r * 1e15, 2); /* exponent forms */
                break;
            default: {
                bool hit;
                uint64_t id = 1 + r % 5;
                if (in_arr[depth]) {
                    w->ops->u64(w, NULL, id);
                    break;
                }
                /* memo'd values are written under their own key */
                hit = w->ops->memo_begin(w, key, id);
                if (!hit) {
                    w->ops->obj_begin(w, key);
                    w->ops->u64(w, "id", id);
                    w->ops->str(w, "s", "a\"b\\c", 5);
                    w->ops->obj_end(w);
                    w->ops->memo_end(w);
                }
                break;
            }
            }
        }
        char *s = sm_t_end(w, &rc);
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        size_t len = strlen(s);
        CU_ASSERT_TRUE_FATAL(len > 0 && s[len - 1] == '\n');
        json_error_t err;
        json_t *v = json_loadb(s, len - 1, JSON_REJECT_DUPLICATES, &err);
        CU_ASSERT_PTR_NOT_NULL(v);
        if (v) {
            char *again = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER |
                                                JSON_REAL_PRECISION(10));
            CU_ASSERT_PTR_NOT_NULL_FATAL(again);
            CU_ASSERT_TRUE(strlen(again) == len - 1 && memcmp(again, s, len - 1) == 0);
            if (strlen(again) != len - 1 || memcmp(again, s, len - 1) != 0)
                fprintf(stderr, "\n  ours:    %s  jansson: %s\n", s, again);
            free(again);
            json_decref(v);
        } else {
            fprintf(stderr, "\n  not JSON (%s): %s", err.text, s);
        }
        free(s);
    }
    w->ops->free(w);
}

static void test_writer_json_write_error(void)
{
    struct sm_writer *w = sm_writer_json_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    FILE *ro = fopen("/dev/null", "r"); /* writing to it fails */
    CU_ASSERT_PTR_NOT_NULL_FATAL(ro);
    w->ops->begin(w);
    w->ops->u64(w, "n", 1);
    CU_ASSERT_EQUAL(w->ops->end(w, ro), -1);
    fclose(ro);
    w->ops->free(w);
}

static void test_writer_text_line(void)
{
    struct sm_writer *w = sm_writer_text_new();
    int rc;
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    /* Records other than ssh_teardown: one key=value line. */
    w->ops->begin(w);
    w->ops->str(w, "event_type", "ssh_pattern", 11);
    w->ops->u64(w, "flow_id", 42);
    w->ops->i64(w, "delta", -5);
    w->ops->real(w, "confidence", 0.9, 2);
    w->ops->boolean(w, "midstream", false);
    w->ops->null(w, "ssh");
    w->ops->obj_begin(w, "flow");
    w->ops->u64(w, "pkts_toserver", 3);
    w->ops->obj_end(w);
    w->ops->str(w, "verdict", "normal-close", 12);
    w->ops->str(w, "reason", "two words", 9);
    w->ops->str(w, "quote", "a\"b", 3);
    w->ops->str(w, "ctl", "x\ty", 3);
    w->ops->str(w, "empty", "", 0);
    char *s = sm_t_end(w, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    /* Top-level scalars only; nested objects and nulls are left out. */
    CU_ASSERT_STRING_EQUAL(s, "event_type=ssh_pattern flow_id=42 delta=-5 confidence=0.90 "
                              "midstream=false verdict=normal-close reason=\"two words\" "
                              "quote=a'b ctl=x\\x09y empty=\"\"\n");
    free(s);

    /* A new record starts empty. */
    w->ops->begin(w);
    w->ops->u64(w, "n", 1);
    s = sm_t_end(w, &rc);
    CU_ASSERT_STRING_EQUAL(s, "n=1\n");
    free(s);
    w->ops->free(w);
}

static void test_writer_text_overflow(void)
{
    struct sm_writer *w = sm_writer_text_new();
    int rc;
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    char val[100];
    memset(val, 'v', sizeof(val));

    w->ops->begin(w);
    for (int i = 0; i < 200; i++)
        w->ops->str(w, "key", val, sizeof(val)); /* 20 kB into a 4 kB line */
    w->ops->u64(w, "last", 1);
    char *s = sm_t_end(w, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    size_t len = strlen(s);
    CU_ASSERT_TRUE(len > 1000 && len <= 4096);
    CU_ASSERT_EQUAL(s[len - 1], '\n');
    CU_ASSERT_NSTRING_EQUAL(s, "key=vvvv", 8);
    free(s);

    /* One very long value: cut, never overflowing. */
    size_t n = 10000;
    uint8_t *big = malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    memset(big, 0x01, n);
    w->ops->begin(w);
    w->ops->str(w, "big", big, n);
    s = sm_t_end(w, &rc);
    CU_ASSERT_TRUE(strlen(s) <= 4096);
    CU_ASSERT_NSTRING_EQUAL(s, "big=\\x01\\x01", 12);
    free(s);
    free(big);
    w->ops->free(w);
}

static void test_writer_escape_bytes(void)
{
    char out[16];
    size_t n;

    n = sm_escape_bytes("abc", 3, out, sizeof(out));
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_STRING_EQUAL(out, "abc");

    /* outlen 0: nothing is written at all. */
    memset(out, '#', sizeof(out));
    CU_ASSERT_EQUAL(sm_escape_bytes("abc", 3, out, 0), 0);
    CU_ASSERT_EQUAL(out[0], '#');
    /* outlen 1: just the NUL. */
    CU_ASSERT_EQUAL(sm_escape_bytes("abc", 3, out, 1), 0);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(out[1], '#');
    /* Cut at outlen - 1 characters. */
    memset(out, '#', sizeof(out));
    CU_ASSERT_EQUAL(sm_escape_bytes("abc", 3, out, 3), 2);
    CU_ASSERT_STRING_EQUAL(out, "ab");
    CU_ASSERT_EQUAL(out[3], '#');

    /* An escape is never cut in half. */
    static const uint8_t ctl[] = { 0x01 };
    memset(out, '#', sizeof(out));
    CU_ASSERT_EQUAL(sm_escape_bytes(ctl, 1, out, 4), 0);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(sm_escape_bytes(ctl, 1, out, 5), 4);
    CU_ASSERT_STRING_EQUAL(out, "\\x01");
    static const uint8_t mix[] = { 'a', 0xff, 'b' };
    CU_ASSERT_EQUAL(sm_escape_bytes(mix, 3, out, 5), 1);
    CU_ASSERT_STRING_EQUAL(out, "a");
    CU_ASSERT_EQUAL(sm_escape_bytes(mix, 3, out, 6), 5);
    CU_ASSERT_STRING_EQUAL(out, "a\\xff"); /* then 'b' would need one more */
    CU_ASSERT_EQUAL(sm_escape_bytes(mix, 3, out, 7), 6);
    CU_ASSERT_STRING_EQUAL(out, "a\\xffb");
    /* Empty input. */
    CU_ASSERT_EQUAL(sm_escape_bytes("", 0, out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "");

    /* All 256 byte values: 95 printable, 161 escaped as 4 characters. */
    uint8_t all[256];
    char big[1024];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    n = sm_escape_bytes(all, sizeof(all), big, sizeof(big));
    CU_ASSERT_EQUAL(n, 95 + 161 * 4);
    CU_ASSERT_EQUAL(strlen(big), n);
    CU_ASSERT_NSTRING_EQUAL(big, "\\x00\\x01", 8);
    CU_ASSERT_PTR_NOT_NULL(strstr(big, "\\x1f !\"#"));
    CU_ASSERT_PTR_NOT_NULL(strstr(big, "}~\\x7f\\x80"));
    CU_ASSERT_EQUAL(strcmp(big + n - 4, "\\xff"), 0);
}

/* Event timestamps (computed by hand for years 1970..9999) against
 * gmtime_r + snprintf, on random instants, day and year edges, leap days,
 * the end of 9999, negative times and later years. */
static void sm_t_ts_ref(int64_t us, char *out, size_t outlen)
{
    int64_t secs = us / 1000000;
    long frac = (long)(us % 1000000);
    if (frac < 0) {
        frac += 1000000;
        secs--;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    CU_ASSERT_PTR_NOT_NULL_FATAL(gmtime_r(&t, &tm));
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static void test_event_format_ts(void)
{
    static const int64_t edges[] = {
        0,
        1,
        86399,
        86400,
        951782400 /* 2000-02-29 */,
        951868799,
        4107542399,
        4107542400 /* 2100-02-28/03-01 */,
        1767225599,
        253402300799 /* 9999-12-31T23:59:59 */,
        253402300800,
        -1,
        -86401,
        -2208988800 /* 1900 */,
    };
    char got[SM_TS_LEN], want[96];
    uint64_t x = 0x9e3779b97f4a7c15ull;
    int bad = 0;
    for (size_t i = 0; i < SM_NELEM(edges) * 3 + 300000; i++) {
        int64_t us;
        if (i < SM_NELEM(edges) * 3) {
            us = edges[i / 3] * 1000000 + (int64_t[]){ 0, 999999, 123456 }[i % 3];
        } else {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            us = (int64_t)(x % 253402300800000000ull);
        }
        sm_format_ts(us, got, sizeof(got));
        sm_t_ts_ref(us, want, sizeof(want));
        if (strcmp(got, want) != 0 && bad++ < 5)
            fprintf(stderr, "\n  %lld: %s, gmtime says %s", (long long)us, got, want);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* One round of the output file written on a thread: a file in dir that
 * already holds prefix_len bytes gets max bytes more, in writes of every
 * size around the 1 MB queue buffers; everything arrives in order after
 * what the file held (append). A new or 4096-byte file is written with
 * direct I/O (whole buffers, then the tail through the page cache), a
 * 4-byte one through the page cache; tmpfs may refuse direct I/O. */
static void sm_t_writeback_round(const char *dir, size_t prefix_len, size_t max)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/sm-writeback-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        fprintf(stderr, "\n  (no %s for the writeback test: skipped there)", dir);
        return;
    }
    uint8_t *chunk = malloc(1500000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(chunk);
    for (size_t i = 0; i < prefix_len; i++)
        chunk[i] = (uint8_t)('a' + i % 26);
    CU_ASSERT_EQUAL(write(fd, chunk, prefix_len), (ssize_t)prefix_len);
    close(fd);

    FILE *f = sm_writeback_open_append(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t total = 0;
    uint32_t x = 7;
    while (total < max) {
        x = x * 1103515245u + 12345u;
        size_t n = (x >> 8) % 1500000;
        if (x & 1)
            n %= 300; /* many small writes too */
        if (n > max - total)
            n = max - total;
        for (size_t i = 0; i < n; i++)
            chunk[i] = (uint8_t)((total + i) * 31 + 7);
        CU_ASSERT_EQUAL_FATAL(fwrite(chunk, 1, n, f), n);
        total += n;
    }
    CU_ASSERT_EQUAL(fclose(f), 0);

    FILE *r = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    size_t got = 0, bad = 0;
    int c;
    while ((c = fgetc(r)) != EOF) {
        uint8_t want = got < prefix_len ? (uint8_t)('a' + got % 26)
                                        : (uint8_t)((got - prefix_len) * 31 + 7);
        if ((uint8_t)c != want)
            bad++;
        got++;
    }
    fclose(r);
    CU_ASSERT_EQUAL(got, prefix_len + total);
    CU_ASSERT_EQUAL(bad, 0);
    unlink(path);
    free(chunk);
}

static void test_writeback_file(void)
{
    sm_t_writeback_round("/tmp", 4, 12u * 1024 * 1024);   /* unaligned end: buffered */
    sm_t_writeback_round("/tmp", 0, 12u * 1024 * 1024);   /* new: direct, then the tail */
    sm_t_writeback_round("/tmp", 4096, 5u * 1024 * 1024); /* aligned end: direct */
    sm_t_writeback_round("/tmp", 0, 3u * 1024 * 1024);    /* whole buffers only */
    sm_t_writeback_round("/tmp", 0, 1000);                /* less than a buffer */
    sm_t_writeback_round("/tmp", 0, 0);                   /* nothing */
    sm_t_writeback_round("/dev/shm", 0, 3u * 1024 * 1024 + 17);

    uint8_t *chunk = calloc(1, 1000000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(chunk);
    FILE *f;
    /* /dev/full refuses every write: fwrite or fclose says so. */
    f = sm_writeback_open_append("/dev/full", NULL);
    if (f) {
        bool failed = false;
        for (int i = 0; i < 20 && !failed; i++)
            failed = fwrite(chunk, 1, 1000000, f) != 1000000;
        failed = fclose(f) != 0 || failed;
        CU_ASSERT_TRUE(failed);
    }
    /* A path that cannot be opened. */
    CU_ASSERT_PTR_NULL(sm_writeback_open_append("/nonexistent-dir/x", NULL));
    free(chunk);
}

/* A syslog+tcp output to a collector on a loopback listener; the accepted
 * connection in *conn. */
static struct sm_output *sm_t_syslog_pair(int *lsock, int *conn)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof(a);
    char dest[64], err[256] = "";
    *lsock = socket(AF_INET, SOCK_STREAM, 0);
    CU_ASSERT_FATAL(*lsock >= 0);
    CU_ASSERT_FATAL(bind(*lsock, (struct sockaddr *)&a, sizeof(a)) == 0);
    CU_ASSERT_FATAL(listen(*lsock, 1) == 0);
    CU_ASSERT_FATAL(getsockname(*lsock, (struct sockaddr *)&a, &al) == 0);
    snprintf(dest, sizeof(dest), "syslog+tcp://127.0.0.1:%u", ntohs(a.sin_port));
    struct sm_output *o = sm_output_open(dest, SM_FMT_JSON, "unit", true, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    *conn = accept(*lsock, NULL, NULL);
    CU_ASSERT_FATAL(*conn >= 0);
    return o;
}

/* A collector that closes its socket with bytes it has not read resets
 * the connection: what its kernel acknowledged is lost unseen, so the
 * output says so and counts it (collector_resets). One that read all and
 * closed (FIN) lost nothing: no reset counted. */
static void test_output_collector_reset(void)
{
    static const char rec[] = "{\"event_type\":\"unit\"}";
    struct timespec pause = { 0, 50 * 1000000L };
    for (int unread = 1; unread >= 0; unread--) {
        int lsock, conn;
        struct sm_output *o = sm_t_syslog_pair(&lsock, &conn);
        CU_ASSERT_EQUAL(sm_output_commit_text(o, rec, sizeof(rec) - 1, false), 0);
        nanosleep(&pause, NULL);
        if (!unread) { /* read every byte before closing */
            char buf[4096];
            while (recv(conn, buf, sizeof(buf), MSG_DONTWAIT) > 0)
                ;
        }
        close(conn); /* with bytes unread: a RST; else a FIN */
        close(lsock);
        nanosleep(&pause, NULL);
        /* The next record's send notices the collector went away first. */
        CU_ASSERT_EQUAL(sm_output_commit_text(o, rec, sizeof(rec) - 1, false), 0);
        struct sm_output_stats st;
        sm_output_stats(o, &st);
        CU_ASSERT_TRUE(st.tcp);
        CU_ASSERT_EQUAL(st.collector_resets, unread ? 1u : 0u);
        CU_ASSERT_FALSE(st.connected);
        sm_output_close(o);
    }
}

CU_TestInfo sm_writer_tests[] = {
    SM_TEST(test_writer_json_record),
    SM_TEST(test_writer_json_reals),
    SM_TEST(test_writer_json_reals_match_jansson),
    SM_TEST(test_writer_json_integers),
    SM_TEST(test_writer_json_escaping),
    SM_TEST(test_writer_json_key_escaping),
    SM_TEST(test_writer_json_key_cache),
    SM_TEST(test_writer_json_string_blocks),
    SM_TEST(test_writer_json_depth_overflow),
    SM_TEST(test_writer_json_begin_discards_open_record),
    SM_TEST(test_writer_json_write_error),
    SM_TEST(test_writer_json_memo),
    SM_TEST(test_writer_json_jansson_roundtrip),
    SM_TEST(test_writer_text_line),
    SM_TEST(test_writer_text_overflow),
    SM_TEST(test_writer_escape_bytes),
    SM_TEST(test_event_format_ts),
    SM_TEST(test_writeback_file),
    SM_TEST(test_output_collector_reset),
    CU_TEST_INFO_NULL,
};
