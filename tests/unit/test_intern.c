/* SPDX-License-Identifier: MIT */
/* summary: unit tests of the intern table: one entry per distinct string,
 * references, ids never reused, the empty and the 1 MB string, growth and
 * shrinking under many strings, NULL. Counts are compared with the table's
 * state before each test, since other suites in this process intern too. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "unit.h"

static struct sm_intern_stats sm_t_stats(void)
{
    struct sm_intern_stats st;
    sm_intern_stats(&st);
    return st;
}

static void test_intern_dedup(void)
{
    struct sm_intern_stats before = sm_t_stats();
    const struct sm_interned *a = sm_intern("SSH-2.0-OpenSSH_9.2p1", 21);
    char copy[] = "SSH-2.0-OpenSSH_9.2p1";
    const struct sm_interned *b = sm_intern(copy, 21);
    const struct sm_interned *c = sm_intern("SSH-2.0-OpenSSH_9.2p1", 20); /* a prefix */
    const struct sm_interned *d = sm_intern("SSH-2.0-OpenSSH_9.2p2", 21);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_EQUAL(a, b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_PTR_NOT_EQUAL(a, c);
    CU_ASSERT_PTR_NOT_EQUAL(a, d);
    CU_ASSERT_EQUAL(a->len, 21);
    CU_ASSERT_EQUAL(memcmp(a->bytes, "SSH-2.0-OpenSSH_9.2p1", 21), 0);
    CU_ASSERT_EQUAL(a->bytes[21], 0); /* readable as a C string */
    CU_ASSERT_EQUAL(a->refs, 2);
    CU_ASSERT_EQUAL(c->len, 20);
    CU_ASSERT(a->id != c->id && a->id != d->id && c->id != d->id);
    struct sm_intern_stats mid = sm_t_stats();
    CU_ASSERT_EQUAL(mid.entries, before.entries + 3);
    CU_ASSERT_EQUAL(mid.refs, before.refs + 4);
    /* Bytes with NULs and high bits are strings like any other. */
    static const uint8_t bin1[] = { 0, 0xff, 0, 1 }, bin2[] = { 0, 0xff, 0, 2 };
    const struct sm_interned *e = sm_intern(bin1, sizeof(bin1));
    const struct sm_interned *f = sm_intern(bin2, sizeof(bin2));
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_PTR_NOT_EQUAL(e, f);
    CU_ASSERT_EQUAL(memcmp(e->bytes, bin1, sizeof(bin1)), 0);
    sm_intern_release(a);
    sm_intern_release(b);
    sm_intern_release(c);
    sm_intern_release(d);
    sm_intern_release(e);
    sm_intern_release(f);
    struct sm_intern_stats after = sm_t_stats();
    CU_ASSERT_EQUAL(after.entries, before.entries);
    CU_ASSERT_EQUAL(after.refs, before.refs);
    CU_ASSERT_EQUAL(after.bytes, before.bytes);
}

static void test_intern_refcount_frees_at_zero(void)
{
    struct sm_intern_stats before = sm_t_stats();
    const struct sm_interned *a = sm_intern("host-key", 8);
    const struct sm_interned *b = sm_intern("host-key", 8);
    const struct sm_interned *c = sm_intern("host-key", 8);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(a->refs, 3);
    uint64_t id = a->id;
    sm_intern_release(b);
    CU_ASSERT_EQUAL(a->refs, 2);
    sm_intern_release(c);
    CU_ASSERT_EQUAL(a->refs, 1);
    CU_ASSERT_EQUAL(sm_t_stats().entries, before.entries + 1);
    CU_ASSERT(sm_t_stats().bytes > before.bytes);
    sm_intern_release(a); /* the last one: freed (valgrind/ASan see it) */
    CU_ASSERT_EQUAL(sm_t_stats().entries, before.entries);
    CU_ASSERT_EQUAL(sm_t_stats().bytes, before.bytes);
    /* The same bytes again: a new entry with a new id. */
    const struct sm_interned *d = sm_intern("host-key", 8);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->refs, 1);
    CU_ASSERT(d->id > id);
    sm_intern_release(d);
}

#define SM_T_IDS 2000

static int sm_t_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_intern_ids_unique_never_reused(void)
{
    static const struct sm_interned *e[SM_T_IDS];
    static uint64_t ids[2 * SM_T_IDS];
    char s[32];
    uint64_t max = 0;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < SM_T_IDS; i++) {
            int n = snprintf(s, sizeof(s), "name-%d", i); /* the same strings both rounds */
            e[i] = sm_intern(s, (size_t)n);
            CU_ASSERT_PTR_NOT_NULL_FATAL(e[i]);
            CU_ASSERT(e[i]->id != 0);
            if (round == 1)
                CU_ASSERT(e[i]->id > max); /* after the last release: new ids */
            ids[round * SM_T_IDS + i] = e[i]->id;
        }
        for (int i = 0; i < SM_T_IDS; i++) {
            if (e[i]->id > max)
                max = e[i]->id;
            sm_intern_release(e[i]);
        }
    }
    qsort(ids, 2 * SM_T_IDS, sizeof(ids[0]), sm_t_cmp_u64);
    for (int i = 1; i < 2 * SM_T_IDS; i++)
        CU_ASSERT(ids[i] != ids[i - 1]);
    /* Memo ids: distinct per (entry, kind), never 0. */
    const struct sm_interned *a = sm_intern("a", 1), *b = sm_intern("b", 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    uint64_t memo[2 * SM_INTERN_MEMO_KINDS];
    for (unsigned k = 0; k < SM_INTERN_MEMO_KINDS; k++) {
        memo[k] = sm_intern_memo_id(a, k);
        memo[SM_INTERN_MEMO_KINDS + k] = sm_intern_memo_id(b, k);
    }
    qsort(memo, SM_NELEM(memo), sizeof(memo[0]), sm_t_cmp_u64);
    CU_ASSERT(memo[0] != 0);
    for (size_t i = 1; i < SM_NELEM(memo); i++)
        CU_ASSERT(memo[i] != memo[i - 1]);
    sm_intern_release(a);
    sm_intern_release(b);
}

static void test_intern_zero_length(void)
{
    const struct sm_interned *a = sm_intern(NULL, 0);
    const struct sm_interned *b = sm_intern("", 0);
    const struct sm_interned *c = sm_intern("xyz", 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_EQUAL(a, b);
    CU_ASSERT_PTR_EQUAL(a, c);
    CU_ASSERT_EQUAL(a->len, 0);
    CU_ASSERT_EQUAL(a->bytes[0], 0);
    CU_ASSERT_EQUAL(a->refs, 3);
    const struct sm_interned *d = sm_intern("\0", 1); /* one NUL byte is not empty */
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_PTR_NOT_EQUAL(a, d);
    CU_ASSERT_EQUAL(d->len, 1);
    sm_intern_release(a);
    sm_intern_release(b);
    sm_intern_release(c);
    sm_intern_release(d);
}

static void test_intern_one_megabyte(void)
{
    size_t n = 1024 * 1024;
    uint8_t *big = malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    for (size_t i = 0; i < n; i++)
        big[i] = (uint8_t)(i * 131 + (i >> 10));
    struct sm_intern_stats before = sm_t_stats();
    const struct sm_interned *a = sm_intern(big, n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(a->len, n);
    CU_ASSERT_EQUAL(memcmp(a->bytes, big, n), 0);
    CU_ASSERT_EQUAL(a->bytes[n], 0);
    CU_ASSERT(sm_t_stats().bytes >= before.bytes + n);
    const struct sm_interned *b = sm_intern(big, n);
    CU_ASSERT_PTR_EQUAL(a, b);
    big[n - 1] ^= 1; /* differs in the last byte only */
    const struct sm_interned *c = sm_intern(big, n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_NOT_EQUAL(a, c);
    CU_ASSERT_EQUAL(memcmp(c->bytes, big, n), 0);
    sm_intern_release(a);
    sm_intern_release(b);
    sm_intern_release(c);
    CU_ASSERT_EQUAL(sm_t_stats().bytes, before.bytes);
    free(big);
}

#define SM_T_MANY 100000

static void test_intern_grow_and_shrink(void)
{
    const struct sm_interned **e = calloc(SM_T_MANY, sizeof(*e));
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    struct sm_intern_stats before = sm_t_stats();
    char s[32];
    for (int i = 0; i < SM_T_MANY; i++) {
        int n = snprintf(s, sizeof(s), "kex-%d@example.org", i);
        e[i] = sm_intern(s, (size_t)n);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e[i]);
    }
    struct sm_intern_stats full = sm_t_stats();
    CU_ASSERT_EQUAL(full.entries, before.entries + SM_T_MANY);
    /* Grown: the load factor stays at most 1. */
    CU_ASSERT(full.buckets >= full.entries);
    CU_ASSERT(full.buckets > before.buckets);
    /* Every string is still found, as itself. */
    for (int i = 0; i < SM_T_MANY; i++) {
        int n = snprintf(s, sizeof(s), "kex-%d@example.org", i);
        const struct sm_interned *again = sm_intern(s, (size_t)n);
        CU_ASSERT_PTR_EQUAL(again, e[i]);
        sm_intern_release(again);
    }
    CU_ASSERT_EQUAL(sm_t_stats().refs, full.refs);
    /* Release all but ten: the table shrinks back. */
    for (int i = 10; i < SM_T_MANY; i++)
        sm_intern_release(e[i]);
    struct sm_intern_stats few = sm_t_stats();
    CU_ASSERT_EQUAL(few.entries, before.entries + 10);
    CU_ASSERT(few.buckets < full.buckets / 64);
    for (int i = 0; i < 10; i++) {
        int n = snprintf(s, sizeof(s), "kex-%d@example.org", i);
        const struct sm_interned *again = sm_intern(s, (size_t)n);
        CU_ASSERT_PTR_EQUAL(again, e[i]);
        sm_intern_release(again);
        sm_intern_release(e[i]);
    }
    struct sm_intern_stats after = sm_t_stats();
    CU_ASSERT_EQUAL(after.entries, before.entries);
    CU_ASSERT_EQUAL(after.bytes, before.bytes);
    if (before.entries == 0)
        CU_ASSERT_EQUAL(after.buckets, 0); /* an empty table holds no memory */
    free(e);
}

static void test_intern_null(void)
{
    struct sm_intern_stats before = sm_t_stats();
    CU_ASSERT_PTR_NULL(sm_intern(NULL, 1));
    CU_ASSERT_PTR_NULL(sm_intern(NULL, SIZE_MAX));
    CU_ASSERT_PTR_NULL(sm_intern("x", SIZE_MAX)); /* no size fits the header */
    sm_intern_release(NULL);
    struct sm_intern_stats after = sm_t_stats();
    CU_ASSERT_EQUAL(after.entries, before.entries);
    CU_ASSERT_EQUAL(after.refs, before.refs);
}

/* Long strings are found again through the recent cache: same entry for
 * the same bytes, distinct entries for strings of the same length and
 * the same last bytes (one cache slot), and no stale pointer once an entry
 * is freed and its bytes come back. */
static void test_intern_recent_long_strings(void)
{
    uint8_t a[1500], b[1500];
    memset(a, 'k', sizeof(a));
    memcpy(b, a, sizeof(b));
    b[0] = 'X'; /* same length, same tail: the same recent slot */

    const struct sm_interned *ea = sm_intern(a, sizeof(a));
    const struct sm_interned *eb = sm_intern(b, sizeof(b));
    CU_ASSERT_PTR_NOT_NULL_FATAL(ea);
    CU_ASSERT_PTR_NOT_NULL_FATAL(eb);
    CU_ASSERT_PTR_NOT_EQUAL(ea, eb);
    CU_ASSERT_EQUAL(eb->bytes[0], 'X');
    for (int i = 0; i < 3; i++) {
        const struct sm_interned *again = sm_intern(a, sizeof(a));
        CU_ASSERT_PTR_EQUAL(again, ea);
        sm_intern_release(again);
        again = sm_intern(b, sizeof(b));
        CU_ASSERT_PTR_EQUAL(again, eb);
        sm_intern_release(again);
    }
    uint64_t old_id = eb->id;
    sm_intern_release(eb); /* freed: must leave the cache */
    eb = sm_intern(b, sizeof(b));
    CU_ASSERT_PTR_NOT_NULL_FATAL(eb);
    CU_ASSERT_NOT_EQUAL(eb->id, old_id);
    CU_ASSERT_EQUAL(memcmp(eb->bytes, b, sizeof(b)), 0);
    const struct sm_interned *again = sm_intern(a, sizeof(a));
    CU_ASSERT_PTR_EQUAL(again, ea);
    sm_intern_release(again);
    sm_intern_release(ea);
    sm_intern_release(eb);
    struct sm_intern_stats st;
    sm_intern_stats(&st);
    CU_ASSERT_EQUAL(st.entries, 0);
}

CU_TestInfo sm_intern_tests[] = {
    SM_TEST(test_intern_dedup),
    SM_TEST(test_intern_refcount_frees_at_zero),
    SM_TEST(test_intern_ids_unique_never_reused),
    SM_TEST(test_intern_zero_length),
    SM_TEST(test_intern_one_megabyte),
    SM_TEST(test_intern_grow_and_shrink),
    SM_TEST(test_intern_null),
    SM_TEST(test_intern_recent_long_strings),
    CU_TEST_INFO_NULL,
};
