/*
 * gen_capture -- write a large, realistic, deterministic SSH capture for benchmarking.
 *
 *   gen_capture [-n CONNECTIONS] [-s SEED] [-b BACKGROUND_PERCENT] [-d SECONDS]
 *               [-k sntrup761|curve25519] [-t TRUTH.tsv] [-q] [-o FILE|-]
 *               [-F FLOOD_SYNS [-A START_S] [-W SECONDS] [-V 4|6]]
 *               [-K SESSIONS [-P PERIOD_S] [-R RAMP_S] [-m]] [-L CAPTURE_S]
 *
 * Output is a classic pcap (DLT_EN10MB, microsecond timestamps, little endian).
 * Connections arrive spread over the first -d seconds (default 3600) and run
 * concurrently; the capture stops -d + 300 s after its start, cutting whatever
 * is still open. Every connection is precomputed as a list of segment
 * descriptors (time, direction, flags, seq/ack, payload kind); a binary heap
 * on each connection's next descriptor time merges them so timestamps in the
 * file never decrease. Payload bytes are derived from (connection, direction,
 * sequence number), so a retransmission carries the same bytes as the original.
 *
 * Two additions for stress tests, both off by default (so files made without
 * them are unchanged):
 *   -F N  a SYN flood: N bare SYNs from N distinct spoofed sources (IPv4: the
 *         TEST-NET-2/3 addresses with unique source ports below 32768; IPv6:
 *         random addresses in 2001:db8:f100::/40) to one server (the first one,
 *         port 22), spread evenly over -W seconds starting -A seconds in,
 *         merged by time into whatever else is generated.
 *   -K K  K long-lived sessions that stay open to the end of the capture: each
 *         a complete handshake and SSH setup (or, with -m, already established
 *         before the capture starts: only its traffic is seen), then one
 *         keystroke exchange (36-byte client packet, small server reply,
 *         client ACK) every -P seconds (uniform 0.5..1.5 x P). Arrivals are
 *         spread over the first -R seconds, so about K are open at once after
 *         that. -L sets the capture length (otherwise -d + 300 s).
 *
 * Only libc. Same seed and options give a byte-identical file.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ PRNG */

typedef struct {
    uint64_t s;
} rng_t;

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t r_u64(rng_t *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return mix64(r->s);
}

/* inclusive range */
static uint64_t r_range(rng_t *r, uint64_t lo, uint64_t hi)
{
    return lo + r_u64(r) % (hi - lo + 1);
}

static double r_unit(rng_t *r)
{
    return (double)(r_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* small log/exp so that no libm is needed (only libc) */
#define LN2 0.69314718055994530942

/* ln(y) for y in (0, 1] */
static double ln_unit(double y)
{
    int k = 0;
    if (y < 1e-15) {
        y = 1e-15;
    }
    while (y < 0.5) { /* range-reduce by powers of 2, then 2*atanh((y-1)/(y+1)) */
        y *= 2.0;
        k++;
    }
    double z = (y - 1.0) / (y + 1.0), z2 = z * z, term = z, sum = 0.0;
    for (int i = 1; i < 40; i += 2) {
        sum += term / i;
        term *= z2;
    }
    return 2.0 * sum - k * LN2;
}

/* e^x for x >= 0 */
static double exp_pos(double x)
{
    int n = (int)(x / LN2);
    double f = x - n * LN2, term = 1.0, sum = 1.0;
    for (int i = 1; i < 25; i++) {
        term *= f / i;
        sum += term;
    }
    while (n-- > 0) {
        sum *= 2.0;
    }
    return sum;
}

static double r_exp(rng_t *r, double mean)
{
    return -ln_unit(1.0 - r_unit(r)) * mean;
}

/* log-uniform in [lo, hi] */
static double r_logu(rng_t *r, double lo, double hi)
{
    return lo * exp_pos(r_unit(r) * -ln_unit(lo / hi));
}

static void r_fill(rng_t *r, uint8_t *p, size_t n)
{
    while (n >= 8) {
        uint64_t v = r_u64(r);
        memcpy(p, &v, 8);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = r_u64(r);
        memcpy(p, &v, n);
    }
}

/* ------------------------------------------------------------ constants */

enum {
    F_FIN = 0x01,
    F_SYN = 0x02,
    F_RST = 0x04,
    F_PSH = 0x08,
    F_ACK = 0x10
};
enum {
    C = 0,
    S = 1,
    RTR = 2
}; /* directions: client->server, server->client, router->client */
enum {
    K_NONE,
    K_RAND,
    K_BANNER_C,
    K_BANNER_S,
    K_KEXINIT_C,
    K_KEXINIT_S,
    K_ECDH_INIT,
    K_ECDH_REPLY,
    K_NEWKEYS_C,
    K_ICMP,
};
enum {
    O_NONE,
    O_SYN,
    O_TS
};
enum {
    MB_NO,
    MB_MIDDLEBOX,
    MB_STATELESS
};

enum {
    T_NORMAL,
    T_BULK,
    T_LONG,
    T_SYN_ONLY,
    T_REFUSED,
    T_ICMP,
    T_RST_BANNER,
    T_IDLE_DEAD,
    T_RTX_DEATH,
    T_RESET,
    T_COUNT
};
static const char *type_name[T_COUNT] = {
    "normal",    "bulk",      "long",  "syn-only", "refused", "icmp-reject", "rst-before-banner",
    "idle-dead", "rtx-death", "reset",
};
static const char *type_verdict[T_COUNT] = {
    "normal-close",  "normal-close",      "normal-close",        "silent-drop",          "refused",
    "rejected-icmp", "rst-before-banner", "state-table-timeout", "retransmission-death", "reset",
};
/* percent of connections of each type (sums to 100) */
static const int type_pct[T_COUNT] = { 51, 2, 5, 8, 7, 3, 6, 6, 6, 6 };

static const char BANNER_S[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";
static const char BANNER_C[] = "SSH-2.0-OpenSSH_9.2p1\r\n";

static const char *KEX_LISTS_C[10] = {
    "sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,"
    "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
    "diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
    "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,ext-info-c",
    "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,"
    "ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,"
    "sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,"
    "rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,"
    "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,"
    "sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,"
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,"
    "aes256-gcm@openssh.com",
    "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
    "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
    "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
    "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
    "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
    "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
    "none,zlib@openssh.com,zlib",
    "none,zlib@openssh.com,zlib",
    "",
    "",
};
static const char *KEX_LISTS_S[10] = {
    "sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,"
    "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
    "diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
    "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com",
    "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519",
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,"
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,"
    "aes256-gcm@openssh.com",
    "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
    "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
    "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
    "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
    "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
    "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
    "none,zlib@openssh.com",
    "none,zlib@openssh.com",
    "",
    "",
};

#define SNTRUP_CLIENT_LEN 1190 /* sntrup761 public key 1158 + x25519 32 */
#define SNTRUP_SERVER_LEN 1071 /* sntrup761 ciphertext 1039 + x25519 32 */

/* -k curve25519: the client leaves sntrup761 out (KexAlgorithms -sntrup*), so
 * curve25519-sha256 is negotiated with 32-byte keys; Wireshark 4.0 cannot
 * parse sntrup761x25519 key exchange messages and flags them as errors. */
static int g_curve;
static size_t q_c_len = SNTRUP_CLIENT_LEN, q_s_len = SNTRUP_SERVER_LEN;
#define N_SERVERS 32
#define EPOCH_US  (1700000000ULL * 1000000ULL) /* 2023-11-14T22:13:20Z */
#define MAXPKT    2048

/* ------------------------------------------------------------ structures */

typedef struct {
    uint64_t t;
    uint32_t seq, ack, tsval, tsecr;
    uint16_t len, ipid, off; /* off: where this segment starts in a multi-segment message */
    uint8_t dir, flags, kind, opt, mb;
} desc_t;

typedef struct {
    uint8_t addr[16];
    uint16_t port;
    uint32_t nxt, ts_base, ts_last;
    uint16_t ipid, win;
    uint8_t ttl;
    uint32_t flowlabel;
} side_t;

typedef struct conn {
    uint64_t id, seed;
    int type, v6, srv, icmp_code;
    uint16_t vlan;
    side_t s[2];
    uint64_t t;
    uint32_t rtt, mss;
    desc_t *d;
    size_t n, cap, idx;
    rng_t r;
    struct conn *next_free;
    /* -K sessions only: their descriptors are produced an exchange at a time */
    int ksess;
    uint64_t t_start, t_last, k_pkts;
} conn_t;

typedef struct {
    uint8_t v4[4], v6[16];
    uint8_t mac[6];
    uint8_t hostkey[32];
} server_t;

static server_t servers[N_SERVERS];
static const uint8_t GW_MAC[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
static const uint8_t FW_MAC[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0xfe };
static const uint8_t RTR_V4[4] = { 192, 0, 2, 1 };
static const uint8_t RTR_V6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

static uint64_t g_seed;
static uint16_t port_ctr[512]; /* per client IPv4 address: Linux-like ephemeral port walk */

static size_t len_kexinit_c, len_kexinit_s, len_ecdh_init, len_ecdh_reply;

/* ------------------------------------------------------- output buffer */

static FILE *g_out;
static uint64_t g_pkts, g_bytes, g_bg_pkts;

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void write_or_die(const void *p, size_t n)
{
    if (fwrite(p, 1, n, g_out) != n) {
        fprintf(stderr, "gen_capture: write: %s\n", strerror(errno));
        exit(2);
    }
}

static void pcap_header(void)
{
    uint8_t h[24];
    put_le32(h, 0xa1b2c3d4);
    h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0;
    put_le32(h + 8, 0);
    put_le32(h + 12, 0);
    put_le32(h + 16, 262144);
    put_le32(h + 20, 1);
    write_or_die(h, sizeof h);
}

static void pcap_record(uint64_t t_us, const uint8_t *frame, size_t len)
{
    uint8_t h[16];
    uint64_t abs = EPOCH_US + t_us;
    put_le32(h, (uint32_t)(abs / 1000000));
    put_le32(h + 4, (uint32_t)(abs % 1000000));
    put_le32(h + 8, (uint32_t)len);
    put_le32(h + 12, (uint32_t)len);
    write_or_die(h, sizeof h);
    write_or_die(frame, len);
    g_pkts++;
    g_bytes += 16 + len;
}

/* ------------------------------------------------------- packet pieces */

static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
    while (n > 1) {
        sum += (uint32_t)(p[0] << 8 | p[1]);
        p += 2;
        n -= 2;
    }
    if (n) {
        sum += (uint32_t)(p[0] << 8);
    }
    return sum;
}

static uint16_t csum_fold(uint64_t s)
{
    while (s >> 16) {
        s = (s & 0xffff) + (s >> 16);
    }
    return (uint16_t)~s;
}

/* checksum of an L4 segment including the IPv4/IPv6 pseudo-header */
static uint16_t l4_csum(int v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
                        const uint8_t *l4, size_t len)
{
    uint64_t s = 0;
    s = csum_add(s, src, v6 ? 16 : 4);
    s = csum_add(s, dst, v6 ? 16 : 4);
    s += proto;
    s += (uint32_t)len;
    s = csum_add(s, l4, len);
    uint16_t c = csum_fold(s);
    if (c == 0 && proto == 17) {
        c = 0xffff;
    }
    return c;
}

static size_t put_eth(uint8_t *p, const uint8_t *dst, const uint8_t *src, uint16_t vlan,
                      uint16_t etype)
{
    memcpy(p, dst, 6);
    memcpy(p + 6, src, 6);
    if (vlan) {
        put_be16(p + 12, 0x8100);
        put_be16(p + 14, vlan & 0x0fff);
        put_be16(p + 16, etype);
        return 18;
    }
    put_be16(p + 12, etype);
    return 14;
}

static size_t put_ip4(uint8_t *p, const uint8_t *src, const uint8_t *dst, uint8_t proto,
                      size_t l4len, uint16_t id, uint8_t ttl, int df)
{
    p[0] = 0x45;
    p[1] = 0;
    put_be16(p + 2, (uint16_t)(20 + l4len));
    put_be16(p + 4, id);
    put_be16(p + 6, df ? 0x4000 : 0);
    p[8] = ttl;
    p[9] = proto;
    p[10] = p[11] = 0;
    memcpy(p + 12, src, 4);
    memcpy(p + 16, dst, 4);
    put_be16(p + 10, csum_fold(csum_add(0, p, 20)));
    return 20;
}

static size_t put_ip6(uint8_t *p, const uint8_t *src, const uint8_t *dst, uint8_t nh, size_t l4len,
                      uint32_t flow, uint8_t hlim)
{
    put_be32(p, 0x60000000u | (flow & 0xfffff));
    put_be16(p + 4, (uint16_t)l4len);
    p[6] = nh;
    p[7] = hlim;
    memcpy(p + 8, src, 16);
    memcpy(p + 24, dst, 16);
    return 40;
}

/* TCP header; options per kind; returns header length */
static size_t put_tcp(uint8_t *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                      uint8_t flags, uint16_t win, int opt, uint16_t mss, uint32_t tsval,
                      uint32_t tsecr)
{
    size_t hl = opt == O_SYN ? 40 : opt == O_TS ? 32 : 20;
    put_be16(p, sport);
    put_be16(p + 2, dport);
    put_be32(p + 4, seq);
    put_be32(p + 8, ack);
    p[12] = (uint8_t)((hl / 4) << 4);
    p[13] = flags;
    put_be16(p + 14, win);
    p[16] = p[17] = 0;
    p[18] = p[19] = 0;
    uint8_t *o = p + 20;
    if (opt == O_SYN) { /* Linux order: MSS, SACK_PERM, TS, NOP, WS */
        o[0] = 2, o[1] = 4;
        put_be16(o + 2, mss);
        o[4] = 4, o[5] = 2;
        o[6] = 8, o[7] = 10;
        put_be32(o + 8, tsval);
        put_be32(o + 12, tsecr);
        o[16] = 1;
        o[17] = 3, o[18] = 3, o[19] = 7;
    } else if (opt == O_TS) {
        o[0] = 1, o[1] = 1, o[2] = 8, o[3] = 10;
        put_be32(o + 4, tsval);
        put_be32(o + 8, tsecr);
    }
    return hl;
}

/* SSH binary packet (unencrypted): returns total length */
static size_t ssh_packet(uint8_t *out, const uint8_t *payload, size_t plen, rng_t *r)
{
    size_t pad = 8 - ((5 + plen) % 8);
    if (pad < 4) {
        pad += 8;
    }
    put_be32(out, (uint32_t)(1 + plen + pad));
    out[4] = (uint8_t)pad;
    memcpy(out + 5, payload, plen);
    if (r) {
        r_fill(r, out + 5 + plen, pad);
    } else {
        memset(out + 5 + plen, 0, pad);
    }
    return 5 + plen + pad;
}

static size_t put_string(uint8_t *p, const void *s, size_t n)
{
    put_be32(p, (uint32_t)n);
    if (n) {
        memcpy(p + 4, s, n);
    }
    return 4 + n;
}

static size_t build_kexinit(uint8_t *out, int server, rng_t *r)
{
    uint8_t pl[2048];
    size_t n = 0;
    pl[n++] = 20;
    if (r) {
        r_fill(r, pl + n, 16);
    } else {
        memset(pl + n, 0, 16);
    }
    n += 16;
    for (int i = 0; i < 10; i++) {
        const char *l = server ? KEX_LISTS_S[i] : KEX_LISTS_C[i];
        if (i == 0 && g_curve && !server) {
            l += strlen("sntrup761x25519-sha512@openssh.com,");
        }
        n += put_string(pl + n, l, strlen(l));
    }
    pl[n++] = 0;
    put_be32(pl + n, 0);
    n += 4;
    return ssh_packet(out, pl, n, r);
}

static size_t build_ecdh_init(uint8_t *out, rng_t *r)
{
    uint8_t pl[1300];
    pl[0] = 30;
    put_be32(pl + 1, (uint32_t)q_c_len);
    if (r) {
        r_fill(r, pl + 5, q_c_len);
    } else {
        memset(pl + 5, 0, q_c_len);
    }
    return ssh_packet(out, pl, 5 + q_c_len, r);
}

static size_t build_ecdh_reply_newkeys(uint8_t *out, const uint8_t *hostkey, rng_t *r)
{
    uint8_t pl[1400], blob[128], q[SNTRUP_SERVER_LEN], sig[64];
    size_t n = 0, b = 0;
    if (r) {
        r_fill(r, q, sizeof q);
        r_fill(r, sig, sizeof sig);
    } else {
        memset(q, 0, sizeof q);
        memset(sig, 0, sizeof sig);
    }
    pl[n++] = 31;
    b = put_string(blob, "ssh-ed25519", 11);
    b += put_string(blob + b, hostkey, 32);
    n += put_string(pl + n, blob, b);
    n += put_string(pl + n, q, q_s_len);
    b = put_string(blob, "ssh-ed25519", 11);
    b += put_string(blob + b, sig, 64);
    n += put_string(pl + n, blob, b);
    size_t tot = ssh_packet(out, pl, n, r);
    uint8_t nk = 21;
    tot += ssh_packet(out + tot, &nk, 1, r);
    return tot;
}

/* ------------------------------------------------- connection programs */

static uint64_t add_ex(conn_t *c, uint64_t dt, int dir, uint8_t flags, uint8_t kind, size_t len,
                       int opt, int64_t seq, int64_t ack, uint8_t mb)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->d = realloc(c->d, c->cap * sizeof *c->d);
        if (!c->d) {
            perror("realloc");
            exit(2);
        }
    }
    c->t += dt;
    desc_t *d = &c->d[c->n++];
    memset(d, 0, sizeof *d);
    d->t = c->t;
    d->dir = (uint8_t)dir;
    d->flags = flags;
    d->kind = kind;
    d->len = (uint16_t)len;
    d->opt = (uint8_t)opt;
    d->mb = mb;
    if (dir == RTR) {
        return c->t;
    }
    side_t *me = &c->s[dir], *peer = &c->s[!dir];
    d->seq = seq >= 0 ? (uint32_t)seq : me->nxt;
    d->ack = (flags & F_ACK) ? (ack >= 0 ? (uint32_t)ack : peer->nxt) : 0;
    d->tsval = me->ts_base + (uint32_t)(c->t / 1000);
    d->tsecr = (flags & F_ACK) ? peer->ts_last : 0;
    if (mb == MB_NO) {
        me->ts_last = d->tsval;
        d->ipid = me->ipid++;
    }
    if (seq < 0) {
        me->nxt += (uint32_t)len + ((flags & F_SYN) ? 1 : 0) + ((flags & F_FIN) ? 1 : 0);
    }
    return c->t;
}

static void add(conn_t *c, uint64_t dt, int dir, uint8_t flags, uint8_t kind, size_t len)
{
    /* an SSH message longer than the MSS (the client's KEXINIT) spans segments */
    size_t off = 0;
    while (len > c->mss) {
        add_ex(c, dt, dir, F_ACK, kind, c->mss, O_TS, -1, -1, MB_NO);
        c->d[c->n - 1].off = (uint16_t)off;
        off += c->mss;
        len -= c->mss;
        dt = r_range(&c->r, 5, 30);
    }
    add_ex(c, dt, dir, flags, kind, len, (flags & F_SYN) ? O_SYN : O_TS, -1, -1, MB_NO);
    c->d[c->n - 1].off = (uint16_t)off;
}

/* size of an encrypted chacha20-poly1305 packet carrying about n payload bytes */
static size_t enc(conn_t *c, size_t n)
{
    size_t blk = (1 + n + 4 + 7) / 8 * 8;
    size_t sz = 4 + blk + 16;
    return sz > c->mss ? c->mss : sz;
}

/* delay before `dir` sends in reaction to the other side (sensor sits near the server) */
static uint64_t react(conn_t *c, int dir)
{
    return dir == S ? r_range(&c->r, 60, 1500) : c->rtt + r_range(&c->r, 50, 800);
}

static uint64_t think(conn_t *c, double mean_s)
{
    double x = r_exp(&c->r, mean_s);
    if (x < 0.05) {
        x = 0.05;
    }
    if (x > 60.0) {
        x = 60.0;
    }
    return (uint64_t)(x * 1e6);
}

static void handshake(conn_t *c)
{
    add(c, 0, C, F_SYN, K_NONE, 0);
    add(c, r_range(&c->r, 20, 200), S, F_SYN | F_ACK, K_NONE, 0);
    add(c, c->rtt, C, F_ACK, K_NONE, 0);
}

static void ssh_setup(conn_t *c)
{
    add(c, r_range(&c->r, 20, 300), C, F_PSH | F_ACK, K_BANNER_C, sizeof BANNER_C - 1);
    add(c, r_range(&c->r, 800, 6000), S, F_PSH | F_ACK, K_BANNER_S, sizeof BANNER_S - 1);
    add(c, r_range(&c->r, 100, 600), S, F_PSH | F_ACK, K_KEXINIT_S, len_kexinit_s);
    add(c, react(c, C), C, F_PSH | F_ACK, K_KEXINIT_C, len_kexinit_c);
    add(c, r_range(&c->r, 50, 400), C, F_PSH | F_ACK, K_ECDH_INIT, len_ecdh_init);
    add(c, r_range(&c->r, 2000, 9000), S, F_PSH | F_ACK, K_ECDH_REPLY, len_ecdh_reply);
    /* NEWKEYS in clear, then SERVICE_REQUEST encrypted in the same segment */
    add(c, react(c, C) + 1000, C, F_PSH | F_ACK, K_NEWKEYS_C, 16 + enc(c, 17));
    add(c, react(c, S), S, F_PSH | F_ACK, K_RAND, enc(c, 17) + enc(c, 60)); /* accept+ext-info */
}

/* interactive request/response exchanges, first few look like user authentication */
static void exchanges(conn_t *c, int count, double think_mean, int auth)
{
    for (int i = 0; i < count; i++) {
        size_t clen;
        uint64_t dt;
        if (auth && i < 4) {
            clen = enc(c, r_range(&c->r, 40, 650));
            dt = react(c, C);
        } else {
            clen = r_unit(&c->r) < 0.85 ? 36 : enc(c, r_range(&c->r, 20, 300));
            dt = think(c, think_mean);
        }
        add(c, dt, C, F_PSH | F_ACK, K_RAND, clen);
        int nseg = r_unit(&c->r) < 0.9 ? 1 : (int)r_range(&c->r, 2, 6);
        for (int j = 0; j < nseg; j++) {
            size_t slen;
            if (nseg == 1) {
                slen = enc(c, r_range(&c->r, 10, 140));
            } else if (j < nseg - 1) {
                slen = c->mss;
            } else {
                slen = enc(c, r_range(&c->r, 10, c->mss - 30));
            }
            add(c, j == 0 ? react(c, S) : r_range(&c->r, 10, 60), S,
                j == nseg - 1 ? F_PSH | F_ACK : F_ACK, K_RAND, slen);
        }
        /* client's (delayed) ACK */
        add(c, c->rtt + (nseg == 1 ? r_range(&c->r, 0, 40000) : r_range(&c->r, 0, 500)), C, F_ACK,
            K_NONE, 0);
    }
}

/* bulk transfer from dir: slow start bursts, receiver ACKs every second segment */
static void bulk(conn_t *c, int dir, uint64_t bytes)
{
    uint32_t cwnd = 10, ends[64];
    int rcv = !dir;
    while (bytes > 0) {
        uint32_t k = 0;
        uint64_t t_first = 0;
        while (k < cwnd && bytes > 0) {
            size_t len = bytes > c->mss ? c->mss : (size_t)bytes;
            uint64_t dt = k == 0 ? r_range(&c->r, 30, 400) : r_range(&c->r, 12, 30);
            add_ex(c, dt, dir, bytes <= c->mss || k + 1 == cwnd ? F_PSH | F_ACK : F_ACK, K_RAND,
                   len, O_TS, -1, -1, MB_NO);
            if (k == 0) {
                t_first = c->t;
            }
            ends[k++] = c->s[dir].nxt;
            bytes -= len;
        }
        uint64_t t_ack = t_first + (dir == S ? c->rtt : r_range(&c->r, 30, 300));
        for (uint32_t j = 1; j <= k; j += 2) {
            uint32_t a = ends[j < k ? j : k - 1];
            uint64_t dt = t_ack > c->t ? t_ack - c->t : 0;
            add_ex(c, dt, rcv, F_ACK, K_NONE, 0, O_TS, -1, a, MB_NO);
            t_ack = c->t + r_range(&c->r, 20, 60);
        }
        if (cwnd < 64) {
            cwnd *= 2;
        }
        if (cwnd > 64) {
            cwnd = 64;
        }
    }
}

static void close_normal(conn_t *c)
{
    int closer = r_unit(&c->r) < 0.7 ? C : S;
    add(c, closer == C ? think(c, 0.5) : react(c, S), closer, F_FIN | F_ACK, K_NONE, 0);
    add(c, react(c, !closer), !closer, F_FIN | F_ACK, K_NONE, 0);
    add(c, react(c, closer), closer, F_ACK, K_NONE, 0);
}

/* `count` retransmissions of [seq, seq+len) from dir with exponential backoff */
static void retransmit(conn_t *c, int dir, uint32_t seq, size_t len, int count)
{
    uint64_t rto = 200000 + c->rtt;
    for (int i = 0; i < count; i++) {
        add_ex(c, rto, dir, F_PSH | F_ACK, K_RAND, len, O_TS, seq, -1, MB_NO);
        rto *= 2;
        if (rto > 120000000) {
            rto = 120000000;
        }
    }
}

static void build_program(conn_t *c)
{
    rng_t *r = &c->r;
    switch (c->type) {
    case T_NORMAL:
        handshake(c);
        ssh_setup(c);
        exchanges(c, (int)r_range(r, 2, 15), 1.5, 1);
        close_normal(c);
        break;
    case T_BULK:
        handshake(c);
        ssh_setup(c);
        exchanges(c, 5, 0.5, 1);
        {
            /* log-uniform 20 kB .. 1 MB */
            uint64_t bytes = (uint64_t)r_logu(r, 20000.0, 1000000.0);
            bulk(c, r_unit(r) < 0.5 ? S : C, bytes);
        }
        exchanges(c, 2, 0.3, 0);
        close_normal(c);
        break;
    case T_LONG:
        handshake(c);
        ssh_setup(c);
        exchanges(c, (int)r_range(r, 20, 60), 20.0, 1);
        close_normal(c);
        break;
    case T_SYN_ONLY:
        add(c, 0, C, F_SYN, K_NONE, 0);
        add_ex(c, 1000000, C, F_SYN, K_NONE, 0, O_SYN, c->s[C].nxt - 1, -1, MB_NO);
        add_ex(c, 2000000, C, F_SYN, K_NONE, 0, O_SYN, c->s[C].nxt - 1, -1, MB_NO);
        break;
    case T_REFUSED:
        add(c, 0, C, F_SYN, K_NONE, 0);
        c->s[S].nxt = 0; /* kernel RST to a SYN: seq 0, ack ISN+1, no options, IP ID 0 */
        add_ex(c, r_range(r, 30, 300), S, F_RST | F_ACK, K_NONE, 0, O_NONE, -1, -1, MB_STATELESS);
        break;
    case T_ICMP:
        add(c, 0, C, F_SYN, K_NONE, 0);
        add_ex(c, r_range(r, 200, 20000), RTR, 0, K_ICMP, 0, O_NONE, -1, -1, MB_MIDDLEBOX);
        break;
    case T_RST_BANNER:
        handshake(c);
        if (r_unit(r) < 0.6) {
            add(c, r_range(r, 20, 300), C, F_PSH | F_ACK, K_BANNER_C, sizeof BANNER_C - 1);
        }
        add_ex(c, r_range(r, 500, 30000), S, F_RST | F_ACK, K_NONE, 0, O_NONE, -1, -1, MB_NO);
        break;
    case T_IDLE_DEAD: {
        handshake(c);
        ssh_setup(c);
        exchanges(c, (int)r_range(r, 4, 15), 1.5, 1);
        uint64_t gap = r_range(r, 400, 1800) * 1000000ULL + r_range(r, 0, 999999);
        add(c, gap, C, F_PSH | F_ACK, K_RAND, 36);
        if (r_unit(r) < 0.25) { /* middlebox without state answers with a RST */
            add_ex(c, r_range(r, 100, 3000), S, F_RST, K_NONE, 0, O_NONE, c->s[S].nxt, -1,
                   MB_MIDDLEBOX);
        } else {
            retransmit(c, C, c->s[C].nxt - 36, 36, (int)r_range(r, 6, 15));
        }
        break;
    }
    case T_RTX_DEATH: {
        handshake(c);
        ssh_setup(c);
        exchanges(c, (int)r_range(r, 3, 20), 1.5, 1);
        int dir = r_unit(r) < 0.6 ? S : C;
        size_t len = dir == S ? enc(c, r_range(r, 10, c->mss - 30)) : 36;
        add(c, dir == S ? react(c, S) : think(c, 1.5), dir, F_PSH | F_ACK, K_RAND, len);
        retransmit(c, dir, c->s[dir].nxt - (uint32_t)len, len, (int)r_range(r, 6, 15));
        break;
    }
    case T_RESET:
        handshake(c);
        ssh_setup(c);
        exchanges(c, (int)r_range(r, 3, 20), 1.5, 1);
        add_ex(c, think(c, 1.5), r_unit(r) < 0.5 ? S : C, F_RST | F_ACK, K_NONE, 0, O_TS, -1, -1,
               MB_NO);
        break;
    }
}

static void conn_init(conn_t *c, uint64_t id, uint64_t t0)
{
    c->id = id;
    c->seed = mix64(g_seed ^ mix64(id + 1));
    c->r.s = c->seed;
    rng_t *r = &c->r;
    c->n = c->idx = 0;
    c->t = t0;
    memset(c->s, 0, sizeof c->s);

    int p = (int)r_range(r, 0, 99), acc = 0;
    c->type = T_COUNT - 1;
    for (int i = 0; i < T_COUNT; i++) {
        acc += type_pct[i];
        if (p < acc) {
            c->type = i;
            break;
        }
    }
    c->v6 = r_unit(r) < 0.2;
    c->vlan = r_unit(r) < 0.1 ? (uint16_t)(r_unit(r) < 0.5 ? 100 : 200) : 0;
    c->srv = (int)r_range(r, 0, N_SERVERS - 1);
    /* client RTT as seen from a sensor near the server: log-uniform 1..200 ms */
    c->rtt = (uint32_t)r_logu(r, 1000.0, 200000.0);
    c->mss = c->v6 ? 1428 : 1448;

    side_t *cl = &c->s[C], *sv = &c->s[S];
    if (c->v6) {
        static const uint8_t pfx[6] = { 0x20, 0x01, 0x0d, 0xb8, 0xc0, 0x00 };
        memcpy(cl->addr, pfx, 6);
        r_fill(r, cl->addr + 6, 10);
        cl->port = (uint16_t)r_range(r, 32768, 60999);
        memcpy(sv->addr, servers[c->srv].v6, 16);
    } else {
        int a = (int)r_range(r, 0, 507);
        cl->addr[0] = a < 254 ? 198 : 203;
        cl->addr[1] = a < 254 ? 51 : 0;
        cl->addr[2] = a < 254 ? 100 : 113;
        cl->addr[3] = (uint8_t)(1 + a % 254);
        port_ctr[a] = (uint16_t)((port_ctr[a] + r_range(r, 1, 8)) % 28232);
        cl->port = (uint16_t)(32768 + port_ctr[a]);
        memcpy(sv->addr, servers[c->srv].v4, 4);
    }
    sv->port = 22;
    cl->nxt = (uint32_t)r_u64(r);
    sv->nxt = (uint32_t)r_u64(r);
    cl->ts_base = (uint32_t)r_u64(r);
    sv->ts_base = (uint32_t)r_u64(r);
    cl->ipid = (uint16_t)r_u64(r);
    sv->ipid = (uint16_t)r_u64(r);
    cl->ttl = (uint8_t)(64 - r_range(r, 3, 20));
    sv->ttl = 64;
    cl->flowlabel = (uint32_t)r_u64(r) & 0xfffff;
    sv->flowlabel = (uint32_t)r_u64(r) & 0xfffff;
    cl->win = (uint16_t)r_range(r, 501, 2048);
    sv->win = (uint16_t)r_range(r, 501, 1200);
    c->icmp_code = (int)r_range(r, 0, 2);
    build_program(c);
}

/* ------------------------------------------ -K long-lived sessions */

static uint64_t g_ksess_period = 10000000; /* -P, microseconds */
static int g_ksess_mid;                    /* -m: established before the capture */

/* one keystroke exchange, about g_ksess_period after the previous one */
static void ksess_exchange(conn_t *c, uint64_t dt)
{
    add(c, dt, C, F_PSH | F_ACK, K_RAND, 36);
    add(c, react(c, S), S, F_PSH | F_ACK, K_RAND, enc(c, r_range(&c->r, 10, 140)));
    add(c, c->rtt + r_range(&c->r, 0, 40000), C, F_ACK, K_NONE, 0);
}

static uint64_t ksess_gap(conn_t *c)
{
    return r_range(&c->r, g_ksess_period / 2, g_ksess_period + g_ksess_period / 2);
}

/* IPv4 client ports of -K sessions: above Linux's ephemeral range, so they never
 * share a 5-tuple with the -n connections; (address, port, server) is a
 * bijection of the session number. */
#define KS_PORT_LO 61000
#define KS_PORTS   (65536 - KS_PORT_LO)
#define KS_TUPLES  (508ULL * KS_PORTS * N_SERVERS)
#define PERM_MUL   2654435761ULL /* prime, so coprime with the tuple-space sizes */

static void ksess_init(conn_t *c, uint64_t id, uint64_t k, uint64_t t0)
{
    c->id = id;
    c->seed = mix64(g_seed ^ 0xc0c0c0c0c0ULL ^ mix64(k + 1));
    c->r.s = c->seed;
    rng_t *r = &c->r;
    c->n = c->idx = 0;
    c->t = t0;
    c->t_start = t0;
    c->k_pkts = 0;
    c->ksess = 1;
    c->type = T_COUNT; /* not one of the -n mix */
    memset(c->s, 0, sizeof c->s);
    c->v6 = r_unit(r) < 0.2;
    c->vlan = 0;
    uint64_t j = (k * PERM_MUL + (g_seed & 0xffffff)) % KS_TUPLES;
    c->srv = (int)(j % N_SERVERS);
    c->rtt = (uint32_t)r_logu(r, 1000.0, 200000.0);
    c->mss = c->v6 ? 1428 : 1448;
    side_t *cl = &c->s[C], *sv = &c->s[S];
    if (c->v6) {
        static const uint8_t pfx[6] = { 0x20, 0x01, 0x0d, 0xb8, 0xc0, 0x01 };
        memcpy(cl->addr, pfx, 6);
        r_fill(r, cl->addr + 6, 10);
        cl->port = (uint16_t)r_range(r, 32768, 60999);
        memcpy(sv->addr, servers[c->srv].v6, 16);
    } else {
        int a = (int)((j / N_SERVERS) % 508);
        cl->addr[0] = a < 254 ? 198 : 203;
        cl->addr[1] = a < 254 ? 51 : 0;
        cl->addr[2] = a < 254 ? 100 : 113;
        cl->addr[3] = (uint8_t)(1 + a % 254);
        cl->port = (uint16_t)(KS_PORT_LO + j / N_SERVERS / 508);
        memcpy(sv->addr, servers[c->srv].v4, 4);
    }
    sv->port = 22;
    cl->nxt = (uint32_t)r_u64(r);
    sv->nxt = (uint32_t)r_u64(r);
    cl->ts_base = (uint32_t)r_u64(r);
    sv->ts_base = (uint32_t)r_u64(r);
    cl->ipid = (uint16_t)r_u64(r);
    sv->ipid = (uint16_t)r_u64(r);
    cl->ttl = (uint8_t)(64 - r_range(r, 3, 20));
    sv->ttl = 64;
    cl->flowlabel = (uint32_t)r_u64(r) & 0xfffff;
    sv->flowlabel = (uint32_t)r_u64(r) & 0xfffff;
    cl->win = (uint16_t)r_range(r, 501, 2048);
    sv->win = (uint16_t)r_range(r, 501, 1200);
    if (g_ksess_mid) {
        /* the peers' timestamps already ran for a while */
        cl->ts_last = cl->ts_base;
        sv->ts_last = sv->ts_base;
        ksess_exchange(c, 0);
    } else {
        handshake(c);
        ssh_setup(c);
        ksess_exchange(c, r_range(r, 0, g_ksess_period));
    }
}

/* the session's descriptors are used up: the next exchange replaces them */
static void ksess_more(conn_t *c)
{
    c->n = c->idx = 0;
    ksess_exchange(c, ksess_gap(c));
}

/* ----------------------------------------------------------- -F SYN flood */

static uint64_t g_flood_n, g_flood_i, g_flood_t, g_flood_start, g_flood_span = 60000000;
static int g_flood_v6;
static rng_t flood_rng;
#define FL_PORT_HI 32768 /* IPv4 source ports 1024..32767: below every other generated one */
#define FL_TUPLES  (508ULL * (FL_PORT_HI - 1024))

static void flood_next_time(void)
{
    uint64_t slot = g_flood_span / g_flood_n;
    g_flood_t = g_flood_start + g_flood_i * g_flood_span / g_flood_n +
                (slot ? r_range(&flood_rng, 0, slot - 1) : 0);
}

/* a bare SYN as flood tools send it: no options, random ISN, IP ID, TTL, window */
static void flood_emit(void)
{
    uint8_t f[MAXPKT], src[16];
    rng_t *r = &flood_rng;
    const server_t *sv = &servers[0];
    uint16_t sport;
    if (g_flood_v6) {
        static const uint8_t pfx[5] = { 0x20, 0x01, 0x0d, 0xb8, 0xf1 };
        memcpy(src, pfx, 5);
        r_fill(r, src + 5, 11);
        sport = (uint16_t)r_range(r, 1024, 65535);
    } else {
        uint64_t j = (g_flood_i * PERM_MUL + (g_seed & 0xffffff)) % FL_TUPLES;
        int a = (int)(j % 508);
        src[0] = a < 254 ? 198 : 203;
        src[1] = a < 254 ? 51 : 0;
        src[2] = a < 254 ? 100 : 113;
        src[3] = (uint8_t)(1 + a % 254);
        sport = (uint16_t)(1024 + j / 508);
    }
    size_t off = put_eth(f, sv->mac, GW_MAC, 0, g_flood_v6 ? 0x86dd : 0x0800);
    uint8_t *ip = f + off, *tcp = ip + (g_flood_v6 ? 40 : 20);
    const uint8_t *dst = g_flood_v6 ? sv->v6 : sv->v4;
    uint16_t win = (uint16_t)r_range(r, 512, 65535);
    uint8_t ttl = (uint8_t)r_range(r, 40, 250);
    put_tcp(tcp, sport, 22, (uint32_t)r_u64(r), 0, F_SYN, win, O_NONE, 0, 0, 0);
    put_be16(tcp + 16, l4_csum(g_flood_v6, src, dst, 6, tcp, 20));
    if (g_flood_v6) {
        put_ip6(ip, src, dst, 6, 20, (uint32_t)r_u64(r), ttl);
    } else {
        put_ip4(ip, src, dst, 6, 20, (uint16_t)r_u64(r), ttl, 0);
    }
    size_t len = off + (g_flood_v6 ? 60 : 40);
    if (len < 60) {
        memset(f + len, 0, 60 - len);
        len = 60;
    }
    pcap_record(g_flood_t, f, len);
    g_flood_i++;
    if (g_flood_i < g_flood_n) {
        flood_next_time();
    }
}

/* --------------------------------------------------------- packet build */

static size_t build_message(conn_t *c, const desc_t *d, uint8_t *p);

static size_t build_payload(conn_t *c, const desc_t *d, uint8_t *p)
{
    if (d->kind == K_NONE) {
        return 0;
    }
    if (d->kind == K_RAND || (d->off == 0 && d->kind != K_KEXINIT_C)) {
        return build_message(c, d, p);
    }
    /* slice [off, off+len) of a message that spans segments; seed from its first segment */
    uint8_t whole[4 * MAXPKT];
    desc_t first = *d;
    first.seq = d->seq - d->off;
    first.off = 0;
    size_t n = build_message(c, &first, whole);
    size_t len = d->off < n ? n - d->off : 0;
    if (len > d->len) {
        len = d->len;
    }
    memcpy(p, whole + d->off, len);
    return len;
}

/* the whole SSH message (or random bytes) that starts in segment d */
static size_t build_message(conn_t *c, const desc_t *d, uint8_t *p)
{
    rng_t pr = { mix64(c->seed ^ ((uint64_t)d->dir << 63) ^ ((uint64_t)d->seq << 20) ^ d->kind) };
    size_t n = 0;
    switch (d->kind) {
    case K_NONE:
        return 0;
    case K_BANNER_C:
        memcpy(p, BANNER_C, sizeof BANNER_C - 1);
        return sizeof BANNER_C - 1;
    case K_BANNER_S:
        memcpy(p, BANNER_S, sizeof BANNER_S - 1);
        return sizeof BANNER_S - 1;
    case K_KEXINIT_C:
        return build_kexinit(p, 0, &pr);
    case K_KEXINIT_S:
        return build_kexinit(p, 1, &pr);
    case K_ECDH_INIT:
        return build_ecdh_init(p, &pr);
    case K_ECDH_REPLY:
        return build_ecdh_reply_newkeys(p, servers[c->srv].hostkey, &pr);
    case K_NEWKEYS_C: {
        uint8_t nk = 21;
        n = ssh_packet(p, &nk, 1, &pr);
        r_fill(&pr, p + n, d->len - n);
        return d->len;
    }
    default:
        r_fill(&pr, p, d->len);
        return d->len;
    }
}

/* IP + TCP (+payload) of descriptor d; returns length */
static size_t build_l3(conn_t *c, const desc_t *d, uint8_t *p)
{
    const side_t *me = &c->s[d->dir], *peer = &c->s[!d->dir];
    size_t ipl = c->v6 ? 40 : 20;
    uint8_t *tcp = p + ipl;
    uint16_t win = d->opt == O_SYN ? (d->dir == C ? 64240 : 65160) : me->win;
    if (d->flags & F_RST) {
        win = 0;
    }
    size_t th = put_tcp(tcp, me->port, peer->port, d->seq, d->ack, d->flags, win, d->opt,
                        (uint16_t)(c->v6 ? 1440 : 1460), d->tsval, d->tsecr);
    size_t pl = build_payload(c, d, tcp + th);
    uint8_t ttl = d->mb == MB_MIDDLEBOX ? (uint8_t)(250 - c->srv % 4) : me->ttl;
    uint16_t id = d->mb == MB_MIDDLEBOX ? (uint16_t)mix64(c->seed + d->t) : d->ipid;
    if (c->v6) {
        put_ip6(p, me->addr, peer->addr, 6, th + pl, d->mb ? 0 : me->flowlabel, ttl);
    } else {
        put_ip4(p, me->addr, peer->addr, 6, th + pl, id, ttl, 1);
    }
    put_be16(tcp + 16, l4_csum(c->v6, me->addr, peer->addr, 6, tcp, th + pl));
    return ipl + th + pl;
}

static void emit(conn_t *c, const desc_t *d)
{
    uint8_t f[MAXPKT];
    const uint8_t *smac, *dmac;
    if (d->dir == C) {
        smac = GW_MAC, dmac = servers[c->srv].mac;
    } else if (d->dir == S) {
        smac = servers[c->srv].mac, dmac = GW_MAC;
    } else {
        smac = FW_MAC, dmac = GW_MAC;
    }
    size_t off = put_eth(f, dmac, smac, c->vlan, c->v6 ? 0x86dd : 0x0800);
    size_t l3;
    if (d->dir == RTR) {
        /* destination unreachable quoting the client's SYN */
        uint8_t q[256];
        size_t ql = build_l3(c, &c->d[0], q);
        uint8_t *ip = f + off, *ic = ip + (c->v6 ? 40 : 20);
        static const uint8_t codes4[3] = { 13, 3, 10 }, codes6[3] = { 1, 4, 3 };
        ic[0] = c->v6 ? 1 : 3;
        ic[1] = c->v6 ? codes6[c->icmp_code] : codes4[c->icmp_code];
        ic[2] = ic[3] = 0;
        memset(ic + 4, 0, 4);
        memcpy(ic + 8, q, ql);
        size_t il = 8 + ql;
        if (c->v6) {
            put_ip6(ip, RTR_V6, c->s[C].addr, 58, il, 0, 64);
            put_be16(ic + 2, l4_csum(1, RTR_V6, c->s[C].addr, 58, ic, il));
            l3 = 40 + il;
        } else {
            put_ip4(ip, RTR_V4, c->s[C].addr, 1, il, (uint16_t)mix64(c->seed + 7), 254, 0);
            put_be16(ic + 2, csum_fold(csum_add(0, ic, il)));
            l3 = 20 + il;
        }
    } else {
        l3 = build_l3(c, d, f + off);
    }
    size_t len = off + l3;
    if (len < 60) {
        memset(f + len, 0, 60 - len);
        len = 60;
    }
    pcap_record(d->t, f, len);
}

/* ----------------------------------------------------- background traffic */

typedef struct {
    uint8_t c[4], s[4];
    uint16_t cport;
    uint32_t cnxt, snxt, cts, sts;
    uint16_t cid, sid;
} tls_flow_t;

static rng_t bg_rng;
static tls_flow_t tls[16];
static int dns_pending, ping_pending;
static uint16_t dns_id, dns_port, ping_seq;

static void bg_init(void)
{
    bg_rng.s = mix64(g_seed ^ 0xb6b6b6b6ULL);
    for (int i = 0; i < 16; i++) {
        tls_flow_t *t = &tls[i];
        t->c[0] = 203, t->c[1] = 0, t->c[2] = 113, t->c[3] = (uint8_t)(100 + i);
        t->s[0] = 198, t->s[1] = 51, t->s[2] = 100, t->s[3] = 200;
        t->cport = (uint16_t)r_range(&bg_rng, 32768, 60999);
        t->cnxt = (uint32_t)r_u64(&bg_rng);
        t->snxt = (uint32_t)r_u64(&bg_rng);
        t->cts = (uint32_t)r_u64(&bg_rng);
        t->sts = (uint32_t)r_u64(&bg_rng);
        t->cid = (uint16_t)r_u64(&bg_rng);
        t->sid = (uint16_t)r_u64(&bg_rng);
    }
}

static void bg_emit(uint64_t t_us)
{
    uint8_t f[MAXPKT];
    static const uint8_t BGMAC_A[6] = { 0x02, 0x00, 0x5e, 0x20, 0x00, 0x01 };
    static const uint8_t BGMAC_B[6] = { 0x02, 0x00, 0x5e, 0x20, 0x00, 0x02 };
    static const uint8_t dns_c[4] = { 192, 0, 2, 150 }, dns_s[4] = { 192, 0, 2, 53 };
    static const uint8_t qname[] = "\3www\7example\3com";
    rng_t *r = &bg_rng;
    double k = r_unit(r);
    size_t len;
    if (dns_pending || (!ping_pending && k < 0.3)) {
        int resp = dns_pending;
        size_t off = put_eth(f, resp ? BGMAC_A : BGMAC_B, resp ? BGMAC_B : BGMAC_A, 0, 0x0800);
        uint8_t *ip = f + off, *udp = ip + 20, *dns = udp + 8;
        if (!resp) {
            dns_id = (uint16_t)r_u64(r);
            dns_port = (uint16_t)r_range(r, 32768, 60999);
        }
        put_be16(dns, dns_id);
        put_be16(dns + 2, resp ? 0x8180 : 0x0100);
        put_be16(dns + 4, 1);
        put_be16(dns + 6, resp ? 1 : 0);
        put_be16(dns + 8, 0);
        put_be16(dns + 10, 0);
        size_t n = 12;
        memcpy(dns + n, qname, sizeof qname); /* includes terminating root label */
        n += sizeof qname;
        put_be16(dns + n, 1);
        put_be16(dns + n + 2, 1);
        n += 4;
        if (resp) {
            put_be16(dns + n, 0xc00c);
            put_be16(dns + n + 2, 1);
            put_be16(dns + n + 4, 1);
            put_be32(dns + n + 6, 300);
            put_be16(dns + n + 10, 4);
            dns[n + 12] = 192, dns[n + 13] = 0, dns[n + 14] = 2, dns[n + 15] = 80;
            n += 16;
        }
        const uint8_t *src = resp ? dns_s : dns_c, *dst = resp ? dns_c : dns_s;
        put_be16(udp, resp ? 53 : dns_port);
        put_be16(udp + 2, resp ? dns_port : 53);
        put_be16(udp + 4, (uint16_t)(8 + n));
        put_be16(udp + 6, 0);
        put_be16(udp + 6, l4_csum(0, src, dst, 17, udp, 8 + n));
        put_ip4(ip, src, dst, 17, 8 + n, (uint16_t)r_u64(r), resp ? 64 : 63, 0);
        len = off + 20 + 8 + n;
        dns_pending = !resp;
    } else if (ping_pending || k < 0.36) {
        int resp = ping_pending;
        size_t off = put_eth(f, resp ? BGMAC_A : BGMAC_B, resp ? BGMAC_B : BGMAC_A, 0, 0x0800);
        uint8_t *ip = f + off, *ic = ip + 20;
        const uint8_t *src = resp ? dns_s : dns_c, *dst = resp ? dns_c : dns_s;
        if (!resp) {
            ping_seq++;
        }
        ic[0] = resp ? 0 : 8;
        ic[1] = 0;
        ic[2] = ic[3] = 0;
        put_be16(ic + 4, 0x4242);
        put_be16(ic + 6, ping_seq);
        for (int i = 0; i < 56; i++) {
            ic[8 + i] = (uint8_t)i;
        }
        put_be16(ic + 2, csum_fold(csum_add(0, ic, 64)));
        put_ip4(ip, src, dst, 1, 64, (uint16_t)r_u64(r), 64, 1);
        len = off + 20 + 64;
        ping_pending = !resp;
    } else {
        tls_flow_t *t = &tls[r_range(r, 0, 15)];
        int toc = r_unit(r) < 0.7;
        size_t pl = toc ? r_range(r, 60, 1448) : r_range(r, 40, 300);
        size_t off = put_eth(f, toc ? BGMAC_A : BGMAC_B, toc ? BGMAC_B : BGMAC_A, 0, 0x0800);
        uint8_t *ip = f + off, *tcp = ip + 20;
        uint32_t tsv = (toc ? t->sts : t->cts) + (uint32_t)(t_us / 1000);
        uint32_t tse = (toc ? t->cts : t->sts) + (uint32_t)(t_us / 1000);
        size_t th =
                put_tcp(tcp, toc ? 443 : t->cport, toc ? t->cport : 443, toc ? t->snxt : t->cnxt,
                        toc ? t->cnxt : t->snxt, F_PSH | F_ACK, 501, O_TS, 0, tsv, tse);
        uint8_t *p = tcp + th;
        p[0] = 0x17, p[1] = 3, p[2] = 3;
        put_be16(p + 3, (uint16_t)(pl - 5));
        r_fill(r, p + 5, pl - 5);
        const uint8_t *src = toc ? t->s : t->c, *dst = toc ? t->c : t->s;
        put_be16(tcp + 16, l4_csum(0, src, dst, 6, tcp, th + pl));
        put_ip4(ip, src, dst, 6, th + pl, toc ? t->sid++ : t->cid++, toc ? 58 : 64, 1);
        if (toc) {
            t->snxt += (uint32_t)pl;
        } else {
            t->cnxt += (uint32_t)pl;
        }
        len = off + 20 + th + pl;
    }
    if (len < 60) {
        memset(f + len, 0, 60 - len);
        len = 60;
    }
    pcap_record(t_us, f, len);
    g_bg_pkts++;
}

/* ------------------------------------------------------------------ heap */

static conn_t **heap;
static size_t heap_n, heap_cap;

static int heap_less(const conn_t *a, const conn_t *b)
{
    uint64_t ta = a->d[a->idx].t, tb = b->d[b->idx].t;
    return ta < tb || (ta == tb && a->id < b->id);
}

static void heap_push(conn_t *c)
{
    if (heap_n == heap_cap) {
        heap_cap = heap_cap ? heap_cap * 2 : 1024;
        heap = realloc(heap, heap_cap * sizeof *heap);
        if (!heap) {
            perror("realloc");
            exit(2);
        }
    }
    size_t i = heap_n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_less(c, heap[p])) {
            break;
        }
        heap[i] = heap[p];
        i = p;
    }
    heap[i] = c;
}

static void heap_sift_down(size_t i)
{
    conn_t *c = heap[i];
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        conn_t *best = c;
        if (l < heap_n && heap_less(heap[l], best)) {
            m = l, best = heap[l];
        }
        if (l + 1 < heap_n && heap_less(heap[l + 1], best)) {
            m = l + 1, best = heap[l + 1];
        }
        if (m == i) {
            break;
        }
        heap[i] = heap[m];
        i = m;
    }
    heap[i] = c;
}

/* ------------------------------------------------------------------ main */

static void usage(void)
{
    fprintf(stderr,
            "usage: gen_capture [-n CONNECTIONS] [-s SEED] [-b BACKGROUND_PERCENT] [-d SECONDS]\n"
            "                   [-k sntrup761|curve25519] [-t TRUTH.tsv] [-q] [-o FILE|-]\n"
            "                   [-F FLOOD_SYNS [-A START_S] [-W SECONDS] [-V 4|6]]\n"
            "                   [-K SESSIONS [-P PERIOD_S] [-R RAMP_S] [-m]] [-L CAPTURE_S]\n"
            "  -n  SSH connections (default 100000)\n"
            "  -s  seed (default 1); same seed and options give the same bytes\n"
            "  -b  percent of all packets that are non-SSH background (0..90, default 0)\n"
            "  -d  arrivals spread over this many seconds (default 3600); the capture\n"
            "      ends 300 s after that, cutting connections still open\n"
            "  -k  key exchange the client prefers (default sntrup761x25519-sha512, as\n"
            "      OpenSSH 9.2 does; curve25519 for tools that cannot parse sntrup761)\n"
            "  -t  write ground truth, one line per connection, tab separated\n"
            "  -o  output pcap (default stdout)\n"
            "  -F  add a SYN flood of this many SYNs from as many spoofed sources to\n"
            "      the first server (default 0: none)\n"
            "  -A  the flood starts this many seconds in (default 0)\n"
            "  -W  the flood's SYNs are spread over this many seconds (default 60)\n"
            "  -V  the flood's IP version, 4 (default) or 6\n"
            "  -K  add this many long-lived sessions, open until the capture ends\n"
            "  -P  one keystroke exchange per session every this many seconds (default 10)\n"
            "  -R  the sessions arrive over this many seconds (default: -P)\n"
            "  -m  the sessions were established before the capture (no handshake/setup)\n"
            "  -L  capture length in seconds (default: -d + 300)\n");
    exit(1);
}

static void fmt_addr(char *buf, size_t n, const uint8_t *a, int v6)
{
    if (!v6) {
        snprintf(buf, n, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        return;
    }
    /* full form, no zero compression: stable and easy to join on */
    snprintf(buf, n, "%x:%x:%x:%x:%x:%x:%x:%x", a[0] << 8 | a[1], a[2] << 8 | a[3],
             a[4] << 8 | a[5], a[6] << 8 | a[7], a[8] << 8 | a[9], a[10] << 8 | a[11],
             a[12] << 8 | a[13], a[14] << 8 | a[15]);
}

static void truth_line(FILE *tf, conn_t *c, int cut)
{
    char ca[64], sa[64];
    fmt_addr(ca, sizeof ca, c->s[C].addr, c->v6);
    fmt_addr(sa, sizeof sa, c->s[S].addr, c->v6);
    uint64_t t0 = EPOCH_US + c->d[0].t, t1 = EPOCH_US + c->d[c->idx - 1].t;
    if (c->ksess) {
        t0 = EPOCH_US + c->t_start;
        t1 = EPOCH_US + c->t_last;
    }
    fprintf(tf, "%llu\t%llu.%06llu\t%llu.%06llu\t%s\t%u\t%s\t%u\t%u\t%s\t%s\t%zu\n",
            (unsigned long long)c->id, (unsigned long long)(t0 / 1000000),
            (unsigned long long)(t0 % 1000000), (unsigned long long)(t1 / 1000000),
            (unsigned long long)(t1 % 1000000), ca, c->s[C].port, sa, c->s[S].port, c->vlan,
            c->ksess ? "concurrent" : type_name[c->type],
            cut || c->ksess ? "unfinished" : type_verdict[c->type],
            c->ksess ? (size_t)c->k_pkts : c->idx);
}

int main(int argc, char **argv)
{
    uint64_t nconn = 100000, dur_s = 3600, nksess = 0, ramp_s = 0, cap_s = 0;
    double bg_pct = 0;
    const char *out = "-", *truth = NULL;
    int quiet = 0, opt;
    g_seed = 1;
    while ((opt = getopt(argc, argv, "n:s:b:d:k:o:t:qhF:A:W:V:K:P:R:mL:")) != -1) {
        char *end = NULL;
        errno = 0;
        switch (opt) {
        case 'n':
            nconn = strtoull(optarg, &end, 10);
            break;
        case 's':
            g_seed = strtoull(optarg, &end, 0);
            break;
        case 'b':
            bg_pct = strtod(optarg, &end);
            if (bg_pct < 0 || bg_pct > 90) {
                usage();
            }
            break;
        case 'd':
            dur_s = strtoull(optarg, &end, 10);
            if (dur_s == 0) {
                usage();
            }
            break;
        case 'k':
            if (strcmp(optarg, "curve25519") == 0) {
                g_curve = 1;
                q_c_len = q_s_len = 32;
            } else if (strcmp(optarg, "sntrup761") != 0) {
                usage();
            }
            break;
        case 'o':
            out = optarg;
            break;
        case 't':
            truth = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'F':
            g_flood_n = strtoull(optarg, &end, 10);
            break;
        case 'A':
            g_flood_start = strtoull(optarg, &end, 10) * 1000000ULL;
            break;
        case 'W':
            g_flood_span = strtoull(optarg, &end, 10) * 1000000ULL;
            if (g_flood_span == 0) {
                usage();
            }
            break;
        case 'V':
            if (strcmp(optarg, "6") == 0) {
                g_flood_v6 = 1;
            } else if (strcmp(optarg, "4") != 0) {
                usage();
            }
            break;
        case 'K':
            nksess = strtoull(optarg, &end, 10);
            break;
        case 'P':
            g_ksess_period = (uint64_t)(strtod(optarg, &end) * 1e6);
            if (g_ksess_period < 2) {
                usage();
            }
            break;
        case 'R':
            ramp_s = strtoull(optarg, &end, 10);
            break;
        case 'm':
            g_ksess_mid = 1;
            break;
        case 'L':
            cap_s = strtoull(optarg, &end, 10);
            if (cap_s == 0) {
                usage();
            }
            break;
        default:
            usage();
        }
        if (end && (*end || errno)) {
            usage();
        }
    }
    if (optind != argc) {
        usage();
    }
    if (!g_flood_v6 && g_flood_n > FL_TUPLES) {
        fprintf(stderr, "gen_capture: at most %llu IPv4 flood sources (-V 6 for more)\n",
                (unsigned long long)FL_TUPLES);
        return 1;
    }
    if (nksess > KS_TUPLES) {
        fprintf(stderr, "gen_capture: at most %llu sessions\n", (unsigned long long)KS_TUPLES);
        return 1;
    }

    if (strcmp(out, "-") == 0) {
        if (isatty(STDOUT_FILENO)) {
            fprintf(stderr, "gen_capture: refusing to write a pcap to a terminal (use -o)\n");
            return 1;
        }
        g_out = stdout;
    } else {
        g_out = fopen(out, "wb");
    }
    if (!g_out) {
        fprintf(stderr, "gen_capture: %s: %s\n", out, strerror(errno));
        return 2;
    }
    static char obuf[1 << 20];
    setvbuf(g_out, obuf, _IOFBF, sizeof obuf);
    FILE *tf = NULL;
    if (truth) {
        tf = fopen(truth, "w");
        if (!tf) {
            fprintf(stderr, "gen_capture: %s: %s\n", truth, strerror(errno));
            return 2;
        }
        fprintf(tf, "# id\tstart\tend\tclient\tcport\tserver\tsport\tvlan\ttype\texpected\tpkts\n");
    }

    struct timespec ts0, ts1;
    clock_gettime(CLOCK_MONOTONIC, &ts0);

    /* servers: stable addresses, MACs and ed25519 host keys */
    rng_t sr = { mix64(g_seed ^ 0x5e5e5e5eULL) };
    for (int i = 0; i < N_SERVERS; i++) {
        server_t *s = &servers[i];
        s->v4[0] = 192, s->v4[1] = 0, s->v4[2] = 2, s->v4[3] = (uint8_t)(10 + i);
        static const uint8_t p6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0x22 };
        memcpy(s->v6, p6, 16);
        s->v6[15] = (uint8_t)(0x10 + i);
        s->mac[0] = 0x02, s->mac[1] = 0x00, s->mac[2] = 0x5e, s->mac[3] = 0x00, s->mac[4] = 0x22;
        s->mac[5] = (uint8_t)i;
        r_fill(&sr, s->hostkey, 32);
    }
    {
        uint8_t tmp[MAXPKT];
        len_kexinit_c = build_kexinit(tmp, 0, NULL);
        len_kexinit_s = build_kexinit(tmp, 1, NULL);
        len_ecdh_init = build_ecdh_init(tmp, NULL);
        len_ecdh_reply = build_ecdh_reply_newkeys(tmp, servers[0].hostkey, NULL);
    }
    bg_init();
    pcap_header();

    const uint64_t span = dur_s * 1000000ULL;
    const uint64_t cap_end = cap_s ? cap_s * 1000000ULL : span + 300000000ULL;
    const uint64_t kspan = ramp_s ? ramp_s * 1000000ULL : g_ksess_period;
    uint64_t next_k = 0, next_k_arrival = 0;
    rng_t kr = { mix64(g_seed ^ 0xd7d7d7d7ULL) };
    if (nksess) {
        next_k_arrival = r_range(&kr, 0, kspan / nksess);
    }
    flood_rng.s = mix64(g_seed ^ 0xf10f10f1ULL);
    if (g_flood_n) {
        flood_next_time();
    }
    const double bg_ratio = bg_pct / (100.0 - bg_pct);
    double bg_credit = 0;
    rng_t ar = { mix64(g_seed ^ 0xa1a1a1a1ULL) };
    uint64_t next_id = 0, type_count[T_COUNT] = { 0 }, cut_count = 0;
    uint64_t next_arrival = nconn ? r_range(&ar, 0, span / nconn) : 0;
    conn_t *free_list = NULL;

    for (;;) {
        int have_arrival = next_id < nconn;
        if (next_k < nksess && next_k_arrival <= cap_end &&
            (heap_n == 0 || next_k_arrival <= heap[0]->d[heap[0]->idx].t) &&
            (!have_arrival || next_k_arrival < next_arrival)) {
            conn_t *c = free_list;
            if (c) {
                free_list = c->next_free;
            } else {
                c = calloc(1, sizeof *c);
                if (!c) {
                    perror("calloc");
                    return 2;
                }
            }
            ksess_init(c, nconn + next_k, next_k, next_k_arrival);
            next_k++;
            uint64_t slot = kspan / nksess;
            next_k_arrival = next_k * kspan / nksess + (slot ? r_range(&kr, 0, slot - 1) : 0);
            heap_push(c);
            continue;
        }
        if (g_flood_i < g_flood_n && g_flood_t <= cap_end &&
            (heap_n == 0 || g_flood_t <= heap[0]->d[heap[0]->idx].t) &&
            (!have_arrival || g_flood_t < next_arrival)) {
            flood_emit();
            continue;
        }
        if (have_arrival && (heap_n == 0 || next_arrival <= heap[0]->d[heap[0]->idx].t)) {
            conn_t *c = free_list;
            if (c) {
                free_list = c->next_free;
            } else {
                c = calloc(1, sizeof *c);
                if (!c) {
                    perror("calloc");
                    return 2;
                }
            }
            conn_init(c, next_id, next_arrival);
            type_count[c->type]++;
            next_id++;
            /* stratified arrivals: one per slot of span/nconn, jittered within it */
            uint64_t slot = span / (nconn ? nconn : 1);
            next_arrival = next_id * span / nconn + (slot ? r_range(&ar, 0, slot - 1) : 0);
            heap_push(c);
            continue;
        }
        if (heap_n == 0) {
            break;
        }
        conn_t *c = heap[0];
        const desc_t *d = &c->d[c->idx];
        emit(c, d);
        for (bg_credit += bg_ratio; bg_credit >= 1.0; bg_credit -= 1.0) {
            bg_emit(d->t);
        }
        c->idx++;
        if (c->ksess) {
            c->t_last = d->t;
            c->k_pkts++;
            if (c->idx == c->n) {
                ksess_more(c);
            }
        }
        int cut = c->idx < c->n && c->d[c->idx].t > cap_end;
        if (c->idx < c->n && !cut) {
            heap_sift_down(0);
            continue;
        }
        if (cut) {
            cut_count++;
        }
        if (tf) {
            truth_line(tf, c, cut);
        }
        heap[0] = heap[--heap_n];
        if (heap_n) {
            heap_sift_down(0);
        }
        c->ksess = 0;
        c->next_free = free_list;
        free_list = c;
    }
    if (fflush(g_out) != 0 || (g_out != stdout && fclose(g_out) != 0)) {
        fprintf(stderr, "gen_capture: %s: %s\n", out, strerror(errno));
        return 2;
    }
    if (tf && fclose(tf) != 0) {
        fprintf(stderr, "gen_capture: %s: %s\n", truth, strerror(errno));
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &ts1);
    double secs = (double)(ts1.tv_sec - ts0.tv_sec) + (ts1.tv_nsec - ts0.tv_nsec) / 1e9;
    if (!quiet) {
        fprintf(stderr,
                "gen_capture: connections=%llu packets=%llu background=%llu bytes=%llu "
                "cut_at_end=%llu seconds=%.2f\n",
                (unsigned long long)(nconn + nksess), (unsigned long long)g_pkts,
                (unsigned long long)g_bg_pkts, (unsigned long long)(g_bytes + 24),
                (unsigned long long)cut_count, secs);
        fprintf(stderr, "gen_capture: types:");
        for (int i = 0; i < T_COUNT; i++) {
            fprintf(stderr, " %s=%llu", type_name[i], (unsigned long long)type_count[i]);
        }
        fprintf(stderr, "\n");
        if (g_flood_n || nksess) {
            fprintf(stderr, "gen_capture: flood_syns=%llu sessions=%llu\n",
                    (unsigned long long)g_flood_i, (unsigned long long)nksess);
        }
    }
    return 0;
}
