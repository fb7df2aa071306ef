/* SPDX-License-Identifier: MIT */
/* summary: pure SSH wire parsers (RFC 4253/4251) over the bounds-checked
 * cursor. Every field is read through struct sm_cur; only whole views that
 * the cursor already vetted are handed on as ranges (to memcmp, SHA-256, MD5).
 * Nothing here keeps state or outlives a call. */
#include "config.h"
#include "ssh_wire.h"

#include <openssl/evp.h>
#include <string.h>

#include "cursor.h"
#include "digest.h"

const char *const sm_ssh_kex_list_names[SM_SSH_KEX_LISTS] = {
    "kex_algorithms",
    "server_host_key_algorithms",
    "encryption_algorithms_client_to_server",
    "encryption_algorithms_server_to_client",
    "mac_algorithms_client_to_server",
    "mac_algorithms_server_to_client",
    "compression_algorithms_client_to_server",
    "compression_algorithms_server_to_client",
    "languages_client_to_server",
    "languages_server_to_client",
};

static const struct sm_bytes sm_ssh_none = { NULL, 0 };

/* Offset (from the cursor position) of the first byte ch among the next
 * limit bytes, or false. Reads through the cursor only. */
static bool sm_ssh_find(const struct sm_cur *c, uint8_t ch, size_t limit, size_t *at)
{
    return sm_cur_find(c, ch, limit, at);
}

/* Two vetted views hold the same bytes. */
static bool sm_ssh_bytes_eq(struct sm_bytes a, struct sm_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* Every byte of the view is printable US-ASCII (0x21..0x7e). */
static bool sm_ssh_printable(struct sm_bytes v)
{
    struct sm_cur c;

    sm_cur_init(&c, v.p, v.len, false);
    while (sm_cur_left(&c) > 0) {
        uint8_t b = sm_cur_u8(&c);
        if (b < 0x21 || b > 0x7e)
            return false;
    }
    return true;
}

/* ---- lines -------------------------------------------------------------- */

/* RFC 4253 §4.2: SSH-protoversion-softwareversion SP comments. text starts
 * with "SSH-" (checked by the caller). */
static void sm_ssh_parse_ident(struct sm_ssh_line *out)
{
    struct sm_cur c;
    size_t at;

    sm_cur_init(&c, out->text.p, out->text.len, false);
    sm_cur_skip(&c, 4); /* "SSH-" */
    if (!sm_ssh_find(&c, '-', sm_cur_left(&c), &at)) {
        out->proto_version = sm_cur_rest(&c);
        out->ident_malformed = true;
        return;
    }
    out->proto_version = sm_cur_bytes(&c, at);
    sm_cur_skip(&c, 1); /* '-' */
    if (sm_ssh_find(&c, ' ', sm_cur_left(&c), &at)) {
        out->software_version = sm_cur_bytes(&c, at);
        sm_cur_skip(&c, 1); /* SP */
        out->has_comments = true;
        out->comments = sm_cur_rest(&c);
    } else {
        out->software_version = sm_cur_rest(&c);
    }
    /* '-' inside softwareversion breaks the MUST NOT of §4.2 but is common
     * ("SSH-1.99-Cisco-1.25"), so it is kept, not flagged. */
    out->ident_malformed = out->proto_version.len == 0 || out->software_version.len == 0 ||
                           !sm_ssh_printable(out->proto_version) ||
                           !sm_ssh_printable(out->software_version);
}

enum sm_err sm_ssh_parse_line(const uint8_t *p, size_t n, size_t max, struct sm_ssh_line *out,
                              size_t *consumed, size_t *need)
{
    struct sm_cur c;
    size_t lf;

    memset(out, 0, sizeof(*out));
    *consumed = 0;
    *need = 0;
    sm_cur_init(&c, p, n, true);
    if (!sm_ssh_find(&c, '\n', n < max ? n : max, &lf)) {
        if (n < max) {
            *need = 1; /* the next byte may be the LF */
            return SM_ERR_INCOMPLETE;
        }
        return SM_ERR_LIMIT;
    }
    /* RFC 4253 §4.2 requires CR LF; a bare LF is accepted (as OpenSSH does). */
    bool ok = true;
    out->crlf = lf > 0 && sm_cur_peek_u8(&c, lf - 1, &ok) == '\r' && ok;
    out->text = sm_cur_bytes(&c, out->crlf ? lf - 1 : lf);
    sm_cur_skip(&c, out->crlf ? 2 : 1);
    if (!sm_cur_ok(&c)) { /* cannot happen: lf < n */
        memset(out, 0, sizeof(*out));
        return SM_ERR_INVALID;
    }
    *consumed = sm_cur_offset(&c);
    out->is_ident = out->text.len >= 4 && memcmp(out->text.p, "SSH-", 4) == 0;
    if (out->is_ident)
        sm_ssh_parse_ident(out);
    return SM_OK;
}

/* ---- binary packet ------------------------------------------------------ */

enum sm_err sm_ssh_parse_packet(const uint8_t *p, size_t n, struct sm_ssh_packet *out,
                                size_t *consumed, size_t *need)
{
    struct sm_cur c, body;

    memset(out, 0, sizeof(*out));
    *consumed = 0;
    *need = 0;
    sm_cur_init(&c, p, n, true);
    /* RFC 4253 §6: uint32 packet_length, byte padding_length, byte[n1]
     * payload, byte[n2] random padding, byte[m] MAC (m = 0 before NEWKEYS). */
    uint32_t len = sm_cur_be32(&c);
    if (!sm_cur_ok(&c)) {
        *need = c.need;
        return c.err;
    }
    if (len > SM_SSH_MAX_PACKET)
        return SM_ERR_LIMIT;
    if (len < 5)
        return SM_ERR_INVALID;
    /* The padding length byte is judged as soon as it is there. */
    bool ok = true;
    uint8_t pad = sm_cur_peek_u8(&c, 0, &ok);
    if (ok && (uint32_t)pad + 1 >= len) /* n1 = len - pad - 1 must be >= 1 */
        return SM_ERR_INVALID;
    body = sm_cur_sub(&c, len, true);
    if (!sm_cur_ok(&c)) {
        *need = c.need; /* exact: the rest of the whole packet */
        return c.err;
    }
    out->packet_length = len;
    out->padding_length = sm_cur_u8(&body);
    out->payload = sm_cur_bytes(&body, len - 1 - out->padding_length);
    out->padding = sm_cur_bytes(&body, out->padding_length);
    struct sm_cur pc;
    sm_cur_init(&pc, out->payload.p, out->payload.len, false);
    out->msg = sm_cur_u8(&pc);
    if (!sm_cur_ok(&body) || !sm_cur_ok(&pc)) { /* cannot happen: checked above */
        memset(out, 0, sizeof(*out));
        return SM_ERR_INVALID;
    }
    out->bad_padding = out->padding_length < 4;
    out->bad_alignment = (4u + len) % 8u != 0;
    *consumed = sm_cur_offset(&c);
    return SM_OK;
}

/* ---- KEXINIT ------------------------------------------------------------ */

/* The ten name-lists, boolean first_kex_packet_follows, uint32 0 (reserved). */
static enum sm_err sm_ssh_kexinit_body(struct sm_cur *c, struct sm_ssh_kexinit *out)
{
    for (int i = 0; i < SM_SSH_KEX_LISTS; i++)
        out->list[i] = sm_cur_ssh_string(c, SM_SSH_MAX_NAMELIST);
    out->first_kex_follows = sm_cur_u8(c) != 0; /* RFC 4251 §5: any non-zero is TRUE */
    out->reserved = sm_cur_be32(c);
    if (!sm_cur_ok(c)) {
        memset(out, 0, sizeof(*out));
        return c->err;
    }
    return SM_OK;
}

enum sm_err sm_ssh_parse_kexinit(const uint8_t *payload, size_t n, struct sm_ssh_kexinit *out)
{
    struct sm_cur c;

    memset(out, 0, sizeof(*out));
    sm_cur_init(&c, payload, n, false);
    /* RFC 4253 §7.1: byte SSH_MSG_KEXINIT, byte[16] cookie, then the body. */
    sm_cur_invalid(&c, sm_cur_u8(&c) != SM_SSH_MSG_KEXINIT); /* no-op if truncated */
    sm_cur_copy(&c, out->cookie, sizeof(out->cookie));
    return sm_ssh_kexinit_body(&c, out);
}

enum sm_err sm_ssh_parse_kexinit_body(const uint8_t *body, size_t n, struct sm_ssh_kexinit *out,
                                      size_t *used)
{
    struct sm_cur c;

    memset(out, 0, sizeof(*out));
    sm_cur_init(&c, body, n, false);
    enum sm_err e = sm_ssh_kexinit_body(&c, out);
    if (used)
        *used = e == SM_OK ? sm_cur_offset(&c) : 0;
    return e;
}

bool sm_ssh_kexinit_has(const struct sm_ssh_kexinit *k, const char *name)
{
    return sm_ssh_namelist_contains(k->list[SM_SSH_KEX_ALGS], name);
}

/* ---- name-lists --------------------------------------------------------- */

void sm_ssh_names_init(struct sm_ssh_names *it, struct sm_bytes list)
{
    sm_cur_init(&it->cur, list.p, list.len, false);
    it->done = list.len == 0;
}

bool sm_ssh_names_next(struct sm_ssh_names *it, struct sm_bytes *name)
{
    size_t at;

    if (it->done) {
        *name = sm_ssh_none;
        return false;
    }
    /* Each call consumes a comma or ends the walk: forward progress. */
    if (sm_ssh_find(&it->cur, ',', sm_cur_left(&it->cur), &at)) {
        *name = sm_cur_bytes(&it->cur, at);
        sm_cur_skip(&it->cur, 1);
    } else {
        *name = sm_cur_rest(&it->cur);
        it->done = true;
    }
    if (!sm_cur_ok(&it->cur)) { /* cannot happen */
        it->done = true;
        *name = sm_ssh_none;
        return false;
    }
    return true;
}

size_t sm_ssh_namelist_count(struct sm_bytes list)
{
    struct sm_ssh_names it;
    struct sm_bytes name;
    size_t count = 0;

    sm_ssh_names_init(&it, list);
    while (sm_ssh_names_next(&it, &name))
        count++;
    return count;
}

bool sm_ssh_namelist_contains(struct sm_bytes list, const char *name)
{
    struct sm_ssh_names it;
    struct sm_bytes want = { (const uint8_t *)name, strlen(name) }, got;

    sm_ssh_names_init(&it, list);
    while (sm_ssh_names_next(&it, &got))
        if (sm_ssh_bytes_eq(got, want))
            return true;
    return false;
}

bool sm_ssh_namelist_valid(struct sm_bytes list)
{
    struct sm_ssh_names it;
    struct sm_bytes name;

    sm_ssh_names_init(&it, list);
    while (sm_ssh_names_next(&it, &name))
        if (name.len == 0 || name.len > SM_SSH_MAX_NAME || !sm_ssh_printable(name))
            return false;
    return true;
}

/* Open-addressing hash set of names, as offsets into one list. Twice as many
 * slots as names keeps probe chains short; len 0 marks a free slot (empty
 * names are never inserted). The worst case (all names colliding) is bounded
 * by SM_SSH_MAX_NAMES squared compares, not by the input size. */
#define SM_SSH_SET_SLOTS (2u * SM_SSH_MAX_NAMES)

struct sm_ssh_slot {
    uint32_t off;
    uint32_t len;
};

struct sm_ssh_nameset {
    struct sm_bytes list;
    uint32_t mask; /* slots in use - 1 (a power of two minus one) */
    struct sm_ssh_slot slot[SM_SSH_SET_SLOTS];
};

/* FNV-1a over the name, read through a cursor. */
static uint32_t sm_ssh_hash(struct sm_bytes name)
{
    struct sm_cur c;
    uint32_t h = 2166136261u;

    sm_cur_init(&c, name.p, name.len, false);
    while (sm_cur_left(&c) > 0) {
        h ^= sm_cur_u8(&c);
        h *= 16777619u;
    }
    return h;
}

/* The slot holding name, or the free slot where it belongs. */
static struct sm_ssh_slot *sm_ssh_set_find(struct sm_ssh_nameset *s, struct sm_bytes name)
{
    uint32_t i = sm_ssh_hash(name) & s->mask;

    for (;;) {
        struct sm_ssh_slot *sl = &s->slot[i];
        if (sl->len == 0)
            return sl;
        struct sm_bytes have = { s->list.p + sl->off, sl->len };
        if (sm_ssh_bytes_eq(have, name))
            return sl;
        i = (i + 1) & s->mask;
    }
}

/* Fills the set from list; false when it has more than SM_SSH_MAX_NAMES names.
 * The table is sized to the list (a power of two at least twice the name
 * count), so a ten-name list clears 16 slots, not the whole array; it is
 * never more than half full, so probing always ends. */
static bool sm_ssh_set_fill(struct sm_ssh_nameset *s, struct sm_bytes list)
{
    struct sm_ssh_names it;
    struct sm_bytes name;
    size_t count = 0;

    sm_ssh_names_init(&it, list);
    while (sm_ssh_names_next(&it, &name)) {
        if (++count > SM_SSH_MAX_NAMES)
            return false;
    }
    uint32_t slots = 16;
    while (slots < 2 * count)
        slots *= 2;
    s->mask = slots - 1;
    memset(s->slot, 0, slots * sizeof(s->slot[0]));
    s->list = list;
    sm_ssh_names_init(&it, list);
    while (sm_ssh_names_next(&it, &name)) {
        if (name.len == 0)
            continue;
        struct sm_ssh_slot *sl = sm_ssh_set_find(s, name);
        if (sl->len == 0) {
            /* name lies inside list (a view of it), so the offset fits */
            sl->off = (uint32_t)(name.p - list.p);
            sl->len = (uint32_t)name.len;
        }
    }
    return true;
}

/* A server list this short is searched name by name: real lists have about
 * ten names and the client's first choice usually matches at once, which is
 * far cheaper than building a set. Longer lists get the hash set, so the
 * worst case stays SM_SSH_MAX_NAMES x SM_SSH_SCAN_NAMES compares. */
#define SM_SSH_SCAN_NAMES 16u

/* The server's name equal to name in a short list, by a scan. */
static bool sm_ssh_list_has(struct sm_bytes list, struct sm_bytes name)
{
    struct sm_ssh_names it;
    struct sm_bytes got;

    sm_ssh_names_init(&it, list);
    while (sm_ssh_names_next(&it, &got))
        if (sm_ssh_bytes_eq(got, name))
            return true;
    return false;
}

bool sm_ssh_negotiate(struct sm_bytes client, struct sm_bytes server, struct sm_bytes *chosen,
                      bool *limit)
{
    struct sm_ssh_nameset set; /* 16 KiB, only used for long server lists */
    struct sm_ssh_names it;
    struct sm_bytes name;
    size_t count = 0;
    bool scan;

    *chosen = sm_ssh_none;
    if (limit)
        *limit = false;
    /* Offsets are 32-bit; anything near that is far over the cap anyway. */
    bool ok = server.len <= UINT32_MAX;
    if (ok) {
        size_t n = 0;
        sm_ssh_names_init(&it, server);
        while (n <= SM_SSH_SCAN_NAMES && sm_ssh_names_next(&it, &name))
            n++;
        scan = n <= SM_SSH_SCAN_NAMES;
        if (!scan)
            ok = sm_ssh_set_fill(&set, server);
    }
    if (!ok) {
        if (limit)
            *limit = true;
        return false;
    }
    /* RFC 4253 §7.1: "the first algorithm on the client's name-list that
     * satisfies the requirements and is also supported by the server". */
    sm_ssh_names_init(&it, client);
    while (sm_ssh_names_next(&it, &name)) {
        if (++count > SM_SSH_MAX_NAMES) {
            if (limit)
                *limit = true;
            return false;
        }
        if (name.len == 0)
            continue;
        if (scan ? sm_ssh_list_has(server, name) : sm_ssh_set_find(&set, name)->len != 0) {
            *chosen = name;
            return true;
        }
    }
    return false;
}

/* ---- KEX reply and host key --------------------------------------------- */

enum sm_err sm_ssh_parse_kex_reply(const uint8_t *payload, size_t n, struct sm_bytes *hostkey_blob)
{
    struct sm_cur c;

    *hostkey_blob = sm_ssh_none;
    sm_cur_init(&c, payload, n, false);
    /* RFC 4253 §8 / RFC 5656 §4 / RFC 4419 §3: byte msg, string K_S, ... */
    uint8_t msg = sm_cur_u8(&c);
    sm_cur_invalid(&c, msg != SM_SSH_MSG_KEXDH_REPLY && msg != SM_SSH_MSG_KEX_DH_GEX_REPLY);
    struct sm_bytes ks = sm_cur_ssh_string(&c, SM_SSH_MAX_PACKET);
    sm_cur_invalid(&c, ks.len == 0);
    if (!sm_cur_ok(&c))
        return c.err;
    *hostkey_blob = ks;
    return SM_OK;
}

/* "SHA256:" + unpadded base64 of SHA-256(blob), as OpenSSH sshkey_fingerprint()
 * with SSH_FP_BASE64. fp has SM_SSH_FP_LEN bytes. */
static enum sm_err sm_ssh_fingerprint(struct sm_bytes blob, char *fp)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];

    const EVP_MD *sha256 = sm_md_get(SM_MD_SHA256);
    if (!sha256 || !EVP_Digest(blob.p, blob.len, md, &mdlen, sha256, NULL) || mdlen != 32)
        return SM_ERR_NOMEM;
    int k = EVP_EncodeBlock(b64, md, (int)mdlen); /* 44 chars, one '=' */
    while (k > 0 && b64[k - 1] == '=')
        k--;
    memcpy(fp, "SHA256:", 7);
    memcpy(fp + 7, b64, (size_t)k);
    fp[7 + k] = '\0';
    return SM_OK;
}

enum sm_err sm_ssh_hostkey_describe(struct sm_bytes blob, char *type, size_t typelen, char *fp,
                                    size_t fplen)
{
    struct sm_cur c;
    enum sm_err err;

    if (type && typelen > 0)
        type[0] = '\0';
    if (fp && fplen > 0)
        fp[0] = '\0';
    sm_cur_init(&c, blob.p, blob.len, false);
    /* RFC 4253 §6.6: string certificate or public key format identifier. */
    struct sm_bytes t = sm_cur_ssh_string(&c, SM_SSH_MAX_NAME);
    sm_cur_invalid(&c, t.len == 0 || !sm_ssh_printable(t));
    if (!sm_cur_ok(&c))
        return c.err;
    if ((type && typelen < t.len + 1) || (fp && fplen < SM_SSH_FP_LEN))
        return SM_ERR_LIMIT;
    if (fp) {
        err = sm_ssh_fingerprint(blob, fp);
        if (err != SM_OK)
            return err;
    }
    if (type) {
        memcpy(type, t.p, t.len);
        type[t.len] = '\0';
    }
    return SM_OK;
}

/* ---- HASSH -------------------------------------------------------------- */

/* Appends v to str (cut at strsz - 1, NUL kept) and feeds it to the digest. */
static bool sm_ssh_hassh_part(EVP_MD_CTX *ctx, struct sm_bytes v, char *str, size_t strsz,
                              size_t *used)
{
    if (str && strsz > 0) {
        size_t room = strsz - 1 - *used;
        size_t k = v.len < room ? v.len : room;
        if (k > 0)
            memcpy(str + *used, v.p, k);
        *used += k;
        str[*used] = '\0';
    }
    if (!ctx)
        return false;
    return v.len == 0 || EVP_DigestUpdate(ctx, v.p, v.len);
}

void sm_ssh_hassh(const struct sm_ssh_kexinit *k, bool server, char md5hex[33], char *str,
                  size_t strsz)
{
    static const char hex[] = "0123456789abcdef";
    static const struct sm_bytes semi = { (const uint8_t *)";", 1 };
    const int part[4] = { SM_SSH_KEX_ALGS, server ? SM_SSH_KEX_ENC_S2C : SM_SSH_KEX_ENC_C2S,
                          server ? SM_SSH_KEX_MAC_S2C : SM_SSH_KEX_MAC_C2S,
                          server ? SM_SSH_KEX_COMP_S2C : SM_SSH_KEX_COMP_C2S };
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t used = 0;
    bool ok;

    md5hex[0] = '\0';
    if (str && strsz > 0)
        str[0] = '\0';
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const EVP_MD *md5 = sm_md_get(SM_MD_MD5);
    ok = ctx && md5 && EVP_DigestInit_ex(ctx, md5, NULL);
    EVP_MD_CTX *use = ok ? ctx : NULL; /* the string is built even without it */
    for (int i = 0; i < 4; i++) {
        if (i > 0)
            ok = sm_ssh_hassh_part(use, semi, str, strsz, &used) && ok;
        ok = sm_ssh_hassh_part(use, k->list[part[i]], str, strsz, &used) && ok;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 16;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return;
    for (unsigned int i = 0; i < 16; i++) {
        md5hex[2 * i] = hex[md[i] >> 4];
        md5hex[2 * i + 1] = hex[md[i] & 15];
    }
    md5hex[32] = '\0';
}

/* ---- DISCONNECT --------------------------------------------------------- */

enum sm_err sm_ssh_parse_disconnect(const uint8_t *payload, size_t n, uint32_t *code,
                                    struct sm_bytes *desc)
{
    struct sm_cur c;

    *code = 0;
    *desc = sm_ssh_none;
    sm_cur_init(&c, payload, n, false);
    /* RFC 4253 §11.1: byte SSH_MSG_DISCONNECT, uint32 reason code, string
     * description in ISO-10646 UTF-8, string language tag. */
    sm_cur_invalid(&c, sm_cur_u8(&c) != SM_SSH_MSG_DISCONNECT);
    uint32_t reason = sm_cur_be32(&c);
    struct sm_bytes d = sm_cur_ssh_string(&c, SM_SSH_MAX_PACKET);
    if (sm_cur_left(&c) > 0)
        (void)sm_cur_ssh_string(&c, SM_SSH_MAX_PACKET); /* language, may be absent */
    if (!sm_cur_ok(&c))
        return c.err;
    *code = reason;
    *desc = d;
    return SM_OK;
}

const char *sm_ssh_disconnect_reason(uint32_t code)
{
    /* RFC 4253 §11.1 / RFC 4250 §4.2.2 */
    static const char *const names[] = {
        NULL,
        "host_not_allowed_to_connect",
        "protocol_error",
        "key_exchange_failed",
        "reserved",
        "mac_error",
        "compression_error",
        "service_not_available",
        "protocol_version_not_supported",
        "host_key_not_verifiable",
        "connection_lost",
        "by_application",
        "too_many_connections",
        "auth_cancelled_by_user",
        "no_more_auth_methods_available",
        "illegal_user_name",
    };
    return code < sizeof(names) / sizeof(names[0]) ? names[code] : NULL;
}

/* ---- another protocol on the SSH port ----------------------------------- */

static const char *const sm_ssh_service_names[SM_SSH_SVC_COUNT] = {
    [SM_SSH_SVC_UNKNOWN] = "unknown",
    [SM_SSH_SVC_HTTP] = "http",
    [SM_SSH_SVC_SMTP_OR_FTP] = "smtp-or-ftp",
    [SM_SSH_SVC_SMTP] = "smtp",
    [SM_SSH_SVC_FTP] = "ftp",
    [SM_SSH_SVC_POP3] = "pop3",
    [SM_SSH_SVC_IMAP] = "imap",
    [SM_SSH_SVC_VNC] = "vnc",
    [SM_SSH_SVC_TLS] = "tls",
    [SM_SSH_SVC_MYSQL] = "mysql",
    [SM_SSH_SVC_RDP] = "rdp",
    [SM_SSH_SVC_TELNET] = "telnet",
};

const char *sm_ssh_service_name(enum sm_ssh_service s)
{
    return (unsigned)s < SM_SSH_SVC_COUNT ? sm_ssh_service_names[s] : NULL;
}

bool sm_ssh_service_binary(enum sm_ssh_service s)
{
    return s == SM_SSH_SVC_TLS || s == SM_SSH_SVC_MYSQL || s == SM_SSH_SVC_RDP ||
           s == SM_SSH_SVC_TELNET;
}

/* The first bytes are text (ASCII letters compared without case). */
static bool sm_ssh_svc_prefix(const uint8_t *p, size_t n, const char *text, bool icase)
{
    size_t k = strlen(text);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++) {
        uint8_t a = p[i], b = (uint8_t)text[i];
        if (icase && a >= 'A' && a <= 'Z')
            a = (uint8_t)(a - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

/* The first line (within the first n bytes) names a word, without case. */
static bool sm_ssh_svc_line_has(const uint8_t *p, size_t n, const char *word)
{
    size_t k = strlen(word);
    for (size_t i = 0; i + k <= n && p[i] != '\n'; i++)
        if (sm_ssh_svc_prefix(p + i, n - i, word, true))
            return true;
    return false;
}

/* Binary greetings and records, read through the cursor. */
static enum sm_ssh_service sm_ssh_guess_binary(const uint8_t *p, size_t n)
{
    struct sm_cur c;
    sm_cur_init(&c, p, n, false);
    uint8_t b0 = sm_cur_u8(&c), b1 = sm_cur_u8(&c), b2 = sm_cur_u8(&c);
    if (!sm_cur_ok(&c))
        return SM_SSH_SVC_NONE;
    /* TLS: a handshake (22) or alert (21) record of SSL 3.0 to TLS 1.3
     * (RFC 8446 5.1: legacy_record_version 0x0301..0x0303; 0x0300 SSL 3);
     * an SSLv2-framed ClientHello (RFC 6101 E.1: 2-byte length with the
     * high bit set, message type 1, version 0x0002..0x0303). */
    if ((b0 == 0x16 || b0 == 0x15) && b1 == 0x03 && b2 <= 0x04)
        return SM_SSH_SVC_TLS;
    uint8_t b3 = sm_cur_u8(&c), b4 = sm_cur_u8(&c);
    bool five = sm_cur_ok(&c);
    if ((b0 & 0x80) && b2 == 0x01 && five && (b3 == 0x00 || b3 == 0x03) && b4 <= 0x03)
        return SM_SSH_SVC_TLS;
    /* telnet: IAC followed by WILL, WONT, DO, DONT or SB (RFC 854). */
    if (b0 == 0xff && b1 >= 0xfa && b1 <= 0xfe)
        return SM_SSH_SVC_TELNET;
    if (!five)
        return SM_SSH_SVC_NONE;
    /* RDP: a TPKT (RFC 1006: version 3, reserved 0, length) carrying an
     * X.224 Connection Request (0xE0) or Confirm (0xD0) whose length
     * indicator is the TPKT length minus 5 (MS-RDPBCGR 2.2.1.1). */
    uint16_t tpkt = (uint16_t)(b2 << 8 | b3);
    uint8_t b5 = sm_cur_u8(&c);
    if (b0 == 0x03 && b1 == 0x00 && tpkt >= 11 && tpkt <= 1024 && b4 == tpkt - 5 && sm_cur_ok(&c) &&
        ((b5 & 0xf0) == 0xe0 || (b5 & 0xf0) == 0xd0))
        return SM_SSH_SVC_RDP;
    /* MySQL: a packet (3-byte little-endian length, sequence 0) holding
     * the server's greeting (protocol 10, then a version string of digits)
     * or an error (0xFF, e.g. 1130 "Host ... is not allowed to connect"). */
    uint32_t mlen = (uint32_t)b0 | (uint32_t)b1 << 8 | (uint32_t)b2 << 16;
    if (b3 == 0x00 && mlen >= 3 && mlen <= 1024 && sm_cur_ok(&c)) {
        if (b4 == 0x0a && mlen >= 20 && b5 >= '0' && b5 <= '9')
            return SM_SSH_SVC_MYSQL;
        uint8_t b6 = sm_cur_u8(&c), b7 = sm_cur_u8(&c);
        if (b4 == 0xff && sm_cur_ok(&c) && (uint16_t)(b5 | b6 << 8) >= 1000 &&
            (uint16_t)(b5 | b6 << 8) < 5000 && b7 >= 0x20 && b7 <= 0x7e)
            return SM_SSH_SVC_MYSQL;
    }
    return SM_SSH_SVC_NONE;
}

enum sm_ssh_service sm_ssh_guess_service(const uint8_t *p, size_t n)
{
    static const struct {
        const char *prefix;
        enum sm_ssh_service what;
        bool icase;
    } greet[] = {
        /* HTTP requests (RFC 9110 9.3) and responses; a bare HTML page is
         * what an HTTP server answers a request it reads as HTTP/0.9
         * (Python's http.server to an SSH identification line). */
        { "GET ", SM_SSH_SVC_HTTP, false },
        { "POST ", SM_SSH_SVC_HTTP, false },
        { "HEAD ", SM_SSH_SVC_HTTP, false },
        { "PUT ", SM_SSH_SVC_HTTP, false },
        { "DELETE ", SM_SSH_SVC_HTTP, false },
        { "PATCH ", SM_SSH_SVC_HTTP, false },
        { "OPTIONS ", SM_SSH_SVC_HTTP, false },
        { "TRACE ", SM_SSH_SVC_HTTP, false },
        { "CONNECT ", SM_SSH_SVC_HTTP, false },
        { "HTTP/", SM_SSH_SVC_HTTP, false },
        { "<!doctype html", SM_SSH_SVC_HTTP, true },
        { "<html", SM_SSH_SVC_HTTP, true },
        { "<head", SM_SSH_SVC_HTTP, true },
        /* SMTP (RFC 5321 4.2) and FTP (RFC 959 4.2) greet with 220. */
        { "220 ", SM_SSH_SVC_SMTP_OR_FTP, false },
        { "220-", SM_SSH_SVC_SMTP_OR_FTP, false },
        { "ehlo", SM_SSH_SVC_SMTP, true },
        { "helo", SM_SSH_SVC_SMTP, true },
        { "+OK", SM_SSH_SVC_POP3, false },
        { "* OK", SM_SSH_SVC_IMAP, false },
        { "* PREAUTH", SM_SSH_SVC_IMAP, false },
        { "* BYE", SM_SSH_SVC_IMAP, false },
        { "RFB ", SM_SSH_SVC_VNC, false },
    };
    if (!p || n == 0)
        return SM_SSH_SVC_NONE;
    if (n > 256)
        n = 256;
    enum sm_ssh_service b = sm_ssh_guess_binary(p, n);
    if (b != SM_SSH_SVC_NONE)
        return b;
    for (size_t i = 0; i < sizeof(greet) / sizeof(greet[0]); i++) {
        if (!sm_ssh_svc_prefix(p, n, greet[i].prefix, greet[i].icase))
            continue;
        if (greet[i].what != SM_SSH_SVC_SMTP_OR_FTP)
            return greet[i].what;
        /* The greeting's text usually names the service. */
        if (sm_ssh_svc_line_has(p, n, "smtp"))
            return SM_SSH_SVC_SMTP;
        if (sm_ssh_svc_line_has(p, n, "ftp"))
            return SM_SSH_SVC_FTP;
        return SM_SSH_SVC_SMTP_OR_FTP;
    }
    return SM_SSH_SVC_NONE;
}
