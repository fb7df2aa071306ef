/* SPDX-License-Identifier: MIT */
/* summary: the ordered job queue between the analysis and the thread that
 * describes and writes finished connections. */
#include "config.h"
#include "emit_queue.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "thread.h"

struct sm_emit_queue {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* a job was pushed or has run, or stop */
    pthread_t thread;
    bool started, failed, stop;
    sm_emit_job_fn run, done;
    void *ctx;
    size_t job_size;
    unsigned depth;
    /* Job counters, never wrapping in practice (64 bits): job i sits in
     * slot i % depth. given <= ran <= pushed <= given + depth. */
    uint64_t pushed; /* jobs handed to the thread */
    uint64_t ran;    /* jobs the thread has finished */
    uint64_t given;  /* finished jobs given back to the owner */
    unsigned char *jobs;
};

static void *sm_eq_job(struct sm_emit_queue *q, uint64_t i)
{
    return q->jobs + (size_t)(i % q->depth) * q->job_size;
}

static void *sm_eq_main(void *arg)
{
    struct sm_emit_queue *q = arg;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (q->ran == q->pushed && !q->stop)
            pthread_cond_wait(&q->changed, &q->lock);
        if (q->ran == q->pushed)
            break; /* stopped with nothing left */
        void *job = sm_eq_job(q, q->ran);
        pthread_mutex_unlock(&q->lock);
        q->run(q->ctx, job); /* the slot is the thread's until ran moves */
        pthread_mutex_lock(&q->lock);
        q->ran++;
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
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
    if (pthread_cond_init(&q->changed, NULL) != 0) {
        pthread_mutex_destroy(&q->lock);
        free(q->jobs);
        free(q);
        return NULL;
    }
    q->job_size = job_size;
    q->depth = depth;
    q->run = run;
    q->done = done;
    q->ctx = ctx;
    return q;
}

/* Gives back the jobs that have run since the last time (owner's thread). */
static void sm_eq_give_back(struct sm_emit_queue *q)
{
    pthread_mutex_lock(&q->lock);
    uint64_t ran = q->ran;
    pthread_mutex_unlock(&q->lock);
    for (; q->given < ran; q->given++)
        if (q->done)
            q->done(q->ctx, sm_eq_job(q, q->given));
}

void *sm_emit_queue_slot(struct sm_emit_queue *q)
{
    if (!q || q->failed)
        return NULL;
    if (!q->started) {
        q->started = sm_thread_start(&q->thread, sm_eq_main, q);
        if (!q->started) {
            q->failed = true;
            return NULL;
        }
    }
    sm_eq_give_back(q);
    if (q->pushed - q->given == q->depth) {
        /* Full: wait for the oldest job to run. */
        pthread_mutex_lock(&q->lock);
        while (q->ran == q->given)
            pthread_cond_wait(&q->changed, &q->lock);
        pthread_mutex_unlock(&q->lock);
        sm_eq_give_back(q);
    }
    void *job = sm_eq_job(q, q->pushed);
    memset(job, 0, q->job_size);
    return job;
}

void sm_emit_queue_push(struct sm_emit_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->pushed++;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

void sm_emit_queue_drain(struct sm_emit_queue *q)
{
    if (!q || !q->started)
        return;
    pthread_mutex_lock(&q->lock);
    while (q->ran != q->pushed)
        pthread_cond_wait(&q->changed, &q->lock);
    pthread_mutex_unlock(&q->lock);
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
        pthread_cond_broadcast(&q->changed);
        pthread_mutex_unlock(&q->lock);
        pthread_join(q->thread, NULL);
    }
    pthread_cond_destroy(&q->changed);
    pthread_mutex_destroy(&q->lock);
    free(q->jobs);
    free(q);
}
