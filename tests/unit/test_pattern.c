/* SPDX-License-Identifier: MIT */
/* summary: unit tests for cross-connection patterns: ban after success,
 * mass refusal, SYN flood (with a source estimate), a path's idle timeout
 * learned as an interval, and no false alarms. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <string.h>

#include "pattern.h"
#include "unit.h"

struct sm_pat_log {
    int n;
    struct sm_pattern_report last;
    int kinds[5];
};

static void sm_pat_record(void *ctx, const struct sm_pattern_report *r)
{
    struct sm_pat_log *log = ctx;
    log->n++;
    log->last = *r;
    log->kinds[r->kind]++;
}

static struct sm_addr sm_pat_ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    struct sm_addr x;
    memset(&x, 0, sizeof(x));
    x.b[0] = a;
    x.b[1] = b;
    x.b[2] = c;
    x.b[3] = d;
    return x;
}

#define SEC 1000000LL

static void test_pattern_ban_after_success(void)
{
    struct sm_pat_log log = { 0 };
    struct sm_patterns *p = sm_patterns_new(sm_pat_record, &log);
    struct sm_addr cli = sm_pat_ip(198, 51, 100, 2), srv = sm_pat_ip(203, 0, 113, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_FALSE(
                sm_patterns_observe(p, 4, &cli, &srv, 22, SM_V_NORMAL_CLOSE, i * SEC, i * SEC + 1));
    sm_patterns_observe(p, 4, &cli, &srv, 22, SM_V_SILENT_DROP, 10 * SEC, 17 * SEC);
    CU_ASSERT_EQUAL(log.n, 0); /* one failure is not a ban */
    sm_patterns_observe(p, 4, &cli, &srv, 22, SM_V_SILENT_DROP, 20 * SEC, 27 * SEC);
    CU_ASSERT_EQUAL(log.n, 1);
    CU_ASSERT_EQUAL(log.last.kind, SM_PAT_BAN);
    CU_ASSERT_EQUAL(memcmp(&log.last.client, &cli, sizeof(cli)), 0);
    CU_ASSERT_EQUAL(log.last.connections, 2);
    sm_patterns_observe(p, 4, &cli, &srv, 22, SM_V_SILENT_DROP, 30 * SEC, 37 * SEC);
    CU_ASSERT_EQUAL(log.n, 1); /* reported once */
    sm_patterns_free(p);
}

static void test_pattern_no_ban_without_success(void)
{
    struct sm_pat_log log = { 0 };
    struct sm_patterns *p = sm_patterns_new(sm_pat_record, &log);
    struct sm_addr cli = sm_pat_ip(198, 51, 100, 3), srv = sm_pat_ip(203, 0, 113, 2);
    for (int i = 0; i < 10; i++)
        sm_patterns_observe(p, 4, &cli, &srv, 22, SM_V_REFUSED, i * SEC, i * SEC);
    CU_ASSERT_EQUAL(log.kinds[SM_PAT_BAN], 0); /* refused from the start: not a ban */
    sm_patterns_free(p);
}

static void test_pattern_mass_refusal(void)
{
    struct sm_pat_log log = { 0 };
    struct sm_patterns *p = sm_patterns_new(sm_pat_record, &log);
    struct sm_addr srv = sm_pat_ip(203, 0, 113, 2);
    for (int i = 0; i < SM_PATTERN_REFUSAL_CLIENTS + 3; i++) {
        struct sm_addr cli = sm_pat_ip(198, 51, 100, (uint8_t)(10 + i));
        sm_patterns_observe(p, 4, &cli, &srv, 22, SM_V_CLOSED_BEFORE_BANNER, i * SEC, i * SEC);
    }
    CU_ASSERT_EQUAL(log.kinds[SM_PAT_MASS_REFUSAL], 1);
    CU_ASSERT_TRUE(log.last.sources >= SM_PATTERN_REFUSAL_CLIENTS);
    sm_patterns_free(p);
}

static void test_pattern_syn_flood(void)
{
    struct sm_pat_log log = { 0 };
    struct sm_patterns *p = sm_patterns_new(sm_pat_record, &log);
    struct sm_addr srv = sm_pat_ip(203, 0, 113, 2);
    int member = 0;
    for (int i = 0; i < 3000; i++) {
        struct sm_addr cli = sm_pat_ip(192, 0, (uint8_t)(i / 250), (uint8_t)(i % 250));
        member += sm_patterns_observe(p, 4, &cli, &srv, 22, SM_V_SILENT_DROP, i * 1000,
                                      i * 1000 + 75 * SEC);
    }
    CU_ASSERT_EQUAL(log.kinds[SM_PAT_SYN_FLOOD], 1);
    CU_ASSERT_TRUE(log.last.sources >= SM_PATTERN_FLOOD_SOURCES);
    CU_ASSERT_TRUE(member >= 3000 - SM_PATTERN_FLOOD_SYNS);
    sm_patterns_finish(p);
    CU_ASSERT_EQUAL(log.kinds[SM_PAT_SYN_FLOOD], 2); /* the final size */
    CU_ASSERT_EQUAL(log.last.connections, 3000);
    sm_patterns_free(p);
}

static void test_pattern_few_sources_not_a_flood(void)
{
    struct sm_pat_log log = { 0 };
    struct sm_patterns *p = sm_patterns_new(sm_pat_record, &log);
    struct sm_addr srv = sm_pat_ip(203, 0, 113, 2);
    for (int i = 0; i < 3000; i++) {
        struct sm_addr cli = sm_pat_ip(192, 0, 2, (uint8_t)(i % 10)); /* ten scanners */
        sm_patterns_observe(p, 4, &cli, &srv, 22, SM_V_SILENT_DROP, i * 1000, i * 1000);
    }
    CU_ASSERT_EQUAL(log.kinds[SM_PAT_SYN_FLOOD], 0);
    sm_patterns_free(p);
}

/* One connection's silences for sm_patterns_idle(), at t seconds. */
static bool sm_pat_idle_at(struct sm_patterns *p, const struct sm_addr *cli,
                           const struct sm_addr *srv, int64_t survived, int64_t fatal, int t,
                           struct sm_idle_interval *cite)
{
    return sm_patterns_idle(p, 4, cli, srv, 22, survived, fatal, t * SEC, t * SEC + 50 * SEC, cite);
}

static void test_pattern_idle_interval(void)
{
    struct sm_pat_log log = { 0 };
    struct sm_patterns *p = sm_patterns_new(sm_pat_record, &log);
    struct sm_addr cli = sm_pat_ip(198, 51, 100, 2), srv = sm_pat_ip(203, 0, 113, 2);
    struct sm_idle_interval iv;
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    /* Nothing to learn: no call touches the tables. */
    CU_ASSERT_FALSE(sm_pat_idle_at(p, &cli, &srv, 0, 0, 0, &iv));
    CU_ASSERT_EQUAL(iv.hi_us, 0);
    CU_ASSERT_FALSE(sm_pat_idle_at(p, &cli, &srv, 12 * SEC, 0, 1, &iv));
    /* One death after 31 s: not yet a pattern, nothing to cite. */
    CU_ASSERT_FALSE(sm_pat_idle_at(p, &cli, &srv, 0, 31 * SEC, 2, &iv));
    CU_ASSERT_EQUAL(log.n, 0);
    CU_ASSERT_FALSE(sm_pat_idle_at(p, &cli, &srv, 17 * SEC, 0, 3, &iv));
    /* The second death makes the interval: longest survived, shortest fatal. */
    CU_ASSERT_TRUE(sm_pat_idle_at(p, &cli, &srv, 0, 35 * SEC, 4, &iv));
    CU_ASSERT_EQUAL(iv.lo_us, 17 * SEC);
    CU_ASSERT_EQUAL(iv.hi_us, 31 * SEC);
    CU_ASSERT_EQUAL(iv.survived, 2);
    CU_ASSERT_EQUAL(iv.fatal, 2);
    CU_ASSERT_EQUAL(iv.scope, SM_IDLE_SCOPE_SERVER);
    /* Reported once, for the server: the client network went to this one
     * server only, so it is the same pattern. */
    CU_ASSERT_EQUAL_FATAL(log.n, 1);
    CU_ASSERT_EQUAL(log.last.kind, SM_PAT_IDLE_TIMEOUT);
    CU_ASSERT_EQUAL(log.last.idle.scope, SM_IDLE_SCOPE_SERVER);
    CU_ASSERT_EQUAL(memcmp(&log.last.server, &srv, sizeof(srv)), 0);
    CU_ASSERT_EQUAL(log.last.port, 22);
    CU_ASSERT_EQUAL(log.last.connections, 4);
    CU_ASSERT_EQUAL(log.last.sources, 1);
    CU_ASSERT_EQUAL(log.last.verdict, SM_V_STATE_TABLE_TIMEOUT);
    CU_ASSERT_EQUAL(log.last.first_ts, 1 * SEC);
    CU_ASSERT_EQUAL(log.last.last_ts, 54 * SEC);
    /* A longer survivor narrows it; within the window, only at the end. */
    CU_ASSERT_TRUE(sm_pat_idle_at(p, &cli, &srv, 24 * SEC, 0, 10, &iv));
    CU_ASSERT_EQUAL(iv.lo_us, 24 * SEC);
    CU_ASSERT_EQUAL(log.n, 1);
    sm_patterns_finish(p);
    CU_ASSERT_EQUAL_FATAL(log.n, 2);
    CU_ASSERT_EQUAL(log.last.idle.lo_us, 24 * SEC);
    CU_ASSERT_EQUAL(log.last.idle.hi_us, 31 * SEC);
    CU_ASSERT_EQUAL(log.last.idle.survived, 3);
    /* Unchanged since: the end says nothing more. */
    sm_patterns_finish(p);
    CU_ASSERT_EQUAL(log.n, 2);
    /* A change a window later is reported at once. */
    CU_ASSERT_TRUE(sm_pat_idle_at(p, &cli, &srv, 0, 28 * SEC, 400, &iv));
    CU_ASSERT_EQUAL(iv.hi_us, 28 * SEC);
    CU_ASSERT_EQUAL(log.n, 3);
    sm_patterns_free(p);
}

static void test_pattern_idle_no_false_interval(void)
{
    struct sm_pat_log log = { 0 };
    struct sm_patterns *p = sm_patterns_new(sm_pat_record, &log);
    struct sm_addr cli = sm_pat_ip(198, 51, 100, 2), srv = sm_pat_ip(203, 0, 113, 2),
                   srv2 = sm_pat_ip(203, 0, 113, 9);
    struct sm_idle_interval iv;
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    /* Survivors of short pauses say nothing: no lower bound. */
    sm_pat_idle_at(p, &cli, &srv, 5 * SEC, 0, 0, &iv);
    sm_pat_idle_at(p, &cli, &srv, 0, 31 * SEC, 1, &iv);
    CU_ASSERT_FALSE(sm_pat_idle_at(p, &cli, &srv, 0, 35 * SEC, 2, &iv));
    CU_ASSERT_EQUAL(log.n, 0);
    /* Silences that contradict each other (a survivor longer than a death:
     * another middlebox, or not a timeout): no interval, nothing cited. */
    sm_pat_idle_at(p, &cli, &srv2, 40 * SEC, 0, 0, &iv);
    sm_pat_idle_at(p, &cli, &srv2, 0, 31 * SEC, 1, &iv);
    CU_ASSERT_FALSE(sm_pat_idle_at(p, &cli, &srv2, 0, 35 * SEC, 2, &iv));
    sm_patterns_finish(p);
    CU_ASSERT_EQUAL(log.n, 0);
    sm_patterns_free(p);
}

static void test_pattern_idle_client_network(void)
{
    struct sm_pat_log log = { 0 };
    struct sm_patterns *p = sm_patterns_new(sm_pat_record, &log);
    struct sm_addr a = sm_pat_ip(198, 51, 100, 2), b = sm_pat_ip(198, 51, 100, 77),
                   s1 = sm_pat_ip(203, 0, 113, 2), s2 = sm_pat_ip(192, 0, 2, 5);
    struct sm_idle_interval iv;
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    /* Two clients of one /24, three servers: no server has two deaths,
     * the client network has. */
    sm_pat_idle_at(p, &a, &s1, 0, 62 * SEC, 0, &iv);
    sm_pat_idle_at(p, &b, &s2, 45 * SEC, 0, 1, &iv);
    CU_ASSERT_TRUE(sm_pat_idle_at(p, &b, &s1, 0, 70 * SEC, 2, &iv));
    CU_ASSERT_EQUAL(iv.scope, SM_IDLE_SCOPE_CLIENT_NET);
    CU_ASSERT_EQUAL(iv.lo_us, 45 * SEC);
    CU_ASSERT_EQUAL(iv.hi_us, 62 * SEC);
    CU_ASSERT_EQUAL_FATAL(log.n, 1);
    CU_ASSERT_EQUAL(log.last.idle.scope, SM_IDLE_SCOPE_CLIENT_NET);
    struct sm_addr net = sm_pat_ip(198, 51, 100, 0);
    CU_ASSERT_EQUAL(memcmp(&log.last.client, &net, sizeof(net)), 0);
    CU_ASSERT_EQUAL(log.last.sources, 2);
    /* Another /24 learns nothing from it. */
    struct sm_addr c = sm_pat_ip(198, 51, 101, 2), s3 = sm_pat_ip(192, 0, 2, 9);
    CU_ASSERT_FALSE(sm_pat_idle_at(p, &c, &s3, 0, 80 * SEC, 3, &iv));
    sm_patterns_free(p);
}

/* Password guessing: failed attempts from one client add up across
 * connections and servers; reported once per window; a new window starts
 * over; successes count as attempts, not failures. */
static void test_pattern_password_guessing(void)
{
    struct sm_pat_log log = { 0 };
    struct sm_patterns *p = sm_patterns_new(sm_pat_record, &log);
    struct sm_addr cli = sm_pat_ip(198, 51, 100, 2), other = sm_pat_ip(198, 51, 100, 3);
    struct sm_addr s1 = sm_pat_ip(203, 0, 113, 2), s2 = sm_pat_ip(203, 0, 113, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    sm_patterns_set_guessing(p, 10, 60);
    /* 4 failed connections of 2 attempts, one success (3 attempts, 2 failed). */
    for (int i = 0; i < 4; i++)
        sm_patterns_auth(p, 4, &cli, i % 2 ? &s2 : &s1, 22, SM_V_NORMAL_CLOSE, 2, 2, i * SEC,
                         i * SEC + 1);
    sm_patterns_auth(p, 4, &other, &s1, 22, SM_V_NORMAL_CLOSE, 6, 6, 4 * SEC, 5 * SEC);
    CU_ASSERT_EQUAL(log.n, 0); /* 8 failures; the other client's are its own */
    sm_patterns_auth(p, 4, &cli, &s1, 22, SM_V_NORMAL_CLOSE, 3, 2, 5 * SEC, 6 * SEC);
    CU_ASSERT_EQUAL_FATAL(log.n, 1);
    CU_ASSERT_EQUAL(log.last.kind, SM_PAT_PASSWORD_GUESSING);
    CU_ASSERT_EQUAL(memcmp(&log.last.client, &cli, sizeof(cli)), 0);
    CU_ASSERT_EQUAL(log.last.connections, 5);
    CU_ASSERT_EQUAL(log.last.attempts, 11);
    CU_ASSERT_EQUAL(log.last.failures, 10);
    CU_ASSERT_EQUAL(log.last.servers, 2);
    CU_ASSERT_EQUAL(log.last.window_secs, 60);
    CU_ASSERT_EQUAL(log.last.first_ts, 0);
    sm_patterns_auth(p, 4, &cli, &s1, 22, SM_V_NORMAL_CLOSE, 2, 2, 7 * SEC, 8 * SEC);
    CU_ASSERT_EQUAL(log.n, 1); /* once per window */
    /* After the window: counted from zero. */
    for (int i = 0; i < 4; i++)
        sm_patterns_auth(p, 4, &cli, &s1, 22, SM_V_NORMAL_CLOSE, 2, 2, (100 + i) * SEC,
                         (100 + i) * SEC + 1);
    CU_ASSERT_EQUAL(log.n, 1);
    sm_patterns_auth(p, 4, &cli, &s1, 22, SM_V_NORMAL_CLOSE, 2, 2, 110 * SEC, 111 * SEC);
    CU_ASSERT_EQUAL(log.n, 2);
    CU_ASSERT_EQUAL(log.last.connections, 5);
    CU_ASSERT_EQUAL(log.last.first_ts, 100 * SEC);
    sm_patterns_free(p);
}

/* The defaults are Zeek's: 30 failures within 30 minutes. */
static void test_pattern_password_guessing_defaults(void)
{
    struct sm_pat_log log = { 0 };
    struct sm_patterns *p = sm_patterns_new(sm_pat_record, &log);
    struct sm_addr cli = sm_pat_ip(198, 51, 100, 2), srv = sm_pat_ip(203, 0, 113, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    sm_patterns_set_guessing(p, 0, 0); /* 0 keeps the defaults */
    for (int i = 0; i < 29; i++)
        sm_patterns_auth(p, 4, &cli, &srv, 22, SM_V_NORMAL_CLOSE, 1, 1, i * 60 * SEC,
                         i * 60 * SEC + 1);
    CU_ASSERT_EQUAL(log.n, 0);
    sm_patterns_auth(p, 4, &cli, &srv, 22, SM_V_NORMAL_CLOSE, 1, 1, 1799 * SEC, 1800 * SEC);
    CU_ASSERT_EQUAL_FATAL(log.n, 1);
    CU_ASSERT_EQUAL(log.last.failures, SM_PATTERN_GUESS_FAILURES);
    CU_ASSERT_EQUAL(log.last.window_secs, SM_PATTERN_GUESS_WINDOW_SECS);
    sm_patterns_free(p);
}

CU_TestInfo sm_pattern_tests[] = {
    SM_TEST(test_pattern_ban_after_success),
    SM_TEST(test_pattern_no_ban_without_success),
    SM_TEST(test_pattern_mass_refusal),
    SM_TEST(test_pattern_syn_flood),
    SM_TEST(test_pattern_few_sources_not_a_flood),
    SM_TEST(test_pattern_idle_interval),
    SM_TEST(test_pattern_idle_no_false_interval),
    SM_TEST(test_pattern_idle_client_network),
    SM_TEST(test_pattern_password_guessing),
    SM_TEST(test_pattern_password_guessing_defaults),
    CU_TEST_INFO_NULL,
};
