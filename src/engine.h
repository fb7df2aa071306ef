/* SPDX-License-Identifier: MIT */
/* summary: the pipeline's wiring: capture -> decode -> flow table ->
 * classifier -> event -> output. Owns each stage's state for one run. */
#ifndef SM_ENGINE_H
#define SM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "localnets.h"
#include "output.h"
#include "sm_limits.h"

struct sm_engine_config {
    uint16_t ports[SM_MAX_PORTS];
    size_t nports;
    const char *filter; /* -f, may be NULL */
    const char *host;   /* sensor name */
    uint32_t max_flows;
    uint64_t hash_seed;
    uint32_t idle_min_secs;
    uint32_t linger_secs;            /* 0: SM_LINGER_SECS */
    uint32_t handshake_timeout_secs; /* 0: SM_HANDSHAKE_TIMEOUT_SECS */
    uint32_t syn_rto_ms;             /* 0: SM_INITIAL_RTO_USECS */
    uint32_t death_transmissions;    /* 0: 3 */
    /* Password guessing (src/pattern.h): failed attempts from one client
     * within a window; 0: the defaults. */
    uint32_t guess_failures, guess_window_secs;
    bool failures_only;
    bool fold_floods;      /* flood members only counted in the ssh_pattern event */
    bool stats_event;      /* emit a capture_stats event at the end */
    const char *drop_user; /* -Z, live only */
    /* --conntrack (live): conntrack events join the connections
     * (conntrack.h); opened before -Z drops privileges. */
    bool conntrack;
    /* Live only: */
    uint32_t snaplen;             /* -s (0: SM_SNAPLEN) */
    uint64_t buffer_bytes;        /* -B (0: SM_LIVE_BUFFER_BYTES) */
    uint32_t stats_interval_secs; /* a capture_stats event this often (0: never) */
    /* -p auto: every TCP connection whose first payload is an SSH
     * identification line is analyzed too, whatever its ports. */
    bool content_select;
    /* Who describes a finished connection when a file is read (engine.c):
     * 0, the queue's thread unless half the queue waits, then the analysis
     * ahead of its turn; 1: always the analysis; -1: never. The output is
     * the same; the tests compare 1 and -1. */
    int describe_ahead;
    /* --local-nets (NULL: none; then no event says a direction), and
     * --patterns-inbound-only: only inbound connections feed the
     * cross-connection patterns (pattern.h). */
    const struct sm_localnets *local_nets;
    bool patterns_inbound_only;
    /* --report FILE.html, --report-json FILE (NULL: none): written at the
     * end, and live also on SIGUSR1 (sm_engine_request_report). */
    const char *report_html;
    const char *report_json;
};

struct sm_engine;

struct sm_engine *sm_engine_new(const struct sm_engine_config *cfg, struct sm_output *out);
/* Reads one capture file into the shared timeline. Returns 0, or 2 when the
 * file could not be read or was damaged (after using what it held). */
int sm_engine_run_file(struct sm_engine *e, const char *path);
/* Live sources at most (-i given several times). */
#define SM_LIVE_MAX_SOURCES 8
/* Captures live from n sources (interfaces, "any", "nflog:N") until
 * SIGINT/SIGTERM, waking at least every SM_LIVE_TICK_MS to expire
 * connections by the clock, reopen the output (SIGHUP) and write
 * statistics, whether packets come or not. Several sources are one
 * timeline: their packets are held until no source can bring an older one
 * and handed over in timestamp order; an NFLOG group beside an interface
 * is a witness, whose copies only name the logging rule of connections
 * the interfaces show (sm_flow_nflog_witness()). Returns 0, 1 (bad usage,
 * e.g. -Z) or 2. */
int sm_engine_run_live(struct sm_engine *e, const char *const *ifaces, size_t n);
/* The packet path, for tests and fuzzers: one captured frame of link type dlt. */
void sm_engine_packet(struct sm_engine *e, int dlt, const uint8_t *data, uint32_t cap_len,
                      uint32_t wire_len, int64_t ts_us, uint32_t source);
/* Registers a source name (file or interface); returns its index. */
uint32_t sm_engine_add_source(struct sm_engine *e, const char *name);
/* Emits every open connection (flow-id order) and the statistics. */
void sm_engine_finish(struct sm_engine *e);
void sm_engine_free(struct sm_engine *e);

/* Signal handlers call these (async-signal-safe: they set a flag and wake
 * the live loop). */
void sm_engine_request_stop(void);
void sm_engine_request_reopen(void);
void sm_engine_request_report(void);
/* Writes --report and --report-json now (the end of a run, SIGUSR1);
 * returns 0 or -1 (said on stderr). */
int sm_engine_write_report(struct sm_engine *e);

#endif
