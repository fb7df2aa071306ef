/* summary: a libssh client for the lab (another real implementation).
 *
 * Usage: libssh-client HOST PORT KEYFILE COMMAND [KEX,KEX...]
 *
 * Logs in as root with the private KEYFILE (no agent, no other keys, any
 * host key accepted), runs COMMAND, copies its output to stdout and
 * closes the channel and the session in order. The optional last argument
 * restricts the key exchange to those algorithms. Errors are printed as
 * "libssh: STAGE: message" on stderr with exit status 255; otherwise the
 * remote command's exit status. Built by tests/lab/make-lab.sh with
 * `cc ... -lssh` (Debian's libssh-dev). */
#include <libssh/libssh.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(ssh_session s, const char *stage)
{
    fprintf(stderr, "libssh: %s: %s\n", stage, ssh_get_error(s));
    ssh_disconnect(s);
    ssh_free(s);
    return 255;
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: libssh-client HOST PORT KEYFILE COMMAND [KEX,...]\n");
        return 2;
    }
    unsigned int port = (unsigned int)strtoul(argv[2], NULL, 10);
    long timeout = 10;
    ssh_session s = ssh_new();
    if (!s)
        return 255;
    ssh_options_set(s, SSH_OPTIONS_HOST, argv[1]);
    ssh_options_set(s, SSH_OPTIONS_PORT, &port);
    ssh_options_set(s, SSH_OPTIONS_USER, "root");
    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
    /* No ~/.ssh of the host: the lab accepts any host key and reads no
     * configuration file. */
    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
    ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
    ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &(int){ 0 });
    if (argc == 6 && ssh_options_set(s, SSH_OPTIONS_KEY_EXCHANGE, argv[5]) < 0)
        return fail(s, "kex option");
    if (ssh_connect(s) != SSH_OK)
        return fail(s, "connect");
    ssh_key key = NULL;
    if (ssh_pki_import_privkey_file(argv[3], NULL, NULL, NULL, &key) != SSH_OK)
        return fail(s, "key");
    int rc = ssh_userauth_publickey(s, NULL, key);
    ssh_key_free(key);
    if (rc != SSH_AUTH_SUCCESS)
        return fail(s, "auth");
    ssh_channel ch = ssh_channel_new(s);
    if (!ch || ssh_channel_open_session(ch) != SSH_OK ||
        ssh_channel_request_exec(ch, argv[4]) != SSH_OK)
        return fail(s, "exec");
    char buf[4096];
    int n;
    while ((n = ssh_channel_read(ch, buf, sizeof(buf), 0)) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
    while ((n = ssh_channel_read(ch, buf, sizeof(buf), 1)) > 0)
        fwrite(buf, 1, (size_t)n, stderr);
    ssh_channel_send_eof(ch);
    int status = ssh_channel_get_exit_status(ch);
    ssh_channel_close(ch);
    ssh_channel_free(ch);
    ssh_disconnect(s);
    ssh_free(s);
    return status < 0 ? 255 : status;
}
