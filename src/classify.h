/* SPDX-License-Identifier: MIT */
/* summary: the teardown classifier: a pure function from a connection's
 * recorded facts to one verdict with confidence, reason, hint and symptom.
 * No I/O, no globals: tested as a table of inputs and expected verdicts. */
#ifndef SM_CLASSIFY_H
#define SM_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "dissector.h"
#include "flow.h"

/* The verdicts of SPEC.md, in the order of that table. */
#define SM_VERDICTS(X)                                                                             \
    X(REFUSED, "refused")                                                                          \
    X(REJECTED_ICMP, "rejected-icmp")                                                              \
    X(SILENT_DROP, "silent-drop")                                                                  \
    X(HANDSHAKE_INCOMPLETE, "handshake-incomplete")                                                \
    X(RST_BEFORE_BANNER, "rst-before-banner")                                                      \
    X(CLOSED_BEFORE_BANNER, "closed-before-banner")                                                \
    X(NO_BANNER, "no-banner")                                                                      \
    X(NOT_SSH, "not-ssh")                                                                          \
    X(KEX_FAILED, "kex-failed")                                                                    \
    X(STATE_TABLE_TIMEOUT, "state-table-timeout")                                                  \
    X(RETRANSMISSION_DEATH, "retransmission-death")                                                \
    X(MTU_BLACKHOLE, "mtu-blackhole")                                                              \
    X(RESET, "reset")                                                                              \
    X(NORMAL_CLOSE, "normal-close")                                                                \
    X(UNFINISHED, "unfinished")

#define SM_VERDICT_ENUM(id, name) SM_V_##id,
enum sm_verdict {
    SM_VERDICTS(SM_VERDICT_ENUM) SM_V_COUNT
};
#undef SM_VERDICT_ENUM

enum sm_closed_by {
    SM_BY_NONE,
    SM_BY_CLIENT,
    SM_BY_SERVER,
    SM_BY_MIDDLEBOX
};
enum sm_phase {
    SM_PHASE_TCP_HANDSHAKE,
    SM_PHASE_BANNER,
    SM_PHASE_KEX,
    SM_PHASE_AUTH,
    SM_PHASE_SESSION
};
enum sm_rst_origin {
    SM_RST_NONE,
    SM_RST_ENDPOINT,
    SM_RST_MIDDLEBOX,
    SM_RST_UNKNOWN
};

/* What the caller knows beyond the flow itself. */
struct sm_classify_ctx {
    enum sm_flow_end why;
    int64_t now_us;                 /* capture time of the decision */
    const struct sm_app_facts *app; /* from the dissector; NULL: none ran */
    uint64_t network_loss[2];       /* per direction: holes never or late filled */
    uint64_t capture_loss;          /* bytes acknowledged that the capture missed */
    int64_t syn_rto_us;             /* initial RTO for a lone young SYN (0: default) */
    uint32_t death_transmissions;   /* transmissions that make a stalled segment dead (0: 3) */
    /* --conntrack: net.netfilter.nf_conntrack_tcp_timeout_established of
     * the sensor's namespace (-1 or 0: unknown). */
    int64_t ct_timeout_s;
    /* --conntrack: this host's conntrack failed to insert or dropped new
     * entries (insert_failed / drop rose: the table was full) while the
     * initiator's SYNs were being sent. */
    bool ct_table_full;
};

/* A path's idle timeout learned across connections (pattern.c): the
 * middlebox drops idle TCP after a silence of at least lo_us (a connection
 * survived that long) and at most hi_us (one died after that long). */
enum sm_idle_scope {
    SM_IDLE_SCOPE_SERVER,     /* connections to one server address and port */
    SM_IDLE_SCOPE_CLIENT_NET, /* connections from one client /24 or /64 */
};
struct sm_idle_interval {
    int64_t lo_us, hi_us;     /* hi_us 0: not known */
    uint32_t survived, fatal; /* connections behind each bound */
    enum sm_idle_scope scope;
};

struct sm_classification {
    enum sm_verdict verdict;
    double confidence; /* 0..1 */
    enum sm_closed_by closed_by;
    enum sm_phase phase;
    enum sm_rst_origin rst_origin;
    int rst_dir; /* side that sent the first RST, -1 if none */
    /* The first RST came from a side that had already sent its FIN: a
     * closed socket answering late data (evidence, not the cause). */
    bool rst_after_fin;
    /* The first RST answered the other side's FIN after that side's data
     * went unanswered: the RST's sender had died (sm_classify_dead_peer()). */
    bool dead_peer_rst;
    /* The first RST's side kept sending other segments after it: that
     * side's TCP had not reset (its socket lived on), so a firewall made
     * the RST: on that side's host when the TTL is the side's own, on the
     * way when it differs. */
    bool rst_sender_continued;
    /* The capturing host made the first RST (a cooked capture saw it only
     * leave, while its side's packets arrive from outside). */
    bool rst_from_capture_host;
    /* A known refusal text in the server's pre-banner line (NULL: none):
     * the table entry's text and cause name. */
    const char *refusal_text, *refusal_cause;
    /* not-ssh: the side that did not speak SSH (-1: another verdict). */
    int not_ssh_dir;
    /* The path's idle timeout this state-table-timeout cites (hi_us 0:
     * none; sm_classify_cite_idle()). */
    struct sm_idle_interval path_idle;
    /* silent-drop / handshake-incomplete: the packets that got no answer
     * were logged by a netfilter rule with this NFLOG prefix (NUL-terminated,
     * interned; NULL: none), which the reason names as the dropping rule. */
    const char *nf_rule;
    /* state-table-timeout made certain by conntrack: the entry was
     * destroyed in ESTABLISHED after the silence and packets followed. */
    bool ct_confirmed;
    int64_t ct_timeout_s; /* the timeout it cites (entry's, else the sysctl); -1 */
    bool ct_table_full;   /* silent-drop named a full conntrack table */
    /* silent-drop / handshake-incomplete whose conntrack entry never
     * reached ESTABLISHED: the last handshake packet that passed this
     * host's netfilter (sm_classify_ct_handshake()). */
    enum sm_ct_passed {
        SM_CT_PASSED_NONE,
        SM_CT_PASSED_SYN,
        SM_CT_PASSED_SYNACK
    } ct_passed;
    const char *hint;    /* static text, unless hint_text is set */
    char hint_text[256]; /* a hint composed for this connection ("" if none) */
    char reason[256];    /* one sentence */
    char symptom[160];   /* what the OpenSSH client most likely printed; "" if nothing */
};

void sm_classify(const struct sm_flow *f, const struct sm_classify_ctx *ctx,
                 struct sm_classification *out);

/* The hint to print: hint_text when one was composed, else hint. */
static inline const char *sm_classification_hint(const struct sm_classification *c)
{
    return c->hint_text[0] ? c->hint_text : c->hint;
}

/* The connection's silences for the idle-timeout pattern (pattern.c), 0
 * when none: the longest it survived (an established, two-sided
 * connection that closed normally, or whose idle period's first packet
 * was acknowledged) and the one it died after (state-table-timeout). */
void sm_classify_silences(const struct sm_flow *f, const struct sm_classification *c,
                          int64_t *survived_us, int64_t *fatal_us);
/* A state-table-timeout cites the path's idle timeout: evidence, a hint
 * naming the interval, and a silence shorter than --idle-min gets more
 * confidence (another connection corroborates it). Other verdicts are left
 * as they are. */
void sm_classify_cite_idle(const struct sm_flow *f, struct sm_classification *c,
                           const struct sm_idle_interval *iv);

const char *sm_verdict_name(enum sm_verdict v);
const char *sm_closed_by_name(enum sm_closed_by c);
const char *sm_phase_name(enum sm_phase p);
const char *sm_rst_origin_name(enum sm_rst_origin o);
/* Routers between a packet's sender and the capture point, from its TTL /
 * hop limit, assuming the sender started from the nearest common initial
 * value at or above it (64: Linux, macOS, most stacks; 128: Windows; 255:
 * network equipment). An estimate: a sender with another initial TTL (or
 * one that forges it) is misplaced. */
unsigned sm_ttl_hops(unsigned ttl);

#endif
