/* SPDX-License-Identifier: MIT */
/* summary: unit tests for cross-connection patterns: ban after success,
 * mass refusal, SYN flood (with a source estimate), and no false alarms. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <string.h>

#include "pattern.h"
#include "unit.h"

struct sm_pat_log {
    int n;
    struct sm_pattern_report last;
    int kinds[3];
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

CU_TestInfo sm_pattern_tests[] = {
    SM_TEST(test_pattern_ban_after_success),
    SM_TEST(test_pattern_no_ban_without_success),
    SM_TEST(test_pattern_mass_refusal),
    SM_TEST(test_pattern_syn_flood),
    SM_TEST(test_pattern_few_sources_not_a_flood),
    CU_TEST_INFO_NULL,
};
