/* SPDX-License-Identifier: MIT */
/* summary: large zeroed arrays in transparent huge pages (see hugemem.h). */
#include "config.h"
#include "hugemem.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

static size_t sm_huge_round(size_t size)
{
    return (size + SM_HUGE_PAGE - 1) & ~(SM_HUGE_PAGE - 1);
}

void *sm_huge_alloc(size_t size)
{
    if (size < SM_HUGE_PAGE)
        return calloc(1, size);
    size_t len = sm_huge_round(size);
    if (len < size || len + SM_HUGE_PAGE < len)
        return NULL; /* overflow */
    /* Map a huge page more than needed and cut it to an aligned range:
     * only whole aligned huge pages can be backed by one. */
    uint8_t *raw = mmap(NULL, len + SM_HUGE_PAGE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    uintptr_t start = ((uintptr_t)raw + SM_HUGE_PAGE - 1) & ~(uintptr_t)(SM_HUGE_PAGE - 1);
    uint8_t *p = (uint8_t *)start;
    size_t head = (size_t)(p - raw); /* below SM_HUGE_PAGE: the tail is not empty */
    if (head)
        munmap(raw, head);
    munmap(p + len, SM_HUGE_PAGE - head);
#ifdef MADV_HUGEPAGE
    /* Advice only: without it (or with THP off) the pages are small ones. */
    (void)madvise(p, len, MADV_HUGEPAGE);
#endif
    return p; /* anonymous mappings read as zeros */
}

void sm_huge_free(void *p, size_t size)
{
    if (!p)
        return;
    if (size < SM_HUGE_PAGE)
        free(p);
    else
        munmap(p, sm_huge_round(size));
}
