/* SPDX-License-Identifier: MIT */
/* summary: the teardown classifier. Network causes win over protocol causes,
 * which win over orderly ones (SPEC.md "Verdicts"). What the application
 * layer reached comes from the dissector's facts (struct sm_app_facts). */
#include "config.h"
#include "classify.h"

#include "conntrack.h"
#include "intern.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SM_VERDICT_NAME(id, name) name,
static const char *const sm_verdict_names[] = { SM_VERDICTS(SM_VERDICT_NAME) };
#undef SM_VERDICT_NAME

const char *sm_verdict_name(enum sm_verdict v)
{
    return v < SM_V_COUNT ? sm_verdict_names[v] : "unknown";
}

const char *sm_closed_by_name(enum sm_closed_by c)
{
    static const char *const n[] = { "none", "client", "server", "middlebox" };
    return c <= SM_BY_MIDDLEBOX ? n[c] : "none";
}

const char *sm_phase_name(enum sm_phase p)
{
    static const char *const n[] = { "tcp-handshake", "banner", "kex", "auth", "session" };
    return p <= SM_PHASE_SESSION ? n[p] : "tcp-handshake";
}

const char *sm_rst_origin_name(enum sm_rst_origin o)
{
    static const char *const n[] = { "none", "endpoint", "middlebox", "unknown" };
    return o <= SM_RST_UNKNOWN ? n[o] : "unknown";
}

/* Fix hints, in the terms of the cause. */
static const char *const sm_hints[SM_V_COUNT] = {
    [SM_V_REFUSED] = "Nothing accepted the connection: check that sshd is running and listening "
                     "on this address and port (ss -tlnp), or which firewall answers with "
                     "tcp-reset.",
    [SM_V_REJECTED_ICMP] = "A router or host firewall rejects the connection with ICMP: check "
                           "REJECT rules and routes on the path toward the reporter address.",
    [SM_V_SILENT_DROP] = "SYNs get no answer: look for a DROP rule, a ban (fail2ban, sshd "
                         "PerSourcePenalties), a security group, a down host, or a full SYN "
                         "queue on the server.",
    [SM_V_HANDSHAKE_INCOMPLETE] = "The server answered but the client's ACK never arrived: look "
                                  "for asymmetric routing or a firewall dropping the SYN-ACK "
                                  "or the ACK, or spoofed SYNs.",
    [SM_V_RST_BEFORE_BANNER] = "Something reset the connection before sshd identified itself: "
                               "check TCP wrappers (hosts.deny), sshd MaxStartups, an IPS, or a "
                               "firewall resetting the first data segment.",
    [SM_V_CLOSED_BEFORE_BANNER] = "sshd closed before its banner: check the server log for "
                                  "MaxStartups ('Exceeded MaxStartups', 'Not allowed at this "
                                  "time'), PerSourcePenalties or TCP wrappers.",
    [SM_V_NO_BANNER] = "The server accepted TCP but never sent an SSH banner: check that sshd "
                       "(not another service or a stuck process) owns the port, and its load.",
    [SM_V_NOT_SSH] = "The peer does not speak SSH on this port: check the port and what listens "
                     "on it.",
    [SM_V_KEX_FAILED] = "Client and server share no algorithm, or the key exchange was aborted: "
                        "compare KexAlgorithms, HostKeyAlgorithms, Ciphers and MACs on both "
                        "sides.",
    [SM_V_STATE_TABLE_TIMEOUT] = "A NAT or firewall forgot the idle connection: set "
                                 "ServerAliveInterval (client) or ClientAliveInterval (server) "
                                 "below the middlebox idle timeout.",
    [SM_V_RETRANSMISSION_DEATH] = "Data was retransmitted until the connection died: look for "
                                  "packet loss or a path failure between the endpoints.",
    [SM_V_MTU_BLACKHOLE] = "Large segments vanish: allow ICMP fragmentation-needed / "
                           "packet-too-big, clamp the MSS, or lower the interface MTU.",
    [SM_V_RESET] = "The connection was reset: check which side (rst_origin) sent it and that "
                   "side's logs, or the middlebox that injected it.",
    [SM_V_NORMAL_CLOSE] = "Nothing to fix: the connection closed in order.",
    [SM_V_UNFINISHED] = "The connection was still open when the capture ended; capture longer to "
                        "see how it ends.",
};

static const char *sm_host(const struct sm_flow *f, char *buf, size_t n)
{
    sm_addr_format(&f->addr[SM_DIR_RESP], f->ip_version, buf, n);
    return buf;
}

/* The capturing host made side d's first RST (sm_tcp_rst_made_here()). */
static bool sm_rst_from_capture_host(const struct sm_flow *f, int d)
{
    return f->side[d].rst_seen && sm_tcp_rst_made_here(&f->side[d], sm_flow_end_of(f, d));
}

/* A RST from a side whose TTL / hop limit differs from that side's earlier
 * packets was not sent by the endpoint's stack (RST injection, firewall),
 * nor one the capturing host made in the name of a side outside it. */
static enum sm_rst_origin sm_rst_origin(const struct sm_flow *f, int d)
{
    const struct sm_tcp_side *s = &f->side[d];
    if (!s->rst_seen)
        return SM_RST_NONE;
    if (sm_rst_from_capture_host(f, d))
        return SM_RST_MIDDLEBOX;
    if (!s->ttl_known)
        return SM_RST_UNKNOWN;
    return sm_flow_end_of(f, d)->rst_ttl == s->ttl_last ? SM_RST_ENDPOINT : SM_RST_MIDDLEBOX;
}

unsigned sm_ttl_hops(unsigned ttl)
{
    if (ttl <= 64)
        return 64 - ttl;
    if (ttl <= 128)
        return 128 - ttl;
    return 255 - (ttl > 255 ? 255 : ttl);
}

/* How the side s of f ended. */
static const struct sm_tcp_end *sm_end(const struct sm_flow *f, const struct sm_tcp_side *s)
{
    return sm_flow_end_of(f, s == &f->side[SM_DIR_ORIG] ? SM_DIR_ORIG : SM_DIR_RESP);
}

/* Which side reset first; -1 if none. */
static int sm_first_rst(const struct sm_flow *f)
{
    const struct sm_tcp_side *o = &f->side[SM_DIR_ORIG], *r = &f->side[SM_DIR_RESP];
    if (o->rst_seen && (!r->rst_seen || sm_end(f, o)->rst_ts <= sm_end(f, r)->rst_ts))
        return SM_DIR_ORIG;
    if (r->rst_seen)
        return SM_DIR_RESP;
    return -1;
}

/* Side d's first RST came after its own FIN, and the peer sent something
 * in between: the socket was closed (the FIN) and the kernel answered data
 * that arrived afterwards with a RST (RFC 793 3.4, RFC 1122 4.2.2.13;
 * Linux tcp_rcv_state_process() in FIN-WAIT). The RST is then evidence of
 * the close, not the way the connection ended: the peer read the FIN (EOF)
 * first. */
static bool sm_rst_after_own_fin(const struct sm_flow *f, int d)
{
    const struct sm_tcp_side *s = &f->side[d];
    const struct sm_tcp_end *e = sm_flow_end_of(f, d);
    return s->fin_seen && s->rst_seen && e->fin_ts <= e->rst_ts &&
           f->side_last_ts[!d] >= e->fin_ts && sm_flow_pkts(f, !d) > 0;
}

/* Texts a server sends before closing instead of its identification line
 * that name why it refused, in one place. Matched as substrings of the
 * first pre-banner line. Sources: OpenSSH sshd.c drop_connection() (8.2
 * and later: "Exceeded MaxStartups\r\n"; 9.8 and later also "Not allowed
 * at this time\r\n" for a source under PerSourcePenalties);
 * hosts_options(5), the TCP wrappers "twist" example, for a hosts.deny rule
 * that answers instead of closing silently. fail2ban and sshguard send no
 * text (they drop or reject at the firewall: silent-drop, refused). */
static const struct sm_refusal {
    const char *text;  /* as it appears on the wire */
    const char *cause; /* evidence.refusal.cause */
    const char *why;   /* completes "sshd refused ..." in the reason */
    const char *hint;
} sm_refusals[] = {
    { "Exceeded MaxStartups", "maxstartups",
      "because it already held MaxStartups unauthenticated connections",
      "sshd was at its MaxStartups limit of unauthenticated connections: find what holds "
      "unauthenticated slots (scanners, stuck or slow clients; ss -tn state established "
      "'( sport = :22 )'), shorten LoginGraceTime so they are freed sooner, or raise "
      "MaxStartups (start:rate:full)." },
    { "Not allowed at this time", "per-source-penalties",
      "because PerSourcePenalties (OpenSSH 9.8+) penalises this source address",
      "sshd's PerSourcePenalties refuses this source after earlier failed authentications, "
      "crashes or no-auth connections: wait for the penalty to expire, or add the client to "
      "PerSourcePenaltyExemptList (and check what triggered it in the server log)." },
    { "You are not welcome", "tcp-wrappers",
      "through a TCP wrappers (hosts.deny) rule that answers before closing",
      "A TCP wrappers rule (hosts.allow / hosts.deny with twist or banners) refuses this "
      "client: check those files on the server for the client's address." },
};

static const struct sm_refusal *sm_refusal_of(const char *text)
{
    for (size_t i = 0; text && i < sizeof(sm_refusals) / sizeof(sm_refusals[0]); i++)
        if (strstr(text, sm_refusals[i].text))
            return &sm_refusals[i];
    return NULL;
}

static double sm_clamp_confidence(const struct sm_flow *f, const struct sm_classify_ctx *ctx,
                                  const struct sm_classification *out, double c)
{
    const struct sm_app_facts *app = ctx->app;
    /* Verdicts that rest on something not happening (no answer, no
     * acknowledgement) are weaker when the capture ended soon after the
     * last evidence: a late answer or a recovery would not have been seen. */
    bool absence = out->verdict == SM_V_SILENT_DROP || out->verdict == SM_V_HANDSHAKE_INCOMPLETE ||
                   out->verdict == SM_V_NO_BANNER || out->verdict == SM_V_STATE_TABLE_TIMEOUT ||
                   out->verdict == SM_V_RETRANSMISSION_DEATH || out->verdict == SM_V_MTU_BLACKHOLE;
    /* A NAT rebind rests on what was seen: the new mapping itself. */
    if (out->verdict == SM_V_STATE_TABLE_TIMEOUT && sm_flow_rebind_of(f))
        absence = false;
    if (absence && ctx->why == SM_END_CAPTURE_END && ctx->now_us - f->last_ts < 5 * 1000000LL)
        c *= 0.85;
    /* The capture itself lost packets of this connection (the receiver
     * acknowledged bytes it never showed): a "missing" answer may just be
     * missing from the capture. Snaplen cuts are not loss. */
    if (absence && ctx->capture_loss > 0 && !sm_flow_truncated(f))
        c *= 0.7;
    if (f->midstream)
        c *= 0.7;
    if (sm_flow_truncated(f))
        c *= 0.9;
    if (app && (app->gap[0] || app->gap[1]))
        c *= 0.8; /* the capture lost bytes: some facts were not seen */
    if (sm_flow_pkts(f, 0) == 0 || sm_flow_pkts(f, 1) == 0)
        c *= f->established ? 0.6 : 1.0;
    return c < 0.05 ? 0.05 : (c > 1.0 ? 1.0 : c);
}

/* The earliest time after the newest transmission in tail (the last
 * three, newest last; 0: not seen) that the next one was due: rto_us after
 * a single one, 0 when nothing is known. A retransmission timeout never
 * shrinks while it backs off (RFC 6298 5.5; Linux's linear timeouts for thin
 * streams and SYNs keep it), so the next transmission comes at least the
 * last interval later, and twice it when the schedule visibly doubles (the
 * last interval at least 1.5 times the one before: exponential backoff). */
static int64_t sm_next_due_us(const int64_t tail[3], int64_t rto_us)
{
    int64_t first = tail[0], prev = tail[1], last = tail[2];
    if (!last)
        return 0;
    if (!prev)
        return rto_us;
    /* Times that do not advance were moved forward: an input earlier than
     * the one before it (engine.c), whose schedule is not known. */
    if (prev >= last)
        return 0;
    int64_t gap = last - prev;
    if (first && first < prev && 2 * gap >= 3 * (prev - first))
        return 2 * gap;
    return gap;
}

/* Issue 22 item 9: a verdict that rests on a retry schedule running out
 * (silent-drop, handshake-incomplete, retransmission-death) is not proved
 * when the capture stopped before the next retry was due: the connection
 * was still going. Only the end of the input says that; an idle expiry
 * (live) and a close (FIN, RST) are ends of their own. *silence and *due
 * are set for the reason. */
static bool sm_cut_short(const struct sm_flow *f, const struct sm_classify_ctx *ctx,
                         const int64_t tail[3], int64_t rto_us, int64_t *silence, int64_t *due)
{
    const struct sm_tcp_side *o = &f->side[SM_DIR_ORIG], *r = &f->side[SM_DIR_RESP];
    if (ctx->why != SM_END_CAPTURE_END || o->fin_seen || r->fin_seen || o->rst_seen || r->rst_seen)
        return false;
    *due = sm_next_due_us(tail, rto_us);
    *silence = ctx->now_us - tail[2];
    return *due > 0 && *silence < *due;
}

/* Side d's SYNs (the responder's: SYN-ACKs) as a tail for sm_next_due_us(). */
static void sm_syn_tail(const struct sm_flow *f, int d, int64_t tail[3])
{
    const struct sm_flow_rare *rare = sm_flow_rare_of(f);
    if (f->side[d].syn_count >= 2 && rare && rare->syn_tail[d][2]) {
        memcpy(tail, rare->syn_tail[d], sizeof(rare->syn_tail[d]));
        return;
    }
    tail[0] = tail[1] = 0;
    tail[2] = sm_flow_time(f, d == SM_DIR_ORIG ? SM_TIME_SYN0 : SM_TIME_SYNACK);
}

/* Before the handshake completed. */
static void sm_classify_handshake(const struct sm_flow *f, const struct sm_classify_ctx *ctx,
                                  struct sm_classification *out, const char *host)
{
    const struct sm_tcp_side *o = &f->side[SM_DIR_ORIG], *r = &f->side[SM_DIR_RESP];
    uint16_t port = f->port[SM_DIR_RESP];
    double span =
            o->syn_count > 1
                    ? (double)(f->side_last_ts[SM_DIR_ORIG] - sm_flow_time(f, SM_TIME_ORIG_FIRST)) /
                              1e6
                    : 0.0;

    const struct sm_flow_icmp *icmp = sm_flow_icmp_of(f);
    out->phase = SM_PHASE_TCP_HANDSHAKE;
    if (icmp->count && icmp->cls != SM_ICMP_FRAG_NEEDED && !sm_flow_time(f, SM_TIME_SYNACK)) {
        char rep[64];
        sm_addr_format(&icmp->reporter, f->ip_version, rep, sizeof(rep));
        bool v6 = f->ip_version == 6;
        /* The errno Linux gives the connecting socket (net/ipv4/icmp.c
         * icmp_err_convert, net/ipv6/icmp.c tab_unreach), as ssh prints it. */
        bool port_unreach =
                v6 ? (icmp->type == 1 && icmp->code == 4) : (icmp->type == 3 && icmp->code == 3);
        bool net_unreach = v6 ? (icmp->type == 1 && icmp->code == 0)
                              : (icmp->type == 3 && (icmp->code == 0 || icmp->code == 6));
        bool v6_prohibited =
                v6 && icmp->type == 1 && (icmp->code == 1 || icmp->code == 5 || icmp->code == 6);
        out->verdict = SM_V_REJECTED_ICMP;
        out->confidence = 0.95;
        out->closed_by = SM_BY_MIDDLEBOX;
        snprintf(out->reason, sizeof(out->reason),
                 "The SYN was rejected by an ICMP%s type %u code %u error from %s.", v6 ? "v6" : "",
                 icmp->type, icmp->code, rep);
        snprintf(out->symptom, sizeof(out->symptom), "ssh: connect to host %s port %u: %s", host,
                 port,
                 port_unreach    ? "Connection refused"
                 : net_unreach   ? "Network is unreachable"
                 : v6_prohibited ? "Permission denied"
                                 : "No route to host");
        return;
    }
    if (r->rst_seen && !sm_flow_time(f, SM_TIME_SYNACK)) {
        out->verdict = SM_V_REFUSED;
        out->confidence = o->syn_count ? 0.95 : 0.6;
        out->closed_by = SM_BY_SERVER;
        snprintf(out->reason, sizeof(out->reason),
                 "The SYN was answered by a RST: nothing accepted connections on port %u.", port);
        snprintf(out->symptom, sizeof(out->symptom),
                 "ssh: connect to host %s port %u: Connection refused", host, port);
        return;
    }
    int64_t rto = ctx->syn_rto_us > 0 ? ctx->syn_rto_us : SM_INITIAL_RTO_USECS;
    int64_t tail[3], silence, due;
    if (o->syn_count && !sm_flow_time(f, SM_TIME_SYNACK) && !sm_flow_pkts(f, SM_DIR_RESP)) {
        /* The SYN retry schedule had not run out: the next SYN may still
         * have been answered. */
        sm_syn_tail(f, SM_DIR_ORIG, tail);
        if (sm_cut_short(f, ctx, tail, rto, &silence, &due)) {
            out->verdict = SM_V_UNFINISHED;
            out->confidence = 0.9;
            if (o->syn_count == 1)
                snprintf(out->reason, sizeof(out->reason),
                         "The capture ended less than one initial RTO after the only SYN.");
            else
                snprintf(out->reason, sizeof(out->reason),
                         "The capture ended %.1f s after the last of %u unanswered SYNs, before "
                         "the next retry was due (%.1f s after it): the connection was still "
                         "being attempted.",
                         (double)silence / 1e6, o->syn_count, (double)due / 1e6);
            return;
        }
        out->verdict = SM_V_SILENT_DROP;
        out->confidence = o->syn_count > 1 ? 0.9 : 0.6;
        out->closed_by = SM_BY_NONE;
        snprintf(out->reason, sizeof(out->reason),
                 "The server never answered: %u SYN%s over %.1f s got no reply.", o->syn_count,
                 o->syn_count == 1 ? "" : "s", span);
        snprintf(out->symptom, sizeof(out->symptom),
                 "ssh: connect to host %s port %u: Connection timed out", host, port);
        return;
    }
    /* The client's ACK is due one round trip after the SYN-ACK; only the
     * server's SYN-ACK retries, and a silence after the last of them as long
     * as the next retry needed (one initial RTO after a single SYN-ACK),
     * prove it did not come. A capture that stopped sooner stopped during
     * the handshake. */
    sm_syn_tail(f, SM_DIR_RESP, tail);
    if (sm_flow_time(f, SM_TIME_SYNACK) && sm_cut_short(f, ctx, tail, rto, &silence, &due)) {
        out->verdict = SM_V_UNFINISHED;
        out->confidence = 0.9;
        if (r->syn_count <= 1)
            snprintf(out->reason, sizeof(out->reason),
                     "The capture ended during the TCP handshake, less than one initial RTO "
                     "after the SYN-ACK.");
        else
            snprintf(out->reason, sizeof(out->reason),
                     "The capture ended during the TCP handshake, %.1f s after the last of %u "
                     "SYN-ACKs, before the server's next retry was due (%.1f s after it).",
                     (double)silence / 1e6, r->syn_count, (double)due / 1e6);
        return;
    }
    if (sm_flow_time(f, SM_TIME_SYNACK)) {
        out->verdict = SM_V_HANDSHAKE_INCOMPLETE;
        out->confidence = 0.85;
        out->closed_by = r->rst_seen ? SM_BY_SERVER : SM_BY_NONE;
        snprintf(out->reason, sizeof(out->reason),
                 "The server answered with %u SYN-ACK%s but the client's ACK never came.",
                 r->syn_count, r->syn_count == 1 ? "" : "s");
        snprintf(out->symptom, sizeof(out->symptom),
                 "ssh: connect to host %s port %u: Connection timed out", host, port);
        return;
    }
    out->verdict = SM_V_UNFINISHED;
    out->confidence = 0.5;
    snprintf(out->reason, sizeof(out->reason),
             "The connection was seen without a handshake and with too little traffic to judge.");
}

/* A silent-drop or handshake-incomplete whose unanswered packets a
 * netfilter rule logged with a prefix (-j NFLOG --nflog-prefix, nftables
 * log group N prefix): the rule that logged them right before they vanished
 * is named as the one that dropped them. silent-drop: the client's SYNs
 * were logged; handshake-incomplete: the client's ACK or the server's
 * SYN-ACK was. The kernel's own log is firm evidence of where the packets
 * went, so the confidence rises to that of a repeated observation. */
static void sm_classify_nflog(const struct sm_flow *f, struct sm_classification *out)
{
    const struct sm_flow_nflog *n = sm_flow_nflog_of(f);
    if (!n || (out->verdict != SM_V_SILENT_DROP && out->verdict != SM_V_HANDSHAKE_INCOMPLETE))
        return;
    if (out->verdict == SM_V_SILENT_DROP && n->dir != SM_DIR_ORIG)
        return;
    const char *rule = (const char *)n->prefix->bytes;
    out->nf_rule = rule;
    size_t len = strlen(out->reason);
    if (len > 0 && out->reason[len - 1] == '.')
        out->reason[--len] = '\0';
    snprintf(out->reason + len, sizeof(out->reason) - len,
             "; %s dropped by the firewall rule logged as '%s'.",
             out->verdict == SM_V_SILENT_DROP ? "they were"
             : n->dir == SM_DIR_ORIG          ? "the client's packets were"
                                              : "the server's packets were",
             rule);
    snprintf(out->hint_text, sizeof(out->hint_text),
             "A netfilter rule logged these packets with the prefix '%s' before they vanished: "
             "find it (nft list ruleset, iptables-save | grep -- '%s') and what put the client "
             "there (fail2ban, a ban list, a rate limit).",
             rule, rule);
    if (out->confidence < 0.95)
        out->confidence = 0.95;
}

/* --conntrack: the sensor's own conntrack destroyed the connection's
 * entry while it was ESTABLISHED, the connection had been silent at least
 * as long as the entry's timeout, and its packets went on after the
 * destroy (and died, or met a RST: without an entry, with loose pickup
 * off, they are INVALID). That is a state-table timeout seen from the
 * inside, not inferred: it confirms state-table-timeout and overturns the
 * verdicts the same packets give without the witness (retransmission-death
 * when the silence was below --idle-min, reset, mtu-blackhole, unfinished). */
static void sm_classify_ct(const struct sm_flow *f, const struct sm_classify_ctx *ctx,
                           struct sm_classification *out)
{
    const struct sm_flow_ct *ct = sm_flow_ct_of(f);
    out->ct_timeout_s = ct && ct->timeout_s > 0 ? ct->timeout_s
                        : ctx->ct_timeout_s > 0 ? ctx->ct_timeout_s
                                                : -1;
    if (!ct || !ct->destroy_ts || !f->established || !ct->has_state ||
        ct->state != SM_CT_STATE_ESTABLISHED || f->last_ts <= ct->destroy_ts)
        return;
    /* The conntrack timeout is whole seconds and its expiry is noticed by
     * the next packet or the garbage collector: a silence within 1 s of it. */
    int64_t need_us = out->ct_timeout_s > 0 ? (out->ct_timeout_s - 1) * 1000000 : 1000000;
    if (f->gap_us < need_us)
        return;
    switch (out->verdict) {
    case SM_V_STATE_TABLE_TIMEOUT:
    case SM_V_RETRANSMISSION_DEATH:
    case SM_V_RESET:
    case SM_V_MTU_BLACKHOLE:
    case SM_V_UNFINISHED:
        break;
    default:
        return;
    }
    bool rst = out->rst_dir >= 0;
    out->verdict = SM_V_STATE_TABLE_TIMEOUT;
    out->ct_confirmed = true;
    out->confidence = 0.98;
    out->closed_by = SM_BY_MIDDLEBOX;
    char tmo[48] = "";
    if (out->ct_timeout_s > 0)
        snprintf(tmo, sizeof(tmo), ", timeout %lld s", (long long)out->ct_timeout_s);
    snprintf(out->reason, sizeof(out->reason),
             "Conntrack on this host destroyed the connection's ESTABLISHED entry after %.1f s of "
             "silence%s; the packets after it %s.",
             (double)f->gap_us / 1e6, tmo,
             rst ? "were answered by a RST" : "found no entry and were never answered");
    if (out->ct_timeout_s > 0)
        snprintf(out->hint_text, sizeof(out->hint_text),
                 "This host's conntrack forgets idle TCP after %lld s "
                 "(net.netfilter.nf_conntrack_tcp_timeout_established): set ServerAliveInterval "
                 "(client) or ClientAliveInterval (server) below %lld, or raise the sysctl.",
                 (long long)out->ct_timeout_s, (long long)out->ct_timeout_s);
    else
        snprintf(out->hint_text, sizeof(out->hint_text),
                 "This host's conntrack forgot the idle connection: set ServerAliveInterval "
                 "(client) or ClientAliveInterval (server) below "
                 "net.netfilter.nf_conntrack_tcp_timeout_established, or raise it.");
}

/* --conntrack: a silent-drop or handshake-incomplete whose entry never
 * reached ESTABLISHED. Conntrack confirms an entry, and only then reports
 * it (NEW, and the UPDATEs after), when its packet has passed every hook
 * of this host: a SYN that a rule here drops gets no event at all (and a
 * rule that logged it with a prefix, nf_rule, is named instead). So an
 * entry last reported SYN_SENT says that the SYNs passed this host's
 * firewall and that no SYN-ACK came back through it: they were lost
 * beyond this host (the server's own firewall, a router after this one),
 * or the server ignored them. SYN_RECV, for a handshake-incomplete: the
 * server's SYN-ACK passed this host toward the client, and the client's
 * ACK never came back through it. A DESTROY in that state (the entry's
 * syn_sent or syn_recv timeout ran out) says the entry never moved on. */
static void sm_classify_ct_handshake(const struct sm_flow *f, struct sm_classification *out)
{
    const struct sm_flow_ct *ct = sm_flow_ct_of(f);
    if (!ct || !ct->has_state || out->nf_rule)
        return;
    if (out->verdict == SM_V_SILENT_DROP && ct->state == SM_CT_STATE_SYN_SENT)
        out->ct_passed = SM_CT_PASSED_SYN;
    else if (out->verdict == SM_V_HANDSHAKE_INCOMPLETE && ct->state == SM_CT_STATE_SYN_RECV)
        out->ct_passed = SM_CT_PASSED_SYNACK;
    else
        return;
    bool syn = out->ct_passed == SM_CT_PASSED_SYN;
    char destroyed[64] = "";
    if (ct->destroy_ts)
        snprintf(destroyed, sizeof(destroyed), ", destroyed %.1f s after the first SYN",
                 (double)(ct->destroy_ts - f->first_ts) / 1e6);
    size_t len = strlen(out->reason);
    if (len > 0 && out->reason[len - 1] == '.')
        out->reason[--len] = '\0';
    snprintf(out->reason + len, sizeof(out->reason) - len,
             syn ? "; this host's conntrack entry stayed SYN_SENT%s: the SYNs passed this "
                   "host's firewall and were lost beyond it."
                 : "; this host's conntrack entry stayed SYN_RECV%s: the server's SYN-ACK "
                   "passed this host and the client's ACK never came back through it.",
             destroyed);
    snprintf(out->hint_text, sizeof(out->hint_text), "%s",
             syn ? "Not this host's rules: look past it, at the server's own firewall "
                   "(iptables/nft, a cloud security group) and the routers after this one "
                   "(traceroute -T -p 22 from here)."
                 : "Not this host's rules: look toward the client, at its firewall (a drop "
                   "of incoming SYN-ACKs, or of ctstate INVALID) and the path back to it.");
}

/* --conntrack: a silent-drop while this host's conntrack statistics showed
 * new entries failing (insert_failed, drop: "nf_conntrack: table full,
 * dropping packet"). Without an entry the SYN is dropped before any rule:
 * the table, not a rule, is the cause. A prefix a rule logged the SYNs
 * with still wins: the rule saw them, so they had an entry. */
static void sm_classify_ct_full(const struct sm_flow *f, const struct sm_classify_ctx *ctx,
                                struct sm_classification *out)
{
    (void)f;
    if (!ctx->ct_table_full || out->verdict != SM_V_SILENT_DROP || out->nf_rule ||
        out->ct_passed != SM_CT_PASSED_NONE)
        return;
    out->ct_table_full = true;
    size_t len = strlen(out->reason);
    if (len > 0 && out->reason[len - 1] == '.')
        out->reason[--len] = '\0';
    snprintf(out->reason + len, sizeof(out->reason) - len,
             "; meanwhile this host's conntrack table was full (insert_failed/drop rose).");
    snprintf(out->hint_text, sizeof(out->hint_text),
             "The conntrack table was full (\"nf_conntrack: table full, dropping packet\"): "
             "raise net.netfilter.nf_conntrack_max, shorten the timeouts of what fills it "
             "(conntrack -S, conntrack -L), or exempt SSH with a notrack rule.");
    if (out->confidence < 0.9)
        out->confidence = 0.9;
}

static enum sm_phase sm_phase_of(const struct sm_app_facts *a, bool banners_missed)
{
    switch (a->phase) {
    case SM_APP_SESSION:
        return SM_PHASE_SESSION;
    case SM_APP_AUTH:
        return SM_PHASE_AUTH;
    case SM_APP_KEX:
        return SM_PHASE_KEX;
    default:
        /* A capture that began mid-stream missed the banners: the
         * connection was most likely in its encrypted session. */
        return banners_missed ? SM_PHASE_SESSION : SM_PHASE_BANNER;
    }
}

/* Who ended the connection first, by FIN or RST. */
static enum sm_closed_by sm_first_closer(const struct sm_flow *f, const struct sm_classification *c)
{
    const struct sm_tcp_side *o = &f->side[SM_DIR_ORIG], *r = &f->side[SM_DIR_RESP];
    int64_t to =
            o->fin_seen ? sm_end(f, o)->fin_ts : (o->rst_seen ? sm_end(f, o)->rst_ts : INT64_MAX);
    int64_t tr =
            r->fin_seen ? sm_end(f, r)->fin_ts : (r->rst_seen ? sm_end(f, r)->rst_ts : INT64_MAX);
    /* A side's first closing packet, whichever kind came first. */
    if (o->fin_seen && o->rst_seen && sm_end(f, o)->rst_ts < to)
        to = sm_end(f, o)->rst_ts;
    if (r->fin_seen && r->rst_seen && sm_end(f, r)->rst_ts < tr)
        tr = sm_end(f, r)->rst_ts;
    if (to == INT64_MAX && tr == INT64_MAX)
        return SM_BY_NONE;
    int first = to <= tr ? SM_DIR_ORIG : SM_DIR_RESP;
    /* A middlebox only when its RST was the first closing packet: an
     * injected RST after an endpoint's FIN did not close the connection. */
    if (c->rst_origin == SM_RST_MIDDLEBOX && c->rst_dir == first &&
        sm_flow_end_of(f, first)->rst_ts == (first == SM_DIR_ORIG ? to : tr))
        return SM_BY_MIDDLEBOX;
    return first == SM_DIR_ORIG ? SM_BY_CLIENT : SM_BY_SERVER;
}

static const char *sm_kex_category_words(const char *cat)
{
    if (!cat)
        return "algorithm";
    if (strcmp(cat, "kex") == 0)
        return "key exchange method";
    if (strcmp(cat, "host_key") == 0)
        return "host key type";
    if (strcmp(cat, "mac") == 0)
        return "MAC";
    if (strcmp(cat, "compression") == 0)
        return "compression method";
    return cat;
}

static const char sm_hint_not_ssh_client[] =
        "A client that does not speak SSH connected to the SSH port (a scanner, a health check or "
        "monitoring probe, or a program given the wrong port): check the program at the client "
        "address; sshd itself is fine.";

/* A side spoke another protocol (dissector: a known greeting, or a client
 * whose first line was not an identification line). */
static void sm_classify_not_ssh(const struct sm_flow *f, const struct sm_app_facts *a,
                                struct sm_classification *out, uint16_t port)
{
    int d = a->not_ssh_dir >= 0 && a->not_protocol[a->not_ssh_dir]
                    ? a->not_ssh_dir
                    : (a->not_protocol[SM_DIR_RESP] ? SM_DIR_RESP : SM_DIR_ORIG);
    const char *side = d == SM_DIR_RESP ? "server" : "client";
    bool named =
            d == a->not_ssh_dir && a->other_protocol && strcmp(a->other_protocol, "unknown") != 0;
    out->verdict = SM_V_NOT_SSH;
    out->confidence = 0.9;
    out->closed_by = sm_first_closer(f, out);
    out->not_ssh_dir = d;
    const char *text = d == a->not_ssh_dir ? a->not_ssh_text : NULL;
    const char *reply = d == a->not_ssh_dir ? a->reply_text : NULL;
    int len;
    if (!named && text)
        len = snprintf(out->reason, sizeof(out->reason),
                       "The %s sent \"%.80s\" instead of an SSH identification line on port %u",
                       side, text, port);
    else
        len = snprintf(out->reason, sizeof(out->reason),
                       "The %s spoke %s, not SSH, on port %u%s%.80s%s", side,
                       named ? a->other_protocol : "another protocol", port, text ? " (\"" : "",
                       text ? text : "", text ? "\")" : "");
    if (len > 0 && (size_t)len < sizeof(out->reason))
        snprintf(
                out->reason + len, sizeof(out->reason) - (size_t)len, "%s%.80s%s.",
                reply ? (d == SM_DIR_ORIG ? "; the server answered \"" : "; the client answered \"")
                      : "",
                reply ? reply : "", reply ? "\"" : "");
    if (d == SM_DIR_ORIG) {
        out->hint = sm_hint_not_ssh_client;
        return; /* no OpenSSH client was involved: no symptom */
    }
    /* The OpenSSH client skips a server's non-SSH lines (they may be
     * pre-banner text) until the server closes or it times out; a line
     * with a NUL (binary protocols) it rejects at once. */
    const struct sm_tcp_side *r = &f->side[SM_DIR_RESP];
    bool rst_first = r->rst_seen && out->rst_dir == SM_DIR_RESP && !out->rst_after_fin;
    snprintf(out->symptom, sizeof(out->symptom), "%s",
             a->other_bad_chars && d == a->not_ssh_dir
                     ? "kex_exchange_identification: banner line contains invalid characters"
             : rst_first ? "kex_exchange_identification: read: Connection reset by peer"
             : r->fin_seen || r->rst_seen
                     ? "kex_exchange_identification: Connection closed by remote host"
                     : "Connection timed out during banner exchange");
}

/* Handshake done, no server identification line (yet). Returns false when
 * the connection is still open and nothing can be said. */
static bool sm_classify_before_banner(const struct sm_flow *f, const struct sm_app_facts *a,
                                      int srv, enum sm_closed_by rst_by,
                                      struct sm_classification *out)
{
    const struct sm_tcp_side *sv = &f->side[srv], *cl = &f->side[!srv];
    const struct sm_refusal *refusal = sm_refusal_of(a->prebanner_text);
    if (refusal && (sv->fin_seen || out->rst_dir == srv)) {
        out->refusal_text = refusal->text;
        out->refusal_cause = refusal->cause;
        out->hint = refusal->hint;
    }
    /* What the client saw first decides: a server RST before any FIN of
     * its own (the close found the client's identification line unread),
     * or its FIN, after which a RST only answers late data. */
    if ((out->rst_dir == srv && !out->rst_after_fin) ||
        (out->rst_dir >= 0 && rst_by == SM_BY_MIDDLEBOX)) {
        out->verdict = SM_V_RST_BEFORE_BANNER;
        out->confidence = 0.9;
        out->closed_by = rst_by;
        snprintf(out->reason, sizeof(out->reason),
                 "The TCP handshake completed, then a RST arrived before the server's SSH "
                 "identification line%s%s%s.",
                 a->prebanner_text ? " (after \"" : "", a->prebanner_text ? a->prebanner_text : "",
                 a->prebanner_text ? "\")" : "");
        if (refusal && out->rst_dir == srv)
            snprintf(out->reason, sizeof(out->reason),
                     "sshd refused the connection %s: it sent \"%s\" and reset it before its "
                     "SSH identification line.",
                     refusal->why, refusal->text);
        snprintf(out->symptom, sizeof(out->symptom),
                 "kex_exchange_identification: read: Connection reset by peer");
        return true;
    }
    if (sv->fin_seen) {
        out->verdict = SM_V_CLOSED_BEFORE_BANNER;
        out->confidence = 0.9;
        out->closed_by = SM_BY_SERVER;
        if (refusal)
            snprintf(out->reason, sizeof(out->reason),
                     "sshd refused the connection %s: it sent \"%s\" and closed (FIN) before "
                     "its SSH identification line%s.",
                     refusal->why, refusal->text,
                     out->rst_after_fin ? "; its RST answered the client's late data" : "");
        else if (a->prebanner_text)
            snprintf(out->reason, sizeof(out->reason),
                     "The server closed the connection (FIN) before its SSH identification line, "
                     "after sending \"%s\".",
                     a->prebanner_text);
        else
            snprintf(out->reason, sizeof(out->reason),
                     "The server closed the connection (FIN) before sending any SSH "
                     "identification line.");
        snprintf(out->symptom, sizeof(out->symptom),
                 "kex_exchange_identification: Connection closed by remote host");
        return true;
    }
    if (cl->fin_seen || cl->rst_seen) {
        out->verdict = SM_V_NO_BANNER;
        out->confidence = 0.8;
        out->closed_by = srv == SM_DIR_RESP ? SM_BY_CLIENT : SM_BY_SERVER;
        snprintf(out->reason, sizeof(out->reason),
                 "The server accepted the connection but sent no SSH identification line in "
                 "%.1f s; the client gave up.",
                 (double)((cl->fin_seen ? sm_end(f, cl)->fin_ts : sm_end(f, cl)->rst_ts) -
                          f->first_ts) /
                         1e6);
        snprintf(out->symptom, sizeof(out->symptom), "Connection timed out during banner exchange");
        return true;
    }
    return false;
}

/* The side whose data died: a segment retransmitted and never acknowledged
 * until the end. Three transmissions (two retransmissions, the backoff
 * visible) at least, or two when the connection then ended. Not the side
 * whose own address sent the first RST and that then kept sending (skip):
 * the RST was made for it by a firewall and ended the connection for its
 * peer, whose closed socket no longer acknowledges (it answers with RSTs);
 * the retransmissions are a live socket that does not know it yet (lab
 * host-reset: fail2ban-style REJECT --reject-with tcp-reset on the server
 * host). */
static int sm_dead_side(const struct sm_flow *f, const struct sm_classify_ctx *ctx, bool ended,
                        int skip)
{
    int best = -1;
    uint32_t need = ctx->death_transmissions ? ctx->death_transmissions : 3u;
    for (int d = 0; d < 2; d++) {
        const struct sm_tcp_stall *s = sm_flow_stall(f, d);
        if (d == skip || !s->active || s->count < (ended ? need - 1 : need))
            continue;
        /* The peer's direction not captured: its ACKs cannot be seen. A
         * segment sent only twice before the end is then no death when the
         * sender's own ACKs advanced after its last retransmission: the
         * peer was still sending (a retransmission series with backoff
         * still is one: the path may fail one way only). */
        if (sm_flow_pkts(f, !d) == 0 && s->count < need && f->side[d].ack_known &&
            sm_seq_gt(f->side[d].max_ack, s->ack_at_last))
            continue;
        if (best < 0 || s->count > sm_flow_stall(f, best)->count)
            best = d;
    }
    return best;
}

/* A silence shorter than --idle-min that still counts (tcp_track.c,
 * SM_SHORT_IDLE_SECS), in the reason. */
static const char sm_short_idle_words[] =
        " (below --idle-min, but far longer than the session's earlier pauses)";

static const char sm_hint_keepalive_too_slow[] =
        "Keepalives were on, but the silence still outlasted the middlebox idle timeout: set "
        "ServerAliveInterval (client) or ClientAliveInterval (server) well below that timeout.";

static void sm_state_table_hint(const struct sm_flow *f, struct sm_classification *out)
{
    const struct sm_tcp_side *o = &f->side[SM_DIR_ORIG], *r = &f->side[SM_DIR_RESP];
    if (o->keepalive_like + r->keepalive_like >= 2 || o->tcp_keepalive || r->tcp_keepalive)
        out->hint = sm_hint_keepalive_too_slow;
}

/* Network causes, most specific first: mtu-blackhole, state-table-timeout,
 * retransmission-death. Returns false when none applies. */
static bool sm_classify_network(const struct sm_flow *f, const struct sm_classify_ctx *ctx,
                                struct sm_classification *out, const char *host)
{
    const struct sm_tcp_side *o = &f->side[SM_DIR_ORIG], *r = &f->side[SM_DIR_RESP];
    bool ended = o->fin_seen || r->fin_seen || out->rst_dir >= 0 || ctx->why == SM_END_TIMEOUT;
    int dead = sm_dead_side(f, ctx, ended, out->rst_sender_continued ? out->rst_dir : -1);
    const struct sm_flow_idle idle = sm_flow_idle_of(f);
    /* Traffic resumed after an idle period and was never acknowledged. */
    bool idle_unacked = idle.seen && !idle.acked;
    uint16_t port = f->port[SM_DIR_RESP];

    /* The client's traffic went on from a new source port with the
     * connection's next sequence numbers (flow.c joined the two tuples):
     * a NAT had lost the mapping and made a new one, and the server, which
     * knows no connection on the new port, resets it. The strongest
     * evidence of a forgotten state table there is, whatever the length of
     * the silence (a NAT also evicts mappings that are not idle, under a
     * port scan or when its table is full). */
    const struct sm_flow_rebind *rb = sm_flow_rebind_of(f);
    if (rb) {
        bool reset = r->rst_seen && sm_flow_end_of(f, SM_DIR_RESP)->rst_ts >= rb->ts;
        out->verdict = SM_V_STATE_TABLE_TIMEOUT;
        out->confidence = 0.9;
        out->closed_by = SM_BY_MIDDLEBOX;
        snprintf(out->reason, sizeof(out->reason),
                 "After %.0f s of silence the client's next packet arrived from source port %u "
                 "instead of %u, carrying the connection's next sequence numbers%s: a NAT had "
                 "forgotten the mapping and made a new one.",
                 (double)rb->gap_us / 1e6, rb->new_port, rb->old_port,
                 reset ? ", and the server answered it with a RST" : "");
        /* The RST answers the client's own write: the lab's OpenSSH client
         * (nat-rebind) printed the write's error, not a read's
         * "Connection reset by peer". */
        if (reset)
            snprintf(out->symptom, sizeof(out->symptom),
                     "client_loop: send disconnect: Broken pipe");
        out->hint = "A NAT forgot the idle connection and mapped the client's next packet to a "
                    "new source port, which the server reset: set ServerAliveInterval (client) "
                    "or ClientAliveInterval (server) below the NAT's idle timeout.";
        sm_state_table_hint(f, out);
        return true;
    }

    if (dead >= 0) {
        const struct sm_tcp_stall *s = sm_flow_stall(f, dead);
        double span =
                s->count > 1 ? (double)(s->ts[(s->count < SM_MAX_STALL_TIMES ? s->count
                                                                             : SM_MAX_STALL_TIMES) -
                                              1] -
                                        s->ts[0]) /
                                       1e6
                             : 0.0;
        bool icmp_mtu = sm_flow_icmp_of(f)->count && sm_flow_icmp_of(f)->cls == SM_ICMP_FRAG_NEEDED;
        /* Only large segments vanish: the stalled one is clearly larger (8 %,
         * more than option jitter) than any the peer acknowledged, and the
         * peer still reached us after the stall began (the reverse path
         * works; what it cannot pass is the size). */
        uint32_t max_acked = f->side[dead].max_acked_seg;
        bool too_big = max_acked > 0 && (uint64_t)s->len * 100 >= (uint64_t)max_acked * 108 &&
                       f->side_last_ts[!dead] > s->ts[0];
        if (icmp_mtu || too_big) {
            out->verdict = SM_V_MTU_BLACKHOLE;
            out->confidence = icmp_mtu ? 0.9 : 0.75;
            out->closed_by = SM_BY_NONE;
            snprintf(out->reason, sizeof(out->reason),
                     "A %u-byte segment from the %s was retransmitted %u times and never "
                     "acknowledged, while segments up to %u bytes got through%s.",
                     s->len, dead == SM_DIR_ORIG ? "client" : "server", s->count - 1, max_acked,
                     icmp_mtu ? "; an ICMP fragmentation-needed/packet-too-big quoted the flow"
                              : "");
            snprintf(out->symptom, sizeof(out->symptom),
                     dead == SM_DIR_ORIG ? "client_loop: send disconnect: Broken pipe"
                                         : "Timeout, server %s not responding.",
                     host);
            return true;
        }
        if (idle_unacked && idle.dir == dead && !sm_seq_lt(s->seq, idle.seq)) {
            out->verdict = SM_V_STATE_TABLE_TIMEOUT;
            out->confidence = idle.short_gap ? 0.6 : 0.85;
            sm_state_table_hint(f, out);
            out->closed_by = SM_BY_MIDDLEBOX;
            snprintf(out->reason, sizeof(out->reason),
                     "After %.0f s of silence%s the %s's next packet was retransmitted %u times "
                     "and never acknowledged: a NAT or firewall had forgotten the connection.",
                     (double)idle.gap_us / 1e6, idle.short_gap ? sm_short_idle_words : "",
                     dead == SM_DIR_ORIG ? "client" : "server", s->count - 1);
            snprintf(out->symptom, sizeof(out->symptom),
                     dead == SM_DIR_ORIG ? "client_loop: send disconnect: Broken pipe"
                                         : "Timeout, server %s not responding.",
                     host);
            return true;
        }
        /* The sender was still retransmitting when the capture stopped:
         * the next retransmission was not yet due, and could have been
         * acknowledged. */
        int64_t silence, due;
        if (sm_cut_short(f, ctx, s->tail, 0, &silence, &due)) {
            out->verdict = SM_V_UNFINISHED;
            out->confidence = 0.9;
            snprintf(out->reason, sizeof(out->reason),
                     "The capture ended %.1f s after the last of %u retransmissions of the %s's "
                     "data, before the next one was due (%.1f s after it): the connection was "
                     "still going.",
                     (double)silence / 1e6, s->count - 1, dead == SM_DIR_ORIG ? "client" : "server",
                     (double)due / 1e6);
            return true;
        }
        out->verdict = SM_V_RETRANSMISSION_DEATH;
        out->confidence = s->count >= 4 ? 0.85 : 0.7;
        out->closed_by = SM_BY_NONE;
        snprintf(out->reason, sizeof(out->reason),
                 "Data from the %s was retransmitted %u times over %.1f s with backoff and never "
                 "acknowledged until the connection died.",
                 dead == SM_DIR_ORIG ? "client" : "server", s->count - 1, span);
        snprintf(out->symptom, sizeof(out->symptom),
                 dead == SM_DIR_ORIG ? "client_loop: send disconnect: Broken pipe"
                                     : "Timeout, server %s not responding.",
                 host);
        return true;
    }
    /* Seen from the client: the server acknowledged everything, the
     * client's FIN included, yet its own data stopped and no FIN of its own
     * followed: its send queue is stuck. Its large segments are not
     * arriving (a hole of at least one large segment never filled, or the
     * client's requests answered by bare ACKs only) while its small ACKs
     * are: an MTU black hole toward the client, seen from the far side.
     * (A healthy session answers the client's last requests with data
     * before the client closes, so neither condition holds there.) */
    if (o->fin_seen && !r->fin_seen && !r->rst_seen && !o->rst_seen && r->ack_known &&
        r->max_ack == sm_end(f, o)->fin_seq + 1 &&
        (ctx->network_loss[SM_DIR_RESP] >= 1000 || o->data_since_peer_data >= 3)) {
        out->verdict = SM_V_MTU_BLACKHOLE;
        out->confidence = ctx->network_loss[SM_DIR_RESP] >= 1000 ? 0.6 : 0.5;
        out->closed_by = SM_BY_CLIENT;
        snprintf(out->reason, sizeof(out->reason),
                 "The server acknowledged all the client sent, its FIN included, but its own "
                 "data stopped (%llu bytes missing, %u client requests unanswered) and it never "
                 "closed: its large segments are not getting through.",
                 (unsigned long long)ctx->network_loss[SM_DIR_RESP], o->data_since_peer_data);
        snprintf(out->symptom, sizeof(out->symptom), "Timeout, server %s not responding.", host);
        return true;
    }
    /* A RST after the idle, before anything sent after it got through: the
     * middlebox (or the peer, reached through a new mapping) no longer knew
     * the connection. Not when the acknowledging direction was not
     * captured: "never acknowledged" is then not known. */
    if (idle_unacked && out->rst_dir >= 0 && idle.rst_after[out->rst_dir] &&
        !sm_flow_one_sided(f)) {
        out->verdict = SM_V_STATE_TABLE_TIMEOUT;
        out->confidence =
                (out->rst_origin == SM_RST_MIDDLEBOX ? 0.9 : 0.75) - (idle.short_gap ? 0.2 : 0.0);
        sm_state_table_hint(f, out);
        out->closed_by = out->rst_origin == SM_RST_MIDDLEBOX ? SM_BY_MIDDLEBOX
                         : out->rst_dir == SM_DIR_ORIG       ? SM_BY_CLIENT
                                                             : SM_BY_SERVER;
        snprintf(out->reason, sizeof(out->reason),
                 "After %.0f s of silence%s the first packet drew a RST (%s) instead of an "
                 "acknowledgement: the state table had forgotten the connection.",
                 (double)idle.gap_us / 1e6, idle.short_gap ? sm_short_idle_words : "",
                 sm_rst_origin_name(out->rst_origin));
        snprintf(out->symptom, sizeof(out->symptom), "Connection reset by %s port %u", host, port);
        return true;
    }
    return false;
}

/* A dead peer answering a FIN (issue 22; doc/verdicts.md,
 * retransmission-death, "When events race"). Side x's data went unanswered
 * (retransmitted, and nothing acknowledged from the peer since), then x
 * closed (FIN), and the peer's only answer was a RST: its socket had
 * already died (tcp_retries2, a crash) while its own retransmissions never
 * reached this vantage point, so its kernel no longer knew the connection.
 * An orderly close answered by a RST differs: the peer was talking (x
 * acknowledged its data after its last retransmission), or x's data was
 * never retransmitted. Returns false when the shape does not hold. */
static bool sm_classify_dead_peer(const struct sm_flow *f, struct sm_classification *out,
                                  const char *host)
{
    int y = out->rst_dir;
    if (y < 0 || out->rst_origin == SM_RST_MIDDLEBOX || sm_flow_one_sided(f))
        return false;
    int x = !y;
    const struct sm_tcp_side *xs = &f->side[x], *ys = &f->side[y];
    if (!xs->fin_seen || ys->fin_seen || xs->rst_seen)
        return false;
    const struct sm_tcp_end *xe = sm_flow_end_of(f, x);
    /* The RST came after the FIN, and the peer never acknowledged the FIN
     * (a live socket would have, before any RST). */
    if (sm_flow_end_of(f, y)->rst_ts < xe->fin_ts ||
        (ys->ack_known && sm_seq_gt(ys->max_ack, xe->fin_seq)))
        return false;
    /* x's data was retransmitted, and x acknowledged nothing new from the
     * peer after its last retransmission: the peer's data had stopped
     * (x sent data since the peer's last). */
    const struct sm_tcp_stall *s = sm_flow_stall(f, x);
    if (s->count < 2 || xs->data_since_peer_data == 0 || !xs->ack_known ||
        s->ack_at_last != xs->max_ack)
        return false;
    double silence = (double)(xe->fin_ts - s->ts[0]) / 1e6;
    out->verdict = SM_V_RETRANSMISSION_DEATH;
    out->confidence = s->count >= 4 ? 0.8 : 0.65;
    out->closed_by = SM_BY_NONE;
    out->dead_peer_rst = true;
    snprintf(out->reason, sizeof(out->reason),
             "Data from the %s was retransmitted %u times and went unanswered for %.1f s; its "
             "FIN then drew only a RST: the %s's socket had already died.",
             x == SM_DIR_ORIG ? "client" : "server", s->count - 1, silence,
             y == SM_DIR_ORIG ? "client" : "server");
    /* The dead side is the peer: what its death makes the client print. */
    snprintf(out->symptom, sizeof(out->symptom),
             y == SM_DIR_RESP ? "Timeout, server %s not responding."
                              : "client_loop: send disconnect: Broken pipe",
             host);
    return true;
}

/* The direction the capture lacks, -1 when both were captured: one side
 * sent nothing captured although the other acknowledged its SYN or data
 * (asymmetric routing, a tap or mirror of one direction). */
static int sm_missing_dir(const struct sm_flow *f)
{
    if (!f->established || !sm_flow_one_sided(f))
        return -1;
    return sm_flow_pkts(f, SM_DIR_ORIG) == 0 ? SM_DIR_ORIG : SM_DIR_RESP;
}

/* One direction missing (miss). What the missing side did is read from
 * what the visible side acknowledged and sent; nothing is concluded from
 * the absence of packets the capture could not contain. Decides the
 * verdicts that need the missing side (the key exchange, the banner seen
 * from the client, the close); returns false to let the general rules
 * (reset, unfinished) decide. */
static bool sm_classify_one_sided(const struct sm_flow *f, const struct sm_app_facts *a, int miss,
                                  int srv, struct sm_classification *out, const char *host,
                                  uint16_t port)
{
    int v = !miss;
    const struct sm_tcp_side *vs = &f->side[v], *ms = &f->side[miss];
    const char *vname = v == SM_DIR_ORIG ? "client" : "server";
    const char *mname = v == SM_DIR_ORIG ? "server" : "client";
    bool v_ended = vs->fin_seen || vs->rst_seen;
    /* The visible side acknowledged more than the missing side's SYN and
     * FIN: that side sent data (its identification line at least). */
    bool peer_data = vs->ack_known && ms->isn_known && sm_seq_gt(vs->max_ack, ms->isn + 2u);
    /* A side that sent NEWKEYS had the peer's KEXINIT (and, a client, its
     * KEX reply): the key exchange went that far both ways. */
    if (a->newkeys_seen[v] && out->phase < SM_PHASE_AUTH)
        out->phase = SM_PHASE_AUTH;

    /* The visible side began the key exchange and ended the connection
     * without NEWKEYS (its own packets show it). */
    bool kex_visible = !a->gap[v] && !a->legacy;
    if (a->kexinit_seen[v] && !a->newkeys_seen[v] && kex_visible && v_ended &&
        !(vs->rst_seen && out->rst_origin == SM_RST_MIDDLEBOX)) {
        out->verdict = SM_V_KEX_FAILED;
        out->confidence = a->disconnect_seen ? 0.9 : 0.6;
        out->closed_by = v == SM_DIR_ORIG ? SM_BY_CLIENT : SM_BY_SERVER;
        snprintf(out->reason, sizeof(out->reason),
                 "Only the %s's direction was captured: it sent its KEXINIT%s and closed "
                 "without NEWKEYS, so the key exchange did not complete.",
                 vname, a->disconnect_seen ? " and a DISCONNECT" : "");
        snprintf(out->symptom, sizeof(out->symptom),
                 v == srv ? "Connection closed by %s port %u"
                          : "Unable to negotiate with %s port %u",
                 host, port);
        return true;
    }
    /* Seen from the client only: it acknowledged nothing the server sent
     * (its ACKs never went past the SYN-ACK) and gave up: no banner came. */
    if (v != srv && !peer_data && ms->isn_known && v_ended && !a->ident_seen[miss]) {
        out->verdict = SM_V_NO_BANNER;
        out->confidence = 0.8;
        out->closed_by = v == SM_DIR_ORIG ? SM_BY_CLIENT : SM_BY_SERVER;
        snprintf(out->reason, sizeof(out->reason),
                 "Only the client's direction was captured: it acknowledged no byte from the "
                 "server in %.1f s and gave up, so no SSH identification line came.",
                 (double)((vs->fin_seen ? sm_flow_end_of(f, v)->fin_ts
                                        : sm_flow_end_of(f, v)->rst_ts) -
                          f->first_ts) /
                         1e6);
        snprintf(out->symptom, sizeof(out->symptom), "Connection timed out during banner exchange");
        return true;
    }
    /* An orderly close by FIN. If the visible side's ACK advanced after
     * its FIN, the missing side sent its FIN (or data) later: the visible
     * side closed first. If its last data was never answered (no ACK
     * advance after it), it closed on a silent peer. Otherwise its FIN
     * answered a close it had already acknowledged. */
    if (vs->fin_seen && !(out->rst_dir == v && !out->rst_after_fin)) {
        bool v_first = vs->ack_after_fin || vs->data_unanswered;
        out->verdict = SM_V_NORMAL_CLOSE;
        out->confidence = vs->ack_after_fin ? 0.85 : (v_first ? 0.5 : 0.7);
        out->closed_by = (v_first == (v == SM_DIR_ORIG)) ? SM_BY_CLIENT : SM_BY_SERVER;
        if (vs->ack_after_fin)
            snprintf(out->reason, sizeof(out->reason),
                     "Only the %s's direction was captured: it closed (FIN) and then "
                     "acknowledged the %s's close.",
                     vname, mname);
        else if (v_first)
            snprintf(out->reason, sizeof(out->reason),
                     "Only the %s's direction was captured: it closed (FIN) after data the %s "
                     "never answered, as far as its acknowledgements show.",
                     vname, mname);
        else
            snprintf(out->reason, sizeof(out->reason),
                     "Only the %s's direction was captured: its FIN came after it had "
                     "acknowledged everything the %s sent, answering the %s's close.",
                     vname, mname, mname);
        snprintf(out->symptom, sizeof(out->symptom), "Connection to %s closed.", host);
        return true;
    }
    return false;
}

void sm_classify(const struct sm_flow *f, const struct sm_classify_ctx *ctx,
                 struct sm_classification *out)
{
    const struct sm_tcp_side *o = &f->side[SM_DIR_ORIG], *r = &f->side[SM_DIR_RESP];
    static const struct sm_app_facts none = {
        .auth_success = -1, .auth_attempts = -1, .disconnect_dir = -1, .not_ssh_dir = -1
    };
    const struct sm_app_facts *a = ctx->app ? ctx->app : &none;
    char host[64];

    memset(out, 0, sizeof(*out));
    out->not_ssh_dir = -1;
    out->rst_dir = sm_first_rst(f);
    if (out->rst_dir >= 0)
        out->rst_origin = sm_rst_origin(f, out->rst_dir);
    out->rst_after_fin = out->rst_dir >= 0 && out->rst_origin != SM_RST_MIDDLEBOX &&
                         sm_rst_after_own_fin(f, out->rst_dir);
    out->rst_sender_continued = out->rst_dir >= 0 && f->side[out->rst_dir].talked_after_rst;
    out->rst_from_capture_host = out->rst_dir >= 0 && sm_rst_from_capture_host(f, out->rst_dir);
    sm_host(f, host, sizeof(host));
    uint16_t port = f->port[SM_DIR_RESP];

    if (!f->established) {
        sm_classify_handshake(f, ctx, out, host);
        goto done;
    }

    int srv = a->reversed ? SM_DIR_ORIG : SM_DIR_RESP;
    bool srv_banner = a->ident_seen[srv];
    bool cli_banner = a->ident_seen[!srv];
    /* A capture that began mid-stream may have missed both banners. */
    bool banners_missed = f->midstream && !a->ident_seen[0] && !a->ident_seen[1] &&
                          !a->not_protocol[0] && !a->not_protocol[1];
    /* Bytes the capture lost before the server's banner: its absence
     * proves nothing. */
    if (!srv_banner && a->gap[srv])
        banners_missed = true;
    bool ended = o->fin_seen || r->fin_seen || out->rst_dir >= 0;
    out->phase = sm_phase_of(a, banners_missed);
    enum sm_closed_by rst_by = out->rst_dir == SM_DIR_ORIG ? SM_BY_CLIENT : SM_BY_SERVER;
    if (out->rst_origin == SM_RST_MIDDLEBOX)
        rst_by = SM_BY_MIDDLEBOX;

    if (sm_classify_network(f, ctx, out, host))
        goto done;
    if (sm_classify_dead_peer(f, out, host))
        goto done;
    if (a->not_protocol[0] || a->not_protocol[1]) {
        sm_classify_not_ssh(f, a, out, port);
        goto done;
    }
    int miss = sm_missing_dir(f);
    if (miss >= 0 && sm_classify_one_sided(f, a, miss, srv, out, host, port))
        goto done;
    /* The server's direction not captured: its banner's absence proves
     * nothing. */
    if (!srv_banner && !banners_missed && miss != srv) {
        if (sm_classify_before_banner(f, a, srv, rst_by, out))
            goto done;
    }
    /* The key exchange finished only if both sides sent NEWKEYS. With
     * bytes missing from a direction its NEWKEYS may have gone unseen, so
     * only a direction read in step to its end (no gap) and without
     * NEWKEYS proves it did not finish, whatever the other direction's
     * lost bytes hid (Dropbear's cut first segment, doc/lab.md). */
    bool kex_unfinished =
            !a->legacy && /* SSH-1 has no NEWKEYS */
            ((!a->gap[0] && !a->newkeys_seen[0]) || (!a->gap[1] && !a->newkeys_seen[1]));
    /* A key exchange that failed must have begun: a KEXINIT from at least
     * one side. Without one the connection ended in the banner phase, and
     * the rules below say how. */
    bool kex_begun = a->kexinit_seen[0] || a->kexinit_seen[1];
    if (srv_banner && cli_banner && kex_begun && kex_unfinished && ended &&
        rst_by != SM_BY_MIDDLEBOX) {
        out->verdict = SM_V_KEX_FAILED;
        out->confidence = a->kex_no_common || a->disconnect_seen ? 0.95 : 0.75;
        out->closed_by = a->disconnect_seen
                                 ? ((a->disconnect_dir == srv) ? SM_BY_SERVER : SM_BY_CLIENT)
                                 : sm_first_closer(f, out);
        if (a->kex_no_common) {
            snprintf(out->reason, sizeof(out->reason),
                     "Both identification lines were exchanged but client and server share no "
                     "%s.",
                     sm_kex_category_words(a->kex_no_common_category));
            snprintf(out->symptom, sizeof(out->symptom),
                     "Unable to negotiate with %s port %u: no matching %s found", host, port,
                     sm_kex_category_words(a->kex_no_common_category));
        } else {
            snprintf(out->reason, sizeof(out->reason),
                     "The %s ended the connection during the key exchange%s.",
                     out->closed_by == SM_BY_CLIENT   ? "client"
                     : out->closed_by == SM_BY_SERVER ? "server"
                                                      : "network",
                     a->disconnect_seen ? " after a DISCONNECT message" : "");
            /* The symptom blames the side that closed (issue 22 item 10):
             * "Connection closed by" is what the OpenSSH client prints when
             * the server closed; a client that closed during the key
             * exchange decided to, and printed its own reason, most often
             * the negotiation failure (the lab's kex-mismatch, whose
             * KEXINITs the snaplen cut: "Unable to negotiate with H port P:
             * no matching key exchange method found. ..."). */
            if (out->closed_by == SM_BY_CLIENT)
                snprintf(out->symptom, sizeof(out->symptom), "Unable to negotiate with %s port %u",
                         host, port);
            else
                snprintf(out->symptom, sizeof(out->symptom), "Connection closed by %s port %u",
                         host, port);
        }
        goto done;
    }

    if (out->rst_dir >= 0 && !out->rst_after_fin && !(o->fin_seen && r->fin_seen)) {
        /* A RST answering the other side's FIN is an abortive but orderly end;
         * one answering data that came after the sender's own FIN is its
         * closed socket (rst_after_fin): the FIN ended the connection. */
        const struct sm_tcp_side *other = &f->side[!out->rst_dir];
        if (!(other->fin_seen &&
              sm_end(f, other)->fin_ts <= sm_flow_end_of(f, out->rst_dir)->rst_ts)) {
            out->verdict = SM_V_RESET;
            out->confidence = 0.85;
            out->closed_by = rst_by;
            const char *side = out->rst_dir == SM_DIR_ORIG ? "client" : "server";
            const struct sm_tcp_side *rs = &f->side[out->rst_dir];
            unsigned rst_ttl = sm_flow_end_of(f, out->rst_dir)->rst_ttl;
            if (out->rst_from_capture_host)
                snprintf(out->reason, sizeof(out->reason),
                         "The established connection was reset by the %s side (middlebox: the "
                         "capturing host itself sent the RST in the %s's name, while the %s's "
                         "own packets arrive from outside).",
                         side, side, side);
            else if (out->rst_origin == SM_RST_MIDDLEBOX)
                /* Where the injector sits (issue 22, a reset from other
                 * hop distances): its TTL against the side's own. */
                snprintf(out->reason, sizeof(out->reason),
                         "The established connection was reset by the %s side (middlebox: its "
                         "TTL %u puts its sender %u router%s from this capture point, the "
                         "%s's own packets %u).",
                         side, rst_ttl, sm_ttl_hops(rst_ttl), sm_ttl_hops(rst_ttl) == 1 ? "" : "s",
                         side, sm_ttl_hops(rs->ttl_last));
            else if (out->rst_origin == SM_RST_ENDPOINT && out->rst_sender_continued)
                snprintf(out->reason, sizeof(out->reason),
                         "The established connection was reset by the %s side (its host's "
                         "firewall: the RST had the %s's TTL, but the %s's TCP kept sending "
                         "after it).",
                         side, side, side);
            else
                snprintf(out->reason, sizeof(out->reason),
                         "The established connection was reset by the %s side (%s).", side,
                         sm_rst_origin_name(out->rst_origin));
            if (out->rst_dir == SM_DIR_RESP)
                snprintf(out->symptom, sizeof(out->symptom), "Connection reset by %s port %u", host,
                         port);
            /* The hint follows the RST's origin (issue 19 item 4). */
            if (out->rst_from_capture_host)
                out->hint = "The host this capture ran on (a router or firewall) made the RST "
                            "itself: check its own rules for REJECT --reject-with tcp-reset "
                            "(iptables -L -v -n, nft list ruleset) and its conntrack state, not "
                            "the endpoints.";
            else if (out->rst_origin == SM_RST_MIDDLEBOX)
                out->hint = "A middlebox (firewall, IPS, load balancer, NAT) injected the RST: its "
                            "TTL or IP ID differ from that side's own packets. Check that "
                            "device's session and threat logs, not the endpoints.";
            else if (out->rst_origin == SM_RST_ENDPOINT && out->rst_sender_continued &&
                     out->rst_dir == SM_DIR_RESP)
                out->hint = "The server host's own firewall reset the connection while sshd's "
                            "session lived on: look for a REJECT --reject-with tcp-reset rule "
                            "matching the client (iptables -L -v -n, nft list ruleset, "
                            "fail2ban-client status sshd). At a router's own capture: the "
                            "router's rules.";
            else if (out->rst_origin == SM_RST_ENDPOINT && out->rst_sender_continued)
                out->hint = "The client host's own firewall reset the connection while its ssh "
                            "lived on: look for a REJECT --reject-with tcp-reset rule there "
                            "(iptables -L -v -n, nft list ruleset). At a router's own capture: "
                            "the router's rules.";
            else if (out->rst_origin == SM_RST_ENDPOINT && out->rst_dir == SM_DIR_RESP)
                out->hint = "The server host itself reset the connection: check sshd's log "
                            "(journalctl -u ssh) at that time for a killed session process, a "
                            "restart or an out-of-memory kill.";
            else if (out->rst_origin == SM_RST_ENDPOINT)
                out->hint = "The client host itself reset the connection: its ssh process was "
                            "killed or its host dropped the connection; look on the client.";
            goto done;
        }
    }
    if (o->fin_seen || r->fin_seen) {
        if ((o->fin_seen && r->fin_seen) || out->rst_dir >= 0) {
            out->verdict = SM_V_NORMAL_CLOSE;
            out->confidence = 0.9;
            bool cli_first =
                    o->fin_seen && (!r->fin_seen || sm_end(f, o)->fin_ts <= sm_end(f, r)->fin_ts);
            out->closed_by = cli_first ? SM_BY_CLIENT : SM_BY_SERVER;
            snprintf(out->reason, sizeof(out->reason),
                     "The %s closed the connection in order (FIN), and the other side followed.",
                     cli_first ? "client" : "server");
            /* An orderly close after authentication failed (as inferred
             * from encrypted sizes) is what the OpenSSH client prints as
             * "user@host: Permission denied (methods)."; the methods the
             * server offered are encrypted, hence the ellipsis. */
            if (ctx->app && ctx->app->auth_success == 0)
                snprintf(out->symptom, sizeof(out->symptom), "%s: Permission denied (...).", host);
            else
                snprintf(out->symptom, sizeof(out->symptom), "Connection to %s closed.", host);
            goto done;
        }
    }
    out->verdict = SM_V_UNFINISHED;
    out->confidence = 0.9;
    snprintf(out->reason, sizeof(out->reason), "The connection was still open when %s.",
             ctx->why == SM_END_EVICTED      ? "it was evicted from the full flow table"
             : ctx->why == SM_END_SUPERSEDED ? "a new SYN took over its ports"
                                             : "the capture ended");
done:
    if (f->superseded && out->verdict != SM_V_UNFINISHED && out->verdict != SM_V_SILENT_DROP &&
        out->verdict != SM_V_HANDSHAKE_INCOMPLETE) {
        /* SPEC.md: an open connection replaced by a new SYN is unfinished. */
        out->verdict = SM_V_UNFINISHED;
        out->confidence = 0.8;
        snprintf(out->reason, sizeof(out->reason),
                 "The connection was still open when a new SYN took over its ports.");
        out->symptom[0] = '\0';
    }
    if (out->verdict == SM_V_UNFINISHED)
        out->closed_by = SM_BY_NONE;
    if (!out->hint || out->verdict == SM_V_UNFINISHED)
        out->hint = sm_hints[out->verdict];
    sm_classify_nflog(f, out);
    sm_classify_ct(f, ctx, out);
    sm_classify_ct_handshake(f, out);
    sm_classify_ct_full(f, ctx, out);
    out->confidence = sm_clamp_confidence(f, ctx, out, out->confidence);
}

void sm_classify_silences(const struct sm_flow *f, const struct sm_classification *c,
                          int64_t *survived_us, int64_t *fatal_us)
{
    *survived_us = 0;
    *fatal_us = 0;
    /* A silence measured on one direction only is not a silence of the
     * path: the other direction may have spoken unseen. */
    if (!f->established || sm_flow_one_sided(f))
        return;
    const struct sm_flow_idle idle = sm_flow_idle_of(f);
    if (c->verdict == SM_V_STATE_TABLE_TIMEOUT) {
        const struct sm_flow_rebind *rb = sm_flow_rebind_of(f);
        *fatal_us = rb ? rb->gap_us : idle.gap_us;
        return;
    }
    /* Survived: what was sent after the idle period got through, or the
     * connection closed in order after its longest silence (gap_us is that
     * silence until an idle period is seen, then the idle period). */
    if (idle.seen ? idle.acked : c->verdict == SM_V_NORMAL_CLOSE)
        *survived_us = f->gap_us;
}

void sm_classify_cite_idle(const struct sm_flow *f, struct sm_classification *c,
                           const struct sm_idle_interval *iv)
{
    if (c->verdict != SM_V_STATE_TABLE_TIMEOUT || !iv || iv->hi_us <= 0)
        return;
    c->path_idle = *iv;
    if (c->ct_confirmed)
        return; /* this host's conntrack said it outright: its hint stays */
    /* Another connection on the path died after a silence as long, and
     * one survived a shorter one: a short silence is less of a guess
     * (0.6 -> 0.75 for the silent variant). */
    if (sm_flow_idle_of(f).short_gap) {
        c->confidence *= 1.25;
        if (c->confidence > 1.0)
            c->confidence = 1.0;
    }
    /* ServerAliveInterval is whole seconds: below the survived silence
     * is safe, whatever the timeout within the interval. */
    snprintf(c->hint_text, sizeof(c->hint_text),
             "The path drops idle TCP after %lld to %lld s (%u connections %s died after such "
             "a silence, %u survived a shorter one): set ServerAliveInterval (client) or "
             "ClientAliveInterval (server) below %lld.",
             (long long)(iv->lo_us / 1000000), (long long)((iv->hi_us + 999999) / 1000000),
             iv->fatal,
             iv->scope == SM_IDLE_SCOPE_SERVER ? "to this server" : "from this client network",
             iv->survived, (long long)(iv->lo_us / 1000000));
}
