/* SPDX-License-Identifier: MIT */
/* summary: patterns across connections that no single connection shows: a
 * client banned after succeeding (fail2ban, PerSourcePenalties), a server
 * refusing many clients at once (MaxStartups, load), SYN floods, a client
 * guessing passwords (many failed authentication attempts), and a
 * path's idle timeout (connections that died after silences beside ones
 * that survived shorter silences). Fed
 * with each finished connection's verdict; reports each pattern once per
 * window, as an ssh_pattern event. Memory is bounded: small direct-mapped
 * tables that forget on collision, allocated a block at a time as
 * connections hash into them. */
#ifndef SM_PATTERN_H
#define SM_PATTERN_H

#include <stdbool.h>
#include <stdint.h>

#include "classify.h"
#include "decode.h"

/* Thresholds (documented in doc/verdicts.md). */
#define SM_PATTERN_WINDOW_SECS     300  /* patterns are judged within 5 minutes */
#define SM_PATTERN_BAN_FAILURES    2    /* dropped/refused in a row after a success */
#define SM_PATTERN_REFUSAL_CLIENTS 5    /* distinct clients refused by one server */
#define SM_PATTERN_FLOOD_SYNS      1000 /* half-open connections to one server */
#define SM_PATTERN_FLOOD_SOURCES   100  /* ... from this many sources at least */
#define SM_PATTERN_IDLE_FATAL      2    /* connections dead after a silence */
/* A survived silence shorter than this says nothing about an idle timeout
 * (every interactive session pauses for seconds). */
#define SM_PATTERN_IDLE_SURVIVED_SECS 10
/* An idle-timeout entry untouched this long starts over (the path may have
 * changed); within it, the entry keeps what every member taught. */
#define SM_PATTERN_IDLE_FORGET_SECS 86400
/* Password guessing (Zeek's SSH::Password_Guessing: password_guesses_limit
 * 30 within guessing_timeout 30 min): this many failed authentication
 * attempts (ssh.auth_attempts) from one client within the window. Options
 * --guess-failures and --guess-window change them. */
#define SM_PATTERN_GUESS_FAILURES    30
#define SM_PATTERN_GUESS_WINDOW_SECS 1800

enum sm_pattern_kind {
    SM_PAT_BAN,
    SM_PAT_MASS_REFUSAL,
    SM_PAT_SYN_FLOOD,
    SM_PAT_IDLE_TIMEOUT,
    SM_PAT_PASSWORD_GUESSING
};

/* One recognised pattern, for the event writer. */
struct sm_pattern_report {
    enum sm_pattern_kind kind;
    uint8_t ip_version;
    /* The banned client (SM_PAT_BAN); the client network, its /24 or /64
     * with the rest zero (SM_PAT_IDLE_TIMEOUT of scope client network). */
    struct sm_addr client;
    struct sm_addr server;
    uint16_t port;
    uint32_t connections;    /* members counted so far in the window */
    uint32_t sources;        /* distinct clients (approximate beyond 64) */
    enum sm_verdict verdict; /* what the members got */
    int64_t first_ts, last_ts;
    struct sm_idle_interval idle; /* SM_PAT_IDLE_TIMEOUT */
    /* SM_PAT_PASSWORD_GUESSING: the client's authentication attempts and
     * failed ones in the window, the distinct servers it tried (estimate)
     * and the window's length; server/port are the last member's. */
    uint32_t attempts, failures, servers;
    uint32_t window_secs;
};

typedef void (*sm_pattern_fn)(void *ctx, const struct sm_pattern_report *r);

struct sm_patterns;

struct sm_patterns *sm_patterns_new(sm_pattern_fn report, void *ctx);
void sm_patterns_free(struct sm_patterns *p);
/* One finished connection. Returns true when it belongs to an ongoing SYN
 * flood (the caller may fold it into the flood's summary). */
bool sm_patterns_observe(struct sm_patterns *p, uint8_t ip_version, const struct sm_addr *client,
                         const struct sm_addr *server, uint16_t port, enum sm_verdict v,
                         int64_t first_ts, int64_t last_ts);
/* One finished connection's silences (sm_classify_silences(); both 0: the
 * call does nothing): the longest it survived and the one it died after.
 * Learns the idle timeout of the connection's server and of its client
 * network, reporting an idle-timeout pattern when it is first known (and
 * when it changed, at most once per window). Returns true and fills *cite
 * when an interval is known for this connection now (from it and earlier
 * ones): the server's, else the client network's. */
bool sm_patterns_idle(struct sm_patterns *p, uint8_t ip_version, const struct sm_addr *client,
                      const struct sm_addr *server, uint16_t port, int64_t survived_us,
                      int64_t fatal_us, int64_t first_ts, int64_t last_ts,
                      struct sm_idle_interval *cite);
/* Password-guessing thresholds (0 keeps the default): failed attempts from
 * one client within window_secs. */
void sm_patterns_set_guessing(struct sm_patterns *p, uint32_t failures, uint32_t window_secs);
/* One finished connection whose authentication attempts were counted
 * (ssh.auth_attempts, of them failed): adds them to its client's window
 * and reports password guessing once per window when the failures reach
 * the threshold. */
void sm_patterns_auth(struct sm_patterns *p, uint8_t ip_version, const struct sm_addr *client,
                      const struct sm_addr *server, uint16_t port, enum sm_verdict v,
                      uint32_t attempts, uint32_t failed, int64_t first_ts, int64_t last_ts);
/* End of input: reports the size of floods still in their window, and the
 * final interval of idle timeouts that changed since they were reported. */
void sm_patterns_finish(struct sm_patterns *p);

#endif
