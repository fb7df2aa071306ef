/* SPDX-License-Identifier: MIT */
/* summary: the teardown classifier. Network causes win over protocol causes,
 * which win over orderly ones (SPEC.md "Verdicts"). Until the SSH dissector
 * reports banners, "banner seen" means the stream began with "SSH-". */
#include "config.h"
#include "classify.h"

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

bool sm_side_sent_ssh_banner(const struct sm_tcp_side *s)
{
    return s->first_payload_len >= 4 && memcmp(s->first_payload, "SSH-", 4) == 0;
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

/* A RST from a side whose TTL / hop limit differs from that side's earlier
 * packets was not sent by the endpoint's stack (RST injection, firewall). */
static enum sm_rst_origin sm_rst_origin(const struct sm_tcp_side *s)
{
    if (!s->rst_count)
        return SM_RST_NONE;
    if (!s->ttl_known)
        return SM_RST_UNKNOWN;
    return s->rst_ttl == s->ttl_last ? SM_RST_ENDPOINT : SM_RST_MIDDLEBOX;
}

/* Which side reset first; -1 if none. */
static int sm_first_rst(const struct sm_flow *f)
{
    const struct sm_tcp_side *o = &f->side[SM_DIR_ORIG], *r = &f->side[SM_DIR_RESP];
    if (o->rst_count && (!r->rst_count || o->rst_ts <= r->rst_ts))
        return SM_DIR_ORIG;
    if (r->rst_count)
        return SM_DIR_RESP;
    return -1;
}

static double sm_clamp_confidence(const struct sm_flow *f, double c)
{
    if (f->midstream)
        c *= 0.7;
    if (f->truncated)
        c *= 0.9;
    if (f->side[0].pkts == 0 || f->side[1].pkts == 0)
        c *= f->established ? 0.6 : 1.0;
    return c < 0.05 ? 0.05 : (c > 1.0 ? 1.0 : c);
}

/* Before the handshake completed. */
static void sm_classify_handshake(const struct sm_flow *f, const struct sm_classify_ctx *ctx,
                                  struct sm_classification *out, const char *host)
{
    const struct sm_tcp_side *o = &f->side[SM_DIR_ORIG], *r = &f->side[SM_DIR_RESP];
    uint16_t port = f->port[SM_DIR_RESP];
    double span = o->syn_count > 1 ? (double)(o->last_ts - o->first_ts) / 1e6 : 0.0;

    out->phase = SM_PHASE_TCP_HANDSHAKE;
    if (f->icmp.count && f->icmp.cls != SM_ICMP_FRAG_NEEDED && !f->synack_ts) {
        char rep[64];
        sm_addr_format(&f->icmp.reporter, f->ip_version, rep, sizeof(rep));
        bool v6 = f->ip_version == 6;
        bool port_unreach = v6 ? (f->icmp.type == 1 && f->icmp.code == 4)
                               : (f->icmp.type == 3 && f->icmp.code == 3);
        bool net_unreach = v6 ? (f->icmp.type == 1 && f->icmp.code == 0)
                              : (f->icmp.type == 3 && (f->icmp.code == 0 || f->icmp.code == 6));
        out->verdict = SM_V_REJECTED_ICMP;
        out->confidence = 0.95;
        out->closed_by = SM_BY_MIDDLEBOX;
        snprintf(out->reason, sizeof(out->reason),
                 "The SYN was rejected by an ICMP%s type %u code %u error from %s.", v6 ? "v6" : "",
                 f->icmp.type, f->icmp.code, rep);
        snprintf(out->symptom, sizeof(out->symptom), "ssh: connect to host %s port %u: %s", host,
                 port,
                 port_unreach  ? "Connection refused"
                 : net_unreach ? "Network is unreachable"
                               : "No route to host");
        return;
    }
    if (r->rst_count && !f->synack_ts) {
        out->verdict = SM_V_REFUSED;
        out->confidence = o->syn_count ? 0.95 : 0.6;
        out->closed_by = SM_BY_SERVER;
        snprintf(out->reason, sizeof(out->reason),
                 "The SYN was answered by a RST: nothing accepted connections on port %u.", port);
        snprintf(out->symptom, sizeof(out->symptom),
                 "ssh: connect to host %s port %u: Connection refused", host, port);
        return;
    }
    if (o->syn_count && !f->synack_ts && !r->pkts) {
        bool young = ctx->why == SM_END_CAPTURE_END && o->syn_count == 1 &&
                     ctx->now_us - o->first_ts < SM_INITIAL_RTO_USECS;
        if (young) {
            out->verdict = SM_V_UNFINISHED;
            out->confidence = 0.9;
            snprintf(out->reason, sizeof(out->reason),
                     "The capture ended less than one initial RTO after the only SYN.");
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
    if (f->synack_ts) {
        out->verdict = SM_V_HANDSHAKE_INCOMPLETE;
        out->confidence = 0.85;
        out->closed_by = r->rst_count ? SM_BY_SERVER : SM_BY_NONE;
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

void sm_classify(const struct sm_flow *f, const struct sm_classify_ctx *ctx,
                 struct sm_classification *out)
{
    const struct sm_tcp_side *o = &f->side[SM_DIR_ORIG], *r = &f->side[SM_DIR_RESP];
    char host[64];

    memset(out, 0, sizeof(*out));
    out->rst_dir = sm_first_rst(f);
    if (out->rst_dir >= 0)
        out->rst_origin = sm_rst_origin(&f->side[out->rst_dir]);
    sm_host(f, host, sizeof(host));
    uint16_t port = f->port[SM_DIR_RESP];

    if (!f->established) {
        sm_classify_handshake(f, ctx, out, host);
        goto done;
    }

    bool srv_banner = sm_side_sent_ssh_banner(r);
    bool cli_banner = sm_side_sent_ssh_banner(o);
    /* A mid-stream capture may have missed the banners: assume they passed. */
    bool banner_unknown = f->midstream || !r->isn_known;
    out->phase = (srv_banner && cli_banner) || banner_unknown ? SM_PHASE_KEX : SM_PHASE_BANNER;
    enum sm_closed_by rst_by = out->rst_dir == SM_DIR_ORIG ? SM_BY_CLIENT : SM_BY_SERVER;
    if (out->rst_origin == SM_RST_MIDDLEBOX)
        rst_by = SM_BY_MIDDLEBOX;

    if (!srv_banner && !banner_unknown) {
        if (out->rst_dir == SM_DIR_RESP || (out->rst_dir >= 0 && rst_by == SM_BY_MIDDLEBOX)) {
            out->verdict = SM_V_RST_BEFORE_BANNER;
            out->confidence = 0.9;
            out->closed_by = rst_by;
            snprintf(out->reason, sizeof(out->reason),
                     "The TCP handshake completed, then a RST arrived before the server's SSH "
                     "identification line.");
            snprintf(out->symptom, sizeof(out->symptom),
                     "kex_exchange_identification: read: Connection reset by peer");
            goto done;
        }
        if (r->fin_count) {
            out->verdict = SM_V_CLOSED_BEFORE_BANNER;
            out->confidence = 0.9;
            out->closed_by = SM_BY_SERVER;
            snprintf(out->reason, sizeof(out->reason),
                     "The server closed the connection (FIN) after %llu byte%s and before any SSH "
                     "identification line.",
                     (unsigned long long)r->payload_bytes, r->payload_bytes == 1 ? "" : "s");
            snprintf(out->symptom, sizeof(out->symptom),
                     "kex_exchange_identification: Connection closed by remote host");
            goto done;
        }
        if (o->fin_count || o->rst_count) {
            out->verdict = SM_V_NO_BANNER;
            out->confidence = 0.8;
            out->closed_by = SM_BY_CLIENT;
            snprintf(out->reason, sizeof(out->reason),
                     "The server accepted the connection but sent no SSH identification line "
                     "in %.1f s; the client gave up.",
                     (double)(f->last_ts - f->first_ts) / 1e6);
            snprintf(out->symptom, sizeof(out->symptom),
                     "Connection timed out during banner exchange");
            goto done;
        }
    }

    if (out->rst_dir >= 0 && !(o->fin_count && r->fin_count)) {
        /* A RST answering the other side's FIN is an abortive but orderly end. */
        const struct sm_tcp_side *other = &f->side[!out->rst_dir];
        if (!(other->fin_count && other->fin_ts <= f->side[out->rst_dir].rst_ts)) {
            out->verdict = SM_V_RESET;
            out->confidence = 0.85;
            out->closed_by = rst_by;
            snprintf(out->reason, sizeof(out->reason),
                     "The established connection was reset by the %s (%s).",
                     out->rst_dir == SM_DIR_ORIG ? "client side" : "server side",
                     sm_rst_origin_name(out->rst_origin));
            if (out->rst_dir == SM_DIR_RESP)
                snprintf(out->symptom, sizeof(out->symptom), "Connection reset by %s port %u", host,
                         port);
            goto done;
        }
    }
    if (o->fin_count || r->fin_count) {
        if ((o->fin_count && r->fin_count) || out->rst_dir >= 0) {
            out->verdict = SM_V_NORMAL_CLOSE;
            out->confidence = 0.9;
            bool cli_first = o->fin_count && (!r->fin_count || o->fin_ts <= r->fin_ts);
            out->closed_by = cli_first ? SM_BY_CLIENT : SM_BY_SERVER;
            snprintf(out->reason, sizeof(out->reason),
                     "The %s closed the connection in order (FIN), and the other side followed.",
                     cli_first ? "client" : "server");
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
    out->hint = sm_hints[out->verdict];
    out->confidence = sm_clamp_confidence(f, out->confidence);
}
