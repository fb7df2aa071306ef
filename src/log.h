/* SPDX-License-Identifier: MIT */
/* summary: diagnostics to stderr; stdout belongs to the event stream. */
#ifndef SM_LOG_H
#define SM_LOG_H

enum sm_log_level {
    SM_LOG_ERROR,
    SM_LOG_WARN,
    SM_LOG_INFO,
    SM_LOG_DEBUG
};

/* Messages above this level are dropped. Default SM_LOG_WARN. */
void sm_log_set_level(enum sm_log_level level);
void sm_log(enum sm_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
