/* SPDX-License-Identifier: MIT */
/* summary: helper threads start with every signal blocked. */
#define _GNU_SOURCE /* pthread_setname_np */
#include "config.h"
#include "thread.h"

#include <signal.h>

bool sm_thread_start(pthread_t *thread, const char *name, void *(*fn)(void *), void *arg)
{
    /* The new thread inherits the mask in force when it is created. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(thread, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    /* A name for top -H, perf and gdb; failing to set it changes nothing. */
    if (rc == 0)
        (void)pthread_setname_np(*thread, name);
    return rc == 0;
}
