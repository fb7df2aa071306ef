/* SPDX-License-Identifier: MIT */
/* summary: unit tests for the --report aggregates: verdicts over time keep
 * every connection when the buckets double or the start moves back, the
 * bounded host table still finds a heavy hitter that came late, findings
 * name an idle timeout's fix, and the page escapes what it shows. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "unit.h"

#define SEC 1000000LL
static const int64_t T0 = 1795000000LL * SEC;

static void sm_r_flow(struct sm_flow *f, uint32_t client, int64_t ts)
{
    memset(f, 0, sizeof(*f));
    f->id = client;
    f->ip_version = 4;
    f->addr[SM_DIR_ORIG].b[0] = 198;
    f->addr[SM_DIR_ORIG].b[1] = 51;
    f->addr[SM_DIR_ORIG].b[2] = (uint8_t)(client >> 8);
    f->addr[SM_DIR_ORIG].b[3] = (uint8_t)client;
    f->addr[SM_DIR_RESP].b[0] = 203;
    f->addr[SM_DIR_RESP].b[3] = 2;
    f->port[SM_DIR_ORIG] = 40000;
    f->port[SM_DIR_RESP] = 22;
    f->side[0].wscale = f->side[1].wscale = -1;
    f->first_ts = f->last_ts = ts;
}

static void sm_r_conn(struct sm_report *r, uint32_t client, int64_t ts, enum sm_verdict v)
{
    struct sm_flow f;
    struct sm_classification c;
    sm_r_flow(&f, client, ts);
    memset(&c, 0, sizeof(c));
    c.verdict = v;
    c.confidence = 0.9;
    c.rst_dir = -1;
    snprintf(c.reason, sizeof(c.reason), "reason <%d>", (int)v);
    sm_report_connection(r, &f, &c, NULL, 0, 0);
}

static uint64_t sm_r_timeline_total(const struct sm_report *r)
{
    uint64_t n = 0;
    for (unsigned b = 0; b < SM_REPORT_TIME_BUCKETS; b++)
        for (unsigned v = 0; v < SM_V_COUNT; v++)
            n += r->tl[0][b][v];
    return n;
}

static void test_report_timeline(void)
{
    struct sm_report *r = sm_report_new("t");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    sm_r_conn(r, 1, T0, SM_V_REFUSED);
    sm_r_conn(r, 2, T0 + 10 * SEC, SM_V_NORMAL_CLOSE);
    CU_ASSERT_EQUAL(r->width_us, SEC);
    sm_r_conn(r, 3, T0 + 500 * SEC, SM_V_REFUSED); /* beyond 96 s: doubles to 8 s */
    CU_ASSERT_EQUAL(r->width_us, 8 * SEC);
    sm_r_conn(r, 4, T0 - 30 * SEC, SM_V_RESET); /* before the start: moves back */
    CU_ASSERT_EQUAL(sm_r_timeline_total(r), 4);
    CU_ASSERT_TRUE(r->t0 <= T0 - 30 * SEC);
    CU_ASSERT_EQUAL(r->t0 % r->width_us, 0);
    /* Each connection is in the bucket its time falls in. */
    unsigned b = (unsigned)((T0 + 500 * SEC - r->t0) / r->width_us);
    CU_ASSERT_EQUAL(r->tl[0][b][SM_V_REFUSED], 1);
    b = (unsigned)((T0 - 30 * SEC - r->t0) / r->width_us);
    CU_ASSERT_EQUAL(r->tl[0][b][SM_V_RESET], 1);
    /* A day later: still every connection. */
    sm_r_conn(r, 5, T0 + 86400 * SEC, SM_V_REFUSED);
    CU_ASSERT_EQUAL(sm_r_timeline_total(r), 5);
    CU_ASSERT_EQUAL(r->connections, 5);
    CU_ASSERT_EQUAL(r->failed, 4);
    sm_report_free(r);
}

static void test_report_heavy_hitter_late(void)
{
    struct sm_report *r = sm_report_new("t");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    for (uint32_t i = 0; i < 3 * SM_REPORT_HOSTS; i++)
        sm_r_conn(r, 1000 + i, T0, SM_V_SILENT_DROP);
    for (int i = 0; i < 50; i++)
        sm_r_conn(r, 7, T0, SM_V_REFUSED);
    CU_ASSERT_TRUE(r->clients_seen_full > 0);
    const struct sm_report_host *top[SM_REPORT_TOP];
    unsigned n = sm_report_top(r->clients, top);
    CU_ASSERT_TRUE_FATAL(n > 0);
    CU_ASSERT_EQUAL(top[0]->addr.b[3], 7);
    CU_ASSERT_EQUAL(top[0]->verdict[SM_V_REFUSED], 50);
    CU_ASSERT_TRUE(top[0]->failed >= 50 && top[0]->failed - top[0]->error == 50);
    sm_report_free(r);
}

static void test_report_idle_finding(void)
{
    struct sm_report *r = sm_report_new("t");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct sm_pattern_report p;
    memset(&p, 0, sizeof(p));
    p.kind = SM_PAT_IDLE_TIMEOUT;
    p.ip_version = 4;
    p.server.b[0] = 203;
    p.server.b[3] = 2;
    p.port = 22;
    p.idle = (struct sm_idle_interval){ .lo_us = 150 * SEC + 400000,
                                        .hi_us = 175 * SEC + 1,
                                        .survived = 4,
                                        .fatal = 312,
                                        .scope = SM_IDLE_SCOPE_SERVER };
    sm_report_pattern(r, &p);
    char f[4][SM_REPORT_FINDING_LEN];
    unsigned n = sm_report_findings(r, f, 4);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_STRING_EQUAL(f[0], "312 connections to 203.0.0.2 port 22 died after 150 to 176 s "
                                 "idle: the path drops idle TCP; set ServerAliveInterval below "
                                 "150.");
    /* The same pattern reported again replaces the first. */
    p.idle.fatal = 400;
    sm_report_pattern(r, &p);
    CU_ASSERT_EQUAL(r->npatterns, 1);
    CU_ASSERT_EQUAL(r->pattern[0].idle.fatal, 400);
    CU_ASSERT_EQUAL(r->pattern_count[SM_PAT_IDLE_TIMEOUT], 2);
    sm_report_free(r);
}

static void test_report_html_escapes(void)
{
    struct sm_report *r = sm_report_new("<host>");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    sm_report_source(r, "a<b>&\"c'.pcap");
    sm_r_conn(r, 1, T0, SM_V_REFUSED); /* its reason holds "<0>" */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(sm_report_html(r, m), 0);
    fclose(m);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "a&lt;b&gt;&amp;&quot;c&#39;.pcap"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "&lt;host&gt;"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "reason &lt;0&gt;"));
    CU_ASSERT_PTR_NULL(strstr(buf, "<b>&"));
    CU_ASSERT_PTR_NULL(strstr(buf, "<host>"));
    CU_ASSERT_PTR_NULL(strstr(buf, "<0>"));
    free(buf);
    sm_report_free(r);
}

static void test_report_weak_algorithms(void)
{
    CU_ASSERT_PTR_NOT_NULL(sm_report_alg_weak(SM_REPORT_ALG_CIPHER, "aes128-cbc"));
    CU_ASSERT_PTR_NOT_NULL(sm_report_alg_weak(SM_REPORT_ALG_KEX, "diffie-hellman-group14-sha1"));
    CU_ASSERT_PTR_NOT_NULL(sm_report_alg_weak(SM_REPORT_ALG_HOSTKEY, "ssh-rsa"));
    CU_ASSERT_PTR_NOT_NULL(sm_report_alg_weak(SM_REPORT_ALG_MAC, "hmac-sha1-96"));
    CU_ASSERT_PTR_NULL(sm_report_alg_weak(SM_REPORT_ALG_CIPHER, "aes256-gcm@openssh.com"));
    CU_ASSERT_PTR_NULL(sm_report_alg_weak(SM_REPORT_ALG_KEX, "sntrup761x25519-sha512"));
    CU_ASSERT_PTR_NULL(sm_report_alg_weak(SM_REPORT_ALG_HOSTKEY, "rsa-sha2-512"));
    CU_ASSERT_PTR_NULL(sm_report_alg_weak(SM_REPORT_ALG_MAC, "hmac-sha2-256-etm@openssh.com"));
}

CU_TestInfo sm_report_tests[] = {
    SM_TEST(test_report_timeline),        SM_TEST(test_report_heavy_hitter_late),
    SM_TEST(test_report_idle_finding),    SM_TEST(test_report_html_escapes),
    SM_TEST(test_report_weak_algorithms), CU_TEST_INFO_NULL,
};
