/* SPDX-License-Identifier: MIT */
/* summary: stderr logging with levels; never writes to stdout. */
#include "config.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static enum sm_log_level sm_log_level_max = SM_LOG_WARN;

void sm_log_set_level(enum sm_log_level level)
{
    sm_log_level_max = level;
}

void sm_log(enum sm_log_level level, const char *fmt, ...)
{
    static const char *const names[] = { "error", "warning", "info", "debug" };
    va_list ap;

    if (level > sm_log_level_max)
        return;
    fprintf(stderr, "sshmortem: %s: ", names[level]);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
