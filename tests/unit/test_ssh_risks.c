/* SPDX-License-Identifier: MIT */
/* summary: unit tests of the SSH risk table (dissectors/ssh_risks.c): each
 * flag fires on its own input and only there, a real OpenSSH 9.x key
 * exchange yields no algorithm flag, version strings are parsed strictly,
 * and hostile strings (empty, oversized, odd) neither crash nor match. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh_risks.h"
#include "ssh_samples.h"
#include "ssh_wire.h"
#include "unit.h"

static struct sm_bytes sm_t_b(const char *s)
{
    struct sm_bytes b = { (const uint8_t *)s, s ? strlen(s) : 0 };
    return b;
}

/* A connection with nothing risky: both sides a fixed OpenSSH, SSH-2.0,
 * modern algorithms negotiated. */
static void sm_t_clean(struct sm_ssh_risk_input *in)
{
    memset(in, 0, sizeof(*in));
    for (int s = 0; s < 2; s++) {
        in->proto[s] = sm_t_b("2.0");
        in->software[s] = sm_t_b("OpenSSH_10.0p2");
        in->cipher[s] = sm_t_b("aes128-ctr");
        in->mac[s] = sm_t_b("hmac-sha2-256-etm@openssh.com");
    }
    in->negotiated = true;
    in->kex = sm_t_b("mlkem768x25519-sha256");
    in->host_key = sm_t_b("rsa-sha2-512");
    in->host_key_type = sm_t_b("ssh-rsa"); /* an RSA key used with SHA-2: fine */
}

/* The flags as one comma-joined string (static buffer). */
static const char *sm_t_risks(const struct sm_ssh_risk_input *in)
{
    static char buf[2048];
    const char *f[SM_SSH_RISKS_MAX];
    size_t n = sm_ssh_risks(in, f);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(buf, ",");
        strcat(buf, f[i]);
    }
    return buf;
}

static void test_ssh_risks_clean(void)
{
    struct sm_ssh_risk_input in;
    sm_t_clean(&in);
    CU_ASSERT_STRING_EQUAL(sm_t_risks(&in), "");
    /* Nothing seen at all. */
    memset(&in, 0, sizeof(in));
    CU_ASSERT_STRING_EQUAL(sm_t_risks(&in), "");
}

/* Each flag fires on the one change that makes it, alone. */
static void test_ssh_risks_each_flag(void)
{
    static const struct {
        const char *field, *value, *want;
    } cases[] = {
        { "proto0", "1.5", "ssh-1:client" },
        { "proto1", "1.3", "ssh-1:server" },
        { "proto0", "1.99", "ssh-1.99:client" },
        { "proto1", "1.99", "ssh-1.99:server" },
        { "soft1", "OpenSSH_8.5p1", "version-based:CVE-2024-6387:server" },
        { "soft1", "OpenSSH_9.7p1",
          "version-based:CVE-2024-6387:server,version-based:CVE-2025-26466:server" },
        { "soft1", "OpenSSH_9.8p1", "version-based:CVE-2025-26466:server" },
        { "soft1", "OpenSSH_9.7", "version-based:CVE-2025-26466:server" },
        { "soft1", "OpenSSH_4.3p2",
          "version-based:CVE-2024-6387:server,"
          "version-based:CVE-2018-15473:server" },
        { "soft1", "OpenSSH_9.1p1",
          "version-based:CVE-2024-6387:server,version-based:CVE-2023-25136:server" },
        { "soft1", "OpenSSH_7.7p1", "version-based:CVE-2018-15473:server" },
        { "soft1", "OpenSSH_7.7", "version-based:CVE-2018-15473:server" },
        { "soft1", "OpenSSH_9.9p1", "version-based:CVE-2025-26466:server" },
        { "soft0", "OpenSSH_9.9p1",
          "version-based:CVE-2025-26466:client,"
          "version-based:CVE-2025-26465:client" },
        { "soft0", "OpenSSH_7.2p2", "version-based:CVE-2025-26465:client" },
        { "soft0", "OpenSSH_6.8p1",
          "version-based:CVE-2025-26465:client,version-based:CVE-2016-0777:client" },
        { "soft0", "OpenSSH_7.1p1",
          "version-based:CVE-2025-26465:client,"
          "version-based:CVE-2016-0777:client" },
        { "soft0", "OpenSSH_5.4p1", "version-based:CVE-2016-0777:client" },
        { "kex", "diffie-hellman-group1-sha1", "kex-sha1" },
        { "kex", "diffie-hellman-group14-sha1", "kex-sha1" },
        { "kex", "diffie-hellman-group-exchange-sha1", "kex-sha1" },
        { "kex", "rsa1024-sha1", "kex-sha1" },
        { "kex", "gss-group14-sha1-toWM5Slw5Ew8Mqkay+al2g==", "kex-sha1" },
        { "host_key", "ssh-rsa", "host-key-ssh-rsa-sha1" },
        { "host_key", "ssh-rsa-cert-v01@openssh.com", "host-key-ssh-rsa-sha1" },
        { "host_key", "ssh-dss", "host-key-dsa" },
        { "host_key_type", "ssh-dss", "host-key-dsa" },
        { "cipher0", "aes128-cbc", "cipher-cbc" },
        { "cipher1", "3des-cbc", "cipher-cbc" },
        { "cipher1", "rijndael-cbc@lysator.liu.se", "cipher-cbc" },
        { "cipher0", "arcfour256", "cipher-rc4" },
        { "cipher1", "none", "cipher-none" },
        { "mac0", "hmac-sha1", "mac-sha1" },
        { "mac1", "hmac-sha1-96-etm@openssh.com", "mac-sha1" },
        { "mac1", "hmac-md5", "mac-md5" },
        { "mac0", "hmac-md5-96-etm@openssh.com", "mac-md5" },
        { "terrapin", NULL, "terrapin-exposed" },
        { "port", NULL, "ssh-on-nonstandard-port" },
    };
    const char *seen[SM_SSH_RISKS_MAX];
    size_t nseen = 0;
    for (size_t i = 0; i < SM_NELEM(cases); i++) {
        struct sm_ssh_risk_input in;
        sm_t_clean(&in);
        const char *f = cases[i].field;
        struct sm_bytes v = sm_t_b(cases[i].value);
        if (!strcmp(f, "proto0"))
            in.proto[0] = v;
        else if (!strcmp(f, "proto1"))
            in.proto[1] = v;
        else if (!strcmp(f, "soft0"))
            in.software[0] = v;
        else if (!strcmp(f, "soft1"))
            in.software[1] = v;
        else if (!strcmp(f, "kex"))
            in.kex = v;
        else if (!strcmp(f, "host_key"))
            in.host_key = v;
        else if (!strcmp(f, "host_key_type"))
            in.host_key_type = v;
        else if (!strcmp(f, "cipher0"))
            in.cipher[0] = v;
        else if (!strcmp(f, "cipher1"))
            in.cipher[1] = v;
        else if (!strcmp(f, "mac0"))
            in.mac[0] = v;
        else if (!strcmp(f, "mac1"))
            in.mac[1] = v;
        else if (!strcmp(f, "terrapin"))
            in.terrapin_exposed = true;
        else if (!strcmp(f, "port"))
            in.unlisted_port = true;
        const char *got = sm_t_risks(&in);
        if (strcmp(got, cases[i].want) != 0)
            fprintf(stderr, "\n%s=%s: got \"%s\", want \"%s\"\n", f,
                    cases[i].value ? cases[i].value : "", got, cases[i].want);
        CU_ASSERT_STRING_EQUAL(got, cases[i].want);
        const char *one[SM_SSH_RISKS_MAX];
        size_t n = sm_ssh_risks(&in, one);
        for (size_t k = 0; k < n; k++) {
            bool dup = false;
            for (size_t j = 0; j < nseen; j++)
                dup |= strcmp(seen[j], one[k]) == 0;
            if (!dup && nseen < SM_SSH_RISKS_MAX)
                seen[nseen++] = one[k];
        }
    }
    /* Every name of the table was made to fire by some case above. */
    const char *names[SM_SSH_RISKS_MAX];
    size_t nn = sm_ssh_risk_names(names);
    CU_ASSERT_EQUAL(nseen, nn);
    CU_ASSERT(nn >= 20);
}

/* Offered is not negotiated: without both KEXINITs no algorithm flag, and
 * a MAC is not judged under an AEAD cipher; many findings at once come in
 * table order, each once. */
static void test_ssh_risks_negotiated_only(void)
{
    struct sm_ssh_risk_input in;
    sm_t_clean(&in);
    in.kex = sm_t_b("diffie-hellman-group1-sha1");
    in.host_key = sm_t_b("ssh-dss");
    in.host_key_type = sm_t_b("ssh-ed25519");
    in.cipher[0] = in.cipher[1] = sm_t_b("aes256-cbc");
    in.mac[0] = in.mac[1] = sm_t_b("hmac-sha1");
    in.proto[0] = in.proto[1] = sm_t_b("1.99");
    in.software[1] = sm_t_b("OpenSSH_9.1p1");
    in.terrapin_exposed = true;
    in.unlisted_port = true;
    CU_ASSERT_STRING_EQUAL(sm_t_risks(&in),
                           "ssh-1.99:client,ssh-1.99:server,version-based:CVE-2024-6387:server,"
                           "version-based:CVE-2023-25136:server,kex-sha1,host-key-dsa,cipher-cbc,"
                           "mac-sha1,terrapin-exposed,ssh-on-nonstandard-port");
    in.negotiated = false;
    CU_ASSERT_STRING_EQUAL(sm_t_risks(&in),
                           "ssh-1.99:client,ssh-1.99:server,version-based:CVE-2024-6387:server,"
                           "version-based:CVE-2023-25136:server,terrapin-exposed,"
                           "ssh-on-nonstandard-port");
    /* The key blob's type still counts without a negotiation. */
    in.host_key_type = sm_t_b("ssh-dss");
    CU_ASSERT_PTR_NOT_NULL(strstr(sm_t_risks(&in), "host-key-dsa"));
    sm_t_clean(&in);
    in.cipher[0] = sm_t_b("chacha20-poly1305@openssh.com");
    in.cipher[1] = sm_t_b("aes256-gcm@openssh.com");
    in.mac[0] = in.mac[1] = sm_t_b("hmac-sha1"); /* unused under an AEAD */
    CU_ASSERT_STRING_EQUAL(sm_t_risks(&in), "");
    /* No common algorithm: a null view matches nothing. */
    sm_t_clean(&in);
    in.kex.p = in.host_key.p = in.cipher[0].p = in.mac[1].p = NULL;
    in.kex.len = in.host_key.len = in.cipher[0].len = in.mac[1].len = 0;
    CU_ASSERT_STRING_EQUAL(sm_t_risks(&in), "");
}

/* The KEXINITs of a real OpenSSH 9.2p1 session (pcaps/ssh-normal-v4.pcap)
 * negotiated as the dissector does: no algorithm flag; the version flags
 * of 9.2p1 itself, and none once the versions are current. */
static void sm_t_sample_kexinit(const uint8_t *stream, size_t ident, struct sm_ssh_kexinit *k)
{
    uint32_t plen = ((uint32_t)stream[ident] << 24) | ((uint32_t)stream[ident + 1] << 16) |
                    ((uint32_t)stream[ident + 2] << 8) | stream[ident + 3];
    uint8_t pad = stream[ident + 4];
    CU_ASSERT_FATAL(plen > (uint32_t)pad + 1);
    CU_ASSERT_EQUAL_FATAL(sm_ssh_parse_kexinit(stream + ident + 5, plen - pad - 1, k), SM_OK);
}

static void test_ssh_risks_real_openssh9(void)
{
    struct sm_ssh_kexinit c, s;
    sm_t_sample_kexinit(sm_t_ssh_client, SM_T_CLIENT_IDENT_LEN, &c);
    sm_t_sample_kexinit(sm_t_ssh_server, SM_T_SERVER_IDENT_LEN, &s);
    struct sm_ssh_risk_input in;
    memset(&in, 0, sizeof(in));
    in.negotiated = true;
    CU_ASSERT(sm_ssh_negotiate(c.list[SM_SSH_KEX_ALGS], s.list[SM_SSH_KEX_ALGS], &in.kex, NULL));
    CU_ASSERT(sm_ssh_negotiate(c.list[SM_SSH_KEX_HOSTKEY], s.list[SM_SSH_KEX_HOSTKEY], &in.host_key,
                               NULL));
    for (int d = 0; d < 2; d++) {
        CU_ASSERT(sm_ssh_negotiate(c.list[SM_SSH_KEX_ENC_C2S + d], s.list[SM_SSH_KEX_ENC_C2S + d],
                                   &in.cipher[d], NULL));
        CU_ASSERT(sm_ssh_negotiate(c.list[SM_SSH_KEX_MAC_C2S + d], s.list[SM_SSH_KEX_MAC_C2S + d],
                                   &in.mac[d], NULL));
    }
    in.host_key_type = sm_t_b("ssh-ed25519");
    for (int r = 0; r < 2; r++) {
        in.proto[r] = sm_t_b("2.0");
        in.software[r] = sm_t_b("OpenSSH_9.2p1");
    }
    CU_ASSERT_STRING_EQUAL(sm_t_risks(&in), "version-based:CVE-2024-6387:server,"
                                            "version-based:CVE-2025-26465:client");
    for (int r = 0; r < 2; r++)
        in.software[r] = sm_t_b("OpenSSH_9.9p2");
    CU_ASSERT_STRING_EQUAL(sm_t_risks(&in), "");
    /* Even every algorithm each side merely offers in this session, taken
     * as if negotiated, is clean except the fallbacks a client lists last:
     * that is why offers are not judged. */
    bool offered_weak = false;
    struct sm_ssh_names it;
    struct sm_bytes name;
    sm_ssh_names_init(&it, c.list[SM_SSH_KEX_MAC_C2S]);
    while (sm_ssh_names_next(&it, &name)) {
        struct sm_ssh_risk_input one = in;
        one.cipher[0] = sm_t_b("aes128-ctr");
        one.mac[0] = name;
        offered_weak |= sm_t_risks(&one)[0] != '\0';
    }
    CU_ASSERT(offered_weak); /* OpenSSH 9.2 still offers hmac-sha1 */
}

static void test_ssh_risks_release_parse(void)
{
    static const struct {
        const char *s;
        bool ok, portable;
        uint32_t rel;
    } cases[] = {
        { "OpenSSH_9.6p1", true, true, SM_SSH_REL(9, 6, 0, 1) },
        { "OpenSSH_6.6.1p1", true, true, SM_SSH_REL(6, 6, 1, 1) },
        { "OpenSSH_9.7", true, false, SM_SSH_REL(9, 7, 0, 0) },
        { "OpenSSH_8.9p1-hpn14v15", true, true, SM_SSH_REL(8, 9, 0, 1) },
        { "OpenSSH_3.4+p1+gssapi", true, false, SM_SSH_REL(3, 4, 0, 0) },
        { "OpenSSH_10.0p2", true, true, SM_SSH_REL(10, 0, 0, 2) },
        { "OpenSSH_for_Windows_9.5", false, false, 0 },
        { "OpenSSH_", false, false, 0 },
        { "OpenSSH_9", false, false, 0 },
        { "OpenSSH_9.", false, false, 0 },
        { "OpenSSH_9.x", false, false, 0 },
        { "OpenSSH_9.7p", false, false, 0 },
        { "OpenSSH_9.7.", false, false, 0 },
        { "OpenSSH_256.1", false, false, 0 },
        { "OpenSSH_1000.1", false, false, 0 },
        { "OpenSSH_0009.7p1", false, false, 0 },
        { "OpenSSH_9.99999999999999999999", false, false, 0 },
        { "openssh_9.7p1", false, false, 0 },
        { "dropbear_2022.83", false, false, 0 },
        { "", false, false, 0 },
    };
    for (size_t i = 0; i < SM_NELEM(cases); i++) {
        uint32_t rel = 7;
        bool portable = true;
        bool ok = sm_ssh_openssh_release(sm_t_b(cases[i].s), &rel, &portable);
        CU_ASSERT_EQUAL(ok, cases[i].ok);
        if (ok != cases[i].ok)
            fprintf(stderr, "\n%s\n", cases[i].s);
        if (ok) {
            CU_ASSERT_EQUAL(rel, cases[i].rel);
            CU_ASSERT_EQUAL(portable, cases[i].portable);
        }
    }
    /* A NULL view is empty, not a crash. */
    struct sm_bytes none = { NULL, 0 };
    uint32_t rel;
    bool portable;
    CU_ASSERT_FALSE(sm_ssh_openssh_release(none, &rel, &portable));
}

/* Hostile strings: every input field empty, one byte, oversized, or the
 * prefix of a real name, in exactly-sized buffers (ASan/valgrind catch a
 * read past the end); none of them may match a flag. */
static void test_ssh_risks_hostile(void)
{
    static const char *const odd[] = {
        "",           "1",          "1.",       "1.9",      "2",        "2.0\0x",   "OpenSSH_",
        "OpenSSH_9.", "ssh-rs",     "ssh-rsa ", "-cbc",     "cbc",      "hmac-sha", "hmac-sha1x",
        "gss-",       "gss--sha1-", "arcfour1", "SSH-1.5-", "\xff\xfe", "none ",
    };
    for (size_t i = 0; i < SM_NELEM(odd); i++) {
        size_t n = strlen(odd[i]);
        uint8_t *exact = malloc(n ? n : 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(exact);
        memcpy(exact, odd[i], n);
        struct sm_bytes b = { exact, n };
        struct sm_ssh_risk_input in;
        sm_t_clean(&in);
        in.proto[0] = in.proto[1] = b;
        in.software[0] = in.software[1] = b;
        in.kex = in.host_key = in.host_key_type = b;
        in.cipher[0] = in.cipher[1] = in.mac[0] = in.mac[1] = b;
        const char *got = sm_t_risks(&in);
        /* "1." is the only odd string that is an SSH-1 version ("1.x"),
         * "1.9" too; "-cbc" alone has no cipher name before the suffix. */
        const char *want = !strncmp(odd[i], "1.", 2) ? "ssh-1:client,ssh-1:server" : "";
        if (strcmp(got, want))
            fprintf(stderr, "\n\"%s\": got \"%s\"\n", odd[i], got);
        CU_ASSERT_STRING_EQUAL(got, want);
        free(exact);
    }
    /* Oversized: 1 MiB of one name-like string, and of digits after the
     * version prefix. */
    size_t big = 1u << 20;
    uint8_t *p = malloc(big);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    memset(p, '9', big);
    memcpy(p, "OpenSSH_", 8);
    struct sm_bytes b = { p, big };
    uint32_t rel;
    bool portable;
    CU_ASSERT_FALSE(sm_ssh_openssh_release(b, &rel, &portable));
    memset(p, 'a', big);
    memcpy(p + big - 4, "-cbc", 4);
    struct sm_ssh_risk_input in;
    sm_t_clean(&in);
    in.cipher[1] = b;
    in.kex = in.host_key = b;
    CU_ASSERT_STRING_EQUAL(sm_t_risks(&in), "cipher-cbc");
    free(p);
}

/* The schema's enum of ssh.risks is the table's names, in table order:
 * a flag added to one and not the other fails here. */
static void test_ssh_risks_schema_names(void)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof(path), "%s/doc/schema/event.schema.json", top ? top : ".");
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    json_t *e = json_object_get(json_object_get(root, "$defs"), "ssh");
    e = json_object_get(json_object_get(e, "properties"), "risks");
    e = json_object_get(json_object_get(e, "items"), "enum");
    CU_ASSERT_FATAL(json_is_array(e));
    const char *names[SM_SSH_RISKS_MAX];
    size_t n = sm_ssh_risk_names(names);
    CU_ASSERT_EQUAL(json_array_size(e), n);
    for (size_t i = 0; i < n && i < json_array_size(e); i++)
        CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(e, i)), names[i]);
    json_decref(root);
}

CU_TestInfo sm_ssh_risks_tests[] = {
    SM_TEST(test_ssh_risks_clean),           SM_TEST(test_ssh_risks_each_flag),
    SM_TEST(test_ssh_risks_negotiated_only), SM_TEST(test_ssh_risks_real_openssh9),
    SM_TEST(test_ssh_risks_release_parse),   SM_TEST(test_ssh_risks_hostile),
    SM_TEST(test_ssh_risks_schema_names),    CU_TEST_INFO_NULL,
};
