/* SPDX-License-Identifier: MIT */
/* summary: pure SSH wire parsers (RFC 4253/4251): identification lines, the
 * unencrypted binary packet, KEXINIT, the server host key of a KEX reply,
 * DISCONNECT, name-list negotiation and HASSH. No state, no allocation that
 * outlives a call, no I/O: every result is a borrowed view into the caller's
 * bytes (valid only while those bytes are) or a small value. */
#ifndef SM_SSH_WIRE_H
#define SM_SSH_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

/* RFC 4253 §6.1: implementations MUST handle packets of 35000 bytes and
 * SHOULD accept longer ones; OpenSSH accepts up to 256 KiB (PACKET_MAX_SIZE),
 * and real KEXINITs with 1000-name lists exceed 35000 (Zeek's
 * kex-quadratic-1000 trace: 40552 bytes). A larger packet_length is
 * SM_ERR_LIMIT. */
#define SM_SSH_MAX_PACKET (256u * 1024u)

/* RFC 4253 §4.2: the identification line is at most 255 bytes including CR LF.
 * The value to pass as max to sm_ssh_parse_line() for it. */
#define SM_SSH_MAX_IDENT 255u

/* Cap on one KEXINIT name-list in bytes: OpenSSH sends under 2 KB, but a
 * list of 1000 names (seen in the wild and in Zeek's tests) needs about
 * 40 KB. Longer lists are SM_ERR_LIMIT. */
#define SM_SSH_MAX_NAMELIST 65536u

/* Cap on names per list in sm_ssh_negotiate(): bounds its hash set and its
 * worst case (Zeek's kex-quadratic-1000 trace uses 500-590 names per list). */
#define SM_SSH_MAX_NAMES 1024u

/* RFC 4251 §6: algorithm and key-type names are at most 64 characters. */
#define SM_SSH_MAX_NAME 64u

/* "SHA256:" + 43 base64 characters + NUL: the size of the fp buffer that
 * sm_ssh_hostkey_describe() needs. */
#define SM_SSH_FP_LEN 51u

/* Size of the type buffer that always suffices for sm_ssh_hostkey_describe(). */
#define SM_SSH_KEYTYPE_LEN (SM_SSH_MAX_NAME + 1u)

/* The markers sent inside kex_algorithms (they are not real algorithms). */
#define SM_SSH_STRICT_KEX_C "kex-strict-c-v00@openssh.com" /* OpenSSH PROTOCOL §1.9 */
#define SM_SSH_STRICT_KEX_S "kex-strict-s-v00@openssh.com"
#define SM_SSH_EXT_INFO_C   "ext-info-c" /* RFC 8308 §2.1 */
#define SM_SSH_EXT_INFO_S   "ext-info-s"

/* Message numbers this module knows (RFC 4250 §4.1.2, RFC 4253 §12,
 * RFC 4419 §5, RFC 5656 §7.1). 30-49 are KEX-method specific: 31 is
 * KEXDH_REPLY / KEX_ECDH_REPLY / hybrid PQ reply, but KEX_DH_GEX_GROUP under
 * diffie-hellman-group-exchange-*, whose reply is 33. */
enum sm_ssh_msg {
    SM_SSH_MSG_DISCONNECT = 1,
    SM_SSH_MSG_IGNORE = 2,
    SM_SSH_MSG_UNIMPLEMENTED = 3,
    SM_SSH_MSG_DEBUG = 4,
    SM_SSH_MSG_SERVICE_REQUEST = 5,
    SM_SSH_MSG_SERVICE_ACCEPT = 6,
    SM_SSH_MSG_EXT_INFO = 7,
    SM_SSH_MSG_KEXINIT = 20,
    SM_SSH_MSG_NEWKEYS = 21,
    SM_SSH_MSG_KEXDH_INIT = 30,
    SM_SSH_MSG_KEXDH_REPLY = 31,
    SM_SSH_MSG_KEX_DH_GEX_INIT = 32,
    SM_SSH_MSG_KEX_DH_GEX_REPLY = 33,
    SM_SSH_MSG_KEX_DH_GEX_REQUEST = 34
};

/* ---- identification and pre-banner lines (RFC 4253 §4.2) ---------------- */

struct sm_ssh_line {
    struct sm_bytes text; /* the line without CR LF; may hold NUL, 8-bit */
    bool crlf;            /* ended in CR LF (false: bare LF) */
    bool is_ident;        /* text begins with "SSH-" */
    /* Only when is_ident: */
    struct sm_bytes proto_version;    /* "2.0", "1.99", "1.5" */
    struct sm_bytes software_version; /* up to the first space (may hold '-') */
    bool has_comments;                /* a space followed software_version */
    struct sm_bytes comments;         /* after that space; may be empty */
    bool ident_malformed;             /* empty or non-printable protoversion or
                                         softwareversion, or no '-' after protoversion */
};

/**
 * Parses one LF-terminated line from the front of stream bytes.
 * \param max      longest acceptable line, LF included (SM_SSH_MAX_IDENT)
 * \param consumed on SM_OK: bytes of the line including CR LF; else 0
 * \param need     on SM_ERR_INCOMPLETE: 1 (an LF may be the next byte); else 0
 * \return SM_OK; SM_ERR_INCOMPLETE when no LF yet and n < max; SM_ERR_LIMIT
 *         when the first max bytes hold no LF. A line that starts with "SSH-"
 *         but is not well formed is SM_OK with ident_malformed set.
 */
enum sm_err sm_ssh_parse_line(const uint8_t *p, size_t n, size_t max, struct sm_ssh_line *out,
                              size_t *consumed, size_t *need);

/* ---- binary packet before NEWKEYS (RFC 4253 §6) ------------------------- */

struct sm_ssh_packet {
    uint32_t packet_length; /* excludes itself and the (absent) MAC */
    uint8_t padding_length;
    struct sm_bytes payload; /* at least one byte on SM_OK */
    struct sm_bytes padding;
    uint8_t msg;        /* first payload byte */
    bool bad_padding;   /* padding_length < 4 (RFC 4253 §6 MUST) */
    bool bad_alignment; /* 4 + packet_length not a multiple of 8 */
};

/**
 * Frames one unencrypted binary packet from the front of stream bytes.
 * \param consumed on SM_OK: 4 + packet_length; else 0
 * \param need     on SM_ERR_INCOMPLETE: exactly the missing byte count; else 0
 * \return SM_OK; SM_ERR_INCOMPLETE; SM_ERR_LIMIT when packet_length >
 *         SM_SSH_MAX_PACKET (known from the first 4 bytes); SM_ERR_INVALID
 *         when packet_length < 5 or the payload would be empty
 *         (padding_length + 1 >= packet_length; known from the first 5 bytes).
 */
enum sm_err sm_ssh_parse_packet(const uint8_t *p, size_t n, struct sm_ssh_packet *out,
                                size_t *consumed, size_t *need);

/* ---- KEXINIT (RFC 4253 §7.1) -------------------------------------------- */

/* The ten name-lists, in wire order. */
enum sm_ssh_kex_list {
    SM_SSH_KEX_ALGS = 0, /* kex_algorithms */
    SM_SSH_KEX_HOSTKEY,  /* server_host_key_algorithms */
    SM_SSH_KEX_ENC_C2S,  /* encryption_algorithms_client_to_server */
    SM_SSH_KEX_ENC_S2C,  /* encryption_algorithms_server_to_client */
    SM_SSH_KEX_MAC_C2S,  /* mac_algorithms_client_to_server */
    SM_SSH_KEX_MAC_S2C,  /* mac_algorithms_server_to_client */
    SM_SSH_KEX_COMP_C2S, /* compression_algorithms_client_to_server */
    SM_SSH_KEX_COMP_S2C, /* compression_algorithms_server_to_client */
    SM_SSH_KEX_LANG_C2S, /* languages_client_to_server */
    SM_SSH_KEX_LANG_S2C, /* languages_server_to_client */
    SM_SSH_KEX_LISTS
};

/* The RFC 4253 §7.1 field names, indexed by enum sm_ssh_kex_list. */
extern const char *const sm_ssh_kex_list_names[SM_SSH_KEX_LISTS];

struct sm_ssh_kexinit {
    uint8_t cookie[16];
    struct sm_bytes list[SM_SSH_KEX_LISTS]; /* raw comma-separated name-lists */
    bool first_kex_follows;                 /* first_kex_packet_follows != 0 */
    uint32_t reserved;                      /* should be 0 */
};

/**
 * Parses a KEXINIT payload (starting with the message byte 20). Bytes after
 * the reserved field are ignored. On error *out is all zero.
 * \return SM_OK; SM_ERR_TRUNCATED when the payload ends early; SM_ERR_LIMIT
 *         when a name-list is longer than SM_SSH_MAX_NAMELIST; SM_ERR_INVALID
 *         when the first byte is not 20.
 */
enum sm_err sm_ssh_parse_kexinit(const uint8_t *payload, size_t n, struct sm_ssh_kexinit *out);

/* Where the body of a KEXINIT payload starts: after the message byte and
 * the 16-byte random cookie. The body (the name-lists, first_kex_packet_follows
 * and reserved) is what a peer's software sends alike on every connection;
 * the cookie differs every time. */
#define SM_SSH_KEXINIT_BODY_OFF 17u

/**
 * Parses a KEXINIT body (the payload from SM_SSH_KEXINIT_BODY_OFF on); the
 * cookie in *out is zero. Bytes after the reserved field are ignored.
 * \param used if not NULL: on SM_OK the bytes the body takes (up to and
 *             including reserved), else 0
 * \return as sm_ssh_parse_kexinit(), without SM_ERR_INVALID
 */
enum sm_err sm_ssh_parse_kexinit_body(const uint8_t *body, size_t n, struct sm_ssh_kexinit *out,
                                      size_t *used);

/* True when the kex_algorithms list holds exactly name (a marker such as
 * SM_SSH_STRICT_KEX_C). Meaningful only on the first KEXINIT of a connection. */
bool sm_ssh_kexinit_has(const struct sm_ssh_kexinit *k, const char *name);

/* ---- name-lists (RFC 4251 §5) ------------------------------------------- */

/* Walks the names of a list; "a,,b" has three names, "" has none. */
struct sm_ssh_names {
    struct sm_cur cur;
    bool done;
};

void sm_ssh_names_init(struct sm_ssh_names *it, struct sm_bytes list);
/* Stores the next name (possibly empty) and returns true, or returns false. */
bool sm_ssh_names_next(struct sm_ssh_names *it, struct sm_bytes *name);

/* Names in the list (commas + 1, or 0 for an empty list). */
size_t sm_ssh_namelist_count(struct sm_bytes list);
/* True when some name of the list equals name exactly (case-sensitive). */
bool sm_ssh_namelist_contains(struct sm_bytes list, const char *name);
/* RFC 4251 §5: names non-empty, at most SM_SSH_MAX_NAME bytes, printable
 * US-ASCII other than ',' (so no NUL, space or 8-bit byte). "" is valid. */
bool sm_ssh_namelist_valid(struct sm_bytes list);

/**
 * RFC 4253 §7.1 choice: the first client name that the server list also holds
 * (empty names never match). Linear time: the server names go into a hash set.
 * The KEX-method and host-key compatibility rules of §7.1 are not applied.
 * \param chosen set to the name (a view into client) on success, else empty
 * \param limit  if not NULL: set true when a list has more than
 *               SM_SSH_MAX_NAMES names and no answer was found (then false is
 *               returned), else false
 * \return true when a name was chosen
 */
bool sm_ssh_negotiate(struct sm_bytes client, struct sm_bytes server, struct sm_bytes *chosen,
                      bool *limit);

/* ---- KEX reply and host key --------------------------------------------- */

/**
 * Extracts the server public host key blob K_S, the first field of
 * SSH_MSG_KEXDH_REPLY / KEX_ECDH_REPLY / hybrid PQ replies (31; RFC 4253 §8,
 * RFC 5656 §4) and SSH_MSG_KEX_DH_GEX_REPLY (33; RFC 4419 §3). The caller must
 * know from the negotiated method that 31 is a reply and not GEX_GROUP.
 * \return SM_OK; SM_ERR_TRUNCATED; SM_ERR_LIMIT when K_S is longer than
 *         SM_SSH_MAX_PACKET; SM_ERR_INVALID when the message is not 31 or 33
 *         or K_S is empty.
 */
enum sm_err sm_ssh_parse_kex_reply(const uint8_t *payload, size_t n, struct sm_bytes *hostkey_blob);

/**
 * Names a host key blob (RFC 4253 §6.6: it starts with string key type) and
 * fingerprints it like ssh-keygen -l: "SHA256:" + unpadded base64 of
 * SHA-256(blob). For certificates ssh-keygen hashes the certified key instead;
 * this function (like Zeek) always hashes the whole blob.
 * \param type  receives the NUL-terminated key type (NULL: not wanted);
 *              SM_SSH_KEYTYPE_LEN always suffices
 * \param fp    receives the fingerprint (NULL: not wanted); needs SM_SSH_FP_LEN
 * \return SM_OK; SM_ERR_TRUNCATED when the blob ends inside the type string;
 *         SM_ERR_LIMIT when the type is longer than SM_SSH_MAX_NAME or a buffer
 *         is too small; SM_ERR_INVALID when the type is empty or has a byte
 *         outside printable US-ASCII; SM_ERR_NOMEM when libcrypto fails.
 *         On error both buffers hold "" (when given and non-empty).
 */
enum sm_err sm_ssh_hostkey_describe(struct sm_bytes blob, char *type, size_t typelen, char *fp,
                                    size_t fplen);

/* ---- HASSH (salesforce/hassh) -------------------------------------------- */

/**
 * hassh (server false): md5 of "kex;enc_c2s;mac_c2s;comp_c2s".
 * hasshServer (server true): md5 of "kex;enc_s2c;mac_s2c;comp_s2c".
 * The lists are hashed raw, exactly as on the wire.
 * \param md5hex receives 32 lower-case hex digits and NUL ("" if libcrypto fails)
 * \param str    if not NULL and strsz > 0: receives the hashed string, cut to
 *               strsz - 1 bytes and NUL-terminated; 4 * SM_SSH_MAX_NAMELIST + 4
 *               always suffices. NUL bytes in a list are copied as they are.
 */
void sm_ssh_hassh(const struct sm_ssh_kexinit *k, bool server, char md5hex[33], char *str,
                  size_t strsz);

/* ---- DISCONNECT (RFC 4253 §11.1) ----------------------------------------- */

/**
 * Parses SSH_MSG_DISCONNECT: uint32 reason code, string description, string
 * language tag. A missing language tag (payload ends right after the
 * description) is accepted.
 * \return SM_OK; SM_ERR_TRUNCATED; SM_ERR_LIMIT when a string is longer than
 *         SM_SSH_MAX_PACKET; SM_ERR_INVALID when the message is not 1.
 */
enum sm_err sm_ssh_parse_disconnect(const uint8_t *payload, size_t n, uint32_t *code,
                                    struct sm_bytes *desc);

/* ---- another protocol on the SSH port ----------------------------------- */

/* What a side that is not SSH speaks, told from its first bytes. */
enum sm_ssh_service {
    SM_SSH_SVC_NONE,    /* no known protocol (may be SSH, or pre-banner text) */
    SM_SSH_SVC_UNKNOWN, /* not SSH, protocol not known (set by the caller) */
    SM_SSH_SVC_HTTP,    /* a request, a response, or a bare HTML page (HTTP/0.9) */
    SM_SSH_SVC_SMTP_OR_FTP,
    SM_SSH_SVC_SMTP,
    SM_SSH_SVC_FTP,
    SM_SSH_SVC_POP3,
    SM_SSH_SVC_IMAP,
    SM_SSH_SVC_VNC,
    SM_SSH_SVC_TLS, /* a handshake or alert record, or an SSLv2 hello */
    SM_SSH_SVC_MYSQL,
    SM_SSH_SVC_RDP,
    SM_SSH_SVC_TELNET,
    SM_SSH_SVC_COUNT
};

/* The protocol whose greeting, request or record the first n bytes of a
 * direction (p may be NULL when n is 0) begin with; SM_SSH_SVC_NONE when
 * none, or when too few bytes are there yet to tell (call again with more).
 * Reads at most the first 256 bytes. */
enum sm_ssh_service sm_ssh_guess_service(const uint8_t *p, size_t n);

/* "http", "tls", "smtp-or-ftp", ... ("unknown" for SM_SSH_SVC_UNKNOWN);
 * NULL for SM_SSH_SVC_NONE or out of range. */
const char *sm_ssh_service_name(enum sm_ssh_service s);

/* A binary protocol (TLS, MySQL, RDP, telnet): its bytes are not a line. */
bool sm_ssh_service_binary(enum sm_ssh_service s);

/* RFC 4253 §11.1 reason name without the SSH_DISCONNECT_ prefix, lower case
 * ("protocol_error"), or NULL for an unassigned code. */
const char *sm_ssh_disconnect_reason(uint32_t code);

#endif
