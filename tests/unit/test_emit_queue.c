/* SPDX-License-Identifier: MIT */
/* summary: the emit queue: jobs run in order on its thread, come back in
 * order on the owner's, never more than depth in flight; drain and free
 * with jobs pending. */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "emit_queue.h"

struct sm_t_job {
    uint64_t seq;
    unsigned char pad[40]; /* checked zeroed by slot() */
};

struct sm_t_qctx {
    pthread_t owner;
    uint64_t ran_next, done_next; /* the next seq expected */
    uint64_t bad_order, bad_thread, bad_zero;
    uint64_t in_flight, max_in_flight; /* pushed and not yet done */
    pthread_mutex_t lock;              /* ran_next is the thread's, read here */
    unsigned slow;                     /* run sleeps this many us */
};

static void sm_t_run(void *ctx, void *job)
{
    struct sm_t_qctx *q = ctx;
    struct sm_t_job *j = job;
    if (q->slow)
        usleep(q->slow);
    pthread_mutex_lock(&q->lock);
    if (j->seq != q->ran_next)
        q->bad_order++;
    if (pthread_equal(pthread_self(), q->owner))
        q->bad_thread++; /* jobs run on the queue's thread */
    q->ran_next++;
    pthread_mutex_unlock(&q->lock);
}

static void sm_t_done(void *ctx, void *job)
{
    struct sm_t_qctx *q = ctx;
    struct sm_t_job *j = job;
    if (j->seq != q->done_next)
        q->bad_order++;
    if (!pthread_equal(pthread_self(), q->owner))
        q->bad_thread++; /* given back on the owner's thread */
    q->done_next++;
    q->in_flight--;
}

static void sm_t_queue_round(unsigned depth, uint64_t jobs, unsigned slow, bool free_pending)
{
    struct sm_t_qctx c;
    memset(&c, 0, sizeof(c));
    c.owner = pthread_self();
    c.slow = slow;
    pthread_mutex_init(&c.lock, NULL);
    struct sm_emit_queue *q =
            sm_emit_queue_new(sizeof(struct sm_t_job), depth, sm_t_run, sm_t_done, &c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    for (uint64_t i = 0; i < jobs; i++) {
        struct sm_t_job *j = sm_emit_queue_slot(q);
        CU_ASSERT_PTR_NOT_NULL_FATAL(j);
        for (size_t k = 0; k < sizeof(j->pad); k++)
            if (j->pad[k])
                c.bad_zero++;
        memset(j->pad, 0xab, sizeof(j->pad));
        j->seq = i;
        c.in_flight++;
        if (c.in_flight > c.max_in_flight)
            c.max_in_flight = c.in_flight;
        sm_emit_queue_push(q);
        if (i == jobs / 2 && !free_pending) {
            sm_emit_queue_drain(q); /* everything so far ran and came back */
            CU_ASSERT_EQUAL(c.done_next, i + 1);
            CU_ASSERT_EQUAL(c.in_flight, 0);
        }
    }
    if (!free_pending) {
        sm_emit_queue_drain(q);
        CU_ASSERT_EQUAL(c.done_next, jobs);
    }
    sm_emit_queue_free(q); /* drains what is still pending */
    CU_ASSERT_EQUAL(c.ran_next, jobs);
    CU_ASSERT_EQUAL(c.done_next, jobs);
    CU_ASSERT_EQUAL(c.bad_order, 0);
    CU_ASSERT_EQUAL(c.bad_thread, 0);
    CU_ASSERT_EQUAL(c.bad_zero, 0);
    CU_ASSERT_TRUE(c.max_in_flight <= depth);
    pthread_mutex_destroy(&c.lock);
}

static void test_emit_queue_order_and_bound(void)
{
    sm_t_queue_round(1, 200, 0, false);
    sm_t_queue_round(4, 20000, 0, false);
    sm_t_queue_round(64, 20000, 0, false);
    /* A slow consumer: the owner waits at depth, the bound holds. */
    sm_t_queue_round(3, 60, 200, false);
    sm_t_queue_round(64, 300, 50, false);
    /* Fewer jobs than wake the thread by themselves: the drain must. */
    sm_t_queue_round(64, 1, 0, false);
    sm_t_queue_round(64, 5, 0, false);
    sm_t_queue_round(64, 5, 100, true);
}

static void test_emit_queue_free_with_jobs_pending(void)
{
    sm_t_queue_round(8, 100, 100, true);
}

static void test_emit_queue_unused(void)
{
    struct sm_t_qctx c;
    memset(&c, 0, sizeof(c));
    struct sm_emit_queue *q = sm_emit_queue_new(16, 4, sm_t_run, sm_t_done, &c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    sm_emit_queue_drain(q); /* no thread was started: nothing to wait for */
    sm_emit_queue_free(q);
    sm_emit_queue_free(NULL);
    CU_ASSERT_PTR_NULL(sm_emit_queue_new(0, 4, sm_t_run, sm_t_done, &c));
    CU_ASSERT_PTR_NULL(sm_emit_queue_new(16, 0, sm_t_run, sm_t_done, &c));
}

CU_TestInfo sm_emit_queue_tests[] = {
    SM_TEST(test_emit_queue_order_and_bound),
    SM_TEST(test_emit_queue_free_with_jobs_pending),
    SM_TEST(test_emit_queue_unused),
    CU_TEST_INFO_NULL,
};
