/* SPDX-License-Identifier: MIT */
/* summary: the dissector contract. A dissector gets each direction's bytes
 * in order (from the reassembler), hears about gaps and ends, reports a few
 * protocol-neutral facts to the classifier and describes its own section of
 * the event. It keeps no partial-record buffers: it answers "consumed N,
 * need N more, skip N" and the reassembler holds the rest. */
#ifndef SM_DISSECTOR_H
#define SM_DISSECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sm_writer;

/* Directions are the TCP roles: 0 the initiator, 1 the responder. */
#define SM_APP_ORIG 0
#define SM_APP_RESP 1

enum sm_app_phase {
    SM_APP_NONE = 0, /* no application byte seen */
    SM_APP_BANNER,   /* identification exchange */
    SM_APP_KEX,      /* key exchange */
    SM_APP_AUTH,     /* encrypted, authentication not known to succeed */
    SM_APP_SESSION,  /* encrypted, past authentication */
};

/* What the classifier may know of the application layer. Pointers stay
 * valid while the dissector state lives. */
struct sm_app_facts {
    bool dissected;             /* a dissector ran on this connection */
    bool ident_seen[2];         /* an identification line, per TCP direction */
    bool prebanner_seen;        /* the server sent other lines before its banner */
    const char *prebanner_text; /* the first such line, escaped, or NULL */
    bool not_protocol[2];       /* this side spoke another protocol */
    const char *other_protocol; /* "http", "tls", "smtp", ... or "unknown" */
    int not_ssh_dir;            /* the side other_protocol names; -1: none */
    bool other_bad_chars;       /* its first line holds a NUL (or a lone CR) */
    const char *not_ssh_text;   /* its first line, escaped, or NULL */
    const char *reply_text;     /* the peer's text line after its banner, escaped, or NULL */
    bool kexinit_seen[2];
    bool newkeys_seen[2];
    bool kex_no_common; /* negotiation found no common algorithm */
    const char *kex_no_common_category;
    /* The two name-lists of that category: [0] client, [1] server. */
    const uint8_t *kex_fail_list[2];
    size_t kex_fail_len[2];
    bool disconnect_seen; /* a plaintext DISCONNECT */
    int disconnect_dir;
    uint32_t disconnect_code;
    bool gap[2];             /* this direction lost its framing to missing bytes */
    bool truncated[2];       /* bytes were missing inside records (snaplen) */
    bool reversed;           /* the TCP initiator acted as SSH server */
    bool legacy;             /* SSH-1: no KEXINIT/NEWKEYS to follow */
    bool limit_hit;          /* a length or count beyond our caps was met */
    bool bad_packet;         /* a binary packet's lengths were impossible */
    bool long_ident;         /* an identification line over 255 bytes */
    enum sm_app_phase phase; /* furthest phase reached */
    int auth_success;        /* -1 unknown, 0 failed, 1 succeeded */
    double auth_confidence;  /* of that guess, when known */
    /* Authentication attempts (doc/auth-heuristic.md): -1 unknown; of
     * them failed; the confidence of the count. Known only with the
     * outcome. The classifier uses the outcome only for the symptom of an
     * orderly close after a refusal ("Permission denied"). */
    int auth_attempts;
    int auth_failed_attempts;
    double auth_attempts_confidence;
    /* What the section describe writes about the peers' software and the
     * negotiation depends on alone, as interned ids (0: none): each TCP
     * direction's identification line and KEXINIT, and the server's
     * direction plus one. Equal keys, equal software, negotiated
     * algorithms and Terrapin exposure: the --report aggregates read
     * describe once per key (report.c). All 0: there is nothing to read. */
    uint64_t describe_key[5];
};

struct sm_dissector {
    const char *name; /* "ssh" */
    /* Content check on the first bytes of either direction: 1 yes, 0 no,
     * -1 need more. The port is only a hint. */
    int (*probe)(const uint8_t *p, size_t n, bool on_port);
    /* The per-connection state: state_size bytes, zeroed by the caller
     * (who may embed it in memory of its own, aligned to 8 bytes: the
     * state must need no more), released with state_fini (not freed: the
     * caller frees the memory). state_new/state_free are the same,
     * allocated alone. */
    size_t state_size;
    void (*state_fini)(void *st);
    void *(*state_new)(void);
    void (*state_free)(void *st);
    /* In-order bytes; see struct sm_reasm_sink in src/reasm.h. */
    bool (*deliver)(void *st, int dir, const uint8_t *p, size_t n, size_t *consumed, size_t *need,
                    uint64_t *skip);
    /* Bytes are missing; see struct sm_reasm_sink in src/reasm.h. */
    bool (*gap)(void *st, int dir, uint64_t len, const uint8_t *partial, size_t partial_len,
                uint64_t *skip);
    /* The side dir closed its direction (FIN or RST). */
    void (*eof)(void *st, int dir);
    void (*facts)(const void *st, struct sm_app_facts *out);
    /* Writes this dissector's event section (for SSH: the "ssh" key),
     * leaving out the parts in trim (SM_TRIM_* bits) as doc/events.md
     * says under "trimmed": null, or [] for an array. hints (SM_APP_HINT_*
     * bits) are what the connection's selection knows and the bytes do not. */
    void (*describe)(const void *st, struct sm_writer *w, unsigned trim, unsigned hints);
};

/* Bulky optional parts an event may leave out to fit a size limit
 * (--max-event-size), in the order they are dropped; the event's
 * "trimmed" array names them (doc/events.md). Protocol-specific names
 * live here because the event builder and the dissector both honour them. */
enum sm_trim {
    SM_TRIM_CLIENT_KEXINIT = 1u << 0,      /* ssh.client.kexinit */
    SM_TRIM_SERVER_KEXINIT = 1u << 1,      /* ssh.server.kexinit */
    SM_TRIM_CLIENT_HASSH_STRING = 1u << 2, /* ssh.client.hassh.string */
    SM_TRIM_SERVER_HASSH_STRING = 1u << 3, /* ssh.server.hassh.string */
    SM_TRIM_SERVER_PREBANNER = 1u << 4,    /* ssh.server.prebanner */
    SM_TRIM_PREBANNER_TEXT = 1u << 5,      /* evidence.prebanner_text */
    SM_TRIM_ANOMALIES = 1u << 6,           /* evidence.anomalies */
    SM_TRIM_DISCONNECT_TEXT = 1u << 7,     /* ssh.disconnect.description */
};
#define SM_TRIM_PARTS 8

/* What the engine knows of a connection that its bytes do not say, for
 * describe(). */
enum sm_app_hint {
    /* Found by content on a port nobody listed (-p auto,
     * evidence.selected_by "content"): ssh.risks ssh-on-nonstandard-port. */
    SM_APP_HINT_UNLISTED_PORT = 1u << 0,
};

/* The registry (dissectors/registry.c): the dissector to run on a
 * connection whose first bytes are p; fallback is used on the configured
 * server ports when no dissector claims the bytes, so it can report "not
 * this protocol". Returns NULL when none applies or more bytes are needed
 * (*more set). */
const struct sm_dissector *sm_dissector_select(const uint8_t *p, size_t n, bool on_port,
                                               bool *more);

#endif
