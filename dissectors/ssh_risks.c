/* SPDX-License-Identifier: MIT */
/* summary: the SSH risk table. One row per finding, each with its source;
 * doc/events.md ("ssh.risks") lists the same rows, and
 * doc/schema/event.schema.json the same names.
 *
 * What counts: the announced protocol version and software version of each
 * side, and the algorithms NEGOTIATED (RFC 4253 section 7.1) - a weak
 * algorithm only offered is not a risk of the connection (every OpenSSH
 * client still lists fallbacks it never uses against a modern server).
 * Version-based rows compare the software version with a release range:
 * distributions backport fixes without changing that version (Debian 12's
 * "OpenSSH_9.2p1 Debian-2+deb12u3" carries the CVE-2024-6387 fix), so those
 * flags say "version-based" in their name: the string is in the affected
 * range, not proof that the host is vulnerable. */
#include "config.h"
#include "ssh_risks.h"

#include <string.h>

enum sm_ssh_risk_kind {
    SM_RK_SSH1,     /* the side announced protocol 1.x (not 1.99) */
    SM_RK_SSH199,   /* the side announced 1.99: SSH-2 with SSH-1 fallback */
    SM_RK_VERSION,  /* the side's OpenSSH release lies in [lo, fixed) */
    SM_RK_KEX,      /* the negotiated key exchange is one of algs */
    SM_RK_HOSTKEY,  /* the negotiated host key algorithm (or the key's type) */
    SM_RK_CIPHER,   /* either direction's negotiated cipher */
    SM_RK_MAC,      /* either direction's negotiated MAC (not with an AEAD cipher) */
    SM_RK_TERRAPIN, /* ssh.terrapin.exposed */
    SM_RK_PORT,     /* SSH found by content on a port nobody listed */
};

struct sm_ssh_risk_rule {
    const char *name;
    uint8_t kind;         /* enum sm_ssh_risk_kind */
    uint8_t side;         /* SSH1, SSH199, VERSION: 0 client, 1 server */
    bool portable_only;   /* VERSION: only the portable releases ("p1") */
    uint32_t lo, fixed;   /* VERSION: SM_SSH_REL, lo inclusive, fixed exclusive */
    const char *algs[12]; /* exact names, NULL-terminated */
    const char *suffix;   /* or any name ending so */
    bool gss_sha1;        /* or a GSS name "gss-...-sha1-<oid>" (RFC 4462) */
    bool key_type;        /* HOSTKEY: the key blob's type counts too */
};

#define SM_ALG(...)                                                                                \
    {                                                                                              \
        __VA_ARGS__, NULL                                                                          \
    }

static const struct sm_ssh_risk_rule sm_ssh_risk_table[] = {
    /* Protocol 1 (SSH-1.x): broken by design, CRC-32 integrity
     * (CVE-2001-1473, CERT VU#684820; RFC 4253 section 5 keeps it only for
     * compatibility); OpenSSH 7.6 removed it. */
    { .name = "ssh-1:client", .kind = SM_RK_SSH1, .side = 0 },
    { .name = "ssh-1:server", .kind = SM_RK_SSH1, .side = 1 },
    /* 1.99: "SSH-2, and SSH-1 still accepted" (RFC 4253 section 5.1). */
    { .name = "ssh-1.99:client", .kind = SM_RK_SSH199, .side = 0 },
    { .name = "ssh-1.99:server", .kind = SM_RK_SSH199, .side = 1 },

    /* CVE-2024-6387 "regreSSHion" (Qualys advisory, OpenSSH 9.8 release
     * notes): sshd signal-handler race, portable OpenSSH on glibc Linux,
     * 8.5p1 up to 9.7p1 inclusive; and before 4.4p1 unless patched for
     * CVE-2006-5051 / CVE-2008-4109, which it regressed. */
    { .name = "version-based:CVE-2024-6387:server",
      .kind = SM_RK_VERSION,
      .side = 1,
      .portable_only = true,
      .lo = SM_SSH_REL(8, 5, 0, 0),
      .fixed = SM_SSH_REL(9, 8, 0, 0) },
    { .name = "version-based:CVE-2024-6387:server",
      .kind = SM_RK_VERSION,
      .side = 1,
      .portable_only = true,
      .lo = 0,
      .fixed = SM_SSH_REL(4, 4, 0, 0) },
    /* CVE-2023-25136 (OpenSSH 9.2 release notes): pre-authentication
     * double free in sshd, introduced in 9.1. */
    { .name = "version-based:CVE-2023-25136:server",
      .kind = SM_RK_VERSION,
      .side = 1,
      .lo = SM_SSH_REL(9, 1, 0, 0),
      .fixed = SM_SSH_REL(9, 2, 0, 0) },
    /* CVE-2018-15473 (OpenSSH 7.8 release notes): sshd user enumeration
     * through 7.7. */
    { .name = "version-based:CVE-2018-15473:server",
      .kind = SM_RK_VERSION,
      .side = 1,
      .lo = 0,
      .fixed = SM_SSH_REL(7, 8, 0, 0) },
    /* CVE-2025-26466 (OpenSSH 9.9p2 release notes): SSH2_MSG_PING memory
     * and CPU denial of service in ssh and sshd 9.5p1 to 9.9p1. */
    { .name = "version-based:CVE-2025-26466:server",
      .kind = SM_RK_VERSION,
      .side = 1,
      .lo = SM_SSH_REL(9, 5, 0, 0),
      .fixed = SM_SSH_REL(9, 9, 0, 2) },
    { .name = "version-based:CVE-2025-26466:client",
      .kind = SM_RK_VERSION,
      .side = 0,
      .lo = SM_SSH_REL(9, 5, 0, 0),
      .fixed = SM_SSH_REL(9, 9, 0, 2) },
    /* CVE-2025-26465 (OpenSSH 9.9p2 release notes): ssh client accepts an
     * impostor server with VerifyHostKeyDNS, 6.8p1 to 9.9p1. */
    { .name = "version-based:CVE-2025-26465:client",
      .kind = SM_RK_VERSION,
      .side = 0,
      .lo = SM_SSH_REL(6, 8, 0, 0),
      .fixed = SM_SSH_REL(9, 9, 0, 2) },
    /* CVE-2016-0777 (OpenSSH 7.1p2 release notes): the client's roaming
     * code leaks memory (private keys) to a malicious server, 5.4 to 7.1p1. */
    { .name = "version-based:CVE-2016-0777:client",
      .kind = SM_RK_VERSION,
      .side = 0,
      .lo = SM_SSH_REL(5, 4, 0, 0),
      .fixed = SM_SSH_REL(7, 1, 0, 2) },

    /* RFC 9142 section 4: SHA-1 key exchanges SHOULD NOT (group1, 1024-bit
     * and SHA-1; group-exchange-sha1; the gss-*-sha1-* ones), group14-sha1
     * only MAY during transition; rsa1024-sha1 MUST NOT. */
    { .name = "kex-sha1",
      .kind = SM_RK_KEX,
      .algs = SM_ALG("diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1",
                     "diffie-hellman-group-exchange-sha1", "rsa1024-sha1") },
    { .name = "kex-sha1", .kind = SM_RK_KEX, .gss_sha1 = true /* gss-group1-sha1-<oid> */ },
    /* "ssh-rsa" signs with SHA-1 (RFC 8332 section 3 adds the SHA-2 ones;
     * OpenSSH 8.8 release notes: disabled by default, chosen-prefix SHA-1
     * collisions). An RSA key negotiated as rsa-sha2-* is not flagged. */
    { .name = "host-key-ssh-rsa-sha1",
      .kind = SM_RK_HOSTKEY,
      .algs = SM_ALG("ssh-rsa", "ssh-rsa-cert-v01@openssh.com") },
    /* DSA: 1024-bit keys with SHA-1 (FIPS 186-4 limits, OpenSSH 7.0 release
     * notes: disabled by default; OpenSSH 10.0 removed it). The key blob's
     * own type counts too. */
    { .name = "host-key-dsa",
      .kind = SM_RK_HOSTKEY,
      .key_type = true,
      .algs = SM_ALG("ssh-dss", "ssh-dss-cert-v01@openssh.com") },
    /* CBC modes: plaintext recovery (CVE-2008-5161, CPNI-957037; OpenSSH
     * 6.7 release notes drop them from sshd's defaults); RFC 4253 section
     * 6.3 names them, RFC 4344 recommends CTR instead. */
    { .name = "cipher-cbc", .kind = SM_RK_CIPHER, .algs = SM_ALG("rijndael-cbc@lysator.liu.se") },
    { .name = "cipher-cbc", .kind = SM_RK_CIPHER, .suffix = "-cbc" },
    /* RC4: RFC 8758 deprecates arcfour, arcfour128, arcfour256 in SSH. */
    { .name = "cipher-rc4",
      .kind = SM_RK_CIPHER,
      .algs = SM_ALG("arcfour", "arcfour128", "arcfour256") },
    /* No encryption at all (RFC 4253 section 6.3: NOT RECOMMENDED). */
    { .name = "cipher-none", .kind = SM_RK_CIPHER, .algs = SM_ALG("none") },
    /* HMAC-SHA1 (RFC 4253 section 6.4, RFC 6668 brings the SHA-2 ones;
     * Zeek's and nDPI's weak-algorithm lists include it). */
    { .name = "mac-sha1",
      .kind = SM_RK_MAC,
      .algs = SM_ALG("hmac-sha1", "hmac-sha1-96", "hmac-sha1-etm@openssh.com",
                     "hmac-sha1-96-etm@openssh.com") },
    /* HMAC-MD5 (RFC 4253 section 6.4 lists it as optional; RFC 6151
     * section 2.3 on MD5: not for new protocol designs). */
    { .name = "mac-md5",
      .kind = SM_RK_MAC,
      .algs = SM_ALG("hmac-md5", "hmac-md5-96", "hmac-md5-etm@openssh.com",
                     "hmac-md5-96-etm@openssh.com") },
    /* Terrapin, CVE-2023-48795: computed by the dissector (ssh.terrapin). */
    { .name = "terrapin-exposed", .kind = SM_RK_TERRAPIN },
    /* nDPI's "known protocol on a non-standard port". */
    { .name = "ssh-on-nonstandard-port", .kind = SM_RK_PORT },
};

#define SM_SSH_RULES (sizeof(sm_ssh_risk_table) / sizeof(sm_ssh_risk_table[0]))

static bool sm_rk_is(struct sm_bytes b, const char *s)
{
    size_t k = strlen(s);
    return b.p && b.len == k && memcmp(b.p, s, k) == 0;
}

/* Ciphers that bring their own integrity: the MAC list is not used. */
static bool sm_rk_aead(struct sm_bytes c)
{
    return sm_rk_is(c, "chacha20-poly1305@openssh.com") || sm_rk_is(c, "aes128-gcm@openssh.com") ||
           sm_rk_is(c, "aes256-gcm@openssh.com") || sm_rk_is(c, "AEAD_AES_128_GCM") ||
           sm_rk_is(c, "AEAD_AES_256_GCM");
}

/* A name matches a rule: one of its exact names, its suffix, or a GSS
 * SHA-1 name. */
static bool sm_rk_match(const struct sm_ssh_risk_rule *r, struct sm_bytes b)
{
    if (!b.p)
        return false;
    for (size_t i = 0; r->algs[i]; i++)
        if (sm_rk_is(b, r->algs[i]))
            return true;
    if (r->gss_sha1 && b.len > 4 && memcmp(b.p, "gss-", 4) == 0) {
        /* a group name before, a mechanism OID after */
        for (size_t i = 5; i + 6 < b.len; i++)
            if (memcmp(b.p + i, "-sha1-", 6) == 0)
                return true;
    }
    if (!r->suffix)
        return false;
    size_t k = strlen(r->suffix);
    return b.len > k && memcmp(b.p + b.len - k, r->suffix, k) == 0;
}

/* One decimal field of at most 3 digits and at most 255; false otherwise. */
static bool sm_rk_num(struct sm_cur *c, uint32_t *v)
{
    bool ok;
    size_t digits = 0;
    *v = 0;
    for (;;) {
        uint8_t ch = sm_cur_peek_u8(c, 0, &ok);
        if (!ok || ch < '0' || ch > '9')
            break;
        if (++digits > 3)
            return false;
        *v = *v * 10 + (uint32_t)(ch - '0');
        sm_cur_skip(c, 1);
    }
    return digits > 0 && *v <= 255;
}

/* "OpenSSH_" MAJOR "." MINOR ["." MICRO] ["p" PORTABLE], then the end or a
 * character that is not a digit ("OpenSSH_8.9p1-hpn", "OpenSSH_7.4p1_x").
 * Anything else ("OpenSSH_for_Windows_9.5", "OpenSSH-like_1") is not
 * judged. */
bool sm_ssh_openssh_release(struct sm_bytes software, uint32_t *rel, bool *portable)
{
    static const char pfx[] = "OpenSSH_";
    struct sm_cur c;
    uint32_t maj, min, micro = 0, p = 0;
    bool ok;

    *rel = 0;
    *portable = false;
    sm_cur_init(&c, software.p, software.len, false);
    const uint8_t *head = sm_cur_take(&c, sizeof(pfx) - 1);
    if (!head || memcmp(head, pfx, sizeof(pfx) - 1) != 0)
        return false;
    if (!sm_rk_num(&c, &maj) || sm_cur_u8(&c) != '.' || !sm_rk_num(&c, &min))
        return false;
    if (sm_cur_peek_u8(&c, 0, &ok) == '.' && ok) {
        sm_cur_skip(&c, 1);
        if (!sm_rk_num(&c, &micro))
            return false;
    }
    if (sm_cur_peek_u8(&c, 0, &ok) == 'p' && ok) {
        sm_cur_skip(&c, 1);
        if (!sm_rk_num(&c, &p))
            return false;
        *portable = true;
    }
    if (!sm_cur_ok(&c))
        return false;
    *rel = SM_SSH_REL(maj, min, micro, p);
    return true;
}

static void sm_rk_add(const char **out, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (out[i] == name || strcmp(out[i], name) == 0)
            return; /* once per connection */
    if (*n < SM_SSH_RISKS_MAX)
        out[(*n)++] = name;
}

static bool sm_rk_applies(const struct sm_ssh_risk_rule *r, const struct sm_ssh_risk_input *in)
{
    switch ((enum sm_ssh_risk_kind)r->kind) {
    case SM_RK_SSH1: {
        struct sm_bytes v = in->proto[r->side];
        return v.p && v.len >= 2 && memcmp(v.p, "1.", 2) == 0 && !sm_rk_is(v, "1.99");
    }
    case SM_RK_SSH199:
        return sm_rk_is(in->proto[r->side], "1.99");
    case SM_RK_VERSION: {
        uint32_t rel;
        bool portable;
        if (!in->software[r->side].p ||
            !sm_ssh_openssh_release(in->software[r->side], &rel, &portable))
            return false;
        if (r->portable_only && !portable)
            return false;
        return rel >= r->lo && rel < r->fixed;
    }
    case SM_RK_KEX:
        return in->negotiated && sm_rk_match(r, in->kex);
    case SM_RK_HOSTKEY:
        /* An "ssh-rsa" key blob signs with SHA-2 too: only the algorithm
         * tells for RSA; a DSA key signs with SHA-1 whatever was agreed. */
        return (in->negotiated && sm_rk_match(r, in->host_key)) ||
               (r->key_type && sm_rk_match(r, in->host_key_type));
    case SM_RK_CIPHER:
        return in->negotiated && (sm_rk_match(r, in->cipher[0]) || sm_rk_match(r, in->cipher[1]));
    case SM_RK_MAC:
        if (!in->negotiated)
            return false;
        for (int d = 0; d < 2; d++)
            if (!sm_rk_aead(in->cipher[d]) && sm_rk_match(r, in->mac[d]))
                return true;
        return false;
    case SM_RK_TERRAPIN:
        return in->terrapin_exposed;
    case SM_RK_PORT:
        return in->unlisted_port;
    }
    return false;
}

size_t sm_ssh_risks(const struct sm_ssh_risk_input *in, const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < SM_SSH_RULES; i++)
        if (sm_rk_applies(&sm_ssh_risk_table[i], in))
            sm_rk_add(out, &n, sm_ssh_risk_table[i].name);
    return n;
}

size_t sm_ssh_risk_names(const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < SM_SSH_RULES; i++)
        sm_rk_add(out, &n, sm_ssh_risk_table[i].name);
    return n;
}
