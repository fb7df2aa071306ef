/* SPDX-License-Identifier: MIT */
/* summary: --local-nets parsing, prefix matching and Zeek's four
 * directions. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "localnets.h"
#include "unit.h"

static struct sm_addr sm_t_addr(const char *s, uint8_t *v)
{
    struct sm_addr a;
    memset(&a, 0, sizeof(a));
    if (inet_pton(AF_INET, s, a.b) == 1)
        *v = 4;
    else {
        CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, s, a.b), 1);
        *v = 6;
    }
    return a;
}

static bool sm_t_in(const struct sm_localnets *ln, const char *s)
{
    uint8_t v;
    struct sm_addr a = sm_t_addr(s, &v);
    return sm_localnets_contains(ln, v, &a);
}

static void test_localnets_parse(void)
{
    static struct sm_localnets ln;
    char err[160];

    CU_ASSERT_TRUE_FATAL(sm_localnets_parse(&ln,
                                            "192.0.2.0/24,2001:db8:1::/48,198.51.100.7,"
                                            "10.0.0.0/9,0.0.0.0/0",
                                            err, sizeof(err)));
    CU_ASSERT_EQUAL(ln.n, 5);
    CU_ASSERT_EQUAL(ln.net[0].ip_version, 4);
    CU_ASSERT_EQUAL(ln.net[0].prefix_len, 24);
    CU_ASSERT_EQUAL(ln.net[1].ip_version, 6);
    CU_ASSERT_EQUAL(ln.net[1].prefix_len, 48);
    CU_ASSERT_EQUAL(ln.net[2].prefix_len, 32); /* a bare address */

    CU_ASSERT_TRUE(sm_localnets_parse(&ln, "192.0.2.0/24,2001:db8:1::/48,198.51.100.7,10.0.0.0/9",
                                      err, sizeof(err)));
    CU_ASSERT_TRUE(sm_t_in(&ln, "192.0.2.0"));
    CU_ASSERT_TRUE(sm_t_in(&ln, "192.0.2.255"));
    CU_ASSERT_FALSE(sm_t_in(&ln, "192.0.3.0"));
    CU_ASSERT_TRUE(sm_t_in(&ln, "198.51.100.7"));
    CU_ASSERT_FALSE(sm_t_in(&ln, "198.51.100.8"));
    CU_ASSERT_TRUE(sm_t_in(&ln, "10.127.255.255")); /* /9: a prefix inside a byte */
    CU_ASSERT_FALSE(sm_t_in(&ln, "10.128.0.0"));
    CU_ASSERT_TRUE(sm_t_in(&ln, "2001:db8:1:ffff::1"));
    CU_ASSERT_FALSE(sm_t_in(&ln, "2001:db8:2::1"));
    /* The same bytes in the other family are not the same network. */
    CU_ASSERT_FALSE(sm_t_in(&ln, "c000:200::"));

    /* Every address is local under /0, of its own family only. */
    CU_ASSERT_TRUE(sm_localnets_parse(&ln, "0.0.0.0/0", err, sizeof(err)));
    CU_ASSERT_TRUE(sm_t_in(&ln, "203.0.113.9"));
    CU_ASSERT_FALSE(sm_t_in(&ln, "2001:db8::1"));
}

static void test_localnets_bad(void)
{
    static struct sm_localnets ln;
    char err[160];
    static const char *const bad[] = {
        "",                                                /* zero-length */
        ",",                                               /* empty entries */
        "192.0.2.0/24,",                                   /* a trailing comma */
        "192.0.2.0/",                                      /* no prefix length */
        "192.0.2.0/33",                                    /* too long for IPv4 */
        "2001:db8::/129",                                  /* too long for IPv6 */
        "192.0.2.0/-1",                                    /* negative */
        "192.0.2.0/+8",                                    /* a sign strtoul would take */
        "192.0.2.0/ 8",                                    /* a space strtoul would skip */
        "192.0.2.0/0024",                                  /* four digits */
        "192.0.2.1/24",                                    /* host bits after the prefix */
        "2001:db8::1/64",                                  /* the same in IPv6 */
        "300.0.0.0/8",                                     /* not an address */
        "192.0.2/24",                                      /* inet_pton wants four parts */
        "host.example/24",                                 /* no names */
        "192.0.2.0/24/8",                                  /* two slashes */
        "1111:2222:3333:4444:5555:6666:7777:8888:9999/64", /* oversized */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CU_ASSERT_FALSE(sm_localnets_parse(&ln, bad[i], err, sizeof(err)));
        CU_ASSERT_TRUE(err[0] != '\0');
        CU_ASSERT_PTR_NULL(strchr(err, '\n')); /* one line */
    }
    /* A list longer than SM_MAX_LOCAL_NETS is refused, not cut. */
    char list[SM_MAX_LOCAL_NETS * 16 + 32];
    size_t o = 0;
    for (int i = 0; i <= SM_MAX_LOCAL_NETS; i++)
        o += (size_t)snprintf(list + o, sizeof(list) - o, "%s10.%d.%d.0/24", i ? "," : "", i / 256,
                              i % 256);
    CU_ASSERT_FALSE(sm_localnets_parse(&ln, list, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "more than"));
}

static void test_localnets_direction(void)
{
    static struct sm_localnets ln;
    char err[160];
    uint8_t v;
    CU_ASSERT_TRUE_FATAL(
            sm_localnets_parse(&ln, "203.0.113.0/24,2001:db8:2::/64", err, sizeof(err)));
    struct sm_addr out4 = sm_t_addr("198.51.100.2", &v), in4 = sm_t_addr("203.0.113.2", &v);
    struct sm_addr in4b = sm_t_addr("203.0.113.3", &v), out4b = sm_t_addr("192.0.2.1", &v);
    CU_ASSERT_EQUAL(sm_localnets_direction(&ln, 4, &out4, &in4), SM_DIRECTION_INBOUND);
    CU_ASSERT_EQUAL(sm_localnets_direction(&ln, 4, &in4, &out4), SM_DIRECTION_OUTBOUND);
    CU_ASSERT_EQUAL(sm_localnets_direction(&ln, 4, &in4, &in4b), SM_DIRECTION_INTERNAL);
    CU_ASSERT_EQUAL(sm_localnets_direction(&ln, 4, &out4, &out4b), SM_DIRECTION_EXTERNAL);
    struct sm_addr out6 = sm_t_addr("2001:db8:1::2", &v), in6 = sm_t_addr("2001:db8:2::2", &v);
    CU_ASSERT_EQUAL(sm_localnets_direction(&ln, 6, &out6, &in6), SM_DIRECTION_INBOUND);
    CU_ASSERT_EQUAL(sm_localnets_direction(&ln, 6, &in6, &out6), SM_DIRECTION_OUTBOUND);
    /* No networks: nothing said. */
    CU_ASSERT_EQUAL(sm_localnets_direction(NULL, 4, &out4, &in4), SM_DIRECTION_NONE);
    CU_ASSERT_PTR_NULL(sm_direction_name(SM_DIRECTION_NONE));
    CU_ASSERT_STRING_EQUAL(sm_direction_name(SM_DIRECTION_INBOUND), "inbound");
    CU_ASSERT_STRING_EQUAL(sm_direction_name(SM_DIRECTION_OUTBOUND), "outbound");
    CU_ASSERT_STRING_EQUAL(sm_direction_name(SM_DIRECTION_INTERNAL), "internal");
    CU_ASSERT_STRING_EQUAL(sm_direction_name(SM_DIRECTION_EXTERNAL), "external");
}

CU_TestInfo sm_localnets_tests[] = {
    SM_TEST(test_localnets_parse),
    SM_TEST(test_localnets_bad),
    SM_TEST(test_localnets_direction),
    CU_TEST_INFO_NULL,
};
