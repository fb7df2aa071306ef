/* SPDX-License-Identifier: MIT */
/* summary: a bounded, ordered queue of jobs run on a thread of its own:
 * finished connections are described and written there (JSON is about 40 %
 * of the analysis), while the analysis goes on. Jobs run one at a time in
 * the order they were pushed; once a job has run, the owner gets it back
 * on its own thread (done), to free what the job borrowed. */
#ifndef SM_EMIT_QUEUE_H
#define SM_EMIT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

/* run: on the queue's thread, one job after another, in order. done: on the
 * owner's thread (inside sm_emit_queue_slot() or _drain()), in order, after
 * the job ran. */
typedef void (*sm_emit_job_fn)(void *ctx, void *job);

struct sm_emit_queue;

/* depth jobs of job_size bytes at most in flight (run or waiting). NULL on
 * allocation failure. The thread starts with the first job. */
struct sm_emit_queue *sm_emit_queue_new(size_t job_size, unsigned depth, sm_emit_job_fn run,
                                        sm_emit_job_fn done, void *ctx);
/* A slot for the next job (zeroed), after giving finished jobs back; waits
 * (when depth jobs are in flight) until half of them have run. NULL when
 * the thread cannot run: the caller then does the job itself. */
void *sm_emit_queue_slot(struct sm_emit_queue *q);
/* Hands the slot just filled to the thread. */
void sm_emit_queue_push(struct sm_emit_queue *q);
/* Jobs pushed that the thread has not finished yet. */
unsigned sm_emit_queue_backlog(struct sm_emit_queue *q);
/* Waits until every job pushed has run and has been given back. */
void sm_emit_queue_drain(struct sm_emit_queue *q);
/* Drains, stops the thread and frees the queue. NULL is a no-op. */
void sm_emit_queue_free(struct sm_emit_queue *q);

#endif
