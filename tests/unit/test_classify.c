/* SPDX-License-Identifier: MIT */
/* summary: unit tests of the teardown classifier as a table of rows: flow
 * and dissector facts built by hand -> expected verdict, closed_by, phase
 * and symptom (SPEC.md "Verdicts"); then confidence bounds and names. */
#include "config.h"

#include <string.h>

#include "classify.h"
#include "conntrack.h"
#include "intern.h"
#include "unit.h"

#define SEC 1000000LL
#define MS  1000LL
#define T0  (1000 * SEC)

/* --- flow builders -------------------------------------------------------- */

/* The rare block of the flow being built: the classifier only reads it, so
 * one static block serves every row. */
static struct sm_flow_rare sm_t_rare_block;

/* Likewise the end evidence of both sides. */
static struct sm_tcp_end sm_t_end_block[2];

/* And the aux block that points to them. */
static struct sm_flow_aux sm_t_aux_block;

static struct sm_flow_aux *sm_t_aux(struct sm_flow *f)
{
    if (!f->aux) {
        memset(&sm_t_aux_block, 0, sizeof(sm_t_aux_block));
        f->aux = &sm_t_aux_block;
    }
    return f->aux;
}

static struct sm_tcp_end *sm_t_end(struct sm_flow *f, int d)
{
    struct sm_flow_aux *a = sm_t_aux(f);
    if (!a->end) {
        memset(sm_t_end_block, 0, sizeof(sm_t_end_block));
        a->end = sm_t_end_block;
    }
    return &a->end[d];
}

static struct sm_flow_rare *sm_t_rare(struct sm_flow *f)
{
    struct sm_flow_aux *a = sm_t_aux(f);
    if (!a->rare) {
        memset(&sm_t_rare_block, 0, sizeof(sm_t_rare_block));
        a->rare = &sm_t_rare_block;
    }
    return a->rare;
}

static void sm_t_base(struct sm_flow *f, uint8_t ipv)
{
    memset(f, 0, sizeof(*f));
    f->id = 1;
    f->ip_version = ipv;
    if (ipv == 4) {
        const uint8_t c[4] = { 198, 51, 100, 2 }, s[4] = { 203, 0, 113, 2 };
        memcpy(f->addr[SM_DIR_ORIG].b, c, 4);
        memcpy(f->addr[SM_DIR_RESP].b, s, 4);
    } else {
        const uint8_t c[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };
        const uint8_t s[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2 };
        memcpy(f->addr[SM_DIR_ORIG].b, c, 16);
        memcpy(f->addr[SM_DIR_RESP].b, s, 16);
    }
    f->port[SM_DIR_ORIG] = 50000;
    f->port[SM_DIR_RESP] = 22;
    f->side[0].wscale = f->side[1].wscale = -1;
    f->first_ts = f->last_ts = T0;
}

/* One packet from side d at ts, with TTL 64 unless a RST says otherwise. */
static void sm_t_pkt(struct sm_flow *f, int d, int64_t ts)
{
    struct sm_tcp_side *s = &f->side[d];
    s->pkts_lo++;
    s->bytes_lo += 60;
    if (d == SM_DIR_ORIG && !sm_flow_time(f, SM_TIME_ORIG_FIRST)) {
        CU_ASSERT_TRUE(sm_flow_time_fits(f, SM_TIME_ORIG_FIRST, ts));
    }
    f->side_last_ts[d] = ts;
    if (ts > f->last_ts)
        f->last_ts = ts;
    s->ttl_known = true;
    s->ttl_first = s->ttl_last = 64;
}

static void sm_t_syns(struct sm_flow *f, unsigned n)
{
    static const int64_t at[] = { 0, 1 * SEC, 3 * SEC, 7 * SEC };
    struct sm_tcp_side *o = &f->side[SM_DIR_ORIG];
    for (unsigned i = 0; i < n; i++) {
        sm_t_pkt(f, SM_DIR_ORIG, T0 + at[i]);
        if (i == 0) {
            CU_ASSERT_TRUE(sm_flow_time_fits(f, SM_TIME_SYN0, T0 + at[i]));
        } else {
            sm_t_rare(f)->syn_ts[i] = T0 + at[i];
        }
    }
    o->syn_count = n;
    o->isn = 1000;
    o->isn_known = true;
    o->seq_known = true;
    o->next_seq = 1001;
}

static void sm_t_synack(struct sm_flow *f, unsigned n)
{
    struct sm_tcp_side *r = &f->side[SM_DIR_RESP];
    for (unsigned i = 0; i < n; i++)
        sm_t_pkt(f, SM_DIR_RESP, T0 + 10 * MS + (int64_t)i * SEC);
    r->syn_count = n;
    r->isn = 5000;
    r->isn_known = true;
    r->seq_known = true;
    r->next_seq = 5001;
    CU_ASSERT_TRUE(sm_flow_time_fits(f, SM_TIME_SYNACK, T0 + 10 * MS));
    f->hs_syn_n = 1; /* the first SYN (T0) */
}

static void sm_t_established(struct sm_flow *f)
{
    sm_t_syns(f, 1);
    sm_t_synack(f, 1);
    sm_t_pkt(f, SM_DIR_ORIG, T0 + 11 * MS);
    CU_ASSERT_TRUE(sm_flow_time_fits(f, SM_TIME_HS_ACK, T0 + 11 * MS));
    f->established = true;
}

/* The first bytes side d sent, from the start of its stream (the text
 * itself reaches the classifier through the dissector's facts). */
static void sm_t_payload(struct sm_flow *f, int d, const char *text, int64_t ts)
{
    struct sm_tcp_side *s = &f->side[d];
    sm_t_pkt(f, d, ts);
    s->payload_lo += (uint32_t)strlen(text);
}

/* What a dissector that saw nothing reports. */
static void sm_t_app(struct sm_app_facts *a)
{
    memset(a, 0, sizeof(*a));
    a->dissected = true;
    a->auth_success = -1;
    a->disconnect_dir = -1;
    a->not_ssh_dir = -1;
}

/* Both identification lines on the wire and in the dissector's facts. */
static void sm_t_banners(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_payload(f, SM_DIR_RESP, "SSH-2.0-OpenSSH_9.2p1\r\n", T0 + 20 * MS);
    sm_t_payload(f, SM_DIR_ORIG, "SSH-2.0-OpenSSH_9.2p1\r\n", T0 + 21 * MS);
    a->ident_seen[0] = a->ident_seen[1] = true;
    a->phase = SM_APP_BANNER;
}

/* A complete key exchange and an authenticated session. */
static void sm_t_session(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_banners(f, a);
    a->kexinit_seen[0] = a->kexinit_seen[1] = true;
    a->newkeys_seen[0] = a->newkeys_seen[1] = true;
    a->phase = SM_APP_SESSION;
    a->auth_success = 1;
}

static void sm_t_fin(struct sm_flow *f, int d, int64_t ts)
{
    sm_t_pkt(f, d, ts);
    f->side[d].fin_seen = true;
    sm_t_end(f, d)->fin_ts = ts;
    if (f->side[0].fin_seen && f->side[1].fin_seen)
        f->ended = true;
}

static void sm_t_rst(struct sm_flow *f, int d, int64_t ts, uint8_t ttl)
{
    struct sm_tcp_side *s = &f->side[d];
    s->pkts_lo++;
    f->side_last_ts[d] = ts;
    if (d == SM_DIR_ORIG && !sm_flow_time(f, SM_TIME_ORIG_FIRST)) {
        CU_ASSERT_TRUE(sm_flow_time_fits(f, SM_TIME_ORIG_FIRST, ts));
    }
    f->last_ts = ts;
    s->rst_seen = true;
    sm_t_end(f, d)->rst_count++;
    sm_t_end(f, d)->rst_ts = ts;
    sm_t_end(f, d)->rst_ttl = ttl;
    f->ended = true;
}

static void sm_t_icmp(struct sm_flow *f, uint8_t type, uint8_t code)
{
    struct sm_flow_icmp *icmp = &sm_t_rare(f)->icmp;
    icmp->count = 1;
    icmp->type = type;
    icmp->code = code;
    icmp->cls = SM_ICMP_UNREACH;
    icmp->quoted_dir = SM_DIR_ORIG;
    icmp->quoted_syn = true;
    icmp->ts = T0 + 5 * MS;
    icmp->reporter.b[0] = 192;
    icmp->reporter.b[3] = 1;
    if (f->ip_version == 6) {
        memset(icmp->reporter.b, 0, 16);
        icmp->reporter.b[0] = 0x20;
        icmp->reporter.b[1] = 0x01;
        icmp->reporter.b[15] = 1;
    }
}

/* --- the rows ----------------------------------------------------------- */

static void row_refused(struct sm_flow *f, struct sm_app_facts *a)
{
    (void)a;
    sm_t_base(f, 4);
    sm_t_syns(f, 1);
    sm_t_rst(f, SM_DIR_RESP, T0 + 1 * MS, 64);
}

static void row_rejected_port_unreach(struct sm_flow *f, struct sm_app_facts *a)
{
    (void)a;
    sm_t_base(f, 4);
    sm_t_syns(f, 1);
    sm_t_icmp(f, 3, 3);
}

static void row_rejected_admin_prohibited(struct sm_flow *f, struct sm_app_facts *a)
{
    (void)a;
    sm_t_base(f, 4);
    sm_t_syns(f, 1);
    sm_t_icmp(f, 3, 13);
}

static void row_rejected_net_unreach(struct sm_flow *f, struct sm_app_facts *a)
{
    (void)a;
    sm_t_base(f, 4);
    sm_t_syns(f, 1);
    sm_t_icmp(f, 3, 0);
}

static void row_rejected6_port_unreach(struct sm_flow *f, struct sm_app_facts *a)
{
    (void)a;
    sm_t_base(f, 6);
    sm_t_syns(f, 1);
    sm_t_icmp(f, 1, 4);
}

static void row_rejected6_admin_prohibited(struct sm_flow *f, struct sm_app_facts *a)
{
    (void)a;
    sm_t_base(f, 6);
    sm_t_syns(f, 1);
    sm_t_icmp(f, 1, 1);
}

static void row_silent_drop_3syns(struct sm_flow *f, struct sm_app_facts *a)
{
    (void)a;
    sm_t_base(f, 4);
    sm_t_syns(f, 3);
}

static void row_lone_syn(struct sm_flow *f, struct sm_app_facts *a)
{
    (void)a;
    sm_t_base(f, 4);
    sm_t_syns(f, 1);
}

static void row_handshake_incomplete(struct sm_flow *f, struct sm_app_facts *a)
{
    (void)a;
    sm_t_base(f, 4);
    sm_t_syns(f, 1);
    sm_t_synack(f, 3);
}

static void row_rst_before_banner(struct sm_flow *f, struct sm_app_facts *a)
{
    (void)a;
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_rst(f, SM_DIR_RESP, T0 + 15 * MS, 64);
}

static void row_rst_before_banner_injected(struct sm_flow *f, struct sm_app_facts *a)
{
    /* A RST claiming to be the client, with another TTL: a middlebox. */
    (void)a;
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_rst(f, SM_DIR_ORIG, T0 + 15 * MS, 250);
}

static void row_closed_before_banner(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_payload(f, SM_DIR_RESP, "Exceeded MaxStartups\r\n", T0 + 12 * MS);
    sm_t_fin(f, SM_DIR_RESP, T0 + 13 * MS);
    a->prebanner_seen = true;
    a->prebanner_text = "Exceeded MaxStartups";
    a->phase = SM_APP_BANNER;
}

static void row_no_banner(struct sm_flow *f, struct sm_app_facts *a)
{
    (void)a;
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_fin(f, SM_DIR_ORIG, T0 + 120 * SEC);
}

static void row_not_ssh(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_payload(f, SM_DIR_RESP, "HTTP/1.1 400 Bad Request\r\n", T0 + 20 * MS);
    sm_t_fin(f, SM_DIR_RESP, T0 + 21 * MS);
    sm_t_fin(f, SM_DIR_ORIG, T0 + 22 * MS);
    a->not_protocol[SM_APP_RESP] = true;
    a->other_protocol = "http";
    a->not_ssh_dir = SM_APP_RESP;
}

/* A MySQL server on the port (lab not-ssh-mysql): its greeting holds a NUL,
 * which the OpenSSH client rejects at once; then the server resets. */
static void row_not_ssh_binary_reset(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_payload(f, SM_DIR_RESP,
                 "J\x00\x00\x00\x0a"
                 "8.0.36",
                 T0 + 20 * MS);
    sm_t_payload(f, SM_DIR_ORIG, "SSH-2.0-OpenSSH_9.2p1\r\n", T0 + 21 * MS);
    sm_t_rst(f, SM_DIR_RESP, T0 + 22 * MS, 64);
    a->not_protocol[SM_APP_RESP] = true;
    a->other_protocol = "mysql";
    a->not_ssh_dir = SM_APP_RESP;
    a->other_bad_chars = true;
}

/* A POP3 greeting, then the server stays open (lab not-ssh-pop3): the
 * client gives up after ConnectTimeout. */
static void row_not_ssh_stays_open(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_payload(f, SM_DIR_RESP, "+OK Dovecot (Debian) ready.\r\n", T0 + 20 * MS);
    sm_t_payload(f, SM_DIR_ORIG, "SSH-2.0-OpenSSH_9.2p1\r\n", T0 + 21 * MS);
    sm_t_fin(f, SM_DIR_ORIG, T0 + 3 * SEC);
    a->not_protocol[SM_APP_RESP] = true;
    a->other_protocol = "pop3";
    a->not_ssh_dir = SM_APP_RESP;
}

/* A server reset after a text greeting: what the client read first. */
static void row_not_ssh_text_reset(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_payload(f, SM_DIR_RESP, "220 ftp.example.net FTP\r\n", T0 + 20 * MS);
    sm_t_rst(f, SM_DIR_RESP, T0 + 22 * MS, 64);
    a->not_protocol[SM_APP_RESP] = true;
    a->other_protocol = "ftp";
    a->not_ssh_dir = SM_APP_RESP;
}

/* sshd's answer to a client that is not SSH (lab protocol-mismatch): its
 * banner, "Invalid SSH identification string.", FIN; the client closes. */
static void row_not_ssh_client(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_payload(f, SM_DIR_ORIG, "hello\r\n", T0 + 20 * MS);
    sm_t_payload(f, SM_DIR_RESP, "SSH-2.0-OpenSSH_9.2p1\r\n", T0 + 21 * MS);
    sm_t_payload(f, SM_DIR_RESP, "Invalid SSH identification string.\r\n", T0 + 22 * MS);
    sm_t_fin(f, SM_DIR_RESP, T0 + 23 * MS);
    sm_t_fin(f, SM_DIR_ORIG, T0 + 24 * MS);
    a->ident_seen[SM_APP_RESP] = true;
    a->phase = SM_APP_BANNER;
    a->not_protocol[SM_APP_ORIG] = true;
    a->other_protocol = "unknown";
    a->not_ssh_dir = SM_APP_ORIG;
    a->not_ssh_text = "hello";
    a->reply_text = "Invalid SSH identification string.";
}

static void row_kex_no_common(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_banners(f, a);
    a->kexinit_seen[0] = a->kexinit_seen[1] = true;
    a->kex_no_common = true;
    a->kex_no_common_category = "kex";
    a->phase = SM_APP_KEX;
    sm_t_fin(f, SM_DIR_ORIG, T0 + 30 * MS);
    sm_t_fin(f, SM_DIR_RESP, T0 + 31 * MS);
}

static void row_kex_disconnect(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_banners(f, a);
    a->kexinit_seen[0] = a->kexinit_seen[1] = true;
    a->disconnect_seen = true;
    a->disconnect_dir = SM_APP_RESP;
    a->disconnect_code = 3;
    a->phase = SM_APP_KEX;
    sm_t_fin(f, SM_DIR_RESP, T0 + 30 * MS);
    sm_t_fin(f, SM_DIR_ORIG, T0 + 31 * MS);
}

/* Issue 22 item 10: a key exchange that ended without a common-algorithm
 * finding blames the side that closed: the client (it printed its own
 * reason, "Unable to negotiate ...") or the server ("Connection closed
 * by"). Also when the closer's FIN was retransmitted after the other's. */
static void row_kex_client_closed(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_banners(f, a);
    a->kexinit_seen[0] = a->kexinit_seen[1] = true;
    a->phase = SM_APP_KEX;
    sm_t_fin(f, SM_DIR_ORIG, T0 + 30 * MS);
    sm_t_fin(f, SM_DIR_RESP, T0 + 31 * MS);
    sm_t_pkt(f, SM_DIR_ORIG, T0 + 300 * MS); /* the client's FIN again: fin_ts stays */
}

static void row_kex_server_closed(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_banners(f, a);
    a->kexinit_seen[0] = a->kexinit_seen[1] = true;
    a->phase = SM_APP_KEX;
    sm_t_fin(f, SM_DIR_RESP, T0 + 30 * MS);
    sm_t_fin(f, SM_DIR_ORIG, T0 + 31 * MS);
}

/* The server closed first (FIN); a RST judged injected came only later:
 * the middlebox did not close the connection, the server did. */
static void row_not_ssh_fin_then_injected_rst(struct sm_flow *f, struct sm_app_facts *a)
{
    row_not_ssh_client(f, a);
    f->side[SM_DIR_ORIG].fin_seen = false;
    sm_t_end(f, SM_DIR_ORIG)->fin_ts = 0;
    f->ended = false;
    sm_t_rst(f, SM_DIR_ORIG, T0 + 40 * MS, 61);
}

static void row_kex_with_gap(struct sm_flow *f, struct sm_app_facts *a)
{
    /* Bytes missing from the server's direction after the client's
     * NEWKEYS: the server's may be among them, the key exchange may have
     * completed unseen. */
    row_kex_no_common(f, a);
    a->kex_no_common = false;
    a->newkeys_seen[SM_APP_ORIG] = true;
    a->gap[SM_APP_RESP] = true;
}

static void row_kex_gap_other_side(struct sm_flow *f, struct sm_app_facts *a)
{
    /* Bytes missing from the client's direction (Dropbear's first segment
     * cut by the snaplen), but the server's was read in step to its FIN
     * without NEWKEYS: the key exchange cannot have completed. */
    row_kex_no_common(f, a);
    a->kex_no_common = false;
    a->gap[SM_APP_ORIG] = true;
}

static void row_reset_endpoint(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_session(f, a);
    sm_t_rst(f, SM_DIR_RESP, T0 + 60 * SEC, 64);
}

static void row_reset_middlebox(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_session(f, a);
    sm_t_rst(f, SM_DIR_RESP, T0 + 60 * SEC, 61);
}

/* "-i any" on the router that forged the RST in the server's name: its TTL
 * is what the server's packets have on arrival, but the RST was only seen
 * leaving while the server's packets arrive. */
static void row_reset_capture_host(struct sm_flow *f, struct sm_app_facts *a)
{
    row_reset_endpoint(f, a);
    f->side[SM_DIR_RESP].arrived = true;
    sm_t_end(f, SM_DIR_RESP)->rst_outgoing = true;
}

/* Control: "-i any" on the server host, whose own packets leave too. */
static void row_reset_capture_host_control(struct sm_flow *f, struct sm_app_facts *a)
{
    row_reset_capture_host(f, a);
    f->side[SM_DIR_RESP].arrived = false;
}

static void row_reset_by_client(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_session(f, a);
    sm_t_rst(f, SM_DIR_ORIG, T0 + 60 * SEC, 64);
}

/* A firewall on the server host resets the client (lab host-reset:
 * REJECT --reject-with tcp-reset in INPUT): the RST has the server's TTL,
 * but sshd's socket lives on and retransmits its data, which the client's
 * closed socket answers only with RSTs (dropped by the same rule). */
static void row_host_firewall_reset(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_session(f, a);
    struct sm_tcp_side *r = &f->side[SM_DIR_RESP];
    sm_t_rst(f, SM_DIR_RESP, T0 + 60 * SEC, 64);
    struct sm_tcp_stall *st = &sm_t_rare(f)->stall[SM_DIR_RESP];
    static const int64_t tx[] = { 0, 210 * MS, 420 * MS, 860 * MS, 1720 * MS, 3440 * MS };
    st->count = SM_NELEM(tx);
    for (size_t i = 0; i < SM_NELEM(tx); i++) {
        st->ts[i] = T0 + 60 * SEC + 1 * MS + tx[i];
        sm_t_pkt(f, SM_DIR_RESP, st->ts[i]);
    }
    st->seq = 3894;
    st->len = 72;
    st->active = true;
    r->retrans = 5;
    r->talked_after_rst = true;
    sm_t_rst(f, SM_DIR_ORIG, T0 + 60 * SEC + 211 * MS, 64);
}

/* The same wire without the server sending after its RST (its stall came
 * before it): the server's own socket gave up and reset. Its unanswered
 * data decides, as before. */
static void row_host_firewall_reset_control(struct sm_flow *f, struct sm_app_facts *a)
{
    row_host_firewall_reset(f, a);
    f->side[SM_DIR_RESP].talked_after_rst = false;
}

static void row_normal_close(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_session(f, a);
    sm_t_fin(f, SM_DIR_ORIG, T0 + 60 * SEC);
    sm_t_fin(f, SM_DIR_RESP, T0 + 60 * SEC + 1 * MS);
}

static void row_normal_close_server_first(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_session(f, a);
    sm_t_fin(f, SM_DIR_RESP, T0 + 60 * SEC);
    sm_t_fin(f, SM_DIR_ORIG, T0 + 60 * SEC + 1 * MS);
}

static void row_fin_then_rst(struct sm_flow *f, struct sm_app_facts *a)
{
    /* The client closes, the server answers the FIN with a RST. */
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_session(f, a);
    sm_t_fin(f, SM_DIR_ORIG, T0 + 60 * SEC);
    sm_t_rst(f, SM_DIR_RESP, T0 + 60 * SEC + 1 * MS, 64);
}

/* The lab's dead-peer-fin at the client (issue 22): the client's
 * keepalive was retransmitted 5 times and then acknowledged by a bare ACK,
 * no server data followed; 8 s after the keepalive the client closes and
 * the server, whose socket had died, answers the FIN only with a RST. */
static void row_dead_peer_fin(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_session(f, a);
    struct sm_tcp_side *o = &f->side[SM_DIR_ORIG], *r = &f->side[SM_DIR_RESP];
    struct sm_tcp_stall *st = &sm_t_rare(f)->stall[SM_DIR_ORIG];
    static const int64_t tx[] = { 0, 220 * MS, 440 * MS, 900 * MS, 1760 * MS, 3490 * MS };
    st->count = SM_NELEM(tx);
    for (size_t i = 0; i < SM_NELEM(tx); i++) {
        st->ts[i] = T0 + 20 * SEC + tx[i];
        sm_t_pkt(f, SM_DIR_ORIG, st->ts[i]);
    }
    st->seq = 4618;
    st->len = 52;
    st->ack_at_last = 9958;
    st->active = false; /* the bare ACK came */
    o->ack_known = true;
    o->max_ack = 9958;
    o->next_seq = 4670;
    o->data_since_peer_data = 6;
    o->retrans = 5;
    r->ack_known = true;
    r->max_ack = 4670;
    sm_t_pkt(f, SM_DIR_RESP, T0 + 20 * SEC + 3491 * MS);
    sm_t_fin(f, SM_DIR_ORIG, T0 + 28 * SEC);
    sm_t_end(f, SM_DIR_ORIG)->fin_seq = 4670;
    sm_t_rst(f, SM_DIR_RESP, T0 + 28 * SEC + 1 * MS, 64);
}

/* The same, but the server's data arrived after the retransmissions (the
 * client acknowledged more): the server was alive; its RST answering the
 * FIN is the abortive but orderly end it was before. */
static void row_dead_peer_fin_peer_talked(struct sm_flow *f, struct sm_app_facts *a)
{
    row_dead_peer_fin(f, a);
    f->side[SM_DIR_ORIG].max_ack = 10500;
    f->side[SM_DIR_ORIG].data_since_peer_data = 0;
}

/* Data never retransmitted before the FIN (a last request, a DISCONNECT):
 * a RST answering the FIN is the orderly shape it always was. */
static void row_fin_then_rst_no_retrans(struct sm_flow *f, struct sm_app_facts *a)
{
    row_dead_peer_fin(f, a);
    memset(&sm_t_rare(f)->stall[SM_DIR_ORIG], 0, sizeof(struct sm_tcp_stall));
}

/* The server acknowledged the FIN before resetting: its socket was alive. */
static void row_dead_peer_fin_acked(struct sm_flow *f, struct sm_app_facts *a)
{
    row_dead_peer_fin(f, a);
    f->side[SM_DIR_RESP].max_ack = 4671;
}

static void row_auth_close(struct sm_flow *f, struct sm_app_facts *a)
{
    /* Encrypted, authentication not known to succeed. */
    row_normal_close(f, a);
    a->phase = SM_APP_AUTH;
    a->auth_success = -1;
}

static void row_open(struct sm_flow *f, struct sm_app_facts *a)
{
    sm_t_base(f, 4);
    sm_t_established(f);
    sm_t_session(f, a);
}

static void row_superseded_established(struct sm_flow *f, struct sm_app_facts *a)
{
    row_open(f, a);
    f->superseded = true;
}

static void row_superseded_after_reset(struct sm_flow *f, struct sm_app_facts *a)
{
    row_reset_endpoint(f, a);
    f->superseded = true;
}

static void row_midstream_close(struct sm_flow *f, struct sm_app_facts *a)
{
    /* No handshake seen, no banners seen: the session was under way. */
    (void)a;
    sm_t_base(f, 4);
    sm_t_pkt(f, SM_DIR_RESP, T0);
    sm_t_pkt(f, SM_DIR_ORIG, T0 + 1 * MS);
    f->midstream = true;
    f->established = true;
    sm_t_fin(f, SM_DIR_ORIG, T0 + 2 * SEC);
    sm_t_fin(f, SM_DIR_RESP, T0 + 2 * SEC + 1 * MS);
}

static void row_midstream_one_packet(struct sm_flow *f, struct sm_app_facts *a)
{
    (void)a;
    sm_t_base(f, 4);
    sm_t_pkt(f, SM_DIR_ORIG, T0);
    f->midstream = true;
}

struct sm_t_row {
    const char *name;
    void (*build)(struct sm_flow *f, struct sm_app_facts *a);
    bool app; /* a dissector ran (ctx.app set) */
    enum sm_flow_end why;
    int64_t now; /* offset from T0 */
    enum sm_verdict verdict;
    enum sm_closed_by closed_by;
    enum sm_phase phase;
    const char *symptom; /* a substring, or NULL for "" */
};

#define ROW(b, app, why, now, v, by, ph, sym)                                                      \
    {                                                                                              \
#b, b, app, why, now, v, by, ph, sym                                                       \
    }
#define HS SM_PHASE_TCP_HANDSHAKE

static const struct sm_t_row sm_t_rows[] = {
    ROW(row_refused, false, SM_END_CLOSED, 31 * SEC, SM_V_REFUSED, SM_BY_SERVER, HS,
        "ssh: connect to host 203.0.113.2 port 22: Connection refused"),
    ROW(row_rejected_port_unreach, false, SM_END_TIMEOUT, 80 * SEC, SM_V_REJECTED_ICMP,
        SM_BY_MIDDLEBOX, HS, "port 22: Connection refused"),
    ROW(row_rejected_admin_prohibited, false, SM_END_TIMEOUT, 80 * SEC, SM_V_REJECTED_ICMP,
        SM_BY_MIDDLEBOX, HS, "port 22: No route to host"),
    ROW(row_rejected_net_unreach, false, SM_END_TIMEOUT, 80 * SEC, SM_V_REJECTED_ICMP,
        SM_BY_MIDDLEBOX, HS, "Network is unreachable"),
    ROW(row_rejected6_port_unreach, false, SM_END_TIMEOUT, 80 * SEC, SM_V_REJECTED_ICMP,
        SM_BY_MIDDLEBOX, HS, "ssh: connect to host 2001:db8:2::2 port 22: Connection refused"),
    /* Linux maps ICMPv6 administratively prohibited to EACCES (the lab's
     * client printed exactly this). */
    ROW(row_rejected6_admin_prohibited, false, SM_END_TIMEOUT, 80 * SEC, SM_V_REJECTED_ICMP,
        SM_BY_MIDDLEBOX, HS, "port 22: Permission denied"),
    ROW(row_silent_drop_3syns, false, SM_END_TIMEOUT, 80 * SEC, SM_V_SILENT_DROP, SM_BY_NONE, HS,
        "port 22: Connection timed out"),
    ROW(row_silent_drop_3syns, false, SM_END_CAPTURE_END, 4 * SEC, SM_V_SILENT_DROP, SM_BY_NONE, HS,
        "Connection timed out"),
    ROW(row_lone_syn, false, SM_END_CAPTURE_END, 500 * MS, SM_V_UNFINISHED, SM_BY_NONE, HS, NULL),
    ROW(row_lone_syn, false, SM_END_CAPTURE_END, 1 * SEC, SM_V_SILENT_DROP, SM_BY_NONE, HS,
        "Connection timed out"),
    ROW(row_lone_syn, false, SM_END_TIMEOUT, 75 * SEC, SM_V_SILENT_DROP, SM_BY_NONE, HS,
        "Connection timed out"),
    ROW(row_handshake_incomplete, false, SM_END_TIMEOUT, 80 * SEC, SM_V_HANDSHAKE_INCOMPLETE,
        SM_BY_NONE, HS, "Connection timed out"),
    ROW(row_rst_before_banner, true, SM_END_CLOSED, 31 * SEC, SM_V_RST_BEFORE_BANNER, SM_BY_SERVER,
        SM_PHASE_BANNER, "kex_exchange_identification: read: Connection reset by peer"),
    ROW(row_rst_before_banner, false, SM_END_CLOSED, 31 * SEC, SM_V_RST_BEFORE_BANNER, SM_BY_SERVER,
        SM_PHASE_BANNER, "Connection reset by peer"),
    ROW(row_rst_before_banner_injected, true, SM_END_CLOSED, 31 * SEC, SM_V_RST_BEFORE_BANNER,
        SM_BY_MIDDLEBOX, SM_PHASE_BANNER, "Connection reset by peer"),
    ROW(row_closed_before_banner, true, SM_END_CLOSED, 31 * SEC, SM_V_CLOSED_BEFORE_BANNER,
        SM_BY_SERVER, SM_PHASE_BANNER,
        "kex_exchange_identification: Connection closed by remote host"),
    ROW(row_no_banner, true, SM_END_CAPTURE_END, 121 * SEC, SM_V_NO_BANNER, SM_BY_CLIENT,
        SM_PHASE_BANNER, "Connection timed out during banner exchange"),
    /* The client skips a server's non-SSH lines until it closes (lab). */
    ROW(row_not_ssh, true, SM_END_CLOSED, 31 * SEC, SM_V_NOT_SSH, SM_BY_SERVER, SM_PHASE_BANNER,
        "kex_exchange_identification: Connection closed by remote host"),
    ROW(row_not_ssh_binary_reset, true, SM_END_CLOSED, 31 * SEC, SM_V_NOT_SSH, SM_BY_SERVER,
        SM_PHASE_BANNER, "kex_exchange_identification: banner line contains invalid characters"),
    ROW(row_not_ssh_stays_open, true, SM_END_CAPTURE_END, 10 * SEC, SM_V_NOT_SSH, SM_BY_CLIENT,
        SM_PHASE_BANNER, "Connection timed out during banner exchange"),
    ROW(row_not_ssh_text_reset, true, SM_END_CLOSED, 31 * SEC, SM_V_NOT_SSH, SM_BY_SERVER,
        SM_PHASE_BANNER, "kex_exchange_identification: read: Connection reset by peer"),
    /* Not an orderly close although both FINs came: no OpenSSH client. */
    ROW(row_not_ssh_client, true, SM_END_CLOSED, 31 * SEC, SM_V_NOT_SSH, SM_BY_SERVER,
        SM_PHASE_BANNER, NULL),
    ROW(row_kex_no_common, true, SM_END_CLOSED, 31 * SEC, SM_V_KEX_FAILED, SM_BY_CLIENT,
        SM_PHASE_KEX,
        "Unable to negotiate with 203.0.113.2 port 22: no matching key exchange method found"),
    ROW(row_kex_disconnect, true, SM_END_CLOSED, 31 * SEC, SM_V_KEX_FAILED, SM_BY_SERVER,
        SM_PHASE_KEX, "Connection closed by 203.0.113.2 port 22"),
    ROW(row_kex_client_closed, true, SM_END_CLOSED, 31 * SEC, SM_V_KEX_FAILED, SM_BY_CLIENT,
        SM_PHASE_KEX, "Unable to negotiate with 203.0.113.2 port 22"),
    ROW(row_kex_server_closed, true, SM_END_CLOSED, 31 * SEC, SM_V_KEX_FAILED, SM_BY_SERVER,
        SM_PHASE_KEX, "Connection closed by 203.0.113.2 port 22"),
    ROW(row_not_ssh_fin_then_injected_rst, true, SM_END_CLOSED, 31 * SEC, SM_V_NOT_SSH,
        SM_BY_SERVER, SM_PHASE_BANNER, NULL),
    ROW(row_kex_with_gap, true, SM_END_CLOSED, 31 * SEC, SM_V_NORMAL_CLOSE, SM_BY_CLIENT,
        SM_PHASE_KEX, "closed."),
    /* The client closed: the symptom blames it (issue 22 item 10). */
    ROW(row_kex_gap_other_side, true, SM_END_CLOSED, 31 * SEC, SM_V_KEX_FAILED, SM_BY_CLIENT,
        SM_PHASE_KEX, "Unable to negotiate with 203.0.113.2 port 22"),
    ROW(row_reset_endpoint, true, SM_END_CLOSED, 91 * SEC, SM_V_RESET, SM_BY_SERVER,
        SM_PHASE_SESSION, "Connection reset by 203.0.113.2 port 22"),
    ROW(row_reset_middlebox, true, SM_END_CLOSED, 91 * SEC, SM_V_RESET, SM_BY_MIDDLEBOX,
        SM_PHASE_SESSION, "Connection reset by"),
    ROW(row_reset_capture_host, true, SM_END_CLOSED, 91 * SEC, SM_V_RESET, SM_BY_MIDDLEBOX,
        SM_PHASE_SESSION, "Connection reset by 203.0.113.2 port 22"),
    ROW(row_reset_capture_host_control, true, SM_END_CLOSED, 91 * SEC, SM_V_RESET, SM_BY_SERVER,
        SM_PHASE_SESSION, "Connection reset by 203.0.113.2 port 22"),
    ROW(row_reset_by_client, true, SM_END_CLOSED, 91 * SEC, SM_V_RESET, SM_BY_CLIENT,
        SM_PHASE_SESSION, NULL),
    ROW(row_host_firewall_reset, true, SM_END_CLOSED, 91 * SEC, SM_V_RESET, SM_BY_SERVER,
        SM_PHASE_SESSION, "Connection reset by 203.0.113.2 port 22"),
    ROW(row_host_firewall_reset_control, true, SM_END_CLOSED, 91 * SEC, SM_V_RETRANSMISSION_DEATH,
        SM_BY_NONE, SM_PHASE_SESSION, "Timeout, server 203.0.113.2 not responding."),
    ROW(row_normal_close, true, SM_END_CLOSED, 91 * SEC, SM_V_NORMAL_CLOSE, SM_BY_CLIENT,
        SM_PHASE_SESSION, "Connection to 203.0.113.2 closed."),
    ROW(row_normal_close_server_first, true, SM_END_CLOSED, 91 * SEC, SM_V_NORMAL_CLOSE,
        SM_BY_SERVER, SM_PHASE_SESSION, "closed."),
    ROW(row_fin_then_rst, true, SM_END_CLOSED, 91 * SEC, SM_V_NORMAL_CLOSE, SM_BY_CLIENT,
        SM_PHASE_SESSION, "closed."),
    ROW(row_auth_close, true, SM_END_CLOSED, 91 * SEC, SM_V_NORMAL_CLOSE, SM_BY_CLIENT,
        SM_PHASE_AUTH, "closed."),
    ROW(row_dead_peer_fin, true, SM_END_CLOSED, 91 * SEC, SM_V_RETRANSMISSION_DEATH, SM_BY_NONE,
        SM_PHASE_SESSION, "Timeout, server 203.0.113.2 not responding."),
    ROW(row_dead_peer_fin_peer_talked, true, SM_END_CLOSED, 91 * SEC, SM_V_NORMAL_CLOSE,
        SM_BY_CLIENT, SM_PHASE_SESSION, "closed."),
    ROW(row_fin_then_rst_no_retrans, true, SM_END_CLOSED, 91 * SEC, SM_V_NORMAL_CLOSE, SM_BY_CLIENT,
        SM_PHASE_SESSION, "closed."),
    ROW(row_dead_peer_fin_acked, true, SM_END_CLOSED, 91 * SEC, SM_V_NORMAL_CLOSE, SM_BY_CLIENT,
        SM_PHASE_SESSION, "closed."),
    ROW(row_open, true, SM_END_CAPTURE_END, 100 * SEC, SM_V_UNFINISHED, SM_BY_NONE,
        SM_PHASE_SESSION, NULL),
    ROW(row_open, true, SM_END_EVICTED, 100 * SEC, SM_V_UNFINISHED, SM_BY_NONE, SM_PHASE_SESSION,
        NULL),
    ROW(row_superseded_established, true, SM_END_SUPERSEDED, 100 * SEC, SM_V_UNFINISHED, SM_BY_NONE,
        SM_PHASE_SESSION, NULL),
    ROW(row_superseded_after_reset, true, SM_END_SUPERSEDED, 100 * SEC, SM_V_UNFINISHED, SM_BY_NONE,
        SM_PHASE_SESSION, NULL),
    ROW(row_midstream_close, false, SM_END_CLOSED, 40 * SEC, SM_V_NORMAL_CLOSE, SM_BY_CLIENT,
        SM_PHASE_SESSION, "closed."),
    ROW(row_midstream_one_packet, false, SM_END_CAPTURE_END, 10 * SEC, SM_V_UNFINISHED, SM_BY_NONE,
        HS, NULL),
};

/* Builds a row's facts and classifies them. */
static void sm_t_run(const struct sm_t_row *r, enum sm_flow_end why, struct sm_flow *f,
                     struct sm_app_facts *a, struct sm_classification *out)
{
    sm_t_app(a);
    r->build(f, a);
    struct sm_classify_ctx ctx = { .why = why, .now_us = T0 + r->now, .app = r->app ? a : NULL };
    memset(out, 0x5a, sizeof(*out)); /* the classifier must set every field */
    sm_classify(f, &ctx, out);
}

/* Classifies flow f with facts a (NULL: no dissector). */
static void sm_t_classify(const struct sm_flow *f, const struct sm_app_facts *a,
                          enum sm_flow_end why, int64_t now, struct sm_classification *out)
{
    struct sm_classify_ctx ctx = { .why = why, .now_us = now, .app = a };
    sm_classify(f, &ctx, out);
}

static void test_classify_table(void)
{
    for (size_t i = 0; i < SM_NELEM(sm_t_rows); i++) {
        const struct sm_t_row *r = &sm_t_rows[i];
        struct sm_flow f;
        struct sm_app_facts a;
        struct sm_classification c;
        sm_t_run(r, r->why, &f, &a, &c);
        bool ok = c.verdict == r->verdict && c.closed_by == r->closed_by && c.phase == r->phase;
        if (!ok)
            fprintf(stderr, "\n  row %zu %s: got %s/%s/%s, want %s/%s/%s\n", i, r->name,
                    sm_verdict_name(c.verdict), sm_closed_by_name(c.closed_by),
                    sm_phase_name(c.phase), sm_verdict_name(r->verdict),
                    sm_closed_by_name(r->closed_by), sm_phase_name(r->phase));
        CU_ASSERT_EQUAL(c.verdict, r->verdict);
        CU_ASSERT_EQUAL(c.closed_by, r->closed_by);
        CU_ASSERT_EQUAL(c.phase, r->phase);
        /* Every verdict explains itself. */
        CU_ASSERT_TRUE(c.confidence > 0.0 && c.confidence <= 1.0);
        CU_ASSERT_PTR_NOT_NULL(c.hint);
        CU_ASSERT_PTR_NOT_NULL(memchr(c.reason, '\0', sizeof(c.reason)));
        CU_ASSERT_TRUE(strlen(c.reason) > 10);
        CU_ASSERT_PTR_NOT_NULL(memchr(c.symptom, '\0', sizeof(c.symptom)));
        if (r->symptom) {
            if (!strstr(c.symptom, r->symptom))
                fprintf(stderr, "\n  row %zu %s: symptom \"%s\", want \"%s\"\n", i, r->name,
                        c.symptom, r->symptom);
            CU_ASSERT_PTR_NOT_NULL(strstr(c.symptom, r->symptom));
        } else {
            CU_ASSERT_STRING_EQUAL(c.symptom, "");
        }
    }
}

static void test_classify_details(void)
{
    struct sm_flow f;
    struct sm_app_facts a;
    struct sm_classification c;
    const int64_t now = T0 + 80 * SEC;

    /* Silent drop: the count and spacing of the SYNs in the reason. */
    sm_t_app(&a);
    row_silent_drop_3syns(&f, &a);
    sm_t_classify(&f, NULL, SM_END_TIMEOUT, now, &c);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "3 SYNs over 3.0 s"));
    CU_ASSERT_EQUAL(c.rst_dir, -1);
    CU_ASSERT_EQUAL(c.rst_origin, SM_RST_NONE);
    double three = c.confidence;
    row_lone_syn(&f, &a);
    sm_t_classify(&f, NULL, SM_END_TIMEOUT, now, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_SILENT_DROP);
    CU_ASSERT_TRUE(c.confidence < three); /* one SYN proves less than three */

    /* Rejected: the reporter and the ICMP type and code. */
    row_rejected_admin_prohibited(&f, &a);
    sm_t_classify(&f, NULL, SM_END_TIMEOUT, now, &c);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "type 3 code 13"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "192.0.0.1"));
    row_rejected6_port_unreach(&f, &a);
    sm_t_classify(&f, NULL, SM_END_TIMEOUT, now, &c);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "ICMPv6 type 1 code 4"));

    /* A frag-needed error during the handshake is not a rejection. */
    row_rejected_port_unreach(&f, &a);
    sm_t_rare(&f)->icmp.cls = SM_ICMP_FRAG_NEEDED;
    sm_t_rare(&f)->icmp.code = 4;
    sm_t_classify(&f, NULL, SM_END_TIMEOUT, now, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_SILENT_DROP);

    /* Closed before the banner: the text the server sent instead. */
    sm_t_app(&a);
    row_closed_before_banner(&f, &a);
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "Exceeded MaxStartups"));
    /* A known refusal text names its cause in the reason, hint and evidence. */
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "MaxStartups unauthenticated connections"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.hint, "LoginGraceTime"));
    CU_ASSERT_STRING_EQUAL(c.refusal_cause, "maxstartups");
    CU_ASSERT_STRING_EQUAL(c.refusal_text, "Exceeded MaxStartups");
    CU_ASSERT_FALSE(c.rst_after_fin);
    /* The MaxStartups race, FIN first: the client's identification line
     * arrives after sshd's FIN and draws the closed socket's RST. What the
     * client read first (the FIN: end of file) decides. */
    sm_t_payload(&f, SM_DIR_ORIG, "SSH-2.0-OpenSSH_9.2p1\r\n", T0 + 18 * MS);
    sm_t_rst(&f, SM_DIR_RESP, T0 + 18 * MS, 64);
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_CLOSED_BEFORE_BANNER);
    CU_ASSERT_EQUAL(c.closed_by, SM_BY_SERVER);
    CU_ASSERT_TRUE(c.rst_after_fin);
    CU_ASSERT_EQUAL(c.rst_dir, SM_DIR_RESP);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.symptom, "Connection closed by remote host"));
    /* RST first (the line was unread when sshd closed): reset by peer. */
    sm_t_app(&a);
    row_rst_before_banner(&f, &a);
    a.prebanner_seen = true;
    a.prebanner_text = "Exceeded MaxStartups";
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_RST_BEFORE_BANNER);
    CU_ASSERT_FALSE(c.rst_after_fin);
    CU_ASSERT_STRING_EQUAL(c.refusal_cause, "maxstartups");
    CU_ASSERT_PTR_NOT_NULL(strstr(c.symptom, "read: Connection reset by peer"));
    /* A dead peer answering a FIN (issue 22): the evidence names the
     * RST's sender, the reason the retransmissions and the silence; an
     * orderly FIN answered by a RST carries no such evidence. */
    sm_t_app(&a);
    row_dead_peer_fin(&f, &a);
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_RETRANSMISSION_DEATH);
    CU_ASSERT_TRUE(c.dead_peer_rst);
    CU_ASSERT_EQUAL(c.rst_dir, SM_DIR_RESP);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "retransmitted 5 times"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "for 8.0 s"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "server's socket had already died"));
    sm_t_app(&a);
    row_fin_then_rst_no_retrans(&f, &a);
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_NORMAL_CLOSE);
    CU_ASSERT_FALSE(c.dead_peer_rst);
    /* Mirrored: the server's data unanswered, its FIN reset by a dead
     * client: what the client's death makes it print. */
    sm_t_app(&a);
    row_dead_peer_fin(&f, &a);
    {
        struct sm_tcp_side tmp = f.side[0];
        f.side[0] = f.side[1];
        f.side[1] = tmp;
        struct sm_tcp_end te = sm_t_end_block[0];
        sm_t_end_block[0] = sm_t_end_block[1];
        sm_t_end_block[1] = te;
        struct sm_tcp_stall ts = sm_t_rare_block.stall[0];
        sm_t_rare_block.stall[0] = sm_t_rare_block.stall[1];
        sm_t_rare_block.stall[1] = ts;
        int64_t tl = f.side_last_ts[0];
        f.side_last_ts[0] = f.side_last_ts[1];
        f.side_last_ts[1] = tl;
    }
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_RETRANSMISSION_DEATH);
    CU_ASSERT_TRUE(c.dead_peer_rst);
    CU_ASSERT_EQUAL(c.rst_dir, SM_DIR_ORIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "Data from the server"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.symptom, "Broken pipe"));
    /* OpenSSH 9.8+ PerSourcePenalties. */
    sm_t_app(&a);
    row_closed_before_banner(&f, &a);
    a.prebanner_text = "Not allowed at this time";
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_CLOSED_BEFORE_BANNER);
    CU_ASSERT_STRING_EQUAL(c.refusal_cause, "per-source-penalties");
    CU_ASSERT_PTR_NOT_NULL(strstr(c.hint, "PerSourcePenaltyExemptList"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "PerSourcePenalties"));
    /* Any other text: the generic hint, no refusal. */
    a.prebanner_text = "Welcome to example.net";
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    CU_ASSERT_PTR_NULL(c.refusal_cause);
    CU_ASSERT_PTR_NULL(strstr(c.hint, "PerSourcePenaltyExemptList"));

    /* Reset: who and how. */
    sm_t_app(&a);
    row_reset_endpoint(&f, &a);
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    CU_ASSERT_EQUAL(c.rst_dir, SM_DIR_RESP);
    CU_ASSERT_EQUAL(c.rst_origin, SM_RST_ENDPOINT);
    /* The hint follows the RST's origin: the server's own logs... */
    CU_ASSERT_PTR_NOT_NULL(strstr(c.hint, "sshd"));
    CU_ASSERT_PTR_NULL(strstr(c.hint, "middlebox"));
    sm_t_app(&a);
    row_reset_middlebox(&f, &a);
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    CU_ASSERT_EQUAL(c.rst_dir, SM_DIR_RESP);
    CU_ASSERT_EQUAL(c.rst_origin, SM_RST_MIDDLEBOX);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "middlebox"));
    /* ...or the device in between, not sshd. */
    CU_ASSERT_PTR_NOT_NULL(strstr(c.hint, "middlebox"));
    CU_ASSERT_PTR_NULL(strstr(c.hint, "sshd"));
    /* A RST from a side that sent nothing else: origin unknown. */
    row_refused(&f, &a);
    sm_t_classify(&f, NULL, SM_END_CLOSED, now, &c);
    CU_ASSERT_EQUAL(c.rst_dir, SM_DIR_RESP);
    CU_ASSERT_EQUAL(c.rst_origin, SM_RST_UNKNOWN);
    /* Both reset: the first one counts. */
    sm_t_app(&a);
    row_reset_endpoint(&f, &a);
    sm_t_rst(&f, SM_DIR_ORIG, T0 + 59 * SEC, 64);
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    CU_ASSERT_EQUAL(c.rst_dir, SM_DIR_ORIG);
    CU_ASSERT_EQUAL(c.closed_by, SM_BY_CLIENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.hint, "client"));
    CU_ASSERT_PTR_NULL(strstr(c.hint, "sshd"));

    /* Superseded: the reason says so. */
    sm_t_app(&a);
    row_superseded_established(&f, &a);
    sm_t_classify(&f, &a, SM_END_SUPERSEDED, now, &c);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "new SYN"));
    /* A superseded half-open connection keeps its handshake verdict. */
    row_silent_drop_3syns(&f, &a);
    f.superseded = true;
    sm_t_classify(&f, NULL, SM_END_SUPERSEDED, now, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_SILENT_DROP);
    /* Evicted. */
    sm_t_app(&a);
    row_open(&f, &a);
    sm_t_classify(&f, &a, SM_END_EVICTED, now, &c);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "evicted"));
    /* A middlebox RST during the key exchange is a reset, not kex-failed. */
    sm_t_app(&a);
    row_kex_no_common(&f, &a);
    f.side[0].fin_seen = f.side[1].fin_seen = false;
    a.kex_no_common = false;
    sm_t_rst(&f, SM_DIR_RESP, T0 + 40 * MS, 33);
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_RESET);
    CU_ASSERT_EQUAL(c.closed_by, SM_BY_MIDDLEBOX);
}

static void test_classify_confidence(void)
{
    struct sm_flow f;
    struct sm_app_facts a;
    struct sm_classification c;

    /* Every row with every reason to end stays within 0..1. */
    static const enum sm_flow_end whys[] = {
        SM_END_CLOSED,     SM_END_TIMEOUT, SM_END_REUSED,
        SM_END_SUPERSEDED, SM_END_EVICTED, SM_END_CAPTURE_END
    };
    for (size_t i = 0; i < SM_NELEM(sm_t_rows); i++) {
        for (size_t w = 0; w < SM_NELEM(whys); w++) {
            sm_t_run(&sm_t_rows[i], whys[w], &f, &a, &c);
            CU_ASSERT_TRUE(c.confidence >= 0.0 && c.confidence <= 1.0);
            CU_ASSERT_TRUE((int)c.verdict >= 0 && c.verdict < SM_V_COUNT);
            sm_t_aux(&f)->truncated = 3;
            f.midstream = true;
            a.gap[0] = a.gap[1] = true;
            sm_t_classify(&f, &a, whys[w], T0 + sm_t_rows[i].now, &c);
            CU_ASSERT_TRUE(c.confidence >= 0.0 && c.confidence <= 1.0);
        }
    }

    /* The same close seen mid-stream is less certain. */
    const int64_t now = T0 + 100 * SEC;
    sm_t_app(&a);
    row_normal_close(&f, &a);
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    double full = c.confidence;
    CU_ASSERT_EQUAL(c.verdict, SM_V_NORMAL_CLOSE);
    f.midstream = true;
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_NORMAL_CLOSE);
    CU_ASSERT_TRUE(c.confidence < full);
    /* Snaplen-truncated packets lower it too, and so do capture gaps. */
    f.midstream = false;
    sm_t_aux(&f)->truncated = 1;
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    CU_ASSERT_TRUE(c.confidence < full);
    sm_t_aux(&f)->truncated = 0;
    a.gap[SM_APP_ORIG] = true;
    sm_t_classify(&f, &a, SM_END_CLOSED, now, &c);
    CU_ASSERT_TRUE(c.confidence < full);
    /* An established connection with one side never seen is less certain. */
    sm_t_app(&a);
    row_open(&f, &a);
    sm_t_classify(&f, &a, SM_END_CAPTURE_END, now, &c);
    full = c.confidence;
    f.side[SM_DIR_RESP].pkts_lo = 0;
    sm_t_classify(&f, &a, SM_END_CAPTURE_END, now, &c);
    CU_ASSERT_TRUE(c.confidence < full);
}

static void test_classify_names(void)
{
    static const char *const want[] = {
        "refused",
        "rejected-icmp",
        "silent-drop",
        "handshake-incomplete",
        "rst-before-banner",
        "closed-before-banner",
        "no-banner",
        "not-ssh",
        "kex-failed",
        "state-table-timeout",
        "retransmission-death",
        "mtu-blackhole",
        "reset",
        "normal-close",
        "unfinished",
    };
    CU_ASSERT_EQUAL_FATAL(SM_NELEM(want), SM_V_COUNT);
    for (int v = 0; v < SM_V_COUNT; v++)
        CU_ASSERT_STRING_EQUAL(sm_verdict_name((enum sm_verdict)v), want[v]);
    CU_ASSERT_STRING_EQUAL(sm_verdict_name(SM_V_COUNT), "unknown");

    CU_ASSERT_STRING_EQUAL(sm_closed_by_name(SM_BY_NONE), "none");
    CU_ASSERT_STRING_EQUAL(sm_closed_by_name(SM_BY_CLIENT), "client");
    CU_ASSERT_STRING_EQUAL(sm_closed_by_name(SM_BY_SERVER), "server");
    CU_ASSERT_STRING_EQUAL(sm_closed_by_name(SM_BY_MIDDLEBOX), "middlebox");
    CU_ASSERT_STRING_EQUAL(sm_closed_by_name((enum sm_closed_by)9), "none");

    CU_ASSERT_STRING_EQUAL(sm_phase_name(SM_PHASE_TCP_HANDSHAKE), "tcp-handshake");
    CU_ASSERT_STRING_EQUAL(sm_phase_name(SM_PHASE_BANNER), "banner");
    CU_ASSERT_STRING_EQUAL(sm_phase_name(SM_PHASE_KEX), "kex");
    CU_ASSERT_STRING_EQUAL(sm_phase_name(SM_PHASE_AUTH), "auth");
    CU_ASSERT_STRING_EQUAL(sm_phase_name(SM_PHASE_SESSION), "session");

    CU_ASSERT_STRING_EQUAL(sm_rst_origin_name(SM_RST_NONE), "none");
    CU_ASSERT_STRING_EQUAL(sm_rst_origin_name(SM_RST_ENDPOINT), "endpoint");
    CU_ASSERT_STRING_EQUAL(sm_rst_origin_name(SM_RST_MIDDLEBOX), "middlebox");
    CU_ASSERT_STRING_EQUAL(sm_rst_origin_name(SM_RST_UNKNOWN), "unknown");

    /* Routers between sender and capture point from the TTL: the nearest
     * common initial value (64, 128, 255) at or above it. */
    CU_ASSERT_EQUAL(sm_ttl_hops(64), 0);
    CU_ASSERT_EQUAL(sm_ttl_hops(62), 2);
    CU_ASSERT_EQUAL(sm_ttl_hops(1), 63);
    CU_ASSERT_EQUAL(sm_ttl_hops(0), 64);
    CU_ASSERT_EQUAL(sm_ttl_hops(65), 63);
    CU_ASSERT_EQUAL(sm_ttl_hops(128), 0);
    CU_ASSERT_EQUAL(sm_ttl_hops(117), 11);
    CU_ASSERT_EQUAL(sm_ttl_hops(129), 126);
    CU_ASSERT_EQUAL(sm_ttl_hops(254), 1);
    CU_ASSERT_EQUAL(sm_ttl_hops(255), 0);
    CU_ASSERT_EQUAL(sm_ttl_hops(300), 0);
}

static void test_classify_hints(void)
{
    /* Every verdict reached by the table has hints of its own (a verdict
     * may have several: not-ssh from a client has one of its own). */
    const char *hint[SM_NELEM(sm_t_rows)];
    enum sm_verdict verdict[SM_NELEM(sm_t_rows)];
    for (size_t i = 0; i < SM_NELEM(sm_t_rows); i++) {
        struct sm_flow f;
        struct sm_app_facts a;
        struct sm_classification c;
        sm_t_run(&sm_t_rows[i], sm_t_rows[i].why, &f, &a, &c);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c.hint);
        CU_ASSERT_TRUE(strlen(c.hint) > 10);
        hint[i] = c.hint;
        verdict[i] = c.verdict;
        for (size_t j = 0; j < i; j++)
            if (verdict[j] != c.verdict)
                CU_ASSERT_PTR_NOT_EQUAL(hint[j], c.hint);
    }
}

/* The silences the idle-timeout pattern learns from, and a
 * state-table-timeout citing the interval it learned (issue 22 item 4). */
static void test_classify_path_idle(void)
{
    struct sm_flow f;
    struct sm_app_facts a;
    struct sm_classification c;
    int64_t survived, fatal;

    /* A normal close survived its longest silence. */
    sm_t_app(&a);
    row_normal_close(&f, &a);
    f.gap_us = 15 * SEC;
    sm_t_classify(&f, &a, SM_END_CLOSED, T0 + 91 * SEC, &c);
    CU_ASSERT_EQUAL_FATAL(c.verdict, SM_V_NORMAL_CLOSE);
    sm_classify_silences(&f, &c, &survived, &fatal);
    CU_ASSERT_EQUAL(survived, 15 * SEC);
    CU_ASSERT_EQUAL(fatal, 0);
    /* Citing an interval leaves every verdict but state-table-timeout alone. */
    struct sm_idle_interval iv = { .lo_us = 16 * SEC + 500 * MS,
                                   .hi_us = 31 * SEC + 200 * MS,
                                   .survived = 1,
                                   .fatal = 2,
                                   .scope = SM_IDLE_SCOPE_SERVER };
    sm_classify_cite_idle(&f, &c, &iv);
    CU_ASSERT_EQUAL(c.path_idle.hi_us, 0);
    CU_ASSERT_PTR_EQUAL(sm_classification_hint(&c), c.hint);

    /* Still open: whether the packet after its longest silence got
     * through is not known. */
    sm_t_app(&a);
    row_open(&f, &a);
    f.gap_us = 15 * SEC;
    sm_t_classify(&f, &a, SM_END_CAPTURE_END, T0 + 100 * SEC, &c);
    CU_ASSERT_EQUAL_FATAL(c.verdict, SM_V_UNFINISHED);
    sm_classify_silences(&f, &c, &survived, &fatal);
    CU_ASSERT_EQUAL(survived, 0);
    /* ... unless it was an idle period whose first packet was acknowledged. */
    f.idle_seen = true;
    f.idle_acked = true;
    f.gap_us = 40 * SEC;
    sm_classify_silences(&f, &c, &survived, &fatal);
    CU_ASSERT_EQUAL(survived, 40 * SEC);
    CU_ASSERT_EQUAL(fatal, 0);

    /* Died after a short idle period: the fatal silence; citing the
     * interval names it in the hint and corroborates the short silence. */
    f.idle_acked = false;
    f.idle_short = true;
    f.gap_us = 35 * SEC;
    c.verdict = SM_V_STATE_TABLE_TIMEOUT;
    c.confidence = 0.6;
    sm_classify_silences(&f, &c, &survived, &fatal);
    CU_ASSERT_EQUAL(survived, 0);
    CU_ASSERT_EQUAL(fatal, 35 * SEC);
    sm_classify_cite_idle(&f, &c, &iv);
    CU_ASSERT_DOUBLE_EQUAL(c.confidence, 0.75, 1e-9);
    CU_ASSERT_EQUAL(c.path_idle.lo_us, iv.lo_us);
    CU_ASSERT_EQUAL(c.path_idle.hi_us, iv.hi_us);
    CU_ASSERT_STRING_EQUAL(sm_classification_hint(&c),
                           "The path drops idle TCP after 16 to 32 s (2 connections to this "
                           "server died after such a silence, 1 survived a shorter one): set "
                           "ServerAliveInterval (client) or ClientAliveInterval (server) "
                           "below 16.");
    /* No interval known (hi 0): nothing cited. */
    c.hint_text[0] = '\0';
    c.path_idle.hi_us = 0;
    struct sm_idle_interval none = { 0 };
    sm_classify_cite_idle(&f, &c, &none);
    CU_ASSERT_EQUAL(c.path_idle.hi_us, 0);
    CU_ASSERT_EQUAL(c.hint_text[0], '\0');

    /* One direction only: its silences are not the path's. */
    sm_t_app(&a);
    row_normal_close(&f, &a);
    f.gap_us = 15 * SEC;
    f.side[SM_DIR_RESP].pkts_lo = 0;
    f.side[SM_DIR_ORIG].ack_known = true;
    CU_ASSERT_TRUE_FATAL(sm_flow_one_sided(&f));
    c.verdict = SM_V_NORMAL_CLOSE;
    sm_classify_silences(&f, &c, &survived, &fatal);
    CU_ASSERT_EQUAL(survived, 0);
    CU_ASSERT_EQUAL(fatal, 0);
}

/* NFLOG: a silent-drop whose SYNs a rule logged with a prefix names the
 * rule; the prefix of a packet from the server does not (the SYNs are what
 * vanished); other verdicts keep their reason. */
static void test_classify_nflog(void)
{
    struct sm_flow f;
    struct sm_app_facts a;
    struct sm_classification c;
    const int64_t now = T0 + 80 * SEC;
    const struct sm_interned *ban = sm_intern("ssh-ban", 7);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ban);

    sm_t_app(&a);
    row_silent_drop_3syns(&f, &a);
    sm_t_classify(&f, NULL, SM_END_TIMEOUT, now, &c);
    double plain = c.confidence;
    CU_ASSERT_PTR_NULL(c.nf_rule);
    struct sm_flow_nflog *n = &sm_t_rare(&f)->nflog;
    n->prefix = ban;
    n->packets = 3;
    n->dir = SM_DIR_ORIG;
    sm_t_classify(&f, NULL, SM_END_TIMEOUT, now, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_SILENT_DROP);
    CU_ASSERT_PTR_NOT_NULL(c.nf_rule);
    CU_ASSERT_PTR_NOT_NULL(
            strstr(c.reason, "3 SYNs over 3.0 s got no reply; they were dropped by the firewall "
                             "rule logged as 'ssh-ban'."));
    CU_ASSERT_PTR_NOT_NULL(strstr(sm_classification_hint(&c), "'ssh-ban'"));
    CU_ASSERT_TRUE(c.confidence > plain);
    n->dir = SM_DIR_RESP;
    sm_t_classify(&f, NULL, SM_END_TIMEOUT, now, &c);
    CU_ASSERT_PTR_NULL(c.nf_rule);
    CU_ASSERT_PTR_NULL(strstr(c.reason, "ssh-ban"));

    /* handshake-incomplete: whose packets were dropped. */
    sm_t_base(&f, 4);
    sm_t_syns(&f, 1);
    sm_t_synack(&f, 3);
    n = &sm_t_rare(&f)->nflog;
    n->prefix = ban;
    n->packets = 1;
    n->dir = SM_DIR_RESP;
    sm_t_classify(&f, NULL, SM_END_TIMEOUT, now, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_HANDSHAKE_INCOMPLETE);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "the server's packets were dropped by the firewall "
                                            "rule logged as 'ssh-ban'"));
    sm_intern_release(ban);
}

/* Conntrack: a destroy in ESTABLISHED after a silence as long as the
 * timeout, with packets after it, makes state-table-timeout certain; each
 * missing condition leaves the packets' verdict alone. */
static void test_classify_conntrack(void)
{
    struct sm_flow f;
    struct sm_app_facts a;
    struct sm_classification c;
    sm_t_app(&a);
    sm_t_base(&f, 4);
    sm_t_established(&f);
    sm_t_session(&f, &a);
    /* 9 s of silence, then the client's packets to the end. */
    int64_t quiet = f.last_ts;
    sm_t_pkt(&f, SM_DIR_ORIG, quiet + 9 * SEC);
    sm_t_pkt(&f, SM_DIR_ORIG, quiet + 10 * SEC);
    f.gap_us = 9 * SEC;
    struct sm_classify_ctx ctx = {
        .why = SM_END_CAPTURE_END, .now_us = quiet + 60 * SEC, .app = &a, .ct_timeout_s = 5
    };
    sm_classify(&f, &ctx, &c);
    enum sm_verdict packets = c.verdict;
    CU_ASSERT_FALSE(c.ct_confirmed);

    struct sm_flow_ct *ct = &sm_t_rare(&f)->ct;
    ct->events = 4;
    ct->state = SM_CT_STATE_ESTABLISHED;
    ct->has_state = true;
    ct->timeout_s = -1;
    ct->destroy_ts = quiet + 5 * SEC + 300 * MS;
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_STATE_TABLE_TIMEOUT);
    CU_ASSERT_TRUE(c.ct_confirmed);
    CU_ASSERT_EQUAL(c.ct_timeout_s, 5);
    CU_ASSERT_EQUAL(c.closed_by, SM_BY_MIDDLEBOX);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "destroyed the connection's ESTABLISHED entry after "
                                            "9.0 s of silence, timeout 5 s"));
    CU_ASSERT_PTR_NOT_NULL(
            strstr(sm_classification_hint(&c), "nf_conntrack_tcp_timeout_established"));
    /* The entry's own timeout wins over the sysctl. */
    ct->timeout_s = 8;
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_EQUAL(c.ct_timeout_s, 8);
    CU_ASSERT_TRUE(c.ct_confirmed);
    /* A silence shorter than the timeout: not this. */
    ct->timeout_s = 30;
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_FALSE(c.ct_confirmed);
    CU_ASSERT_EQUAL(c.verdict, packets);
    ct->timeout_s = -1;
    /* Not ESTABLISHED when last seen. */
    ct->state = 7; /* TIME_WAIT */
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_FALSE(c.ct_confirmed);
    ct->state = SM_CT_STATE_ESTABLISHED;
    /* Nothing came after the destroy. */
    ct->destroy_ts = f.last_ts + SEC;
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_FALSE(c.ct_confirmed);
    /* No destroy at all. */
    ct->destroy_ts = 0;
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_FALSE(c.ct_confirmed);
    CU_ASSERT_EQUAL(c.verdict, packets);
}

/* Conntrack: an entry that never reached ESTABLISHED. A silent-drop whose
 * entry stayed SYN_SENT, a handshake-incomplete whose entry stayed
 * SYN_RECV: the last handshake packet passed this host, the loss was
 * beyond it; the reason says so (with the destroy, when seen) and the table
 * full is not blamed. Any other state, verdict or a rule that logged the
 * packets: nothing. */
static void test_classify_ct_handshake(void)
{
    struct sm_flow f;
    struct sm_app_facts a;
    struct sm_classification c;
    sm_t_app(&a);
    row_silent_drop_3syns(&f, &a);
    struct sm_classify_ctx ctx = { .why = SM_END_TIMEOUT, .now_us = T0 + 80 * SEC };
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_EQUAL(c.ct_passed, SM_CT_PASSED_NONE);
    struct sm_flow_ct *ct = &sm_t_rare(&f)->ct;
    ct->events = 1;
    ct->state = SM_CT_STATE_SYN_SENT;
    ct->has_state = true;
    ct->timeout_s = -1;
    ctx.ct_table_full = true;
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_SILENT_DROP);
    CU_ASSERT_EQUAL(c.ct_passed, SM_CT_PASSED_SYN);
    CU_ASSERT_FALSE(c.ct_table_full); /* the SYN had an entry */
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "; this host's conntrack entry stayed SYN_SENT: the "
                                            "SYNs passed this host's firewall and were lost "
                                            "beyond it."));
    CU_ASSERT_PTR_NOT_NULL(strstr(sm_classification_hint(&c), "server's own firewall"));
    ct->events = 2;
    ct->destroy_ts = T0 + 5 * SEC + 500 * MS;
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_PTR_NOT_NULL(
            strstr(c.reason, "stayed SYN_SENT, destroyed 5.5 s after the first SYN"));
    /* A state past the handshake: not this. */
    ct->state = SM_CT_STATE_ESTABLISHED;
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_EQUAL(c.ct_passed, SM_CT_PASSED_NONE);
    CU_ASSERT_TRUE(c.ct_table_full);
    /* SYN_RECV for a silent-drop (no SYN-ACK seen here): not this. */
    ct->state = SM_CT_STATE_SYN_RECV;
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_EQUAL(c.ct_passed, SM_CT_PASSED_NONE);
    /* A rule logged the SYNs with a prefix: the rule is named instead. */
    ct->state = SM_CT_STATE_SYN_SENT;
    const struct sm_interned *ban = sm_intern("ssh-ban", 7);
    struct sm_flow_nflog *n = &sm_t_rare(&f)->nflog;
    n->prefix = ban;
    n->packets = 3;
    n->dir = SM_DIR_ORIG;
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_EQUAL(c.ct_passed, SM_CT_PASSED_NONE);
    CU_ASSERT_PTR_NOT_NULL(c.nf_rule);
    sm_intern_release(ban);

    /* handshake-incomplete: SYN_RECV names the client's side. */
    row_handshake_incomplete(&f, &a);
    ctx.ct_table_full = false;
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_EQUAL_FATAL(c.verdict, SM_V_HANDSHAKE_INCOMPLETE);
    CU_ASSERT_EQUAL(c.ct_passed, SM_CT_PASSED_NONE);
    ct = &sm_t_rare(&f)->ct;
    ct->events = 2;
    ct->state = SM_CT_STATE_SYN_RECV;
    ct->has_state = true;
    ct->timeout_s = -1;
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_EQUAL(c.ct_passed, SM_CT_PASSED_SYNACK);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "stayed SYN_RECV: the server's SYN-ACK passed this "
                                            "host and the client's ACK never came back through "
                                            "it."));
    CU_ASSERT_PTR_NOT_NULL(strstr(sm_classification_hint(&c), "toward the client"));
    ct->state = SM_CT_STATE_SYN_SENT; /* the SYN-ACK never passed here */
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_EQUAL(c.ct_passed, SM_CT_PASSED_NONE);
    /* Another verdict: nothing. */
    row_refused(&f, &a);
    ct = &sm_t_rare(&f)->ct;
    ct->events = 1;
    ct->state = SM_CT_STATE_SYN_SENT;
    ct->has_state = true;
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_REFUSED);
    CU_ASSERT_EQUAL(c.ct_passed, SM_CT_PASSED_NONE);
}

/* Conntrack table full while the SYNs went out: a silent-drop says so,
 * unless a rule logged the SYNs (they had an entry then); other verdicts
 * ignore it. */
static void test_classify_ct_full(void)
{
    struct sm_flow f;
    struct sm_app_facts a;
    struct sm_classification c;
    sm_t_app(&a);
    row_silent_drop_3syns(&f, &a);
    struct sm_classify_ctx ctx = { .why = SM_END_TIMEOUT, .now_us = T0 + 80 * SEC };
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_FALSE(c.ct_table_full);
    ctx.ct_table_full = true;
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_SILENT_DROP);
    CU_ASSERT_TRUE(c.ct_table_full);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "conntrack table was full"));
    CU_ASSERT_PTR_NOT_NULL(strstr(sm_classification_hint(&c), "nf_conntrack_max"));
    const struct sm_interned *ban = sm_intern("ssh-ban", 7);
    struct sm_flow_nflog *n = &sm_t_rare(&f)->nflog;
    n->prefix = ban;
    n->packets = 3;
    n->dir = SM_DIR_ORIG;
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_FALSE(c.ct_table_full);
    CU_ASSERT_PTR_NOT_NULL(c.nf_rule);
    sm_intern_release(ban);
    row_refused(&f, &a);
    sm_classify(&f, &ctx, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_REFUSED);
    CU_ASSERT_FALSE(c.ct_table_full);
}

/* A schedule of retries as tcp_track.c records it: the times, and the tail
 * of the last three (newest last). */
static void sm_t_tail(int64_t tail[3], const int64_t *at, unsigned n)
{
    memset(tail, 0, 3 * sizeof(tail[0]));
    for (unsigned i = 0; i < n; i++)
        sm_tx_tail_push(tail, at[i]);
}

/* SYNs from the client at T0 + at[i]. */
static void sm_t_syn_schedule(struct sm_flow *f, const int64_t *at, unsigned n)
{
    sm_t_base(f, 4);
    sm_t_syns(f, 1);
    for (unsigned i = 1; i < n; i++) {
        sm_t_pkt(f, SM_DIR_ORIG, T0 + at[i]);
        sm_t_rare(f)->syn_ts[i] = T0 + at[i];
    }
    f->side[SM_DIR_ORIG].syn_count = n;
    int64_t abs[8];
    for (unsigned i = 0; i < n; i++)
        abs[i] = T0 + at[i];
    sm_t_tail(sm_t_rare(f)->syn_tail[SM_DIR_ORIG], abs, n);
}

/* Issue 22 item 9: a verdict that rests on a retry schedule running out is
 * unfinished when the capture stopped before the next retry was due; only
 * at the end of the input, never for a closed connection or an idle
 * expiry. */
static void test_classify_cut_short(void)
{
    struct sm_flow f;
    struct sm_app_facts a;
    struct sm_classification c;

    /* SYNs at 0, 1, 3 s (exponential): the next is due at 7 s. */
    static const int64_t exp3[] = { 0, 1 * SEC, 3 * SEC };
    sm_t_syn_schedule(&f, exp3, 3);
    sm_t_classify(&f, NULL, SM_END_CAPTURE_END, T0 + 3 * SEC, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_UNFINISHED);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "before the next retry was due (4.0 s"));
    CU_ASSERT_EQUAL(c.symptom[0], '\0');
    sm_t_classify(&f, NULL, SM_END_CAPTURE_END, T0 + 7 * SEC - 1, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_UNFINISHED);
    sm_t_classify(&f, NULL, SM_END_CAPTURE_END, T0 + 7 * SEC, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_SILENT_DROP);
    /* Live idle expiry is an end of its own. */
    sm_t_classify(&f, NULL, SM_END_TIMEOUT, T0 + 4 * SEC, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_SILENT_DROP);

    /* Linear SYN retries (tcp_syn_linear_timeouts) at 0, 1, 2 s: the next
     * is due one interval later. */
    static const int64_t lin3[] = { 0, 1 * SEC, 2 * SEC };
    sm_t_syn_schedule(&f, lin3, 3);
    sm_t_classify(&f, NULL, SM_END_CAPTURE_END, T0 + 2900 * MS, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_UNFINISHED);
    sm_t_classify(&f, NULL, SM_END_CAPTURE_END, T0 + 3 * SEC, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_SILENT_DROP);

    /* Times that do not advance (an input earlier than the one before it,
     * moved forward by the engine): no schedule, no claim. */
    static const int64_t flat[] = { 0, 0, 0 };
    sm_t_syn_schedule(&f, flat, 3);
    sm_t_classify(&f, NULL, SM_END_CAPTURE_END, T0, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_SILENT_DROP);

    /* SYN-ACKs at 0, 1, 3 s: the server's next retry is due 4 s after the
     * last (ssh-handshake-incomplete.pcap stops 2 s after it). */
    row_handshake_incomplete(&f, &a);
    static const int64_t sa[] = { T0 + 10 * MS, T0 + 1010 * MS, T0 + 3010 * MS };
    sm_t_tail(sm_t_rare(&f)->syn_tail[SM_DIR_RESP], sa, 3);
    sm_t_classify(&f, NULL, SM_END_CAPTURE_END, T0 + 5010 * MS, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_UNFINISHED);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "during the TCP handshake"));
    sm_t_classify(&f, NULL, SM_END_CAPTURE_END, T0 + 7010 * MS, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_HANDSHAKE_INCOMPLETE);
    /* The client's RST ends it: a close, not a capture cut short. */
    sm_t_rst(&f, SM_DIR_ORIG, T0 + 3500 * MS, 64);
    sm_t_classify(&f, NULL, SM_END_CAPTURE_END, T0 + 4 * SEC, &c);
    CU_ASSERT_NOT_EQUAL(c.verdict, SM_V_UNFINISHED);

    /* An established session whose server segment was sent at 20 s and
     * retransmitted at 20.2, 20.6, 21.4 and 23.0 s (backoff doubling):
     * the next retransmission is due 3.2 s after the last. */
    sm_t_app(&a);
    row_open(&f, &a);
    static const int64_t tx[] = { T0 + 20 * SEC, T0 + 20200 * MS, T0 + 20600 * MS, T0 + 21400 * MS,
                                  T0 + 23 * SEC };
    struct sm_tcp_stall *st = &sm_t_rare(&f)->stall[SM_DIR_RESP];
    memcpy(st->ts, tx, sizeof(tx));
    st->count = 5;
    st->active = true;
    st->seq = 6000;
    st->len = 100;
    sm_t_tail(st->tail, tx, 5);
    sm_t_pkt(&f, SM_DIR_ORIG, T0 + 19 * SEC);
    for (unsigned i = 0; i < 5; i++)
        sm_t_pkt(&f, SM_DIR_RESP, tx[i]);
    sm_t_classify(&f, &a, SM_END_CAPTURE_END, T0 + 23 * SEC, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_UNFINISHED);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "last of 4 retransmissions of the server's data"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reason, "(3.2 s after it)"));
    CU_ASSERT_EQUAL(c.closed_by, SM_BY_NONE);
    sm_t_classify(&f, &a, SM_END_CAPTURE_END, T0 + 26 * SEC, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_UNFINISHED);
    sm_t_classify(&f, &a, SM_END_CAPTURE_END, T0 + 26200 * MS, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_RETRANSMISSION_DEATH);
    sm_t_classify(&f, &a, SM_END_TIMEOUT, T0 + 24 * SEC, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_RETRANSMISSION_DEATH);
    /* A FIN closed it: no longer a capture cut short. */
    sm_t_fin(&f, SM_DIR_ORIG, T0 + 23 * SEC);
    sm_t_classify(&f, &a, SM_END_CAPTURE_END, T0 + 23 * SEC, &c);
    CU_ASSERT_EQUAL(c.verdict, SM_V_RETRANSMISSION_DEATH);
}

/* One test per line (clang-format would pack them into columns). */
/* clang-format off */
CU_TestInfo sm_classify_tests[] = {
    SM_TEST(test_classify_nflog),
    SM_TEST(test_classify_ct_full),
    SM_TEST(test_classify_ct_handshake),
    SM_TEST(test_classify_conntrack),
    SM_TEST(test_classify_table),
    SM_TEST(test_classify_details),
    SM_TEST(test_classify_confidence),
    SM_TEST(test_classify_names),
    SM_TEST(test_classify_hints),
    SM_TEST(test_classify_path_idle),
    SM_TEST(test_classify_cut_short),
    CU_TEST_INFO_NULL,
};
/* clang-format on */
