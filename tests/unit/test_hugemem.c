/* SPDX-License-Identifier: MIT */
/* summary: unit tests of the huge-page arrays: zeroed, writable to the last
 * byte, aligned to the huge page from SM_HUGE_PAGE on, sizes around the
 * threshold, and freeing (NULL too). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "hugemem.h"
#include "unit.h"

/* Every byte reads zero, and every byte can be written. */
static void sm_t_check_block(size_t size)
{
    uint8_t *p = sm_huge_alloc(size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    if (size >= SM_HUGE_PAGE)
        CU_ASSERT_EQUAL((uintptr_t)p % SM_HUGE_PAGE, 0);
    size_t nonzero = 0;
    for (size_t i = 0; i < size; i++)
        nonzero += p[i] != 0;
    CU_ASSERT_EQUAL(nonzero, 0);
    memset(p, 0xa5, size);
    CU_ASSERT_EQUAL(p[0], 0xa5);
    CU_ASSERT_EQUAL(p[size - 1], 0xa5);
    sm_huge_free(p, size);
}

static void test_hugemem_sizes(void)
{
    const size_t sizes[] = {
        1, 4096, SM_HUGE_PAGE - 1, SM_HUGE_PAGE, SM_HUGE_PAGE + 1, 5 * SM_HUGE_PAGE / 2
    };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        sm_t_check_block(sizes[i]);
}

static void test_hugemem_reuse(void)
{
    /* Blocks given back and taken again come back zeroed. */
    for (int round = 0; round < 3; round++) {
        uint8_t *p = sm_huge_alloc(3 * SM_HUGE_PAGE);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        CU_ASSERT_EQUAL(p[SM_HUGE_PAGE + 7], 0);
        p[SM_HUGE_PAGE + 7] = 1;
        sm_huge_free(p, 3 * SM_HUGE_PAGE);
    }
    sm_huge_free(NULL, 0);
    sm_huge_free(NULL, 3 * SM_HUGE_PAGE);
}

static void test_hugemem_too_large(void)
{
    /* A size whose rounding overflows is refused, not wrapped. */
    CU_ASSERT_PTR_NULL(sm_huge_alloc(SIZE_MAX - 5));
    CU_ASSERT_PTR_NULL(sm_huge_alloc(SIZE_MAX - 3 * SM_HUGE_PAGE / 2));
}

CU_TestInfo sm_hugemem_tests[] = {
    SM_TEST(test_hugemem_sizes),
    SM_TEST(test_hugemem_reuse),
    SM_TEST(test_hugemem_too_large),
    CU_TEST_INFO_NULL,
};
