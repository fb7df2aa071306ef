/* SPDX-License-Identifier: MIT */
/* summary: libFuzzer target for the pure SSH wire parsers. The first input
 * byte chooses the parser (lines, a packet stream whose payloads go through
 * every payload parser, KEXINIT, KEX reply, host key blob, DISCONNECT,
 * negotiation); the rest is its input, in an exactly-sized buffer. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "ssh_risks.h"
#include "ssh_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum sm_fuzz_mode {
    SM_FUZZ_LINES,      /* identification / pre-banner lines, RFC limit */
    SM_FUZZ_PACKETS,    /* binary packets, then each payload */
    SM_FUZZ_KEXINIT,    /* one KEXINIT payload */
    SM_FUZZ_KEX_REPLY,  /* one KEX reply payload, then its host key */
    SM_FUZZ_HOSTKEY,    /* one host key blob */
    SM_FUZZ_DISCONNECT, /* one DISCONNECT payload */
    SM_FUZZ_NEGOTIATE,  /* two name-lists: the halves of the input */
    SM_FUZZ_LINES_LONG, /* lines with OpenSSH's 8192-byte limit */
    SM_FUZZ_RISKS,      /* the risk table: fields split at newlines */
    SM_FUZZ_MODES
};

static volatile uint8_t sm_fuzz_sink;

/* Reads every byte of a view, so ASan checks the view's bounds. */
static void sm_fuzz_touch(struct sm_bytes b)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < b.len; i++)
        sum ^= b.p[i];
    sm_fuzz_sink ^= sum;
}

/* An exactly-sized copy (one byte allocated for an empty input). */
static uint8_t *sm_fuzz_dup(const uint8_t *p, size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    if (b && n)
        memcpy(b, p, n);
    return b;
}

static void sm_fuzz_lists(struct sm_bytes a, struct sm_bytes b)
{
    struct sm_bytes chosen;
    bool limit;

    if (sm_ssh_negotiate(a, b, &chosen, &limit))
        sm_fuzz_touch(chosen);
    sm_fuzz_sink ^= (uint8_t)sm_ssh_namelist_count(a);
    sm_fuzz_sink ^= (uint8_t)sm_ssh_namelist_valid(b);
    sm_fuzz_sink ^= (uint8_t)sm_ssh_namelist_contains(a, "none");
}

static void sm_fuzz_kexinit(const uint8_t *p, size_t n)
{
    struct sm_ssh_kexinit k;
    char md5[33], str[128];

    if (sm_ssh_parse_kexinit(p, n, &k) != SM_OK)
        return;
    for (int i = 0; i < SM_SSH_KEX_LISTS; i++)
        sm_fuzz_touch(k.list[i]);
    sm_ssh_hassh(&k, false, md5, str, sizeof(str));
    sm_ssh_hassh(&k, true, md5, NULL, 0);
    sm_fuzz_sink ^= (uint8_t)sm_ssh_kexinit_has(&k, SM_SSH_STRICT_KEX_C);
    sm_fuzz_sink ^= (uint8_t)sm_ssh_kexinit_has(&k, SM_SSH_EXT_INFO_S);
    for (int i = 0; i + 1 < SM_SSH_KEX_LISTS; i += 2)
        sm_fuzz_lists(k.list[i], k.list[i + 1]);
}

static void sm_fuzz_hostkey(struct sm_bytes blob)
{
    char type[SM_SSH_KEYTYPE_LEN], fp[SM_SSH_FP_LEN];

    if (sm_ssh_hostkey_describe(blob, type, sizeof(type), fp, sizeof(fp)) == SM_OK)
        sm_fuzz_sink ^= (uint8_t)(type[0] ^ fp[7]);
}

static void sm_fuzz_kex_reply(const uint8_t *p, size_t n)
{
    struct sm_bytes blob;

    if (sm_ssh_parse_kex_reply(p, n, &blob) == SM_OK) {
        sm_fuzz_touch(blob);
        sm_fuzz_hostkey(blob);
    }
}

static void sm_fuzz_disconnect(const uint8_t *p, size_t n)
{
    struct sm_bytes desc;
    uint32_t code;

    if (sm_ssh_parse_disconnect(p, n, &code, &desc) == SM_OK) {
        sm_fuzz_touch(desc);
        sm_fuzz_sink ^= (uint8_t)(sm_ssh_disconnect_reason(code) != NULL);
    }
}

static void sm_fuzz_lines(const uint8_t *p, size_t n, size_t max)
{
    struct sm_ssh_line line;
    size_t consumed, need;

    while (sm_ssh_parse_line(p, n, max, &line, &consumed, &need) == SM_OK) {
        sm_fuzz_touch(line.text);
        sm_fuzz_touch(line.proto_version);
        sm_fuzz_touch(line.software_version);
        sm_fuzz_touch(line.comments);
        if (consumed == 0 || consumed > n)
            abort(); /* no progress, or past the input */
        p += consumed;
        n -= consumed;
    }
}

static void sm_fuzz_packets(const uint8_t *p, size_t n)
{
    struct sm_ssh_packet pkt;
    size_t consumed, need;

    while (sm_ssh_parse_packet(p, n, &pkt, &consumed, &need) == SM_OK) {
        if (consumed == 0 || consumed > n)
            abort();
        /* Each payload alone in an exactly-sized buffer, so a payload parser
         * reading past the payload (into the padding) is caught. */
        uint8_t *payload = sm_fuzz_dup(pkt.payload.p, pkt.payload.len);
        if (payload) {
            sm_fuzz_kexinit(payload, pkt.payload.len);
            sm_fuzz_kex_reply(payload, pkt.payload.len);
            sm_fuzz_disconnect(payload, pkt.payload.len);
            free(payload);
        }
        sm_fuzz_touch(pkt.padding);
        p += consumed;
        n -= consumed;
    }
}

/* The risk table on hostile strings: the input's newline-separated
 * pieces become the versions and negotiated names (each a view into the
 * exactly-sized buffer), its first byte the two booleans. */
static void sm_fuzz_risks(const uint8_t *p, size_t n)
{
    struct sm_bytes f[11];
    size_t k = 0, start = 0;
    memset(f, 0, sizeof(f));
    for (size_t i = 0; i <= n && k < 11; i++)
        if (i == n || p[i] == '\n') {
            f[k].p = p + start;
            f[k++].len = i - start;
            start = i + 1;
        }
    struct sm_ssh_risk_input in = {
        .proto = { f[0], f[1] },
        .software = { f[2], f[3] },
        .negotiated = n > 0 && (p[0] & 1),
        .kex = f[4],
        .host_key = f[5],
        .cipher = { f[6], f[7] },
        .mac = { f[8], f[9] },
        .host_key_type = f[10],
        .terrapin_exposed = n > 0 && (p[0] & 2),
        .unlisted_port = n > 0 && (p[0] & 4),
    };
    const char *out[SM_SSH_RISKS_MAX];
    size_t got = sm_ssh_risks(&in, out);
    for (size_t i = 0; i < got; i++)
        sm_fuzz_sink ^= (uint8_t)out[i][0];
    uint32_t rel;
    bool portable;
    for (int i = 2; i < 4; i++)
        if (sm_ssh_openssh_release(f[i], &rel, &portable))
            sm_fuzz_sink ^= (uint8_t)rel;
    struct sm_bytes all = { p, n };
    if (sm_ssh_openssh_release(all, &rel, &portable))
        sm_fuzz_sink ^= (uint8_t)rel;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    uint8_t *buf = sm_fuzz_dup(data + 1, n);
    if (!buf)
        return 0;
    struct sm_bytes all = { buf, n };
    struct sm_bytes half1 = { buf, n / 2 }, half2 = { buf + n / 2, n - n / 2 };

    switch ((enum sm_fuzz_mode)(data[0] % SM_FUZZ_MODES)) {
    case SM_FUZZ_LINES:
        sm_fuzz_lines(buf, n, SM_SSH_MAX_IDENT);
        break;
    case SM_FUZZ_PACKETS:
        sm_fuzz_packets(buf, n);
        break;
    case SM_FUZZ_KEXINIT:
        sm_fuzz_kexinit(buf, n);
        break;
    case SM_FUZZ_KEX_REPLY:
        sm_fuzz_kex_reply(buf, n);
        break;
    case SM_FUZZ_HOSTKEY:
        sm_fuzz_hostkey(all);
        break;
    case SM_FUZZ_DISCONNECT:
        sm_fuzz_disconnect(buf, n);
        break;
    case SM_FUZZ_NEGOTIATE:
        sm_fuzz_lists(half1, half2);
        sm_fuzz_lists(half2, half1);
        break;
    case SM_FUZZ_LINES_LONG:
        sm_fuzz_lines(buf, n, 8192);
        break;
    case SM_FUZZ_RISKS:
        sm_fuzz_risks(buf, n);
        break;
    case SM_FUZZ_MODES:
        break;
    }
    free(buf);
    return 0;
}
