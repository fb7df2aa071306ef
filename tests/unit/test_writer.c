/* SPDX-License-Identifier: MIT */
/* summary: unit tests of the neutral writer: exact JSON lines for small
 * records (nesting, reals, escaping of raw bytes), depth overflow, the
 * key=value text form, and sm_escape_bytes at small output sizes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "unit.h"
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

/* A quarantining allocator for jansson, used in a child process only: freed
 * blocks are filled with a pattern and never reused, so a write after free
 * or a double free is seen without valgrind or ASan. Blocks are plain
 * malloc() blocks (json_dumps() output is released with free()). */
#define SM_T_BLOCKS 4096
#define SM_T_POISON 0xdb
static struct {
    uint8_t *p;
    size_t size;
    bool freed;
} sm_t_blocks[SM_T_BLOCKS];
static size_t sm_t_nblocks;
static int sm_t_double_free;

static void *sm_t_q_malloc(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    if (p && sm_t_nblocks < SM_T_BLOCKS) {
        sm_t_blocks[sm_t_nblocks].p = p;
        sm_t_blocks[sm_t_nblocks].size = n;
        sm_t_blocks[sm_t_nblocks].freed = false;
        sm_t_nblocks++;
    }
    return p;
}

static void sm_t_q_free(void *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < sm_t_nblocks; i++) {
        if (sm_t_blocks[i].p != p)
            continue;
        if (sm_t_blocks[i].freed)
            sm_t_double_free = 1;
        sm_t_blocks[i].freed = true;
        memset(p, SM_T_POISON, sm_t_blocks[i].size);
        return; /* quarantined: never really freed */
    }
    free(p);
}

/* True when a quarantined block was written after it was freed. */
static bool sm_t_q_damaged(void)
{
    for (size_t i = 0; i < sm_t_nblocks; i++) {
        if (!sm_t_blocks[i].freed)
            continue;
        for (size_t k = 0; k < sm_t_blocks[i].size; k++)
            if (sm_t_blocks[i].p[k] != SM_T_POISON)
                return true;
    }
    return false;
}

/* Regression (fixed; src/writer_json.c sm_wj_begin): begin() on a record
 * left open with nested containers decrefs every stack entry, but only
 * stack[0] owns a reference (sm_wj_push gives the child's reference to its
 * parent): the children are freed, then written to (decref) again when the
 * root is freed. Run in a child process with a quarantining allocator, so
 * the damage is detected deterministically and cannot take the test run
 * down.  */
static void test_writer_json_begin_discards_open_record(void)
{
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_TRUE_FATAL(pid >= 0);
    if (pid == 0) {
        json_set_alloc_funcs(sm_t_q_malloc, sm_t_q_free);
        struct sm_writer *w = sm_writer_json_new();
        FILE *out = fopen("/dev/null", "w");
        if (!w || !out)
            _exit(3);
        w->ops->begin(w);
        w->ops->obj_begin(w, "a");
        w->ops->arr_begin(w, "b");
        w->ops->u64(w, NULL, 1);
        w->ops->begin(w); /* abandon the record above */
        w->ops->u64(w, "n", 1);
        int rc = w->ops->end(w, out);
        w->ops->free(w);
        fclose(out);
        _exit(sm_t_double_free ? 6 : sm_t_q_damaged() ? 5 : rc == 0 ? 0 : 4);
    }
    int status = 0;
    CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT_TRUE(WIFEXITED(status));
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        fprintf(stderr, "\n  child exit %d (5: write after free, 6: double free)\n",
                WEXITSTATUS(status));
    CU_ASSERT_EQUAL(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);

    /* The same with only the root open is fine, and the new record wins. */
    struct sm_writer *w = sm_writer_json_new();
    int rc;
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    w->ops->begin(w);
    w->ops->u64(w, "old", 1);
    w->ops->begin(w);
    w->ops->u64(w, "new", 2);
    char *s = sm_t_end(w, &rc);
    CU_ASSERT_STRING_EQUAL(s, "{\"new\":2}\n");
    free(s);
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
    sm_t_describe(w);
    w->ops->str(w, "reason", "two words", 9);
    w->ops->str(w, "quote", "a\"b", 3);
    w->ops->str(w, "ctl", "x\ty", 3);
    w->ops->str(w, "empty", "", 0);
    char *s = sm_t_end(w, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    /* Top-level scalars only; nested objects and nulls are left out. */
    CU_ASSERT_STRING_EQUAL(s, "event_type=ssh_teardown flow_id=42 delta=-5 confidence=0.90 "
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

CU_TestInfo sm_writer_tests[] = {
    SM_TEST(test_writer_json_record),
    SM_TEST(test_writer_json_reals),
    SM_TEST(test_writer_json_integers),
    SM_TEST(test_writer_json_escaping),
    SM_TEST(test_writer_json_depth_overflow),
    SM_TEST(test_writer_json_begin_discards_open_record),
    SM_TEST(test_writer_json_write_error),
    SM_TEST(test_writer_text_line),
    SM_TEST(test_writer_text_overflow),
    SM_TEST(test_writer_escape_bytes),
    CU_TEST_INFO_NULL,
};
