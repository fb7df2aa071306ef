/* SPDX-License-Identifier: MIT */
/* summary: the ordered job queue between the analysis and the thread that
 * describes and writes finished connections. */
#include "config.h"
#include "emit_queue.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "thread.h"

/* How the two threads meet without a context switch per job (on a VM each
 * wake-up of a sleeping thread costs tens of microseconds, and a capture's
 * end can flush tens of thousands of connections): the job counters are
 * atomics, so pushing and finishing a job take no lock; the lock and the
 * two condition variables are only for sleeping. A sleeping thread is woken
 * in batches: the queue's thread once SM_EQ_WAKE_BATCH jobs wait (or the
 * owner drains or is out of room), the owner once its wait is over (half
 * the queue free, or all of it run for a drain). Each side announces its
 * sleep in an atomic flag before it checks the counters one last time, and
 * the other side stores the counter before it reads the flag, so (all of
 * them sequentially consistent) one of the two always sees the other. */
#define SM_EQ_WAKE_BATCH 16u

struct sm_emit_queue {
    pthread_mutex_t lock;
    pthread_cond_t work; /* the queue's thread sleeps here */
    pthread_cond_t room; /* the owner sleeps here */
    pthread_t thread;
    bool started, failed;
    bool stop; /* under lock */
    sm_emit_job_fn run, done;
    void *ctx;
    size_t job_size;
    unsigned depth, wake_batch;
    /* Job counters, never wrapping in practice (64 bits): job i sits in
     * slot i % depth. given <= ran <= pushed <= given + depth. */
    _Atomic uint64_t pushed;  /* jobs handed to the thread (owner writes) */
    _Atomic uint64_t ran;     /* jobs the thread has finished (it writes) */
    uint64_t given;           /* finished jobs given back (owner's alone) */
    _Atomic bool worker_idle; /* the thread sleeps, or is about to */
    /* 0: the owner does not wait; else it waits until at most
     * owner_wait - 1 jobs are pushed and not yet run. */
    _Atomic unsigned owner_wait;
    unsigned char *jobs;
};

static void *sm_eq_job(struct sm_emit_queue *q, uint64_t i)
{
    return q->jobs + (size_t)(i % q->depth) * q->job_size;
}

static void *sm_eq_main(void *arg)
{
    struct sm_emit_queue *q = arg;
    for (;;) {
        uint64_t r = atomic_load_explicit(&q->ran, memory_order_relaxed);
        if (atomic_load(&q->pushed) == r) {
            pthread_mutex_lock(&q->lock);
            atomic_store(&q->worker_idle, true);
            while (atomic_load(&q->pushed) == r && !q->stop)
                pthread_cond_wait(&q->work, &q->lock);
            atomic_store(&q->worker_idle, false);
            bool stop = atomic_load(&q->pushed) == r; /* stopped, nothing left */
            pthread_mutex_unlock(&q->lock);
            if (stop)
                break;
            continue;
        }
        q->run(q->ctx, sm_eq_job(q, r)); /* the slot is the thread's until ran moves */
        atomic_store(&q->ran, r + 1);
        unsigned w = atomic_load(&q->owner_wait);
        if (w && atomic_load(&q->pushed) - (r + 1) < w) {
            pthread_mutex_lock(&q->lock);
            pthread_cond_signal(&q->room);
            pthread_mutex_unlock(&q->lock);
        }
    }
    return NULL;
}

/* Owner: wakes the thread if it sleeps and jobs wait. */
static void sm_eq_wake_worker(struct sm_emit_queue *q)
{
    if (atomic_load(&q->worker_idle)) {
        pthread_mutex_lock(&q->lock);
        pthread_cond_signal(&q->work);
        pthread_mutex_unlock(&q->lock);
    }
}

/* Owner: sleeps until at most limit jobs are pushed and not yet run. */
static void sm_eq_wait_until(struct sm_emit_queue *q, uint64_t limit)
{
    if (atomic_load(&q->pushed) - atomic_load(&q->ran) <= limit)
        return;
    pthread_mutex_lock(&q->lock);
    atomic_store(&q->owner_wait, (unsigned)limit + 1);
    if (atomic_load(&q->worker_idle))
        pthread_cond_signal(&q->work); /* fewer than a batch may wait */
    while (atomic_load(&q->pushed) - atomic_load(&q->ran) > limit)
        pthread_cond_wait(&q->room, &q->lock);
    atomic_store(&q->owner_wait, 0);
    pthread_mutex_unlock(&q->lock);
}

struct sm_emit_queue *sm_emit_queue_new(size_t job_size, unsigned depth, sm_emit_job_fn run,
                                        sm_emit_job_fn done, void *ctx)
{
    if (job_size == 0 || depth == 0)
        return NULL;
    struct sm_emit_queue *q = calloc(1, sizeof(*q));
    if (!q)
        return NULL;
    q->jobs = calloc(depth, job_size);
    if (!q->jobs || pthread_mutex_init(&q->lock, NULL) != 0) {
        free(q->jobs);
        free(q);
        return NULL;
    }
    if (pthread_cond_init(&q->work, NULL) != 0) {
        pthread_mutex_destroy(&q->lock);
        free(q->jobs);
        free(q);
        return NULL;
    }
    if (pthread_cond_init(&q->room, NULL) != 0) {
        pthread_cond_destroy(&q->work);
        pthread_mutex_destroy(&q->lock);
        free(q->jobs);
        free(q);
        return NULL;
    }
    q->job_size = job_size;
    q->depth = depth;
    q->wake_batch = depth / 4 > SM_EQ_WAKE_BATCH ? SM_EQ_WAKE_BATCH : depth / 4 ? depth / 4 : 1;
    q->run = run;
    q->done = done;
    q->ctx = ctx;
    return q;
}

/* Gives back the jobs that have run since the last time (owner's thread). */
static void sm_eq_give_back(struct sm_emit_queue *q)
{
    uint64_t ran = atomic_load(&q->ran);
    for (; q->given < ran; q->given++)
        if (q->done)
            q->done(q->ctx, sm_eq_job(q, q->given));
}

void *sm_emit_queue_slot(struct sm_emit_queue *q)
{
    if (!q || q->failed)
        return NULL;
    if (!q->started) {
        q->started = sm_thread_start(&q->thread, "sm-describe", sm_eq_main, q);
        if (!q->started) {
            q->failed = true;
            return NULL;
        }
    }
    sm_eq_give_back(q);
    uint64_t pushed = atomic_load_explicit(&q->pushed, memory_order_relaxed);
    if (pushed - q->given == q->depth) {
        /* Full: wait until half of it has run, not just the oldest job, so
         * that the two threads do not wake each other for every job. */
        sm_eq_wait_until(q, q->depth / 2);
        sm_eq_give_back(q);
    }
    void *job = sm_eq_job(q, pushed);
    memset(job, 0, q->job_size);
    return job;
}

void sm_emit_queue_push(struct sm_emit_queue *q)
{
    uint64_t pushed = atomic_load_explicit(&q->pushed, memory_order_relaxed) + 1;
    atomic_store(&q->pushed, pushed);
    if (pushed - atomic_load(&q->ran) >= q->wake_batch)
        sm_eq_wake_worker(q);
}

unsigned sm_emit_queue_backlog(struct sm_emit_queue *q)
{
    return (unsigned)(atomic_load(&q->pushed) - atomic_load(&q->ran));
}

void sm_emit_queue_drain(struct sm_emit_queue *q)
{
    if (!q || !q->started)
        return;
    sm_eq_wait_until(q, 0);
    sm_eq_give_back(q);
}

void sm_emit_queue_free(struct sm_emit_queue *q)
{
    if (!q)
        return;
    sm_emit_queue_drain(q);
    if (q->started) {
        pthread_mutex_lock(&q->lock);
        q->stop = true;
        pthread_cond_signal(&q->work);
        pthread_mutex_unlock(&q->lock);
        pthread_join(q->thread, NULL);
    }
    pthread_cond_destroy(&q->work);
    pthread_cond_destroy(&q->room);
    pthread_mutex_destroy(&q->lock);
    free(q->jobs);
    free(q);
}
