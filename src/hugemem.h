/* SPDX-License-Identifier: MIT */
/* summary: large zeroed arrays backed by transparent huge pages where the
 * kernel offers them: the flow arrays and the flow index, read at random by
 * every packet, so that a million open connections do not cost a TLB miss
 * (a page walk that a prefetch cannot hide) on every lookup. */
#ifndef SM_HUGEMEM_H
#define SM_HUGEMEM_H

#include <stddef.h>

/* The huge page size these arrays are aligned to (2 MB on x86-64). */
#define SM_HUGE_PAGE ((size_t)2 << 20)

/* size zeroed bytes, NULL when out of memory. From size SM_HUGE_PAGE on, an
 * anonymous mapping aligned to SM_HUGE_PAGE and marked MADV_HUGEPAGE (the
 * kernel backs it with huge pages if it can, else with small ones, as they
 * are touched); below, calloc. */
void *sm_huge_alloc(size_t size);
/* Frees what sm_huge_alloc(size) returned (the same size); NULL is fine. */
void sm_huge_free(void *p, size_t size);

#endif
