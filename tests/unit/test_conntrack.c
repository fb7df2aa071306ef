/* SPDX-License-Identifier: MIT */
/* summary: conntrack message parsing (src/conntrack.c) on messages recorded
 * from the kernel (ct_samples.h), and on cut, lying and hostile ones. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"
#include "ct_samples.h"
#include "unit.h"

struct sm_t_ct_seen {
    unsigned n;
    struct sm_ct_event ev[8];
};

static void sm_t_ct_fn(void *ctx, const struct sm_ct_event *ev)
{
    struct sm_t_ct_seen *s = ctx;
    if (s->n < SM_NELEM(s->ev))
        s->ev[s->n] = *ev;
    s->n++;
}

static const uint8_t sm_t_lo[4] = { 127, 0, 0, 1 };

/* The four recorded events of one connection, in one buffer as a read
 * would return several. */
static void test_ct_events_recorded(void)
{
    uint8_t buf[1024];
    size_t n = 0;
    const uint8_t *msgs[] = { sm_ct_new, sm_ct_update_synrecv, sm_ct_update_est, sm_ct_destroy };
    const size_t lens[] = { sizeof(sm_ct_new), sizeof(sm_ct_update_synrecv),
                            sizeof(sm_ct_update_est), sizeof(sm_ct_destroy) };
    for (size_t i = 0; i < 4; i++) {
        memcpy(buf + n, msgs[i], lens[i]);
        n += lens[i];
    }
    struct sm_t_ct_seen s = { 0 };
    struct sm_ct_counters cnt = { 0 };
    CU_ASSERT_EQUAL(sm_ct_parse_buffer(buf, n, 1000, true, sm_t_ct_fn, &s, &cnt), 4);
    CU_ASSERT_EQUAL_FATAL(s.n, 4);
    CU_ASSERT_EQUAL(cnt.messages, 4);
    CU_ASSERT_EQUAL(cnt.malformed, 0);
    CU_ASSERT_EQUAL(s.ev[0].type, SM_CT_NEW);
    CU_ASSERT_EQUAL(s.ev[1].type, SM_CT_UPDATE);
    CU_ASSERT_EQUAL(s.ev[2].type, SM_CT_UPDATE);
    CU_ASSERT_EQUAL(s.ev[3].type, SM_CT_DESTROY);
    CU_ASSERT_EQUAL(s.ev[0].state, 1); /* SYN_SENT */
    CU_ASSERT_EQUAL(s.ev[1].state, 2); /* SYN_RECV */
    CU_ASSERT_EQUAL(s.ev[2].state, SM_CT_STATE_ESTABLISHED);
    CU_ASSERT_EQUAL(s.ev[0].timeout_s, 120);
    CU_ASSERT_EQUAL(s.ev[1].timeout_s, 60);
    CU_ASSERT_EQUAL(s.ev[2].timeout_s, 432000);
    for (unsigned i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(s.ev[i].ip_version, 4);
        CU_ASSERT_EQUAL(memcmp(s.ev[i].orig_src.b, sm_t_lo, 4), 0);
        CU_ASSERT_EQUAL(s.ev[i].orig_sport, 51560);
        CU_ASSERT_EQUAL(s.ev[i].orig_dport, 22);
        CU_ASSERT_EQUAL(s.ev[i].repl_sport, 22);
        CU_ASSERT_EQUAL(s.ev[i].repl_dport, 51560);
    }
    /* Receipt time, except the DESTROY's kernel stop timestamp. */
    CU_ASSERT_EQUAL(s.ev[0].ts_us, 1000);
    CU_ASSERT(s.ev[3].ts_us > 1700000000LL * 1000000);
    CU_ASSERT_STRING_EQUAL(sm_ct_state_name(SM_CT_STATE_ESTABLISHED), "ESTABLISHED");
    CU_ASSERT_STRING_EQUAL(sm_ct_state_name(200), "UNKNOWN");
}

/* Every cut of a recorded message: the framing is checked before the
 * library sees a byte, a cut message is counted malformed, never read past
 * (run under ASan/valgrind in CI). */
static void test_ct_events_cut(void)
{
    for (size_t cut = 0; cut < sizeof(sm_ct_destroy); cut++) {
        uint8_t *b = malloc(cut ? cut : 1);
        memcpy(b, sm_ct_destroy, cut);
        struct sm_t_ct_seen s = { 0 };
        struct sm_ct_counters cnt = { 0 };
        CU_ASSERT_EQUAL(sm_ct_parse_buffer(b, cut, 1, true, sm_t_ct_fn, &s, &cnt), 0);
        CU_ASSERT_EQUAL(s.n, 0);
        if (cut > 0)
            CU_ASSERT_EQUAL(cnt.malformed, 1);
        free(b);
    }
}

/* Lying lengths: nlmsg_len below a header, past the buffer, zero; an
 * attribute length past its message. */
static void test_ct_events_hostile(void)
{
    uint8_t b[sizeof(sm_ct_new)];
    static const uint32_t lens[] = { 0, 4, 19, sizeof(sm_ct_new) + 1, 0xffffffffu };
    for (size_t i = 0; i < SM_NELEM(lens); i++) {
        memcpy(b, sm_ct_new, sizeof(b));
        memcpy(b, &lens[i], 4);
        struct sm_t_ct_seen s = { 0 };
        struct sm_ct_counters cnt = { 0 };
        CU_ASSERT_EQUAL(sm_ct_parse_buffer(b, sizeof(b), 1, true, sm_t_ct_fn, &s, &cnt), 0);
        CU_ASSERT_EQUAL(cnt.malformed, 1);
    }
    /* The first attribute (CTA_TUPLE_ORIG at offset 20) claims 0xfff0
     * bytes: the library's validation refuses it, nothing is handed on. */
    memcpy(b, sm_ct_new, sizeof(b));
    b[20] = 0xf0;
    b[21] = 0xff;
    struct sm_t_ct_seen s = { 0 };
    struct sm_ct_counters cnt = { 0 };
    (void)sm_ct_parse_buffer(b, sizeof(b), 1, true, sm_t_ct_fn, &s, &cnt);
    CU_ASSERT_EQUAL(s.n, 0);
    /* Another subsystem's message type: skipped, not an event. */
    memcpy(b, sm_ct_new, sizeof(b));
    b[5] = 0x02; /* NFNL_SUBSYS_CTNETLINK_EXP */
    memset(&cnt, 0, sizeof(cnt));
    CU_ASSERT_EQUAL(sm_ct_parse_buffer(b, sizeof(b), 1, true, sm_t_ct_fn, &s, &cnt), 0);
    CU_ASSERT_EQUAL(cnt.messages, 1);
    CU_ASSERT_EQUAL(cnt.malformed, 0);
}

/* The statistics reply, recorded: two CPUs, all zero. Then a full table
 * (the counters a namespace cannot produce: nf_conntrack_max cannot be
 * lowered there) written into the recorded bytes. */
static void test_ct_stats_recorded(void)
{
    struct sm_ct_stats st = { 0 };
    CU_ASSERT_EQUAL(sm_ct_parse_stats(sm_ct_stats_2cpu, sizeof(sm_ct_stats_2cpu), &st), SM_OK);
    CU_ASSERT_EQUAL(st.cpus, 2);
    CU_ASSERT_EQUAL(st.insert_failed + st.drop + st.found + st.insert, 0);

    uint8_t b[sizeof(sm_ct_stats_2cpu)];
    memcpy(b, sm_ct_stats_2cpu, sizeof(b));
    /* CPU 0: insert_failed (type 9, value at 0x30) 7, drop (type 10, value
     * at 0x38) 5; CPU 1: drop (value at 0x9c) 0x01000002. */
    CU_ASSERT_EQUAL_FATAL(b[0x2e], 9);
    CU_ASSERT_EQUAL_FATAL(b[0x36], 10);
    CU_ASSERT_EQUAL_FATAL(b[0x9a], 10);
    b[0x33] = 7;
    b[0x3b] = 5;
    b[0x9c] = 1;
    b[0x9f] = 2;
    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(sm_ct_parse_stats(b, sizeof(b), &st), SM_OK);
    CU_ASSERT_EQUAL(st.insert_failed, 7);
    CU_ASSERT_EQUAL(st.drop, 5 + 0x01000002);
}

static void test_ct_stats_hostile(void)
{
    struct sm_ct_stats st;
    /* Every cut: truncated or invalid, never past the end; what came
     * before the cut is kept. At 100 the first CPU's message is whole (a
     * reply read in two parts). */
    for (size_t cut = 1; cut < 200; cut++) {
        uint8_t *b = malloc(cut);
        memcpy(b, sm_ct_stats_2cpu, cut);
        memset(&st, 0, sizeof(st));
        enum sm_err err = sm_ct_parse_stats(b, cut, &st);
        if (cut == 100) {
            CU_ASSERT_EQUAL(err, SM_OK);
            CU_ASSERT_EQUAL(st.cpus, 1);
        } else {
            CU_ASSERT(err == SM_ERR_TRUNCATED || err == SM_ERR_INVALID);
            CU_ASSERT_EQUAL(st.cpus, cut < 100 ? 0u : 1u);
        }
        free(b);
    }
    /* Empty: nothing, OK. */
    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(sm_ct_parse_stats(sm_ct_stats_2cpu, 0, &st), SM_OK);
    CU_ASSERT_EQUAL(st.cpus, 0);
    uint8_t b[sizeof(sm_ct_stats_2cpu)];
    /* An attribute length of 0 or 3: invalid, no loop. */
    static const uint8_t bad[] = { 0, 3 };
    for (size_t i = 0; i < 2; i++) {
        memcpy(b, sm_ct_stats_2cpu, sizeof(b));
        b[0x14] = bad[i];
        memset(&st, 0, sizeof(st));
        CU_ASSERT_EQUAL(sm_ct_parse_stats(b, sizeof(b), &st), SM_ERR_INVALID);
    }
    /* An attribute running past its message. */
    memcpy(b, sm_ct_stats_2cpu, sizeof(b));
    b[0x14] = 0xff;
    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(sm_ct_parse_stats(b, sizeof(b), &st), SM_ERR_INVALID);
    /* A short counter (4-byte attribute: no value): skipped. */
    memcpy(b, sm_ct_stats_2cpu, sizeof(b));
    b[0x2c] = 4;
    memset(&st, 0, sizeof(st));
    (void)sm_ct_parse_stats(b, sizeof(b), &st);
    CU_ASSERT_EQUAL(st.insert_failed, 0);
    /* nlmsg_len below its header, and past the buffer. */
    memcpy(b, sm_ct_stats_2cpu, sizeof(b));
    b[0] = 8;
    CU_ASSERT_EQUAL(sm_ct_parse_stats(b, sizeof(b), &st), SM_ERR_INVALID);
    memcpy(b, sm_ct_stats_2cpu, sizeof(b));
    b[1] = 0x10;
    CU_ASSERT_EQUAL(sm_ct_parse_stats(b, sizeof(b), &st), SM_ERR_TRUNCATED);
}

CU_TestInfo sm_conntrack_tests[] = {
    SM_TEST(test_ct_events_recorded), SM_TEST(test_ct_events_cut),
    SM_TEST(test_ct_events_hostile),  SM_TEST(test_ct_stats_recorded),
    SM_TEST(test_ct_stats_hostile),   CU_TEST_INFO_NULL,
};
