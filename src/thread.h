/* SPDX-License-Identifier: MIT */
/* summary: starting helper threads the way every one of ours starts: with
 * all signals blocked in it, so that the handlers (which stop the capture
 * loop) run on the thread that reads packets. */
#ifndef SM_THREAD_H
#define SM_THREAD_H

#include <pthread.h>
#include <stdbool.h>

/* pthread_create with every signal blocked in the new thread, named name
 * (at most 15 characters, shown by top -H and perf); false when it could
 * not be started (the caller then does the work itself). */
bool sm_thread_start(pthread_t *thread, const char *name, void *(*fn)(void *), void *arg);

/* What one thread writes often and another thread's data must not share:
 * two cache lines, because the adjacent-line prefetcher moves lines in
 * pairs. Use as _Alignas(SM_CACHE_PAIR) on a struct's first member. */
#define SM_CACHE_PAIR 128

#endif
