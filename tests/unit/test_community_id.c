/* SPDX-License-Identifier: MIT */
/* summary: unit tests of the Community ID v1 hash against the test vectors
 * of the specification (corelight/community-id-spec), both directions,
 * seeds, and the output buffer contract. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "community_id.h"
#include "unit.h"

static struct sm_addr sm_t_addr(const char *text)
{
    struct sm_addr a;
    memset(&a, 0, sizeof(a));
    int af = strchr(text, ':') ? AF_INET6 : AF_INET;
    CU_ASSERT_EQUAL_FATAL(inet_pton(af, text, a.b), 1);
    return a;
}

/* The ID in both directions; both must agree and succeed. */
static void sm_t_check(uint16_t seed, uint8_t ipv, const char *a, uint16_t pa, const char *b,
                       uint16_t pb, uint8_t proto, const char *want)
{
    struct sm_addr x = sm_t_addr(a), y = sm_t_addr(b);
    char out1[SM_COMMUNITY_ID_LEN], out2[SM_COMMUNITY_ID_LEN];

    CU_ASSERT_EQUAL(sm_community_id(seed, ipv, &x, pa, &y, pb, proto, out1, sizeof(out1)), 0);
    CU_ASSERT_STRING_EQUAL(out1, want);
    CU_ASSERT_EQUAL(sm_community_id(seed, ipv, &y, pb, &x, pa, proto, out2, sizeof(out2)), 0);
    CU_ASSERT_STRING_EQUAL(out2, want);
}

static void test_community_id_spec_vectors_v4(void)
{
    sm_t_check(0, 4, "1.2.3.4", 1122, "5.6.7.8", 3344, 6, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
    sm_t_check(1, 4, "1.2.3.4", 1122, "5.6.7.8", 3344, 6, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
}

static void test_community_id_spec_vector_v6(void)
{
    sm_t_check(0, 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", 63943, "2607:f8b0:400c:c03::1a", 25,
               6, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
}

static void test_community_id_length_and_format(void)
{
    struct sm_addr x = sm_t_addr("198.51.100.2"), y = sm_t_addr("203.0.113.2");
    char out[64];

    CU_ASSERT_EQUAL_FATAL(sm_community_id(0, 4, &x, 50000, &y, 22, 6, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(strlen(out), SM_COMMUNITY_ID_LEN - 1);
    CU_ASSERT_NSTRING_EQUAL(out, "1:", 2);
    CU_ASSERT_EQUAL(out[SM_COMMUNITY_ID_LEN - 2], '='); /* 20 bytes: one pad */
    /* Protocol and seed are part of the hash. */
    char udp[SM_COMMUNITY_ID_LEN], seeded[SM_COMMUNITY_ID_LEN];
    CU_ASSERT_EQUAL(sm_community_id(0, 4, &x, 50000, &y, 22, 17, udp, sizeof(udp)), 0);
    CU_ASSERT_STRING_NOT_EQUAL(out, udp);
    CU_ASSERT_EQUAL(sm_community_id(0xffff, 4, &x, 50000, &y, 22, 6, seeded, sizeof(seeded)), 0);
    CU_ASSERT_STRING_NOT_EQUAL(out, seeded);
}

static void test_community_id_ipv4_ignores_padding(void)
{
    /* An IPv4 address uses only the first 4 bytes of struct sm_addr. */
    struct sm_addr x = sm_t_addr("1.2.3.4"), y = sm_t_addr("5.6.7.8");
    char out[SM_COMMUNITY_ID_LEN];
    memset(x.b + 4, 0xab, 12);
    memset(y.b + 4, 0xcd, 12);
    CU_ASSERT_EQUAL(sm_community_id(0, 4, &x, 1122, &y, 3344, 6, out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
}

static void test_community_id_same_address(void)
{
    /* Equal addresses: the smaller port goes first, either way round. */
    struct sm_addr x = sm_t_addr("127.0.0.1");
    char o1[SM_COMMUNITY_ID_LEN], o2[SM_COMMUNITY_ID_LEN], o3[SM_COMMUNITY_ID_LEN];
    CU_ASSERT_EQUAL(sm_community_id(0, 4, &x, 40000, &x, 22, 6, o1, sizeof(o1)), 0);
    CU_ASSERT_EQUAL(sm_community_id(0, 4, &x, 22, &x, 40000, 6, o2, sizeof(o2)), 0);
    CU_ASSERT_STRING_EQUAL(o1, o2);
    /* A different port pair is a different flow. */
    CU_ASSERT_EQUAL(sm_community_id(0, 4, &x, 40001, &x, 22, 6, o3, sizeof(o3)), 0);
    CU_ASSERT_STRING_NOT_EQUAL(o1, o3);
}

static void test_community_id_small_buffer(void)
{
    struct sm_addr x = sm_t_addr("1.2.3.4"), y = sm_t_addr("5.6.7.8");
    char out[SM_COMMUNITY_ID_LEN + 1];

    memset(out, 'Z', sizeof(out));
    CU_ASSERT_EQUAL(sm_community_id(0, 4, &x, 1122, &y, 3344, 6, out, SM_COMMUNITY_ID_LEN - 1), -1);
    CU_ASSERT_EQUAL(out[0], 'Z'); /* nothing written */
    CU_ASSERT_EQUAL(sm_community_id(0, 4, &x, 1122, &y, 3344, 6, out, 0), -1);
    /* Exactly big enough. */
    CU_ASSERT_EQUAL(sm_community_id(0, 4, &x, 1122, &y, 3344, 6, out, SM_COMMUNITY_ID_LEN), 0);
    CU_ASSERT_STRING_EQUAL(out, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
    CU_ASSERT_EQUAL(out[SM_COMMUNITY_ID_LEN], 'Z'); /* nothing past the NUL */
}

CU_TestInfo sm_community_id_tests[] = {
    SM_TEST(test_community_id_spec_vectors_v4),
    SM_TEST(test_community_id_spec_vector_v6),
    SM_TEST(test_community_id_length_and_format),
    SM_TEST(test_community_id_ipv4_ignores_padding),
    SM_TEST(test_community_id_same_address),
    SM_TEST(test_community_id_small_buffer),
    CU_TEST_INFO_NULL,
};
