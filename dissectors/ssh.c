/* SPDX-License-Identifier: MIT */
/* summary: SSH per-connection state machine, one state per TCP direction.
 *
 * States and exits (per direction):
 *   LINES     lines before and including the identification line
 *             (RFC 4253 section 4.2). "SSH-2.0"/"SSH-1.99" -> PACKETS;
 *             "SSH-1.x" -> DONE (SSH-1 framing is not dissected); a line
 *             longer than SM_SSH_MAX_LINE, or another protocol's greeting,
 *             -> OTHER.
 *   PACKETS   plaintext binary packets (RFC 4253 section 6): KEXINIT, KEX
 *             replies, DISCONNECT, NEWKEYS; others are skipped.
 *             NEWKEYS -> ENCRYPTED. A bad length -> DONE with an anomaly.
 *   ENCRYPTED packets counted by their clear length when the cipher shows
 *             it (AES-GCM, EtM MACs), otherwise -> DONE (bytes are still
 *             counted by the flow table).
 *   OTHER     not SSH: no more bytes wanted.
 *   DONE      no more bytes wanted; a gap also leads here.
 * The dissector keeps no partial records: it answers "need N more". */
#include "config.h"
#include "ssh.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh_wire.h"
#include "writer.h"

/* Lines before the identification line: OpenSSH reads up to 1024 bytes a
 * line and any number of lines; a tarpit sends them forever. We count them
 * all and keep the first few. */
#define SM_SSH_MAX_LINE        1024u
#define SM_SSH_KEEP_PREBANNER  4u
#define SM_SSH_KEEP_LINE       200u
#define SM_SSH_KEEP_DISCONNECT 200u

enum sm_ssh_st {
    SM_SSH_LINES,
    SM_SSH_PACKETS,
    SM_SSH_ENCRYPTED, /* packets framed by their clear length */
    SM_SSH_SEGMENTS,  /* length encrypted too: each in-order delivery is a record */
    SM_SSH_OTHER,
    SM_SSH_DONE
};

/* Encrypted records (packets, or segments when lengths are encrypted) kept
 * in wire order for the authentication guess (doc/auth-heuristic.md). */
#define SM_SSH_AUTH_RECORDS 24

struct sm_ssh_side {
    enum sm_ssh_st st;
    uint8_t ident[SM_SSH_MAX_IDENT]; /* the identification line, raw */
    uint16_t ident_len;
    uint8_t proto_off, proto_len; /* views into ident */
    uint16_t soft_off, soft_len;
    uint16_t comm_off, comm_len;
    bool has_ident, has_comments;
    bool ident_partial; /* an identification line cut by a gap */
    bool ssh1;          /* announced protocol 1.x (not 1.99) */
    uint8_t *kexinit;   /* the first KEXINIT payload, copied */
    bool kexinit_cut;   /* a KEXINIT was seen, its lists cut by the capture */
    bool truncated;     /* packets were cut by the capture, framing kept */
    uint32_t kexinit_len;
    bool newkeys;
    bool gap;
    bool sent_server_msg; /* sent a KEX reply (31/33): acts as server */
    bool sent_client_msg; /* sent a KEX init (30/32/34): acts as client */
    uint32_t lines;       /* lines before the identification line */
    uint32_t mac_len;     /* encrypted framing: tag/MAC length */
    uint64_t enc_pkts, enc_bytes;
};

struct sm_ssh_prebanner {
    uint8_t line[SM_SSH_KEEP_PREBANNER][SM_SSH_KEEP_LINE];
    uint8_t len[SM_SSH_KEEP_PREBANNER];
    char escaped[SM_SSH_KEEP_LINE * 4 + 1]; /* the first line, for the reason */
};

struct sm_ssh_state {
    struct sm_ssh_side side[2]; /* by TCP direction */
    /* Lines before the identification line, per TCP direction (which side
     * is the server may only be known later: reverse SSH); allocated only
     * when such lines come, which they rarely do. */
    struct sm_ssh_prebanner *pre[2];
    const char *other_protocol;
    int other_dir;
    bool disconnect;
    int disconnect_dir;
    uint32_t disconnect_code;
    uint8_t disconnect_text[SM_SSH_KEEP_DISCONNECT];
    uint8_t disconnect_len;
    bool hostkey;
    char hostkey_type[SM_SSH_KEYTYPE_LEN];
    char hostkey_fp[SM_SSH_FP_LEN];
    bool limit_hit;  /* an over-long field or packet was met */
    bool bad_packet; /* a binary packet's lengths were impossible */
    bool long_ident; /* an identification line over RFC 4253's 255 bytes */
    struct {
        uint8_t dir;
        uint32_t size;
    } rec[SM_SSH_AUTH_RECORDS];
    uint8_t nrec;
    bool rec_gap; /* a gap after NEWKEYS: record sizes unreliable */
    bool closed;  /* a side closed (FIN or RST) */
    /* Negotiation results, recomputed only when their inputs change (a
     * KEXINIT stored, a KEX message showing a role). */
    struct {
        unsigned key; /* 0: never computed */
        int srv;      /* TCP direction acting as SSH server */
        bool ok[SM_SSH_KEX_LISTS];
        struct sm_bytes v[SM_SSH_KEX_LISTS]; /* views into the KEXINIT copies */
    } neg;
};

/* ---- roles --------------------------------------------------------------- */

/* Which TCP direction acts as the SSH server: KEX messages decide, then the
 * strict-kex/ext-info markers of the KEXINITs, then TCP (the responder). */
static int sm_ssh_server_dir(const struct sm_ssh_state *s);

static int sm_ssh_server_dir_compute(const struct sm_ssh_state *s)
{
    for (int d = 0; d < 2; d++) {
        if (s->side[d].sent_server_msg || s->side[!d].sent_client_msg)
            return d;
    }
    for (int d = 0; d < 2; d++) {
        const struct sm_ssh_side *x = &s->side[d];
        struct sm_ssh_kexinit k;
        if (x->kexinit && sm_ssh_parse_kexinit(x->kexinit, x->kexinit_len, &k) == SM_OK) {
            if (sm_ssh_kexinit_has(&k, SM_SSH_STRICT_KEX_S) ||
                sm_ssh_kexinit_has(&k, SM_SSH_EXT_INFO_S))
                return d;
            if (sm_ssh_kexinit_has(&k, SM_SSH_STRICT_KEX_C) ||
                sm_ssh_kexinit_has(&k, SM_SSH_EXT_INFO_C))
                return !d;
        }
    }
    return SM_APP_RESP;
}

/* ---- another protocol on the port --------------------------------------- */

static const char *sm_ssh_guess_other(const uint8_t *p, size_t n)
{
    static const struct {
        const char *prefix;
        const char *name;
    } greet[] = {
        { "GET ", "http" },     { "POST ", "http" },       { "HEAD ", "http" },
        { "PUT ", "http" },     { "OPTIONS ", "http" },    { "HTTP/", "http" },
        { "CONNECT ", "http" }, { "220 ", "smtp-or-ftp" }, { "220-", "smtp-or-ftp" },
        { "EHLO", "smtp" },     { "HELO", "smtp" },        { "+OK", "pop3" },
        { "* OK", "imap" },     { "RFB ", "vnc" },
    };
    if (n >= 2 && p[0] == 0x16 && p[1] == 0x03)
        return "tls";
    for (size_t i = 0; i < sizeof(greet) / sizeof(greet[0]); i++) {
        size_t k = strlen(greet[i].prefix);
        if (n >= k && memcmp(p, greet[i].prefix, k) == 0)
            return greet[i].name;
    }
    return NULL;
}

static void sm_ssh_mark_other(struct sm_ssh_state *s, int dir, const char *what)
{
    s->side[dir].st = SM_SSH_OTHER;
    if (!s->other_protocol) {
        s->other_protocol = what ? what : "unknown";
        s->other_dir = dir;
    }
}

/* ---- LINES --------------------------------------------------------------- */

static void sm_ssh_keep_ident(struct sm_ssh_side *x, const struct sm_ssh_line *l)
{
    size_t n = l->text.len < sizeof(x->ident) ? l->text.len : sizeof(x->ident);
    memcpy(x->ident, l->text.p, n);
    x->ident_len = (uint16_t)n;
    x->has_ident = true;
    /* Offsets of the parts inside the kept copy (clamped to it). */
    size_t po = l->proto_version.p ? (size_t)(l->proto_version.p - l->text.p) : 4;
    size_t so = l->software_version.p ? (size_t)(l->software_version.p - l->text.p) : n;
    size_t co = l->comments.p ? (size_t)(l->comments.p - l->text.p) : n;
#define SM_CLAMP(off, len) ((off) >= n ? 0 : ((len) > n - (off) ? n - (off) : (len)))
    x->proto_off = (uint8_t)(po < n ? po : n);
    x->proto_len = (uint8_t)SM_CLAMP(po, l->proto_version.len);
    x->soft_off = (uint16_t)(so < n ? so : n);
    x->soft_len = (uint16_t)SM_CLAMP(so, l->software_version.len);
    x->comm_off = (uint16_t)(co < n ? co : n);
    x->comm_len = (uint16_t)SM_CLAMP(co, l->comments.len);
#undef SM_CLAMP
    x->has_comments = l->has_comments;
}

/* The start of an identification line whose end has not arrived: if a gap
 * (a snaplen cut, capture loss) ends the direction, what was seen of it
 * still tells that the side spoke SSH. */
static void sm_ssh_keep_partial(struct sm_ssh_side *x, const uint8_t *p, size_t n)
{
    if (x->has_ident || n < 4 || memcmp(p, "SSH-", 4) != 0)
        return;
    uint8_t line[SM_SSH_MAX_IDENT + 1];
    size_t k = n < SM_SSH_MAX_IDENT ? n : SM_SSH_MAX_IDENT;
    memcpy(line, p, k);
    line[k] = '\n';
    struct sm_ssh_line l;
    size_t used, more;
    if (sm_ssh_parse_line(line, k + 1, sizeof(line), &l, &used, &more) == SM_OK && l.is_ident) {
        sm_ssh_keep_ident(x, &l);
        x->has_ident = false; /* not complete yet */
        x->ident_partial = true;
    }
}

static bool sm_ssh_lines(struct sm_ssh_state *s, int dir, const uint8_t *p, size_t n,
                         size_t *consumed, size_t *need)
{
    struct sm_ssh_side *x = &s->side[dir];

    /* The client side must start with "SSH-"; other protocols are told
     * apart by their greeting before a whole line is there. */
    if (x->lines == 0 && n > 0) {
        const char *other = sm_ssh_guess_other(p, n);
        if (other) {
            sm_ssh_mark_other(s, dir, other);
            *consumed = n;
            return false;
        }
    }
    while (*consumed < n) {
        struct sm_ssh_line l;
        size_t used = 0, more = 0;
        enum sm_err e =
                sm_ssh_parse_line(p + *consumed, n - *consumed, SM_SSH_MAX_LINE, &l, &used, &more);
        if (e == SM_ERR_INCOMPLETE) {
            sm_ssh_keep_partial(x, p + *consumed, n - *consumed);
            *need = more;
            return true;
        }
        if (e != SM_OK) { /* no line end within the cap: not SSH */
            s->limit_hit = true;
            sm_ssh_mark_other(s, dir, NULL);
            *consumed = n;
            return false;
        }
        *consumed += used;
        if (l.is_ident) {
            if (used > SM_SSH_MAX_IDENT) /* RFC 4253 4.2: 255 with CR LF */
                s->long_ident = true;
            sm_ssh_keep_ident(x, &l);
            if (l.proto_version.len >= 2 && memcmp(l.proto_version.p, "1.", 2) == 0 &&
                !(l.proto_version.len == 4 && memcmp(l.proto_version.p, "1.99", 4) == 0)) {
                x->st = SM_SSH_DONE; /* SSH-1: framing not dissected */
                x->ssh1 = true;
                return false;
            }
            x->st = SM_SSH_PACKETS;
            return true;
        }
        /* A line before the identification line. */
        if (x->lines == 0 && sm_ssh_guess_other(l.text.p, l.text.len)) {
            sm_ssh_mark_other(s, dir, sm_ssh_guess_other(l.text.p, l.text.len));
            return false;
        }
        if (x->lines < SM_SSH_KEEP_PREBANNER && !s->pre[dir])
            s->pre[dir] = calloc(1, sizeof(*s->pre[dir]));
        if (x->lines < SM_SSH_KEEP_PREBANNER && s->pre[dir]) {
            struct sm_ssh_prebanner *pb = s->pre[dir];
            size_t k = l.text.len < SM_SSH_KEEP_LINE ? l.text.len : SM_SSH_KEEP_LINE;
            memcpy(pb->line[x->lines], l.text.p, k);
            pb->len[x->lines] = (uint8_t)k;
            if (x->lines == 0) /* for the classifier's reason sentence */
                sm_escape_bytes(l.text.p, k, pb->escaped, sizeof(pb->escaped));
        }
        if (x->lines < UINT32_MAX)
            x->lines++;
    }
    return true;
}

/* ---- PACKETS --------------------------------------------------------------- */

/* The MAC/tag length of an encrypted packet whose length field travels in
 * clear, or 0 when the cipher encrypts it (chacha20-poly1305, CTR/CBC with
 * a MAC over the plaintext): then packets cannot be framed. */
static uint32_t sm_ssh_clear_length_mac(struct sm_bytes cipher, struct sm_bytes mac)
{
    static const struct {
        const char *name;
        uint32_t len;
    } etm[] = {
        { "hmac-sha2-256-etm@openssh.com", 32 }, { "hmac-sha2-512-etm@openssh.com", 64 },
        { "hmac-sha1-etm@openssh.com", 20 },     { "umac-64-etm@openssh.com", 8 },
        { "umac-128-etm@openssh.com", 16 },      { "hmac-sha1-96-etm@openssh.com", 12 },
        { "hmac-md5-etm@openssh.com", 16 },
    };
    if ((cipher.len == 22 && memcmp(cipher.p, "aes128-gcm@openssh.com", 22) == 0) ||
        (cipher.len == 22 && memcmp(cipher.p, "aes256-gcm@openssh.com", 22) == 0))
        return 16;
    if (cipher.len == 29 && memcmp(cipher.p, "chacha20-poly1305@openssh.com", 29) == 0)
        return 0;
    for (size_t i = 0; i < sizeof(etm) / sizeof(etm[0]); i++)
        if (mac.len == strlen(etm[i].name) && memcmp(mac.p, etm[i].name, mac.len) == 0)
            return etm[i].len;
    return 0;
}

static bool sm_ssh_name_is(struct sm_bytes b, const char *name)
{
    size_t k = strlen(name);
    return b.len == k && memcmp(b.p, name, k) == 0;
}

/* Ciphers that authenticate themselves (no MAC is negotiated for them). */
static bool sm_ssh_is_aead(struct sm_bytes cipher)
{
    return sm_ssh_name_is(cipher, "chacha20-poly1305@openssh.com") ||
           sm_ssh_name_is(cipher, "aes128-gcm@openssh.com") ||
           sm_ssh_name_is(cipher, "aes256-gcm@openssh.com");
}

/* What the negotiation depends on; it only ever grows, so it names the state. */
static unsigned sm_ssh_neg_key(const struct sm_ssh_state *s)
{
    unsigned k = 1;
    for (int d = 0; d < 2; d++) {
        const struct sm_ssh_side *x = &s->side[d];
        k |= (x->kexinit != NULL) << (1 + 3 * d);
        k |= x->sent_server_msg << (2 + 3 * d);
        k |= x->sent_client_msg << (3 + 3 * d);
    }
    return k;
}

/* Roles and the algorithms chosen per list, client preference (RFC 4253
 * 7.1). The cache inside the state is filled lazily, also from the const
 * callbacks (facts, describe): the state is this dissector's own heap
 * object, never const. */
static void sm_ssh_neg_refresh(const struct sm_ssh_state *cs)
{
    struct sm_ssh_state *s = (struct sm_ssh_state *)(uintptr_t)cs;
    unsigned key = sm_ssh_neg_key(s);
    if (s->neg.key == key)
        return;
    memset(&s->neg, 0, sizeof(s->neg));
    s->neg.key = key;
    s->neg.srv = sm_ssh_server_dir_compute(s);
    const struct sm_ssh_side *c = &s->side[!s->neg.srv], *v = &s->side[s->neg.srv];
    struct sm_ssh_kexinit kc, ks;
    if (!c->kexinit || !v->kexinit || sm_ssh_parse_kexinit(c->kexinit, c->kexinit_len, &kc) ||
        sm_ssh_parse_kexinit(v->kexinit, v->kexinit_len, &ks))
        return;
    for (int i = 0; i < SM_SSH_KEX_LISTS; i++)
        s->neg.ok[i] = sm_ssh_negotiate(kc.list[i], ks.list[i], &s->neg.v[i], NULL);
}

static int sm_ssh_server_dir(const struct sm_ssh_state *s)
{
    sm_ssh_neg_refresh(s);
    return s->neg.srv;
}

static bool sm_ssh_pick(const struct sm_ssh_state *s, enum sm_ssh_kex_list which,
                        struct sm_bytes *out)
{
    sm_ssh_neg_refresh(s);
    *out = s->neg.v[which];
    return s->neg.ok[which];
}

static void sm_ssh_enter_encrypted(struct sm_ssh_state *s, int dir)
{
    struct sm_ssh_side *x = &s->side[dir];
    bool c2s = dir != sm_ssh_server_dir(s);
    struct sm_bytes cipher, mac;
    sm_ssh_pick(s, c2s ? SM_SSH_KEX_ENC_C2S : SM_SSH_KEX_ENC_S2C, &cipher);
    sm_ssh_pick(s, c2s ? SM_SSH_KEX_MAC_C2S : SM_SSH_KEX_MAC_S2C, &mac);
    x->newkeys = true;
    x->mac_len = sm_ssh_clear_length_mac(cipher, mac);
    x->st = x->mac_len ? SM_SSH_ENCRYPTED : SM_SSH_SEGMENTS;
}

/* KEX messages reveal roles: the client sends the KEX init (30, 32, 34),
 * the server the reply (31, 33). */
static void sm_ssh_note_role(struct sm_ssh_side *x, uint8_t msg)
{
    if (msg == SM_SSH_MSG_KEXDH_INIT || msg == SM_SSH_MSG_KEX_DH_GEX_INIT ||
        msg == SM_SSH_MSG_KEX_DH_GEX_REQUEST)
        x->sent_client_msg = true;
    else if (msg == SM_SSH_MSG_KEXDH_REPLY || msg == SM_SSH_MSG_KEX_DH_GEX_REPLY)
        x->sent_server_msg = true;
}

static void sm_ssh_message(struct sm_ssh_state *s, int dir, const struct sm_ssh_packet *pk)
{
    struct sm_ssh_side *x = &s->side[dir];
    switch (pk->msg) {
    case SM_SSH_MSG_KEXINIT:
        if (!x->kexinit) {
            struct sm_ssh_kexinit k;
            enum sm_err e = sm_ssh_parse_kexinit(pk->payload.p, pk->payload.len, &k);
            if (e == SM_ERR_LIMIT)
                s->limit_hit = true;
            if (e == SM_OK) {
                x->kexinit = malloc(pk->payload.len);
                if (x->kexinit) {
                    memcpy(x->kexinit, pk->payload.p, pk->payload.len);
                    x->kexinit_len = (uint32_t)pk->payload.len;
                }
            }
        }
        break;
    case SM_SSH_MSG_KEXDH_INIT:
    case SM_SSH_MSG_KEX_DH_GEX_INIT:
    case SM_SSH_MSG_KEX_DH_GEX_REQUEST:
        sm_ssh_note_role(x, pk->msg);
        break;
    case SM_SSH_MSG_KEXDH_REPLY:
    case SM_SSH_MSG_KEX_DH_GEX_REPLY: {
        sm_ssh_note_role(x, pk->msg);
        struct sm_bytes kex;
        bool gex = sm_ssh_pick(s, SM_SSH_KEX_ALGS, &kex) && kex.len >= 28 &&
                   memcmp(kex.p, "diffie-hellman-group-exchange", 29 > kex.len ? kex.len : 29) == 0;
        /* Under group exchange, 31 is KEX_DH_GEX_GROUP, not a reply. */
        if (s->hostkey || (gex && pk->msg == SM_SSH_MSG_KEXDH_REPLY))
            break;
        struct sm_bytes blob;
        if (sm_ssh_parse_kex_reply(pk->payload.p, pk->payload.len, &blob) == SM_OK &&
            sm_ssh_hostkey_describe(blob, s->hostkey_type, sizeof(s->hostkey_type), s->hostkey_fp,
                                    sizeof(s->hostkey_fp)) == SM_OK)
            s->hostkey = true;
        break;
    }
    case SM_SSH_MSG_DISCONNECT: {
        uint32_t code;
        struct sm_bytes desc;
        if (!s->disconnect &&
            sm_ssh_parse_disconnect(pk->payload.p, pk->payload.len, &code, &desc) == SM_OK) {
            s->disconnect = true;
            s->disconnect_dir = dir;
            s->disconnect_code = code;
            size_t k =
                    desc.len < sizeof(s->disconnect_text) ? desc.len : sizeof(s->disconnect_text);
            memcpy(s->disconnect_text, desc.p, k);
            s->disconnect_len = (uint8_t)k;
        }
        break;
    }
    case SM_SSH_MSG_NEWKEYS:
        sm_ssh_enter_encrypted(s, dir);
        break;
    default: /* IGNORE, DEBUG, UNIMPLEMENTED, the rest of the KEX: skipped */
        break;
    }
}

static bool sm_ssh_packets(struct sm_ssh_state *s, int dir, const uint8_t *p, size_t n,
                           size_t *consumed, size_t *need)
{
    struct sm_ssh_side *x = &s->side[dir];
    while (*consumed < n && x->st == SM_SSH_PACKETS) {
        struct sm_ssh_packet pk;
        size_t used = 0, more = 0;
        enum sm_err e = sm_ssh_parse_packet(p + *consumed, n - *consumed, &pk, &used, &more);
        if (e == SM_ERR_INCOMPLETE) {
            *need = more;
            return true;
        }
        if (e != SM_OK) {
            if (e == SM_ERR_LIMIT)
                s->limit_hit = true;
            else
                s->bad_packet = true;
            x->st = SM_SSH_DONE;
            return false;
        }
        *consumed += used;
        sm_ssh_message(s, dir, &pk);
    }
    return x->st == SM_SSH_PACKETS || x->st == SM_SSH_ENCRYPTED || x->st == SM_SSH_SEGMENTS;
}

static void sm_ssh_record(struct sm_ssh_state *s, int dir, uint64_t size)
{
    if (s->nrec < SM_SSH_AUTH_RECORDS) {
        s->rec[s->nrec].dir = (uint8_t)dir;
        s->rec[s->nrec].size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
        s->nrec++;
    }
}

/* Encrypted packets with a clear length: count, and skip their bodies. */
static bool sm_ssh_encrypted(struct sm_ssh_side *x, const uint8_t *p, size_t n, size_t *consumed,
                             size_t *need, uint64_t *skip)
{
    struct sm_cur c;
    sm_cur_init(&c, p, n, true);
    uint32_t len = sm_cur_be32(&c);
    if (!sm_cur_ok(&c)) {
        *need = c.need;
        return true;
    }
    if (len > 256 * 1024) { /* OpenSSH's own cap (PACKET_MAX_SIZE) */
        x->st = SM_SSH_DONE;
        return false;
    }
    x->enc_pkts++;
    x->enc_bytes += 4u + len + x->mac_len;
    *consumed = 4;
    *skip = (uint64_t)len + x->mac_len;
    return true;
}

/* ---- the contract ---------------------------------------------------------- */

static int sm_ssh_probe(const uint8_t *p, size_t n, bool on_port)
{
    (void)on_port;
    size_t k = n < 4 ? n : 4;
    return memcmp(p, "SSH-", k) == 0 ? 1 : 0;
}

static void *sm_ssh_new(void)
{
    struct sm_ssh_state *s = calloc(1, sizeof(*s));
    if (s)
        s->disconnect_dir = -1;
    return s;
}

static void sm_ssh_free(void *st)
{
    struct sm_ssh_state *s = st;
    if (!s)
        return;
    for (int d = 0; d < 2; d++) {
        free(s->side[d].kexinit);
        free(s->pre[d]);
    }
    free(s);
}

static bool sm_ssh_deliver(void *st, int dir, const uint8_t *p, size_t n, size_t *consumed,
                           size_t *need, uint64_t *skip)
{
    struct sm_ssh_state *s = st;
    struct sm_ssh_side *x = &s->side[dir & 1];
    *consumed = 0;
    *need = 0;
    *skip = 0;
    for (;;) {
        size_t before = *consumed;
        bool more;
        switch (x->st) {
        case SM_SSH_LINES:
            more = sm_ssh_lines(s, dir & 1, p, n, consumed, need);
            break;
        case SM_SSH_PACKETS:
            more = sm_ssh_packets(s, dir & 1, p, n, consumed, need);
            break;
        case SM_SSH_ENCRYPTED: {
            size_t used = 0;
            more = sm_ssh_encrypted(x, p + *consumed, n - *consumed, &used, need, skip);
            if (used)
                sm_ssh_record(s, dir & 1, 4u + *skip);
            *consumed += used;
            return more; /* the reassembler skips the body, then calls again */
        }
        case SM_SSH_SEGMENTS:
            /* Lengths are encrypted: each in-order delivery (one TCP
             * segment, retransmissions removed) stands for a record. Once
             * enough are kept, nothing more is wanted. */
            sm_ssh_record(s, dir & 1, n - *consumed);
            x->enc_pkts++;
            x->enc_bytes += n - *consumed;
            *consumed = n;
            return s->nrec < SM_SSH_AUTH_RECORDS;
        default:
            *consumed = n;
            return false;
        }
        if (!more || *need > 0 || *consumed >= n || *consumed == before)
            return more;
    }
}

/* Missing bytes inside a plaintext packet whose header was seen (a snaplen
 * cut, typically): the packet's type is still known and the next packet
 * starts where its length says, so the direction stays in step. */
static bool sm_ssh_resync(struct sm_ssh_state *s, int dir, uint64_t len, const uint8_t *partial,
                          size_t partial_len, uint64_t *skip)
{
    struct sm_ssh_side *x = &s->side[dir];
    struct sm_cur c;
    sm_cur_init(&c, partial, partial_len, false);
    uint32_t plen = sm_cur_be32(&c);
    uint8_t padlen = sm_cur_u8(&c);
    uint8_t msg = sm_cur_u8(&c);
    if (!sm_cur_ok(&c) || plen > SM_SSH_MAX_PACKET || plen < 5 || padlen >= plen)
        return false;
    uint64_t total = 4u + (uint64_t)plen;
    if (partial_len + len > total)
        return false; /* the gap runs past this packet: framing lost */
    *skip = total - partial_len - len;
    x->truncated = true;
    sm_ssh_note_role(x, msg);
    if (msg == SM_SSH_MSG_KEXINIT)
        x->kexinit_cut = true;
    else if (msg == SM_SSH_MSG_NEWKEYS)
        sm_ssh_enter_encrypted(s, dir);
    return true;
}

static bool sm_ssh_gap(void *st, int dir, uint64_t len, const uint8_t *partial, size_t partial_len,
                       uint64_t *skip)
{
    struct sm_ssh_state *s = st;
    struct sm_ssh_side *x = &s->side[dir & 1];
    *skip = 0;
    if (x->st == SM_SSH_PACKETS && sm_ssh_resync(s, dir & 1, len, partial, partial_len, skip))
        return true;
    x->gap = true;
    if (x->st == SM_SSH_ENCRYPTED || x->st == SM_SSH_SEGMENTS)
        s->rec_gap = true;
    if (x->ident_partial && x->st == SM_SSH_LINES)
        x->has_ident = true; /* its start was seen */
    /* Anything else loses its framing. */
    if (x->st != SM_SSH_OTHER)
        x->st = SM_SSH_DONE;
    return false;
}

static void sm_ssh_eof(void *st, int dir)
{
    struct sm_ssh_state *s = st;
    (void)dir;
    s->closed = true;
}

/* Authentication guess from encrypted record sizes (doc/auth-heuristic.md,
 * measured on OpenSSH 9.2): A is the server's SERVICE_ACCEPT, the first
 * server record after the client's first; USERAUTH_SUCCESS, with a 1-byte
 * payload, is exactly 16 bytes smaller under OpenSSH's minimal padding; a
 * server speaking twice in a row after two client requests has left the
 * request/answer rhythm of authentication; a connection that ends on a
 * server answer at least as large as A failed. */
static void sm_ssh_auth_guess(const struct sm_ssh_state *s, int srv, struct sm_app_facts *f)
{
    f->auth_success = -1;
    if (s->rec_gap || !s->side[0].newkeys || !s->side[1].newkeys)
        return;
    struct sm_bytes comp;
    if (sm_ssh_pick(s, SM_SSH_KEX_COMP_S2C, &comp) && sm_ssh_name_is(comp, "zlib"))
        return; /* compression from the start changes every size */
    unsigned i = 0;
    while (i < s->nrec && s->rec[i].dir == srv)
        i++; /* server records before the client's first (EXT_INFO) */
    while (i < s->nrec && s->rec[i].dir != srv)
        i++;
    if (i >= s->nrec)
        return;
    uint32_t a = s->rec[i].size;
    unsigned n = 0;
    bool prev_server = true;
    for (i++; i < s->nrec; i++) {
        if (s->rec[i].dir != srv) {
            n++;
            prev_server = false;
            continue;
        }
        uint32_t size = s->rec[i].size;
        if (size < a) {
            if (a >= 16 && size == a - 16) {
                f->auth_success = 1;
                f->auth_confidence = 0.9;
            }
            return;
        }
        if (prev_server && n >= 2) {
            f->auth_success = 1;
            f->auth_confidence = 0.6;
            return;
        }
        prev_server = true;
    }
    /* At least one request after SERVICE_ACCEPT was answered (n counts
     * them): a client that never tried is no failed authentication. */
    if (s->closed && n >= 1 && s->nrec > 0 && s->nrec < SM_SSH_AUTH_RECORDS &&
        s->rec[s->nrec - 1].dir == srv && s->rec[s->nrec - 1].size >= a) {
        f->auth_success = 0;
        f->auth_confidence = 0.8;
    }
}

static void sm_ssh_facts(const void *st, struct sm_app_facts *f)
{
    const struct sm_ssh_state *s = st;
    int srv = sm_ssh_server_dir(s);
    f->dissected = true;
    for (int d = 0; d < 2; d++) {
        const struct sm_ssh_side *x = &s->side[d];
        f->ident_seen[d] = x->has_ident;
        f->kexinit_seen[d] = x->kexinit != NULL || x->kexinit_cut;
        f->truncated[d] = x->truncated;
        f->newkeys_seen[d] = x->newkeys;
        f->gap[d] = x->gap;
        f->not_protocol[d] = x->st == SM_SSH_OTHER;
    }
    f->other_protocol = s->other_protocol;
    f->prebanner_seen = s->side[srv].lines > 0;
    if (f->prebanner_seen && s->pre[srv] && s->pre[srv]->escaped[0])
        f->prebanner_text = s->pre[srv]->escaped;
    f->reversed = srv == SM_APP_ORIG;
    f->legacy = s->side[0].ssh1 || s->side[1].ssh1;
    f->limit_hit = s->limit_hit;
    f->bad_packet = s->bad_packet;
    f->long_ident = s->long_ident;
    f->disconnect_seen = s->disconnect;
    f->disconnect_dir = s->disconnect_dir;
    f->disconnect_code = s->disconnect_code;
    if (s->side[0].kexinit && s->side[1].kexinit) {
        static const struct {
            enum sm_ssh_kex_list list;
            const char *name;
        } cat[] = {
            { SM_SSH_KEX_ALGS, "kex" },
            { SM_SSH_KEX_HOSTKEY, "host_key" },
            { SM_SSH_KEX_ENC_C2S, "cipher" },
            { SM_SSH_KEX_ENC_S2C, "cipher" },
            { SM_SSH_KEX_MAC_C2S, "mac" },
            { SM_SSH_KEX_MAC_S2C, "mac" },
            { SM_SSH_KEX_COMP_C2S, "compression" },
            { SM_SSH_KEX_COMP_S2C, "compression" },
        };
        for (size_t i = 0; i < sizeof(cat) / sizeof(cat[0]); i++) {
            struct sm_bytes b;
            if (sm_ssh_pick(s, cat[i].list, &b))
                continue;
            /* An AEAD cipher brings its own MAC: no MAC need be common. */
            if (cat[i].list == SM_SSH_KEX_MAC_C2S || cat[i].list == SM_SSH_KEX_MAC_S2C) {
                struct sm_bytes ci;
                if (sm_ssh_pick(s,
                                cat[i].list == SM_SSH_KEX_MAC_C2S ? SM_SSH_KEX_ENC_C2S
                                                                  : SM_SSH_KEX_ENC_S2C,
                                &ci) &&
                    sm_ssh_is_aead(ci))
                    continue;
            }
            f->kex_no_common = true;
            f->kex_no_common_category = cat[i].name;
            struct sm_ssh_kexinit kc, ks;
            if (sm_ssh_parse_kexinit(s->side[!srv].kexinit, s->side[!srv].kexinit_len, &kc) ==
                        SM_OK &&
                sm_ssh_parse_kexinit(s->side[srv].kexinit, s->side[srv].kexinit_len, &ks) ==
                        SM_OK) {
                f->kex_fail_list[0] = kc.list[cat[i].list].p;
                f->kex_fail_len[0] = kc.list[cat[i].list].len;
                f->kex_fail_list[1] = ks.list[cat[i].list].p;
                f->kex_fail_len[1] = ks.list[cat[i].list].len;
            }
            break;
        }
    }
    sm_ssh_auth_guess(s, srv, f);
    if (f->auth_success == 1)
        f->phase = SM_APP_SESSION;
    else if (s->side[0].newkeys && s->side[1].newkeys)
        f->phase = SM_APP_AUTH;
    else if (f->kexinit_seen[0] || f->kexinit_seen[1])
        f->phase = SM_APP_KEX;
    else if (s->side[0].has_ident || s->side[1].has_ident || s->side[0].lines || s->side[1].lines)
        f->phase = SM_APP_BANNER;
    f->auth_success = -1;
}

/* ---- the event section ----------------------------------------------------- */

static void sm_ssh_w_view(struct sm_writer *w, const char *key, const uint8_t *p, size_t n,
                          bool present)
{
    if (present)
        w->ops->str(w, key, p, n);
    else
        w->ops->null(w, key);
}

static void sm_ssh_w_kexinit(struct sm_writer *w, const struct sm_ssh_kexinit *k)
{
    w->ops->obj_begin(w, "kexinit");
    for (int i = 0; i < SM_SSH_KEX_LISTS; i++) {
        struct sm_ssh_names it;
        struct sm_bytes name;
        size_t count = 0;
        w->ops->arr_begin(w, sm_ssh_kex_list_names[i]);
        sm_ssh_names_init(&it, k->list[i]);
        while (sm_ssh_names_next(&it, &name) && count++ < SM_SSH_MAX_NAMES)
            w->ops->str(w, NULL, name.p, name.len);
        w->ops->arr_end(w);
    }
    w->ops->boolean(w, "first_kex_packet_follows", k->first_kex_follows);
    w->ops->obj_end(w);
}

static void sm_ssh_w_endpoint(const struct sm_ssh_state *s, struct sm_writer *w, int dir,
                              bool server)
{
    const struct sm_ssh_side *x = &s->side[dir];
    const char *key = server ? "server" : "client";
    if (!x->has_ident && !x->kexinit && !x->lines) {
        w->ops->null(w, key);
        return;
    }
    struct sm_ssh_kexinit k;
    bool have_k = x->kexinit && sm_ssh_parse_kexinit(x->kexinit, x->kexinit_len, &k) == SM_OK;

    w->ops->obj_begin(w, key);
    sm_ssh_w_view(w, "proto_version", x->ident + x->proto_off, x->proto_len, x->has_ident);
    sm_ssh_w_view(w, "software_version", x->ident + x->soft_off, x->soft_len, x->has_ident);
    sm_ssh_w_view(w, "comments", x->ident + x->comm_off, x->comm_len,
                  x->has_ident && x->has_comments);
    if (have_k) {
        char md5[33];
        size_t strsz = k.list[SM_SSH_KEX_ALGS].len + 4;
        for (int i = SM_SSH_KEX_ENC_C2S; i <= SM_SSH_KEX_COMP_S2C; i++)
            strsz += k.list[i].len; /* more than the four hashed lists need */
        char *str = malloc(strsz);
        sm_ssh_hassh(&k, server, md5, str, str ? strsz : 0);
        w->ops->obj_begin(w, "hassh");
        sm_w_cstr(w, "hash", md5);
        if (str)
            sm_w_cstr(w, "string", str);
        else
            w->ops->null(w, "string");
        w->ops->obj_end(w);
        free(str);
        sm_ssh_w_kexinit(w, &k);
        w->ops->boolean(w, "strict_kex",
                        sm_ssh_kexinit_has(&k, server ? SM_SSH_STRICT_KEX_S : SM_SSH_STRICT_KEX_C));
        w->ops->boolean(w, "ext_info",
                        sm_ssh_kexinit_has(&k, server ? SM_SSH_EXT_INFO_S : SM_SSH_EXT_INFO_C));
    } else {
        w->ops->null(w, "hassh");
        w->ops->null(w, "kexinit");
        w->ops->null(w, "strict_kex");
        w->ops->null(w, "ext_info");
    }
    w->ops->boolean(w, "newkeys", x->newkeys);
    w->ops->u64(w, "encrypted_packets", x->enc_pkts);
    w->ops->u64(w, "encrypted_bytes", x->enc_bytes);
    if (server) {
        w->ops->u64(w, "prebanner_lines", x->lines);
        w->ops->arr_begin(w, "prebanner");
        uint32_t keep = x->lines < SM_SSH_KEEP_PREBANNER ? x->lines : SM_SSH_KEEP_PREBANNER;
        for (uint32_t i = 0; s->pre[dir] && i < keep; i++)
            w->ops->str(w, NULL, s->pre[dir]->line[i], s->pre[dir]->len[i]);
        w->ops->arr_end(w);
        if (s->hostkey) {
            w->ops->obj_begin(w, "host_key");
            sm_w_cstr(w, "type", s->hostkey_type);
            sm_w_cstr(w, "fingerprint_sha256", s->hostkey_fp);
            w->ops->obj_end(w);
        } else {
            w->ops->null(w, "host_key");
        }
    }
    w->ops->obj_end(w);
}

/* Terrapin (CVE-2023-48795): a prefix-truncation attack on the KEX works
 * when chacha20-poly1305, or a CBC cipher with an EtM MAC, is negotiated and
 * strict KEX is not active on both sides. */
static void sm_ssh_w_terrapin(const struct sm_ssh_state *s, struct sm_writer *w,
                              const struct sm_bytes *neg, bool ok)
{
    if (!ok) {
        w->ops->null(w, "terrapin");
        return;
    }
    int srv = sm_ssh_server_dir(s);
    struct sm_ssh_kexinit kc, ks;
    bool strict =
            sm_ssh_parse_kexinit(s->side[!srv].kexinit, s->side[!srv].kexinit_len, &kc) == SM_OK &&
            sm_ssh_parse_kexinit(s->side[srv].kexinit, s->side[srv].kexinit_len, &ks) == SM_OK &&
            sm_ssh_kexinit_has(&kc, SM_SSH_STRICT_KEX_C) &&
            sm_ssh_kexinit_has(&ks, SM_SSH_STRICT_KEX_S);
    bool chacha = false, cbc_etm = false;
    for (int d = 0; d < 2; d++) {
        struct sm_bytes c = neg[SM_SSH_KEX_ENC_C2S + d], m = neg[SM_SSH_KEX_MAC_C2S + d];
        if (sm_ssh_name_is(c, "chacha20-poly1305@openssh.com"))
            chacha = true;
        if (c.len > 4 && memcmp(c.p + c.len - 4, "-cbc", 4) == 0 && m.len > 17 &&
            memcmp(m.p + m.len - 17, "-etm@openssh.com", 16) == 0)
            cbc_etm = true;
    }
    const char *reason;
    bool exposed = false;
    if (!chacha && !cbc_etm)
        reason = "no vulnerable cipher mode negotiated";
    else if (strict)
        reason = "strict key exchange active on both sides";
    else {
        exposed = true;
        reason =
                chacha ? "chacha20-poly1305 negotiated without strict key exchange on both sides"
                       : "CBC with an EtM MAC negotiated without strict key exchange on both sides";
    }
    w->ops->obj_begin(w, "terrapin");
    w->ops->boolean(w, "exposed", exposed);
    sm_w_cstr(w, "reason", reason);
    w->ops->obj_end(w);
}

static void sm_ssh_describe(const void *st, struct sm_writer *w)
{
    const struct sm_ssh_state *s = st;
    int srv = sm_ssh_server_dir(s);
    bool any = false;
    for (int d = 0; d < 2; d++)
        any |= s->side[d].has_ident || s->side[d].kexinit || s->side[d].lines;
    if (!any) {
        w->ops->null(w, "ssh"); /* not one SSH byte */
        return;
    }
    w->ops->obj_begin(w, "ssh");
    sm_ssh_w_endpoint(s, w, !srv, false);
    sm_ssh_w_endpoint(s, w, srv, true);
    w->ops->boolean(w, "reversed", srv == SM_APP_ORIG);

    static const char *const keys[] = { "kex",
                                        "host_key",
                                        "cipher_client_to_server",
                                        "cipher_server_to_client",
                                        "mac_client_to_server",
                                        "mac_server_to_client",
                                        "compression_client_to_server",
                                        "compression_server_to_client" };
    struct sm_bytes neg[SM_SSH_KEX_LISTS];
    bool both = s->side[0].kexinit && s->side[1].kexinit;
    bool all = both;
    for (int i = 0; i < 8; i++) {
        bool got = both && sm_ssh_pick(s, (enum sm_ssh_kex_list)i, &neg[i]);
        if (!got) {
            neg[i].p = NULL;
            neg[i].len = 0;
            if (!(i == SM_SSH_KEX_MAC_C2S || i == SM_SSH_KEX_MAC_S2C) ||
                !sm_ssh_is_aead(neg[i - 2]))
                all = false;
        }
    }
    if (both) {
        w->ops->obj_begin(w, "negotiated");
        for (int i = 0; i < 8; i++) {
            bool mac = i == SM_SSH_KEX_MAC_C2S || i == SM_SSH_KEX_MAC_S2C;
            /* An AEAD cipher ignores the MAC list (RFC 5647 section 5.1,
             * OpenSSH's chacha20-poly1305): whatever was agreed is unused. */
            if (mac && neg[i - 2].p && sm_ssh_is_aead(neg[i - 2]))
                sm_w_cstr(w, keys[i], "<implicit>");
            else if (neg[i].p)
                w->ops->str(w, keys[i], neg[i].p, neg[i].len);
            else if ((i == SM_SSH_KEX_MAC_C2S || i == SM_SSH_KEX_MAC_S2C) &&
                     sm_ssh_is_aead(neg[i - 2]))
                sm_w_cstr(w, keys[i], "<implicit>");
            else
                w->ops->null(w, keys[i]);
        }
        w->ops->obj_end(w);
    } else {
        w->ops->null(w, "negotiated");
    }
    sm_ssh_w_terrapin(s, w, neg, both && all);
    if (s->disconnect) {
        w->ops->obj_begin(w, "disconnect");
        sm_w_cstr(w, "from", s->disconnect_dir == srv ? "server" : "client");
        w->ops->u64(w, "reason_code", s->disconnect_code);
        const char *rn = sm_ssh_disconnect_reason(s->disconnect_code);
        if (rn)
            sm_w_cstr(w, "reason_name", rn);
        else
            w->ops->null(w, "reason_name");
        w->ops->str(w, "description", s->disconnect_text, s->disconnect_len);
        w->ops->obj_end(w);
    } else {
        w->ops->null(w, "disconnect");
    }
    struct sm_app_facts f;
    memset(&f, 0, sizeof(f));
    sm_ssh_auth_guess(s, srv, &f);
    if (f.auth_success < 0) {
        w->ops->null(w, "auth_success");
        w->ops->null(w, "auth_confidence");
    } else {
        w->ops->boolean(w, "auth_success", f.auth_success == 1);
        w->ops->real(w, "auth_confidence", f.auth_confidence, 2);
    }
    w->ops->obj_end(w);
}

const struct sm_dissector sm_ssh_dissector = {
    .name = "ssh",
    .probe = sm_ssh_probe,
    .state_new = sm_ssh_new,
    .state_free = sm_ssh_free,
    .deliver = sm_ssh_deliver,
    .gap = sm_ssh_gap,
    .eof = sm_ssh_eof,
    .facts = sm_ssh_facts,
    .describe = sm_ssh_describe,
};
