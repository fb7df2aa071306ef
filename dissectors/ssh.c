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
 * The dissector keeps no partial records: it answers "need N more".
 *
 * Memory: a connection's state lives as long as the connection, and most
 * of a busy sensor's connections sit encrypted for hours, so it is kept
 * small (104 bytes on LP64). What repeats across connections (the
 * identification lines, the KEXINIT name-lists, host key names, DISCONNECT
 * texts, pre-banner lines) is interned (src/intern.h): held once, shared by
 * every connection that sent the same bytes (an identification line with
 * where its parts are). What is rare (pre-banner lines, a plaintext
 * DISCONNECT) is allocated when it comes. What derives from other fields
 * is recomputed or kept in process-wide caches keyed by interned ids (the
 * negotiated algorithms). The authentication guess reads its records as
 * they come instead of keeping them. */
#include "config.h"
#include "ssh.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "ssh_risks.h"
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

/* Encrypted records (packets, or segments when lengths are encrypted) read
 * in wire order for the authentication guess (doc/auth-heuristic.md). */
#define SM_SSH_AUTH_RECORDS 24

struct sm_ssh_side {
    /* Encrypted packets and bytes: the low 32 bits (the high ones in the
     * rare block once they carry; sm_ssh_enc()). */
    uint32_t enc_pkts_lo, enc_bytes_lo;
    /* The identification line (at most SM_SSH_MAX_IDENT bytes, raw) and
     * the body of the first KEXINIT (the name-lists without the random
     * cookie, so that every peer running the same software sends the same
     * bytes), interned. NULL when not seen, or when memory ran out to keep
     * it: then it reads as not kept. */
    const struct sm_interned *ident; /* SM_SSH_IDENT_HEAD bytes, then the line */
    const struct sm_interned *kexinit;
    uint32_t lines;           /* lines before the identification line */
    uint8_t st;               /* enum sm_ssh_st */
    uint8_t mac_len;          /* encrypted framing: tag/MAC length (64 at most) */
    bool has_ident : 1;       /* an identification line was seen (or its start, before a gap) */
    bool ssh1 : 1;            /* announced protocol 1.x (not 1.99) */
    bool kexinit_cut : 1;     /* a KEXINIT was seen, its lists cut by the capture */
    bool truncated : 1;       /* packets were cut by the capture, framing kept */
    bool newkeys : 1;         /* sent NEWKEYS */
    bool gap : 1;             /* lost its framing to missing bytes */
    bool sent_server_msg : 1; /* sent a KEX reply (31/33): acts as server */
    bool sent_client_msg : 1; /* sent a KEX init (30/32/34): acts as client */
};

/* Lines before the identification line of one direction, rare: allocated
 * when the first one comes. */
struct sm_ssh_prebanner {
    const struct sm_interned *line[SM_SSH_KEEP_PREBANNER]; /* cut to SM_SSH_KEEP_LINE */
    const struct sm_interned *escaped; /* the first line escaped, for the reason */
};

/* What few connections have (lines before the identification line, a
 * plaintext DISCONNECT), allocated when the first of it comes. */
struct sm_ssh_rare {
    struct sm_ssh_prebanner pre[2];            /* per TCP direction */
    const struct sm_interned *disconnect_text; /* cut to SM_SSH_KEEP_DISCONNECT */
    /* A text line sent after the identification line where a binary
     * packet belongs (sshd's "Invalid SSH identification string." to a
     * client that is not SSH), escaped, per TCP direction. */
    const struct sm_interned *reply[2];
    uint32_t disconnect_code;
    uint32_t enc_hi[2][2]; /* [dir]: the high 32 bits of enc_pkts_lo, enc_bytes_lo */
};

/* The authentication guess (doc/auth-heuristic.md) walks the records in
 * order; its walk depends on which side is the server, which can in theory
 * still change while records come, so it is walked for both. */
enum sm_ssh_walk_phase {
    SM_SSH_WALK_CLIENT, /* server records before the client's first (EXT_INFO) */
    SM_SSH_WALK_A,      /* client records, until the server's answer: A */
    SM_SSH_WALK_AFTER,  /* after A: looking for the outcome */
    SM_SSH_WALK_DONE    /* decided (outcome) */
};
enum sm_ssh_walk_outcome {
    SM_SSH_AUTH_OPEN,     /* undecided */
    SM_SSH_AUTH_EXACT,    /* a server record of A - 16 bytes: success, 0.9 */
    SM_SSH_AUTH_LOCKSTEP, /* the server spoke twice in a row: success, 0.6 */
    SM_SSH_AUTH_UNKNOWN   /* a server record below A of another size: no guess */
};
/* Packed (7 bytes): two of them in the state without padding. */
struct __attribute__((packed)) sm_ssh_walk {
    uint32_t a;              /* the size of A (SERVICE_ACCEPT) */
    uint8_t phase : 2;       /* enum sm_ssh_walk_phase */
    uint8_t outcome : 2;     /* enum sm_ssh_walk_outcome */
    uint8_t n : 2;           /* client records after A, counted up to 2 */
    uint8_t prev_server : 1; /* the last record after A came from the server */
    /* A server reply after A of neither the failure size nor the outcome
     * (PK_OK, INFO_REQUEST, a banner, a failure naming other methods):
     * the attempt count is less sure. */
    uint8_t odd : 1;
    /* The failure size F, the server's reply to the first request after A
     * (OpenSSH's "none" probe), as F - A: replies of size F are
     * USERAUTH_FAILUREs. Kept as a difference to fit a byte; a first reply
     * more than 254 bytes above A (a pre-auth banner) is not taken. */
    uint8_t f_delta;
    uint8_t f_known : 1;
    uint8_t fails : 5; /* later replies of size F: failed attempts (up to 31) */
};

struct sm_ssh_state {
    struct sm_ssh_side side[2]; /* by TCP direction */
    /* Lines before the identification line, per TCP direction (which side
     * is the server may only be known later: reverse SSH), and a plaintext
     * DISCONNECT's code and text. */
    struct sm_ssh_rare *rare;
    /* The server host key: its type, a NUL, its SHA-256 fingerprint. */
    const struct sm_interned *hostkey;
    uint32_t last_size;         /* the last record read for the guess */
    struct sm_ssh_walk walk[2]; /* [d]: the walk if TCP direction d is the server */
    uint8_t nrec;               /* records read for the guess, up to SM_SSH_AUTH_RECORDS */
    uint8_t other;              /* enum sm_ssh_service, of the side other_dir */
    uint8_t role_key;           /* what role_srv was computed from; 0: never */
    bool role_srv : 1;          /* the TCP direction acting as SSH server */
    bool other_dir : 1;
    bool other_bad_chars : 1; /* its first line has a NUL or a CR not before LF */
    bool disconnect : 1;      /* a plaintext DISCONNECT */
    bool disconnect_dir : 1;
    bool last_dir : 1;   /* the direction of the last record read */
    bool limit_hit : 1;  /* an over-long field or packet was met */
    bool bad_packet : 1; /* a binary packet's lengths were impossible */
    bool long_ident : 1; /* an identification line over RFC 4253's 255 bytes */
    bool rec_gap : 1;    /* a gap after NEWKEYS: record sizes unreliable */
    bool closed : 1;     /* a side closed (FIN or RST) */
};

/* ---- roles --------------------------------------------------------------- */

/* The body of a side's KEXINIT, parsed (views into the interned copy). */
static bool sm_ssh_side_kexinit(const struct sm_ssh_side *x, struct sm_ssh_kexinit *k)
{
    return x->kexinit &&
           sm_ssh_parse_kexinit_body(x->kexinit->bytes, x->kexinit->len, k, NULL) == SM_OK;
}

/* The role markers of a KEXINIT's kex_algorithms list. */
enum {
    SM_SSH_MARK_STRICT_S = 1,
    SM_SSH_MARK_EXT_INFO_S = 2,
    SM_SSH_MARK_STRICT_C = 4,
    SM_SSH_MARK_EXT_INFO_C = 8,
};

#define SM_SSH_MARK_SLOTS 256u

/* Which markers a side's KEXINIT carries (SM_SSH_MARK_*), 0 without one.
 * They depend only on the interned body, and every event asks for them
 * several times: remembered per body id (ids are never reused, so a slot
 * can only be stale, never wrong). */
static unsigned sm_ssh_markers(const struct sm_ssh_side *x)
{
    /* Per thread: the packet path and the thread that writes events both
     * ask (engine.c). */
    static _Thread_local struct {
        uint64_t id;
        uint8_t marks;
    } memo[SM_SSH_MARK_SLOTS];
    if (!x->kexinit)
        return 0;
    uint64_t id = x->kexinit->id;
    unsigned slot = (unsigned)((id * 0x9e3779b97f4a7c15ULL) >> 56) % SM_SSH_MARK_SLOTS;
    if (memo[slot].id == id)
        return memo[slot].marks;
    struct sm_ssh_kexinit k;
    if (!sm_ssh_side_kexinit(x, &k))
        return 0;
    unsigned m = (sm_ssh_kexinit_has(&k, SM_SSH_STRICT_KEX_S) ? SM_SSH_MARK_STRICT_S : 0) |
                 (sm_ssh_kexinit_has(&k, SM_SSH_EXT_INFO_S) ? SM_SSH_MARK_EXT_INFO_S : 0) |
                 (sm_ssh_kexinit_has(&k, SM_SSH_STRICT_KEX_C) ? SM_SSH_MARK_STRICT_C : 0) |
                 (sm_ssh_kexinit_has(&k, SM_SSH_EXT_INFO_C) ? SM_SSH_MARK_EXT_INFO_C : 0);
    memo[slot].id = id;
    memo[slot].marks = (uint8_t)m;
    return m;
}

/* Which TCP direction acts as the SSH server: KEX messages decide, then the
 * strict-kex/ext-info markers of the KEXINITs, then TCP (the responder). */
static int sm_ssh_server_dir_compute(const struct sm_ssh_state *s)
{
    for (int d = 0; d < 2; d++) {
        if (s->side[d].sent_server_msg || s->side[!d].sent_client_msg)
            return d;
    }
    for (int d = 0; d < 2; d++) {
        unsigned m = sm_ssh_markers(&s->side[d]);
        if (m & (SM_SSH_MARK_STRICT_S | SM_SSH_MARK_EXT_INFO_S))
            return d;
        if (m & (SM_SSH_MARK_STRICT_C | SM_SSH_MARK_EXT_INFO_C))
            return !d;
    }
    return SM_APP_RESP;
}

/* What the roles depend on; it only ever grows, so it names the state. */
static uint8_t sm_ssh_role_key(const struct sm_ssh_state *s)
{
    unsigned k = 1;
    for (int d = 0; d < 2; d++) {
        const struct sm_ssh_side *x = &s->side[d];
        k |= (unsigned)(x->kexinit != NULL) << (1 + 3 * d);
        k |= (unsigned)x->sent_server_msg << (2 + 3 * d);
        k |= (unsigned)x->sent_client_msg << (3 + 3 * d);
    }
    return (uint8_t)k;
}

/* Recomputed only when its inputs change; filled lazily also from the const
 * callbacks (facts, describe): the state is this dissector's own heap
 * object, never const. */
static int sm_ssh_server_dir(const struct sm_ssh_state *cs)
{
    struct sm_ssh_state *s = (struct sm_ssh_state *)(uintptr_t)cs;
    uint8_t key = sm_ssh_role_key(s);
    if (s->role_key != key) {
        s->role_key = key;
        s->role_srv = sm_ssh_server_dir_compute(s) != 0;
    }
    return s->role_srv;
}

/* ---- another protocol on the port --------------------------------------- */

static struct sm_ssh_rare *sm_ssh_rare(struct sm_ssh_state *s);

/* Direction dir spoke another protocol; p, n are its first bytes, whose
 * first line (16 bytes of a binary protocol) is kept, escaped, for the
 * event's not_ssh_text. */
static void sm_ssh_mark_other(struct sm_ssh_state *s, int dir, enum sm_ssh_service what,
                              const uint8_t *p, size_t n)
{
    s->side[dir].st = SM_SSH_OTHER;
    if (s->other == SM_SSH_SVC_NONE) {
        s->other = (uint8_t)(what != SM_SSH_SVC_NONE ? what : SM_SSH_SVC_UNKNOWN);
        s->other_dir = dir != 0;
        /* The OpenSSH client rejects such a line at once ("banner line
         * contains invalid characters", kex.c) instead of skipping it as
         * pre-banner text. */
        for (size_t i = 0; i < n && p[i] != '\n'; i++)
            if (p[i] == '\0' || (p[i] == '\r' && i + 1 < n && p[i + 1] != '\n'))
                s->other_bad_chars = true;
    }
    struct sm_ssh_rare *rare = s->side[dir].lines == 0 && n > 0 ? sm_ssh_rare(s) : NULL;
    if (!rare || rare->pre[dir].escaped)
        return;
    bool binary = sm_ssh_service_binary(what);
    size_t cap = binary ? 16 : SM_SSH_KEEP_LINE, k = 0;
    while (k < n && k < cap && (binary || (p[k] != '\r' && p[k] != '\n')))
        k++;
    char escaped[SM_SSH_KEEP_LINE * 4 + 1];
    size_t en = sm_escape_bytes(p, k, escaped, sizeof(escaped));
    rare->pre[dir].escaped = sm_intern(escaped, en);
}

/* ---- LINES --------------------------------------------------------------- */

/* The kept identification line is interned behind a head that says where
 * its parts are (offsets and lengths fit a byte, as the line does): the
 * same line always parses the same, so the head is shared with it, and the
 * connection keeps only the pointer. */
enum {
    SM_SSH_IDENT_PROTO,    /* offset, then length, of the protocol version */
    SM_SSH_IDENT_SOFT = 2, /* of the software version */
    SM_SSH_IDENT_COMM = 4, /* of the comments */
    SM_SSH_IDENT_HAS_COMM = 6,
    SM_SSH_IDENT_HEAD = 7
};

static void sm_ssh_keep_ident(struct sm_ssh_side *x, const struct sm_ssh_line *l)
{
    size_t n = l->text.len < SM_SSH_MAX_IDENT ? l->text.len : SM_SSH_MAX_IDENT;
    uint8_t kept[SM_SSH_IDENT_HEAD + SM_SSH_MAX_IDENT];
    /* Offsets of the parts inside the kept copy (clamped to it). */
    size_t po = l->proto_version.p ? (size_t)(l->proto_version.p - l->text.p) : 4;
    size_t so = l->software_version.p ? (size_t)(l->software_version.p - l->text.p) : n;
    size_t co = l->comments.p ? (size_t)(l->comments.p - l->text.p) : n;
#define SM_CLAMP(off, len) ((off) >= n ? 0 : ((len) > n - (off) ? n - (off) : (len)))
    kept[SM_SSH_IDENT_PROTO] = (uint8_t)(po < n ? po : n);
    kept[SM_SSH_IDENT_PROTO + 1] = (uint8_t)SM_CLAMP(po, l->proto_version.len);
    kept[SM_SSH_IDENT_SOFT] = (uint8_t)(so < n ? so : n);
    kept[SM_SSH_IDENT_SOFT + 1] = (uint8_t)SM_CLAMP(so, l->software_version.len);
    kept[SM_SSH_IDENT_COMM] = (uint8_t)(co < n ? co : n);
    kept[SM_SSH_IDENT_COMM + 1] = (uint8_t)SM_CLAMP(co, l->comments.len);
#undef SM_CLAMP
    kept[SM_SSH_IDENT_HAS_COMM] = l->has_comments;
    if (n > 0)
        memcpy(kept + SM_SSH_IDENT_HEAD, l->text.p, n);
    sm_intern_release(x->ident);
    x->ident = sm_intern(kept, SM_SSH_IDENT_HEAD + n);
    x->has_ident = true;
}

/* The start of an identification line whose end never came, before a gap
 * (a snaplen cut, capture loss) that ends the direction: what was seen of
 * it still tells that the side spoke SSH. The reassembler hands the bytes
 * left unconsumed to the gap callback, and in LINES that is the current
 * line, so nothing needs keeping until a gap comes. */
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
    if (sm_ssh_parse_line(line, k + 1, sizeof(line), &l, &used, &more) == SM_OK && l.is_ident)
        sm_ssh_keep_ident(x, &l);
}

/* The rare block, allocated on first use; NULL when out of memory. */
static struct sm_ssh_rare *sm_ssh_rare(struct sm_ssh_state *s)
{
    if (!s->rare)
        s->rare = calloc(1, sizeof(*s->rare));
    return s->rare;
}

/* Direction dir's kept pre-banner lines (NULL: none kept). */
static const struct sm_ssh_prebanner *sm_ssh_pre(const struct sm_ssh_state *s, int dir)
{
    return s->rare ? &s->rare->pre[dir] : NULL;
}

/* A line before the identification line: the first few are kept. */
static void sm_ssh_keep_prebanner(struct sm_ssh_state *s, int dir, const struct sm_ssh_line *l)
{
    struct sm_ssh_side *x = &s->side[dir];
    if (x->lines >= SM_SSH_KEEP_PREBANNER)
        return;
    struct sm_ssh_rare *rare = sm_ssh_rare(s);
    if (!rare)
        return;
    struct sm_ssh_prebanner *pb = &rare->pre[dir];
    size_t k = l->text.len < SM_SSH_KEEP_LINE ? l->text.len : SM_SSH_KEEP_LINE;
    pb->line[x->lines] = sm_intern(l->text.p, k);
    if (x->lines == 0) { /* for the classifier's reason sentence */
        char escaped[SM_SSH_KEEP_LINE * 4 + 1];
        size_t en = sm_escape_bytes(l->text.p, k, escaped, sizeof(escaped));
        pb->escaped = sm_intern(escaped, en);
    }
}

static bool sm_ssh_lines(struct sm_ssh_state *s, int dir, const uint8_t *p, size_t n,
                         size_t *consumed, size_t *need)
{
    struct sm_ssh_side *x = &s->side[dir];

    /* The client side must start with "SSH-"; other protocols are told
     * apart by their greeting before a whole line is there. */
    if (x->lines == 0 && n > 0) {
        enum sm_ssh_service other = sm_ssh_guess_service(p, n);
        if (other != SM_SSH_SVC_NONE) {
            sm_ssh_mark_other(s, dir, other, p, n);
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
            *need = more;
            return true;
        }
        if (e != SM_OK) { /* no line end within the cap: not SSH */
            s->limit_hit = true;
            sm_ssh_mark_other(s, dir, SM_SSH_SVC_NONE, p + *consumed, n - *consumed);
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
        if (x->lines == 0) {
            enum sm_ssh_service other = sm_ssh_guess_service(l.text.p, l.text.len);
            if (other != SM_SSH_SVC_NONE) {
                sm_ssh_mark_other(s, dir, other, l.text.p, l.text.len);
                return false;
            }
        }
        sm_ssh_keep_prebanner(s, dir, &l);
        if (x->lines < UINT32_MAX)
            x->lines++;
    }
    return true;
}

/* ---- PACKETS --------------------------------------------------------------- */

/* The MAC/tag length of an encrypted packet whose length field travels in
 * clear, or 0 when the cipher encrypts it (chacha20-poly1305, CTR/CBC with
 * a MAC over the plaintext): then packets cannot be framed. */
static uint8_t sm_ssh_clear_length_mac(struct sm_bytes cipher, struct sm_bytes mac)
{
    static const struct {
        const char *name;
        uint8_t len;
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

/* The algorithms chosen per list, client preference (RFC 4253 7.1), depend
 * only on the client's and the server's KEXINIT, and connections from the
 * same software to the same server send the same pair: the results live
 * in a small process-wide table keyed by the two interned ids, not in each
 * connection. The ids are never reused, so a slot can only ever describe
 * its own pair (and a slot whose KEXINITs were freed is never matched
 * again). A miss (two pairs sharing a slot) only recomputes; what is
 * written never depends on the table. */
#define SM_SSH_NEG_SLOTS 64u

struct sm_ssh_neg {
    uint64_t cid, sid; /* ids of the client's and the server's KEXINIT; 0: empty */
    uint16_t ok;       /* bit i: list i has a common name */
    /* The chosen names: views into the client's KEXINIT body. */
    uint32_t off[SM_SSH_KEX_LISTS], len[SM_SSH_KEX_LISTS];
};

/* Per thread, like the markers: the result is valid until the next call
 * on the same thread. */
static _Thread_local struct sm_ssh_neg sm_ssh_neg_memo[SM_SSH_NEG_SLOTS];

/* The negotiation of connection s with srv as server, or NULL without both
 * KEXINITs. Valid until the next call. */
static const struct sm_ssh_neg *sm_ssh_negotiation(const struct sm_ssh_state *s, int srv)
{
    const struct sm_interned *c = s->side[!srv].kexinit, *v = s->side[srv].kexinit;
    if (!c || !v)
        return NULL;
    uint64_t h = (c->id * 0x9e3779b97f4a7c15ULL) ^ (v->id * 0xc2b2ae3d27d4eb4fULL);
    struct sm_ssh_neg *n = &sm_ssh_neg_memo[(h ^ (h >> 29)) % SM_SSH_NEG_SLOTS];
    if (n->cid == c->id && n->sid == v->id)
        return n;
    struct sm_ssh_kexinit kc, ks;
    if (!sm_ssh_side_kexinit(&s->side[!srv], &kc) || !sm_ssh_side_kexinit(&s->side[srv], &ks))
        return NULL; /* cannot happen: only bodies that parsed are kept */
    memset(n, 0, sizeof(*n));
    n->cid = c->id;
    n->sid = v->id;
    for (int i = 0; i < SM_SSH_KEX_LISTS; i++) {
        struct sm_bytes chosen;
        if (sm_ssh_negotiate(kc.list[i], ks.list[i], &chosen, NULL)) {
            n->ok |= (uint16_t)(1u << i);
            n->off[i] = (uint32_t)(chosen.p - c->bytes);
            n->len[i] = (uint32_t)chosen.len;
        }
    }
    return n;
}

/* The name chosen for one list; false (and an empty view) without one. */
static bool sm_ssh_pick(const struct sm_ssh_state *s, enum sm_ssh_kex_list which,
                        struct sm_bytes *out)
{
    int srv = sm_ssh_server_dir(s);
    const struct sm_ssh_neg *n = sm_ssh_negotiation(s, srv);
    out->p = NULL;
    out->len = 0;
    if (!n || !(n->ok & (1u << which)))
        return false;
    out->p = s->side[!srv].kexinit->bytes + n->off[which];
    out->len = n->len[which];
    return true;
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

/* The first KEXINIT of a side, kept as its interned body: the cookie is
 * random on every connection and the bytes after the reserved field mean
 * nothing, so neither is kept and equal offers share one copy. */
static void sm_ssh_keep_kexinit(struct sm_ssh_state *s, struct sm_ssh_side *x,
                                const struct sm_ssh_packet *pk)
{
    struct sm_ssh_kexinit k;
    enum sm_err e = sm_ssh_parse_kexinit(pk->payload.p, pk->payload.len, &k);
    if (e == SM_ERR_LIMIT)
        s->limit_hit = true;
    if (e != SM_OK)
        return;
    const uint8_t *body = pk->payload.p + SM_SSH_KEXINIT_BODY_OFF;
    size_t used = 0;
    if (sm_ssh_parse_kexinit_body(body, pk->payload.len - SM_SSH_KEXINIT_BODY_OFF, &k, &used) ==
        SM_OK)
        x->kexinit = sm_intern(body, used);
}

/* The host key of a KEX reply: its type and fingerprint as one interned
 * string, "type" NUL "fingerprint" (a server shows the same key to every
 * client). */
#define SM_SSH_HOSTKEY_SLOTS 128u
#define SM_SSH_HOSTKEY_MAX   1024u /* longer blobs (RSA-8192) are described every time */

static void sm_ssh_keep_hostkey(struct sm_ssh_state *s, const struct sm_ssh_packet *pk)
{
    /* A server sends the same host key to every client: the last blobs
     * seen and their description ("type\0fingerprint") are kept, so that a
     * repeated key costs a memcmp instead of parsing and SHA-256. Copies,
     * not intern references: the cache keeps nothing else alive. */
    static struct {
        uint32_t len, desc_len;
        uint8_t blob[SM_SSH_HOSTKEY_MAX];
        char desc[SM_SSH_KEYTYPE_LEN + SM_SSH_FP_LEN];
    } cache[SM_SSH_HOSTKEY_SLOTS];
    struct sm_bytes blob;
    if (sm_ssh_parse_kex_reply(pk->payload.p, pk->payload.len, &blob) != SM_OK)
        return;
    bool cacheable = blob.len >= 8 && blob.len <= SM_SSH_HOSTKEY_MAX;
    unsigned slot = 0;
    if (cacheable) {
        uint64_t tail;
        memcpy(&tail, blob.p + blob.len - 8, sizeof(tail));
        slot = (unsigned)(((tail ^ blob.len) * 0x9e3779b97f4a7c15ULL) >> 57) % SM_SSH_HOSTKEY_SLOTS;
        if (cache[slot].len == blob.len && memcmp(cache[slot].blob, blob.p, blob.len) == 0) {
            s->hostkey = sm_intern(cache[slot].desc, cache[slot].desc_len);
            return;
        }
    }
    char type[SM_SSH_KEYTYPE_LEN], fp[SM_SSH_FP_LEN];
    if (sm_ssh_hostkey_describe(blob, type, sizeof(type), fp, sizeof(fp)) != SM_OK)
        return;
    char both[SM_SSH_KEYTYPE_LEN + SM_SSH_FP_LEN];
    size_t tl = strlen(type), fl = strlen(fp);
    memcpy(both, type, tl + 1);
    memcpy(both + tl + 1, fp, fl);
    s->hostkey = sm_intern(both, tl + 1 + fl);
    if (cacheable) {
        cache[slot].len = (uint32_t)blob.len;
        memcpy(cache[slot].blob, blob.p, blob.len);
        memcpy(cache[slot].desc, both, tl + 1 + fl);
        cache[slot].desc_len = (uint32_t)(tl + 1 + fl);
    }
}

static void sm_ssh_message(struct sm_ssh_state *s, int dir, const struct sm_ssh_packet *pk)
{
    struct sm_ssh_side *x = &s->side[dir];
    switch (pk->msg) {
    case SM_SSH_MSG_KEXINIT:
        if (!x->kexinit)
            sm_ssh_keep_kexinit(s, x, pk);
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
        if (!s->hostkey && !(gex && pk->msg == SM_SSH_MSG_KEXDH_REPLY))
            sm_ssh_keep_hostkey(s, pk);
        break;
    }
    case SM_SSH_MSG_DISCONNECT: {
        uint32_t code;
        struct sm_bytes desc;
        if (!s->disconnect &&
            sm_ssh_parse_disconnect(pk->payload.p, pk->payload.len, &code, &desc) == SM_OK) {
            s->disconnect = true;
            s->disconnect_dir = dir != 0;
            /* Interned: allocated only when a DISCONNECT comes, and the
             * same few texts come back ("Too many authentication failures").
             * Without memory for the rare block, code and text read as 0
             * and empty. */
            struct sm_ssh_rare *rare = sm_ssh_rare(s);
            if (rare) {
                rare->disconnect_code = code;
                rare->disconnect_text = sm_intern(desc.p, desc.len < SM_SSH_KEEP_DISCONNECT
                                                                  ? desc.len
                                                                  : SM_SSH_KEEP_DISCONNECT);
            }
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

/* Printable text where a side's first binary packet belongs: a packet
 * length of four printable bytes is at least 0x20202020 (beyond any cap),
 * so this is a line, not a packet. sshd sends one after its
 * identification line to a client that is not SSH ("Invalid SSH
 * identification string.", before OpenSSH 8.0 "Protocol mismatch.") and
 * closes: its reply, not a malformed packet. */
static bool sm_ssh_text_where_packet(const uint8_t *p, size_t n)
{
    if (n < 4)
        return false;
    for (size_t i = 0; i < 4; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return false;
    return true;
}

/* Reads that line (or asks for more of it), keeps it escaped, and ends the
 * direction. A line beyond SM_SSH_MAX_LINE is over our limit, as a packet
 * would have been. */
static bool sm_ssh_reply_line(struct sm_ssh_state *s, int dir, const uint8_t *p, size_t n,
                              size_t *consumed, size_t *need)
{
    struct sm_ssh_line l;
    size_t used = 0, more = 0;
    enum sm_err e =
            sm_ssh_parse_line(p + *consumed, n - *consumed, SM_SSH_MAX_LINE, &l, &used, &more);
    if (e == SM_ERR_INCOMPLETE) {
        *need = more;
        return true;
    }
    s->side[dir].st = SM_SSH_DONE;
    if (e != SM_OK) {
        s->limit_hit = true;
        return false;
    }
    *consumed += used;
    struct sm_ssh_rare *rare = sm_ssh_rare(s);
    if (rare && !rare->reply[dir]) {
        char escaped[SM_SSH_KEEP_LINE * 4 + 1];
        size_t k = l.text.len < SM_SSH_KEEP_LINE ? l.text.len : SM_SSH_KEEP_LINE;
        size_t en = sm_escape_bytes(l.text.p, k, escaped, sizeof(escaped));
        rare->reply[dir] = sm_intern(escaped, en);
    }
    return false;
}

static bool sm_ssh_packets(struct sm_ssh_state *s, int dir, const uint8_t *p, size_t n,
                           size_t *consumed, size_t *need)
{
    struct sm_ssh_side *x = &s->side[dir];
    while (*consumed < n && x->st == SM_SSH_PACKETS) {
        struct sm_ssh_packet pk;
        size_t used = 0, more = 0;
        if (!x->kexinit && !x->kexinit_cut &&
            sm_ssh_text_where_packet(p + *consumed, n - *consumed))
            return sm_ssh_reply_line(s, dir, p, n, consumed, need);
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

/* One step of the walk of doc/auth-heuristic.md (see sm_ssh_auth_guess). */
static void sm_ssh_walk_step(struct sm_ssh_walk *w, bool server, uint32_t size)
{
    switch (w->phase) {
    case SM_SSH_WALK_CLIENT:
        if (!server)
            w->phase = SM_SSH_WALK_A;
        break;
    case SM_SSH_WALK_A:
        if (server) {
            w->a = size;
            w->n = 0;
            w->prev_server = 1;
            w->phase = SM_SSH_WALK_AFTER;
        }
        break;
    case SM_SSH_WALK_AFTER:
        if (!server) {
            if (w->n < 2)
                w->n++;
            w->prev_server = 0;
        } else if (size < w->a) {
            w->outcome = w->a >= 16 && size == w->a - 16 ? SM_SSH_AUTH_EXACT : SM_SSH_AUTH_UNKNOWN;
            w->phase = SM_SSH_WALK_DONE;
        } else if (w->prev_server && w->n >= 2) {
            w->outcome = SM_SSH_AUTH_LOCKSTEP;
            w->phase = SM_SSH_WALK_DONE;
        } else {
            /* A reply during authentication: sorted into size classes
             * for the attempt count (doc/auth-heuristic.md). */
            if (!w->f_known && w->n >= 1 && size - w->a <= 254) {
                w->f_delta = (uint8_t)(size - w->a);
                w->f_known = 1;
            } else if (w->f_known && size - w->a == w->f_delta) {
                if (w->fails < 31)
                    w->fails++;
            } else {
                w->odd = 1;
            }
            w->prev_server = 1;
        }
        break;
    default:
        break;
    }
}

/* An encrypted record for the guess: walked under both role hypotheses
 * instead of kept, so the state needs no record ring. */
static void sm_ssh_record(struct sm_ssh_state *s, int dir, uint64_t size)
{
    if (s->nrec >= SM_SSH_AUTH_RECORDS)
        return;
    uint32_t v = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
    for (int h = 0; h < 2; h++)
        sm_ssh_walk_step(&s->walk[h], dir == h, v);
    s->last_dir = dir != 0;
    s->last_size = v;
    s->nrec++;
}

/* Counts one encrypted packet of bytes bytes sent by direction dir. */
static void sm_ssh_count_enc(struct sm_ssh_state *s, int dir, uint64_t bytes)
{
    struct sm_ssh_side *x = &s->side[dir];
    uint32_t carry_p = ++x->enc_pkts_lo == 0;
    uint32_t old = x->enc_bytes_lo;
    x->enc_bytes_lo = old + (uint32_t)bytes;
    uint32_t carry_b = (uint32_t)(bytes >> 32) + (x->enc_bytes_lo < old);
    if (carry_p || carry_b) {
        struct sm_ssh_rare *rare = sm_ssh_rare(s);
        if (rare) { /* else lost with the memory for it */
            rare->enc_hi[dir][0] += carry_p;
            rare->enc_hi[dir][1] += carry_b;
        }
    }
}

/* Direction dir's encrypted packets (what 0) or bytes (what 1). */
static uint64_t sm_ssh_enc(const struct sm_ssh_state *s, int dir, int what)
{
    const struct sm_ssh_side *x = &s->side[dir];
    uint32_t lo = what ? x->enc_bytes_lo : x->enc_pkts_lo;
    return (uint64_t)(s->rare ? s->rare->enc_hi[dir][what] : 0) << 32 | lo;
}

/* Encrypted packets with a clear length: count, and skip their bodies. */
static bool sm_ssh_encrypted(struct sm_ssh_state *s, int dir, const uint8_t *p, size_t n,
                             size_t *consumed, size_t *need, uint64_t *skip)
{
    struct sm_ssh_side *x = &s->side[dir];
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
    sm_ssh_count_enc(s, dir, 4u + (uint64_t)len + x->mac_len);
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
    return calloc(1, sizeof(struct sm_ssh_state));
}

static void sm_ssh_fini(void *st)
{
    struct sm_ssh_state *s = st;
    if (!s)
        return;
    for (int d = 0; d < 2; d++) {
        sm_intern_release(s->side[d].ident);
        sm_intern_release(s->side[d].kexinit);
        if (s->rare) {
            for (unsigned i = 0; i < SM_SSH_KEEP_PREBANNER; i++)
                sm_intern_release(s->rare->pre[d].line[i]);
            sm_intern_release(s->rare->pre[d].escaped);
            sm_intern_release(s->rare->reply[d]);
        }
    }
    sm_intern_release(s->hostkey);
    if (s->rare) {
        sm_intern_release(s->rare->disconnect_text);
        free(s->rare);
    }
}

static void sm_ssh_free(void *st)
{
    sm_ssh_fini(st);
    free(st);
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
            more = sm_ssh_encrypted(s, dir & 1, p + *consumed, n - *consumed, &used, need, skip);
            if (used)
                sm_ssh_record(s, dir & 1, 4u + *skip);
            *consumed += used;
            return more; /* the reassembler skips the body, then calls again */
        }
        case SM_SSH_SEGMENTS:
            /* Lengths are encrypted: each in-order delivery (one TCP
             * segment, retransmissions removed) stands for a record. Once
             * enough are read, nothing more is wanted. */
            sm_ssh_record(s, dir & 1, n - *consumed);
            sm_ssh_count_enc(s, dir & 1, n - *consumed);
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
 * starts where its length says, so the direction stays in step. When the
 * gap runs past that packet (Dropbear's dbclient writes its line, its
 * KEXINIT and a guessed KEX packet in one segment, and a short snaplen
 * cuts inside the KEXINIT), the packet was still sent and is noted, but
 * the header of the next one is lost: the framing is lost after it. */
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
    if (partial_len >= total)
        return false; /* a whole packet left unconsumed: not a cut one */
    bool in_step = partial_len + len <= total;
    if (in_step)
        *skip = total - partial_len - len;
    x->truncated = true;
    sm_ssh_note_role(x, msg);
    if (msg == SM_SSH_MSG_KEXINIT)
        x->kexinit_cut = true;
    else if (msg == SM_SSH_MSG_NEWKEYS)
        sm_ssh_enter_encrypted(s, dir);
    return in_step;
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
    if (x->st == SM_SSH_LINES)
        sm_ssh_keep_partial(x, partial, partial_len);
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

/* The number of authentication attempts, once the outcome is guessed
 * (doc/auth-heuristic.md): the server's replies of the failure size F
 * after the first one (which answered OpenSSH's "none" probe, no attempt,
 * as Zeek counts it too), plus the successful one. A publickey query the
 * server refuses is a failure reply like any other (sshd counts it
 * against MaxAuthTries); one it accepts (PK_OK) continues the same
 * attempt. Replies of other sizes make the count less sure. */
static void sm_ssh_attempts(const struct sm_ssh_walk *w, struct sm_app_facts *f)
{
    if (!w->f_known && f->auth_success != 1)
        return; /* no failure size: nothing to count */
    if (w->fails >= 31)
        return; /* the counter saturated */
    f->auth_failed_attempts = w->fails;
    f->auth_attempts = w->fails + (f->auth_success == 1);
    f->auth_attempts_confidence = f->auth_confidence;
    if (w->odd && f->auth_attempts_confidence > 0.6)
        f->auth_attempts_confidence = 0.6;
}

/* Authentication guess from encrypted record sizes (doc/auth-heuristic.md,
 * measured on OpenSSH 9.2): A is the server's SERVICE_ACCEPT, the first
 * server record after the client's first; USERAUTH_SUCCESS, with a 1-byte
 * payload, is exactly 16 bytes smaller under OpenSSH's minimal padding; a
 * server speaking twice in a row after two client requests has left the
 * request/answer rhythm of authentication; a connection that ends on a
 * server answer at least as large as A failed. The walk over the first
 * SM_SSH_AUTH_RECORDS records was done as they came (sm_ssh_walk_step);
 * here its result for the actual server is read. */
static void sm_ssh_auth_guess(const struct sm_ssh_state *s, int srv, struct sm_app_facts *f)
{
    f->auth_success = -1;
    f->auth_attempts = -1;
    if (s->rec_gap || !s->side[0].newkeys || !s->side[1].newkeys)
        return;
    struct sm_bytes comp;
    if (sm_ssh_pick(s, SM_SSH_KEX_COMP_S2C, &comp) && sm_ssh_name_is(comp, "zlib"))
        return; /* compression from the start changes every size */
    const struct sm_ssh_walk *w = &s->walk[srv];
    switch (w->outcome) {
    case SM_SSH_AUTH_EXACT:
        f->auth_success = 1;
        f->auth_confidence = 0.9;
        sm_ssh_attempts(w, f);
        return;
    case SM_SSH_AUTH_LOCKSTEP:
        f->auth_success = 1;
        f->auth_confidence = 0.6;
        sm_ssh_attempts(w, f);
        return;
    case SM_SSH_AUTH_UNKNOWN:
        return;
    default:
        break;
    }
    if (w->phase != SM_SSH_WALK_AFTER)
        return; /* no A */
    /* At least one request after SERVICE_ACCEPT was answered (n counts
     * them): a client that never tried is no failed authentication. */
    if (s->closed && w->n >= 1 && s->nrec > 0 && s->nrec < SM_SSH_AUTH_RECORDS &&
        s->last_dir == srv && s->last_size >= w->a) {
        f->auth_success = 0;
        f->auth_confidence = 0.8;
        sm_ssh_attempts(w, f);
    }
}

static void sm_ssh_facts(const void *st, struct sm_app_facts *f)
{
    const struct sm_ssh_state *s = st;
    int srv = sm_ssh_server_dir(s);
    f->dissected = true;
    for (int d = 0; d < 2; d++) {
        const struct sm_ssh_side *x = &s->side[d];
        f->describe_key[d] = x->has_ident && x->ident ? x->ident->id : 0;
        f->describe_key[2 + d] = x->kexinit ? x->kexinit->id : 0;
        f->ident_seen[d] = x->has_ident;
        f->kexinit_seen[d] = x->kexinit != NULL || x->kexinit_cut;
        f->truncated[d] = x->truncated;
        f->newkeys_seen[d] = x->newkeys;
        f->gap[d] = x->gap;
        f->not_protocol[d] = x->st == SM_SSH_OTHER;
    }
    if (f->describe_key[0] | f->describe_key[1] | f->describe_key[2] | f->describe_key[3])
        f->describe_key[4] = (uint64_t)srv + 1;
    f->other_protocol = sm_ssh_service_name((enum sm_ssh_service)s->other);
    f->not_ssh_dir = s->other != SM_SSH_SVC_NONE ? s->other_dir : -1;
    f->other_bad_chars = s->other_bad_chars;
    /* RFC 4253 4.2: only the server may send lines before its
     * identification line. A client whose first line was not one, talking
     * to a side that sent an identification line, is not SSH (sshd answers
     * it with an error text and closes; Dropbear reads on, but then an
     * identification line follows). */
    const struct sm_ssh_side *cx = &s->side[!srv];
    if (cx->st == SM_SSH_LINES && cx->lines > 0 && !cx->has_ident && s->side[srv].has_ident) {
        f->not_protocol[!srv] = true;
        if (f->not_ssh_dir < 0) {
            f->not_ssh_dir = !srv;
            f->other_protocol = "unknown";
        }
    }
    const struct sm_ssh_prebanner *npre =
            f->not_ssh_dir >= 0 ? sm_ssh_pre(s, f->not_ssh_dir) : NULL;
    if (npre && npre->escaped && npre->escaped->len)
        f->not_ssh_text = (const char *)npre->escaped->bytes;
    if (f->not_ssh_dir >= 0 && s->rare && s->rare->reply[!f->not_ssh_dir])
        f->reply_text = (const char *)s->rare->reply[!f->not_ssh_dir]->bytes;
    f->prebanner_seen = s->side[srv].lines > 0;
    const struct sm_ssh_prebanner *pre = sm_ssh_pre(s, srv);
    if (f->prebanner_seen && pre && pre->escaped && pre->escaped->len)
        f->prebanner_text = (const char *)pre->escaped->bytes;
    f->reversed = srv == SM_APP_ORIG;
    f->legacy = s->side[0].ssh1 || s->side[1].ssh1;
    f->limit_hit = s->limit_hit;
    f->bad_packet = s->bad_packet;
    f->long_ident = s->long_ident;
    f->disconnect_seen = s->disconnect;
    f->disconnect_dir = s->disconnect ? s->disconnect_dir : -1;
    f->disconnect_code = s->rare ? s->rare->disconnect_code : 0;
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
            if (sm_ssh_side_kexinit(&s->side[!srv], &kc) &&
                sm_ssh_side_kexinit(&s->side[srv], &ks)) {
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
}

/* ---- the event section ----------------------------------------------------- */

/* Memo kinds (sm_intern_memo_id) of the values that depend only on one
 * interned KEXINIT body: a writer may write them from memory the next time
 * the same body comes. "hassh" hashes other lists for a server than for a
 * client, hence two kinds. */
enum sm_ssh_memo {
    SM_SSH_MEMO_HASSH_CLIENT,
    SM_SSH_MEMO_HASSH_SERVER,
    SM_SSH_MEMO_KEXINIT,
};

/* A part of the identification line (SM_SSH_IDENT_PROTO, _SOFT, _COMM),
 * or null when it was not kept. */
static void sm_ssh_w_ident(struct sm_writer *w, const char *key, const struct sm_ssh_side *x,
                           unsigned part)
{
    const struct sm_interned *e = x->has_ident ? x->ident : NULL;
    if (e && (part != SM_SSH_IDENT_COMM || e->bytes[SM_SSH_IDENT_HAS_COMM]))
        w->ops->str(w, key, e->bytes + SM_SSH_IDENT_HEAD + e->bytes[part], e->bytes[part + 1]);
    else
        w->ops->null(w, key);
}

static void sm_ssh_w_hassh(struct sm_writer *w, const struct sm_interned *body,
                           const struct sm_ssh_kexinit *k, bool server, bool no_string)
{
    size_t strsz = k->list[SM_SSH_KEX_ALGS].len + 4;
    for (int i = SM_SSH_KEX_ENC_C2S; i <= SM_SSH_KEX_COMP_S2C; i++)
        strsz += k->list[i].len; /* more than the four hashed lists need */
    /* Allocated before asking the writer, so that a string lost to a failed
     * allocation is never remembered (memo id 0 is not). libcrypto failing
     * inside MD5 (an allocation too) would still leave "hash" empty. */
    char *str = malloc(strsz);
    /* Trimmed, it is another text than the one remembered: not memoised. */
    uint64_t id = str && !no_string ? sm_intern_memo_id(body, server ? SM_SSH_MEMO_HASSH_SERVER
                                                                     : SM_SSH_MEMO_HASSH_CLIENT)
                                    : 0;
    if (!w->ops->memo_begin(w, "hassh", id)) {
        char md5[33];
        sm_ssh_hassh(k, server, md5, str, str ? strsz : 0);
        w->ops->obj_begin(w, "hassh");
        sm_w_cstr(w, "hash", md5);
        if (str && !no_string)
            sm_w_cstr(w, "string", str);
        else
            w->ops->null(w, "string");
        w->ops->obj_end(w);
        w->ops->memo_end(w);
    }
    free(str);
}

static void sm_ssh_w_kexinit(struct sm_writer *w, const struct sm_interned *body,
                             const struct sm_ssh_kexinit *k)
{
    if (w->ops->memo_begin(w, "kexinit", sm_intern_memo_id(body, SM_SSH_MEMO_KEXINIT)))
        return;
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
    w->ops->memo_end(w);
}

static void sm_ssh_w_endpoint(const struct sm_ssh_state *s, struct sm_writer *w, int dir,
                              bool server, unsigned trim)
{
    const struct sm_ssh_side *x = &s->side[dir];
    const char *key = server ? "server" : "client";
    if (!x->has_ident && !x->kexinit && !x->lines) {
        w->ops->null(w, key);
        return;
    }
    struct sm_ssh_kexinit k;
    bool have_k = sm_ssh_side_kexinit(x, &k);

    w->ops->obj_begin(w, key);
    sm_ssh_w_ident(w, "proto_version", x, SM_SSH_IDENT_PROTO);
    sm_ssh_w_ident(w, "software_version", x, SM_SSH_IDENT_SOFT);
    sm_ssh_w_ident(w, "comments", x, SM_SSH_IDENT_COMM);
    if (have_k) {
        sm_ssh_w_hassh(w, x->kexinit, &k, server,
                       trim & (server ? SM_TRIM_SERVER_HASSH_STRING : SM_TRIM_CLIENT_HASSH_STRING));
        if (trim & (server ? SM_TRIM_SERVER_KEXINIT : SM_TRIM_CLIENT_KEXINIT))
            w->ops->null(w, "kexinit");
        else
            sm_ssh_w_kexinit(w, x->kexinit, &k);
        unsigned m = sm_ssh_markers(x);
        w->ops->boolean(w, "strict_kex",
                        m & (server ? SM_SSH_MARK_STRICT_S : SM_SSH_MARK_STRICT_C));
        w->ops->boolean(w, "ext_info",
                        m & (server ? SM_SSH_MARK_EXT_INFO_S : SM_SSH_MARK_EXT_INFO_C));
    } else {
        w->ops->null(w, "hassh");
        w->ops->null(w, "kexinit");
        w->ops->null(w, "strict_kex");
        w->ops->null(w, "ext_info");
    }
    w->ops->boolean(w, "newkeys", x->newkeys);
    w->ops->u64(w, "encrypted_packets", sm_ssh_enc(s, dir, 0));
    w->ops->u64(w, "encrypted_bytes", sm_ssh_enc(s, dir, 1));
    if (server) {
        w->ops->u64(w, "prebanner_lines", x->lines);
        w->ops->arr_begin(w, "prebanner");
        uint32_t keep = x->lines < SM_SSH_KEEP_PREBANNER ? x->lines : SM_SSH_KEEP_PREBANNER;
        const struct sm_ssh_prebanner *pre = sm_ssh_pre(s, dir);
        if (trim & SM_TRIM_SERVER_PREBANNER)
            keep = 0;
        for (uint32_t i = 0; pre && i < keep; i++) {
            const struct sm_interned *line = pre->line[i];
            if (line) /* else lost to a failed allocation */
                w->ops->str(w, NULL, line->bytes, line->len);
        }
        w->ops->arr_end(w);
        if (s->hostkey) {
            const char *type = (const char *)s->hostkey->bytes;
            w->ops->obj_begin(w, "host_key");
            sm_w_cstr(w, "type", type);
            sm_w_cstr(w, "fingerprint_sha256", type + strlen(type) + 1);
            w->ops->obj_end(w);
        } else {
            w->ops->null(w, "host_key");
        }
    }
    w->ops->obj_end(w);
}

/* Terrapin (CVE-2023-48795): a prefix-truncation attack on the KEX works
 * when chacha20-poly1305, or a CBC cipher with an EtM MAC, is negotiated and
 * strict KEX is not active on both sides. The reason, and *exposed. */
static const char *sm_ssh_terrapin(const struct sm_ssh_state *s, const struct sm_bytes *neg,
                                   bool *exposed)
{
    int srv = sm_ssh_server_dir(s);
    bool strict = (sm_ssh_markers(&s->side[!srv]) & SM_SSH_MARK_STRICT_C) &&
                  (sm_ssh_markers(&s->side[srv]) & SM_SSH_MARK_STRICT_S);
    bool chacha = false, cbc_etm = false;
    for (int d = 0; d < 2; d++) {
        struct sm_bytes c = neg[SM_SSH_KEX_ENC_C2S + d], m = neg[SM_SSH_KEX_MAC_C2S + d];
        if (sm_ssh_name_is(c, "chacha20-poly1305@openssh.com"))
            chacha = true;
        if (c.len > 4 && memcmp(c.p + c.len - 4, "-cbc", 4) == 0 && m.len > 17 &&
            memcmp(m.p + m.len - 17, "-etm@openssh.com", 16) == 0)
            cbc_etm = true;
    }
    *exposed = false;
    if (!chacha && !cbc_etm)
        return "no vulnerable cipher mode negotiated";
    if (strict)
        return "strict key exchange active on both sides";
    *exposed = true;
    return chacha ? "chacha20-poly1305 negotiated without strict key exchange on both sides"
                  : "CBC with an EtM MAC negotiated without strict key exchange on both sides";
}

static void sm_ssh_w_terrapin(const struct sm_ssh_state *s, struct sm_writer *w,
                              const struct sm_bytes *neg, bool ok)
{
    if (!ok) {
        w->ops->null(w, "terrapin");
        return;
    }
    bool exposed;
    const char *reason = sm_ssh_terrapin(s, neg, &exposed);
    w->ops->obj_begin(w, "terrapin");
    w->ops->boolean(w, "exposed", exposed);
    sm_w_cstr(w, "reason", reason);
    w->ops->obj_end(w);
}

/* A part of the identification line as a view; p NULL when not kept. */
static struct sm_bytes sm_ssh_ident_part(const struct sm_ssh_side *x, unsigned part)
{
    struct sm_bytes b = { NULL, 0 };
    const struct sm_interned *e = x->has_ident ? x->ident : NULL;
    if (e) {
        b.p = e->bytes + SM_SSH_IDENT_HEAD + e->bytes[part];
        b.len = e->bytes[part + 1];
    }
    return b;
}

/* ssh.risks: the table in ssh_risks.c applied to this connection (the
 * negotiated algorithms in neg, valid when both; terrapin when ok). */
static void sm_ssh_w_risks(const struct sm_ssh_state *s, struct sm_writer *w,
                           const struct sm_bytes *neg, bool both, bool ok, bool unlisted_port)
{
    int srv = sm_ssh_server_dir(s);
    struct sm_ssh_risk_input in;
    memset(&in, 0, sizeof(in));
    for (int r = 0; r < 2; r++) { /* r: 0 client, 1 server */
        const struct sm_ssh_side *x = &s->side[r ? srv : !srv];
        in.proto[r] = sm_ssh_ident_part(x, SM_SSH_IDENT_PROTO);
        in.software[r] = sm_ssh_ident_part(x, SM_SSH_IDENT_SOFT);
    }
    in.negotiated = both;
    if (both) {
        in.kex = neg[SM_SSH_KEX_ALGS];
        in.host_key = neg[SM_SSH_KEX_HOSTKEY];
        for (int d = 0; d < 2; d++) {
            in.cipher[d] = neg[SM_SSH_KEX_ENC_C2S + d];
            in.mac[d] = neg[SM_SSH_KEX_MAC_C2S + d];
        }
    }
    if (s->hostkey) {
        in.host_key_type.p = s->hostkey->bytes;
        in.host_key_type.len = strlen((const char *)s->hostkey->bytes);
    }
    if (ok)
        (void)sm_ssh_terrapin(s, neg, &in.terrapin_exposed);
    in.unlisted_port = unlisted_port;
    const char *flags[SM_SSH_RISKS_MAX];
    size_t n = sm_ssh_risks(&in, flags);
    w->ops->arr_begin(w, "risks");
    for (size_t i = 0; i < n; i++)
        sm_w_cstr(w, NULL, flags[i]);
    w->ops->arr_end(w);
}

static void sm_ssh_describe(const void *st, struct sm_writer *w, unsigned trim, unsigned hints)
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
    sm_ssh_w_endpoint(s, w, !srv, false, trim);
    sm_ssh_w_endpoint(s, w, srv, true, trim);
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
    sm_ssh_w_risks(s, w, neg, both, both && all, hints & SM_APP_HINT_UNLISTED_PORT);
    if (s->disconnect) {
        w->ops->obj_begin(w, "disconnect");
        sm_w_cstr(w, "from", s->disconnect_dir == srv ? "server" : "client");
        uint32_t code = s->rare ? s->rare->disconnect_code : 0;
        w->ops->u64(w, "reason_code", code);
        const char *rn = sm_ssh_disconnect_reason(code);
        if (rn)
            sm_w_cstr(w, "reason_name", rn);
        else
            w->ops->null(w, "reason_name");
        /* NULL: lost to a failed allocation */
        const struct sm_interned *t = s->rare ? s->rare->disconnect_text : NULL;
        if (trim & SM_TRIM_DISCONNECT_TEXT)
            w->ops->null(w, "description");
        else
            w->ops->str(w, "description", t ? (const void *)t->bytes : "", t ? t->len : 0);
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
    if (f.auth_attempts < 0) {
        w->ops->null(w, "auth_attempts");
        w->ops->null(w, "auth_attempts_confidence");
    } else {
        w->ops->u64(w, "auth_attempts", (uint64_t)f.auth_attempts);
        w->ops->real(w, "auth_attempts_confidence", f.auth_attempts_confidence, 2);
    }
    w->ops->obj_end(w);
}

const struct sm_dissector sm_ssh_dissector = {
    .name = "ssh",
    .probe = sm_ssh_probe,
    .state_size = sizeof(struct sm_ssh_state),
    .state_fini = sm_ssh_fini,
    .state_new = sm_ssh_new,
    .state_free = sm_ssh_free,
    .deliver = sm_ssh_deliver,
    .gap = sm_ssh_gap,
    .eof = sm_ssh_eof,
    .facts = sm_ssh_facts,
    .describe = sm_ssh_describe,
};
