/* SPDX-License-Identifier: MIT */
/* summary: unit tests of the bounds-checked cursor: every reader at its exact
 * length and one byte short, unit versus stream errors, the sticky error,
 * sub-cursors, SSH strings and byte order. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "cursor.h"
#include "unit.h"

static const uint8_t sm_t_bytes[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

/* One reader, driven by a size: each reads exactly n bytes. */
enum sm_t_reader {
    R_U8,
    R_BE16,
    R_BE32,
    R_LE16,
    R_LE32,
    R_HE16,
    R_HE32,
    R_SKIP,
    R_COPY,
    R_BYTES,
    R_COUNT
};

static const size_t sm_t_reader_len[R_COUNT] = { 1, 2, 4, 2, 4, 2, 4, 3, 5, 6 };

/* Runs reader r; returns the value read (views: their length; copy: the sum
 * of the copied bytes). */
static uint64_t sm_t_read(struct sm_cur *c, enum sm_t_reader r)
{
    uint8_t buf[8];
    uint64_t sum = 0;
    struct sm_bytes b;

    switch (r) {
    case R_U8:
        return sm_cur_u8(c);
    case R_BE16:
        return sm_cur_be16(c);
    case R_BE32:
        return sm_cur_be32(c);
    case R_LE16:
        return sm_cur_le16(c);
    case R_LE32:
        return sm_cur_le32(c);
    case R_HE16:
        return sm_cur_he16(c);
    case R_HE32:
        return sm_cur_he32(c);
    case R_SKIP:
        sm_cur_skip(c, 3);
        return 0;
    case R_COPY:
        memset(buf, 0xaa, sizeof(buf));
        sm_cur_copy(c, buf, 5);
        for (size_t i = 0; i < 5; i++)
            sum += buf[i];
        CU_ASSERT_EQUAL(buf[5], 0xaa); /* never writes past n */
        return sum;
    case R_BYTES:
        b = sm_cur_bytes(c, 6);
        if (b.len == 0)
            CU_ASSERT_PTR_NULL(b.p);
        return b.len;
    case R_COUNT:
        break;
    }
    return 0;
}

static void test_cursor_exact_length(void)
{
    for (int r = 0; r < R_COUNT; r++) {
        for (int stream = 0; stream < 2; stream++) {
            struct sm_cur c;
            size_t n = sm_t_reader_len[r];
            sm_cur_init(&c, sm_t_bytes, n, stream);
            (void)sm_t_read(&c, (enum sm_t_reader)r);
            CU_ASSERT_TRUE(sm_cur_ok(&c));
            CU_ASSERT_EQUAL(sm_cur_offset(&c), n);
            CU_ASSERT_EQUAL(sm_cur_left(&c), 0);
        }
    }
}

static void test_cursor_short_unit_is_truncated(void)
{
    for (int r = 0; r < R_COUNT; r++) {
        struct sm_cur c;
        size_t n = sm_t_reader_len[r];
        sm_cur_init(&c, sm_t_bytes, n - 1, false);
        uint64_t v = sm_t_read(&c, (enum sm_t_reader)r);
        CU_ASSERT_EQUAL(v, 0);
        CU_ASSERT_FALSE(sm_cur_ok(&c));
        CU_ASSERT_EQUAL(c.err, SM_ERR_TRUNCATED);
        CU_ASSERT_EQUAL(sm_cur_offset(&c), 0);
        CU_ASSERT_EQUAL(sm_cur_left(&c), 0);
    }
}

static void test_cursor_short_stream_is_incomplete(void)
{
    for (int r = 0; r < R_COUNT; r++) {
        size_t n = sm_t_reader_len[r];
        /* Every shortfall from one byte to all of them. */
        for (size_t have = 0; have < n; have++) {
            struct sm_cur c;
            sm_cur_init(&c, sm_t_bytes, have, true);
            uint64_t v = sm_t_read(&c, (enum sm_t_reader)r);
            CU_ASSERT_EQUAL(v, 0);
            CU_ASSERT_EQUAL(c.err, SM_ERR_INCOMPLETE);
            CU_ASSERT_EQUAL(c.need, n - have);
            CU_ASSERT_EQUAL(sm_cur_offset(&c), 0);
        }
    }
}

static void test_cursor_need_counts_from_offset(void)
{
    struct sm_cur c;
    sm_cur_init(&c, sm_t_bytes, 5, true);
    CU_ASSERT_EQUAL(sm_cur_be16(&c), 0x0102);
    CU_ASSERT_EQUAL(sm_cur_be32(&c), 0);
    CU_ASSERT_EQUAL(c.err, SM_ERR_INCOMPLETE);
    CU_ASSERT_EQUAL(c.need, 1);
    CU_ASSERT_EQUAL(sm_cur_offset(&c), 2);
}

static void test_cursor_zero_length_and_null(void)
{
    struct sm_cur c;

    /* NULL base: the length is ignored, nothing can be read. */
    sm_cur_init(&c, NULL, 100, false);
    CU_ASSERT_TRUE(sm_cur_ok(&c));
    CU_ASSERT_EQUAL(sm_cur_left(&c), 0);
    struct sm_bytes b = sm_cur_bytes(&c, 0); /* zero bytes of nothing is fine */
    CU_ASSERT_TRUE(sm_cur_ok(&c));
    CU_ASSERT_EQUAL(b.len, 0);
    struct sm_bytes rest = sm_cur_rest(&c);
    CU_ASSERT_EQUAL(rest.len, 0);
    CU_ASSERT_TRUE(sm_cur_ok(&c));
    CU_ASSERT_EQUAL(sm_cur_u8(&c), 0);
    CU_ASSERT_EQUAL(c.err, SM_ERR_TRUNCATED);

    sm_cur_init(&c, NULL, 0, true);
    CU_ASSERT_EQUAL(sm_cur_be32(&c), 0);
    CU_ASSERT_EQUAL(c.err, SM_ERR_INCOMPLETE);
    CU_ASSERT_EQUAL(c.need, 4);

    /* A real buffer of length zero. */
    sm_cur_init(&c, sm_t_bytes, 0, false);
    bool ok = true;
    CU_ASSERT_EQUAL(sm_cur_peek_u8(&c, 0, &ok), 0);
    CU_ASSERT_FALSE(ok);
    sm_cur_skip(&c, 0);
    CU_ASSERT_TRUE(sm_cur_ok(&c));
    sm_cur_skip(&c, 1);
    CU_ASSERT_EQUAL(c.err, SM_ERR_TRUNCATED);
}

static void test_cursor_sticky_error(void)
{
    struct sm_cur c;
    sm_cur_init(&c, sm_t_bytes, sizeof(sm_t_bytes), false);
    CU_ASSERT_EQUAL(sm_cur_u8(&c), 0x01);
    sm_cur_skip(&c, 100);
    CU_ASSERT_EQUAL(c.err, SM_ERR_TRUNCATED);
    size_t off = sm_cur_offset(&c);
    CU_ASSERT_EQUAL(off, 1);

    /* Every reader now returns 0 or empty, although bytes remain. */
    for (int r = 0; r < R_COUNT; r++) {
        CU_ASSERT_EQUAL(sm_t_read(&c, (enum sm_t_reader)r), 0);
        CU_ASSERT_EQUAL(sm_cur_offset(&c), off);
    }
    CU_ASSERT_EQUAL(sm_cur_left(&c), 0);
    struct sm_bytes rest = sm_cur_rest(&c);
    CU_ASSERT_EQUAL(rest.len, 0);
    CU_ASSERT_PTR_NULL(rest.p);
    bool ok = true;
    CU_ASSERT_EQUAL(sm_cur_peek_u8(&c, 0, &ok), 0);
    CU_ASSERT_FALSE(ok);
    struct sm_bytes s = sm_cur_ssh_string(&c, 100);
    CU_ASSERT_EQUAL(s.len, 0);
    struct sm_cur sub = sm_cur_sub(&c, 1, false);
    CU_ASSERT_EQUAL(sub.err, SM_ERR_TRUNCATED);
    CU_ASSERT_EQUAL(sm_cur_left(&sub), 0);
    /* The first error is kept: invalid does not overwrite it. */
    CU_ASSERT_TRUE(sm_cur_invalid(&c, true));
    CU_ASSERT_EQUAL(c.err, SM_ERR_TRUNCATED);
    CU_ASSERT_EQUAL(sm_cur_offset(&c), off);
}

static void test_cursor_byte_order(void)
{
    static const uint8_t b[] = { 0x12, 0x34, 0x56, 0x78 };
    struct sm_cur c;
    uint16_t h16;
    uint32_t h32;

    sm_cur_init(&c, b, sizeof(b), false);
    CU_ASSERT_EQUAL(sm_cur_be16(&c), 0x1234);
    CU_ASSERT_EQUAL(sm_cur_be16(&c), 0x5678);
    sm_cur_init(&c, b, sizeof(b), false);
    CU_ASSERT_EQUAL(sm_cur_be32(&c), 0x12345678u);
    sm_cur_init(&c, b, sizeof(b), false);
    CU_ASSERT_EQUAL(sm_cur_le16(&c), 0x3412);
    CU_ASSERT_EQUAL(sm_cur_le16(&c), 0x7856);
    sm_cur_init(&c, b, sizeof(b), false);
    CU_ASSERT_EQUAL(sm_cur_le32(&c), 0x78563412u);

    /* Host order is whatever memcpy into the native integer gives. */
    memcpy(&h16, b, 2);
    memcpy(&h32, b, 4);
    sm_cur_init(&c, b, sizeof(b), false);
    CU_ASSERT_EQUAL(sm_cur_he16(&c), h16);
    sm_cur_init(&c, b, sizeof(b), false);
    CU_ASSERT_EQUAL(sm_cur_he32(&c), h32);
    CU_ASSERT_TRUE(h32 == 0x12345678u || h32 == 0x78563412u);

    /* High bits are not sign-extended. */
    static const uint8_t ff[] = { 0xff, 0xfe, 0xfd, 0xfc };
    sm_cur_init(&c, ff, sizeof(ff), false);
    CU_ASSERT_EQUAL(sm_cur_be32(&c), 0xfffefdfcu);
    sm_cur_init(&c, ff, sizeof(ff), false);
    CU_ASSERT_EQUAL(sm_cur_le32(&c), 0xfcfdfeffu);
    sm_cur_init(&c, ff, sizeof(ff), false);
    CU_ASSERT_EQUAL(sm_cur_u8(&c), 0xff);
}

static void test_cursor_views_and_peek(void)
{
    struct sm_cur c;
    bool ok = false;

    sm_cur_init(&c, sm_t_bytes, sizeof(sm_t_bytes), false);
    sm_cur_skip(&c, 2);
    CU_ASSERT_EQUAL(sm_cur_peek_u8(&c, 0, &ok), 0x03);
    CU_ASSERT_TRUE(ok);
    CU_ASSERT_EQUAL(sm_cur_peek_u8(&c, 5, &ok), 0x08);
    CU_ASSERT_TRUE(ok);
    CU_ASSERT_EQUAL(sm_cur_peek_u8(&c, 6, &ok), 0);
    CU_ASSERT_FALSE(ok);
    CU_ASSERT_TRUE(sm_cur_ok(&c)); /* a failed peek is not an error */
    CU_ASSERT_EQUAL(sm_cur_offset(&c), 2);

    struct sm_bytes b = sm_cur_bytes(&c, 3);
    CU_ASSERT_PTR_EQUAL(b.p, sm_t_bytes + 2);
    CU_ASSERT_EQUAL(b.len, 3);
    struct sm_bytes rest = sm_cur_rest(&c);
    CU_ASSERT_PTR_EQUAL(rest.p, sm_t_bytes + 5);
    CU_ASSERT_EQUAL(rest.len, 3);
    CU_ASSERT_TRUE(sm_cur_ok(&c));
    CU_ASSERT_EQUAL(sm_cur_left(&c), 0);

    uint8_t out[4] = { 1, 2, 3, 4 };
    sm_cur_copy(&c, out, sizeof(out)); /* fails: zero-filled */
    CU_ASSERT_EQUAL(out[0] | out[1] | out[2] | out[3], 0);
}

static void test_cursor_sub_strict(void)
{
    struct sm_cur c, sub;

    /* Fits: the child covers exactly n bytes, consumed from the parent. */
    sm_cur_init(&c, sm_t_bytes, sizeof(sm_t_bytes), false);
    sm_cur_skip(&c, 1);
    sub = sm_cur_sub(&c, 3, true);
    CU_ASSERT_TRUE(sm_cur_ok(&sub));
    CU_ASSERT_EQUAL(sm_cur_left(&sub), 3);
    CU_ASSERT_EQUAL(sm_cur_offset(&c), 4);
    CU_ASSERT_EQUAL(sm_cur_be16(&sub), 0x0203);
    CU_ASSERT_EQUAL(sm_cur_u8(&sub), 0x04);
    /* The child cannot read into the parent's remaining bytes. */
    CU_ASSERT_EQUAL(sm_cur_u8(&sub), 0);
    CU_ASSERT_EQUAL(sub.err, SM_ERR_TRUNCATED);
    CU_ASSERT_TRUE(sm_cur_ok(&c));
    CU_ASSERT_EQUAL(sm_cur_u8(&c), 0x05);

    /* Too long: the parent fails and the child is empty and failed. */
    sm_cur_init(&c, sm_t_bytes, sizeof(sm_t_bytes), false);
    sub = sm_cur_sub(&c, 9, true);
    CU_ASSERT_EQUAL(c.err, SM_ERR_TRUNCATED);
    CU_ASSERT_EQUAL(sub.err, SM_ERR_TRUNCATED);
    CU_ASSERT_EQUAL(sm_cur_left(&sub), 0);
    CU_ASSERT_EQUAL(sm_cur_offset(&c), 0);

    /* On a stream, the child inherits the need. */
    sm_cur_init(&c, sm_t_bytes, sizeof(sm_t_bytes), true);
    sub = sm_cur_sub(&c, 11, true);
    CU_ASSERT_EQUAL(c.err, SM_ERR_INCOMPLETE);
    CU_ASSERT_EQUAL(c.need, 3);
    CU_ASSERT_EQUAL(sub.err, SM_ERR_INCOMPLETE);
    CU_ASSERT_EQUAL(sub.need, 3);
    CU_ASSERT_TRUE(sub.stream);
}

static void test_cursor_sub_lenient(void)
{
    struct sm_cur c, sub;

    sm_cur_init(&c, sm_t_bytes, sizeof(sm_t_bytes), false);
    sm_cur_skip(&c, 5);
    sub = sm_cur_sub(&c, 100, false);
    CU_ASSERT_TRUE(sm_cur_ok(&c));
    CU_ASSERT_TRUE(sm_cur_ok(&sub));
    CU_ASSERT_EQUAL(sm_cur_left(&sub), 3);
    CU_ASSERT_EQUAL(sm_cur_left(&c), 0);
    CU_ASSERT_EQUAL(sm_cur_u8(&sub), 0x06);

    /* Lenient with room: the same as strict. */
    sm_cur_init(&c, sm_t_bytes, sizeof(sm_t_bytes), false);
    sub = sm_cur_sub(&c, 2, false);
    CU_ASSERT_EQUAL(sm_cur_left(&sub), 2);
    CU_ASSERT_EQUAL(sm_cur_left(&c), 6);

    /* Lenient on a failed parent: still failed and empty. */
    sm_cur_init(&c, sm_t_bytes, 1, false);
    sm_cur_skip(&c, 2);
    sub = sm_cur_sub(&c, 1, false);
    CU_ASSERT_FALSE(sm_cur_ok(&sub));
    CU_ASSERT_EQUAL(sm_cur_left(&sub), 0);

    /* Zero-length child of an exhausted parent is fine. */
    sm_cur_init(&c, sm_t_bytes, 1, false);
    sm_cur_skip(&c, 1);
    sub = sm_cur_sub(&c, 0, true);
    CU_ASSERT_TRUE(sm_cur_ok(&sub));
    CU_ASSERT_TRUE(sm_cur_ok(&c));
    CU_ASSERT_EQUAL(sm_cur_u8(&sub), 0);
    CU_ASSERT_EQUAL(sub.err, SM_ERR_TRUNCATED);
}

static void test_cursor_ssh_string(void)
{
    /* uint32 length 5, "hello", then one more byte. */
    static const uint8_t s[] = { 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', 0x7f };
    struct sm_cur c;
    struct sm_bytes b;

    sm_cur_init(&c, s, sizeof(s), false);
    b = sm_cur_ssh_string(&c, 5); /* exactly at the cap */
    CU_ASSERT_TRUE(sm_cur_ok(&c));
    CU_ASSERT_EQUAL(b.len, 5);
    CU_ASSERT_NSTRING_EQUAL(b.p, "hello", 5);
    CU_ASSERT_EQUAL(sm_cur_u8(&c), 0x7f);

    /* Over the cap: LIMIT, even though the bytes are all there. */
    sm_cur_init(&c, s, sizeof(s), false);
    b = sm_cur_ssh_string(&c, 4);
    CU_ASSERT_EQUAL(c.err, SM_ERR_LIMIT);
    CU_ASSERT_EQUAL(b.len, 0);
    CU_ASSERT_PTR_NULL(b.p);

    /* Under the cap but missing bytes: TRUNCATED (unit), INCOMPLETE (stream). */
    sm_cur_init(&c, s, 8, false);
    b = sm_cur_ssh_string(&c, 100);
    CU_ASSERT_EQUAL(c.err, SM_ERR_TRUNCATED);
    CU_ASSERT_EQUAL(b.len, 0);
    sm_cur_init(&c, s, 8, true);
    b = sm_cur_ssh_string(&c, 100);
    CU_ASSERT_EQUAL(c.err, SM_ERR_INCOMPLETE);
    CU_ASSERT_EQUAL(c.need, 1);
    CU_ASSERT_EQUAL(b.len, 0);

    /* A length over the cap wins over missing bytes: a 4 GB string is LIMIT
     * at once, not INCOMPLETE forever. */
    static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 'x' };
    sm_cur_init(&c, huge, sizeof(huge), true);
    b = sm_cur_ssh_string(&c, 35000);
    CU_ASSERT_EQUAL(c.err, SM_ERR_LIMIT);
    CU_ASSERT_EQUAL(b.len, 0);

    /* The length field itself cut short. */
    sm_cur_init(&c, s, 3, true);
    b = sm_cur_ssh_string(&c, 100);
    CU_ASSERT_EQUAL(c.err, SM_ERR_INCOMPLETE);
    CU_ASSERT_EQUAL(c.need, 1);

    /* The empty string. */
    static const uint8_t empty[] = { 0, 0, 0, 0 };
    sm_cur_init(&c, empty, sizeof(empty), false);
    b = sm_cur_ssh_string(&c, 0);
    CU_ASSERT_TRUE(sm_cur_ok(&c));
    CU_ASSERT_EQUAL(b.len, 0);
    CU_ASSERT_EQUAL(sm_cur_left(&c), 0);
}

static void test_cursor_invalid(void)
{
    struct sm_cur c;

    sm_cur_init(&c, sm_t_bytes, sizeof(sm_t_bytes), false);
    CU_ASSERT_FALSE(sm_cur_invalid(&c, false));
    CU_ASSERT_TRUE(sm_cur_ok(&c));
    CU_ASSERT_TRUE(sm_cur_invalid(&c, true));
    CU_ASSERT_EQUAL(c.err, SM_ERR_INVALID);
    CU_ASSERT_EQUAL(sm_cur_u8(&c), 0); /* sticky like any error */
    CU_ASSERT_EQUAL(sm_cur_offset(&c), 0);
    /* Another failure keeps the first error. */
    sm_cur_skip(&c, 100);
    CU_ASSERT_EQUAL(c.err, SM_ERR_INVALID);
}

static void test_cursor_strerror(void)
{
    static const enum sm_err all[] = { SM_OK,        SM_ERR_TRUNCATED, SM_ERR_INCOMPLETE,
                                       SM_ERR_LIMIT, SM_ERR_INVALID,   SM_ERR_NOMEM,
                                       SM_ERR_IO };
    for (size_t i = 0; i < SM_NELEM(all); i++) {
        const char *s = sm_strerror(all[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        CU_ASSERT_TRUE(strlen(s) > 0);
        for (size_t k = 0; k < i; k++)
            CU_ASSERT_STRING_NOT_EQUAL(s, sm_strerror(all[k]));
    }
    CU_ASSERT_STRING_EQUAL(sm_strerror(SM_ERR_TRUNCATED), "truncated");
    CU_ASSERT_STRING_EQUAL(sm_strerror((enum sm_err)99), "unknown error");
}

CU_TestInfo sm_cursor_tests[] = {
    SM_TEST(test_cursor_exact_length),
    SM_TEST(test_cursor_short_unit_is_truncated),
    SM_TEST(test_cursor_short_stream_is_incomplete),
    SM_TEST(test_cursor_need_counts_from_offset),
    SM_TEST(test_cursor_zero_length_and_null),
    SM_TEST(test_cursor_sticky_error),
    SM_TEST(test_cursor_byte_order),
    SM_TEST(test_cursor_views_and_peek),
    SM_TEST(test_cursor_sub_strict),
    SM_TEST(test_cursor_sub_lenient),
    SM_TEST(test_cursor_ssh_string),
    SM_TEST(test_cursor_invalid),
    SM_TEST(test_cursor_strerror),
    CU_TEST_INFO_NULL,
};
